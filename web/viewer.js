// The DICOM viewer of one series, as the Open view mounts it when a receiver opens the
// series: the images in scroll order with their window, measurements and orientation,
// and for a volume the two reconstructed planes linked by a cross-hair, so records are
// read as the sender meant them. It reads headers first (small facts only), decodes
// frames when shown, and never lets a bad file take the page down: what cannot be
// shown is said in one sentence, and the file can still be saved from the chart.

import { CT_PRESETS, draggedWindow } from "./viewer-draw.js";
import { PlaneView } from "./viewer-plane.js";
import { failureSentence, frameDecoder, isUnsupported, readHeader } from "./viewer-series.js";
import { AcquiredSource, ReconstructedSource } from "./viewer-sources.js";
import { FrameStore, orderFrames } from "./viewer-stack.js";
import {
  buildVolume,
  extractPlane,
  planeLayout,
  planePosition,
  planeToVoxel,
  volumeGeometry,
  voxelToPlane,
} from "./viewer-volume.js";

const TOOLS = [
  ["window", "Window/level"],
  ["pan", "Pan"],
  ["measure", "Measure"],
];

function button(text, onClick) {
  const node = Object.assign(document.createElement("button"), { type: "button", textContent: text });
  node.addEventListener("click", onClick);
  return node;
}

function group(label, ...children) {
  const node = document.createElement("div");
  node.className = "viewer-tools";
  node.setAttribute("role", "group");
  node.setAttribute("aria-label", label);
  node.append(...children);
  return node;
}

// How many images are tried, one after another, before a series is said not to show.
const FIRST_IMAGE_TRIES = 32;

// A DICOM date (YYYYMMDD) as people read it; anything else as it is.
const displayDate = (value) =>
  /^\d{8}$/.test(value ?? "") ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}` : value;

const plural = (count, one) => `${count} ${one}${count === 1 ? "" : "s"}`;

class SeriesViewer {
  tool = "window";
  window = null;
  shownWindow = { center: 0, width: 1 };
  volume = null;
  volumeWindow = null;
  cursor = null;
  planes = [];
  #settled = false;
  #tries = 0;
  #about = ""; // the series' description and date
  #destroyed = false;
  #store = null;
  #cuts = new Map();

  constructor(container, items, title) {
    this.container = container;
    this.items = items;
    this.root = document.createElement("section");
    this.root.className = "viewer";
    this.root.setAttribute("aria-label", title ? `Images of ${title}` : "Images of the series");
    this.status = Object.assign(document.createElement("p"), { className: "viewer-status" });
    this.status.setAttribute("role", "status");
    this.note = Object.assign(document.createElement("p"), { className: "viewer-note", hidden: true });
    this.toolbar = document.createElement("div");
    this.toolbar.className = "viewer-toolbar";
    this.toolbar.hidden = true;
    this.grid = document.createElement("div");
    this.grid.className = "viewer-planes";
    this.root.append(this.status, this.toolbar, this.grid, this.note);
    container.append(this.root);
  }

  /** Read the series and show it; settles the container's data-preview. */
  async start() {
    const { items } = this;
    const files = [];
    const failures = [];
    for (const [index, item] of items.entries()) {
      this.status.textContent = `Reading ${index + 1} of ${plural(items.length, "image")}…`;
      try {
        files.push({ name: item.name, item, header: await readHeader(item) });
      } catch (error) {
        failures.push({ name: item.name, error });
      }
      if (this.#destroyed) return;
    }
    if (!files.length) {
      this.#giveUp(failures);
      return;
    }
    this.items = files.map(({ item }) => item);
    const { seriesDescription, seriesDate } = files[0].header;
    this.#about = [seriesDescription, displayDate(seriesDate)].filter(Boolean).join(" · ");
    const frames = orderFrames(files);
    this.#store = new FrameStore(frames.length, frameDecoder(this.items, frames));
    this.acquired = new AcquiredSource(this, frames, this.#store);
    this.#makeToolbar(files[0].header.modality === "CT");
    this.#addPlane(this.acquired);
    this.planes[0].view.show(0);
    this.status.textContent = this.#counted(frames);
    if (failures.length) {
      const first = failureSentence(failures[0].name, failures[0].error);
      this.#say(`${plural(failures.length, "file")} of the series could not be read. ${first}`);
    }
    const { geometry, reason } = volumeGeometry(frames);
    if (geometry) await this.#reconstruct(geometry, frames);
    else if (frames.length >= 3 && !this.#destroyed) this.#say(`No other planes are shown: ${reason}.`);
  }

  /** The series as its status line names it: its description and date, and its images. */
  #counted(frames) {
    return [this.#about, plural(frames.length, "image")].filter(Boolean).join(" · ");
  }

  /** The file name of file `index` of the series. */
  nameOf(index) {
    return this.items[index].name;
  }

  /** Plane `index` of `layout` as a gray frame of the volume. */
  volumeFrame(layout, index) {
    const volume = this.volume;
    let cut = this.#cuts.get(layout.fixed);
    if (!cut && layout.fixed !== 2) {
      cut = new volume.data.constructor(layout.width * layout.height);
      this.#cuts.set(layout.fixed, cut);
    }
    return { ...volume.pixels, width: layout.width, height: layout.height, values: extractPlane(volume, layout, index, cut) };
  }

  /** The position (mm) of plane `index` of `layout` along its normal. */
  positionOf(layout, index) {
    return planePosition(this.volume, layout, index);
  }

  /** The window a frame of a plane is drawn with: the one chosen, else the plane's default. */
  windowFor(source, index, frame) {
    return this.window ?? source.defaultWindow(index, frame);
  }

  /** A plane painted (`error` null) or failed; the first outcome settles the preview. */
  painted(plane, error, window) {
    if (window) this.shownWindow = window;
    if (this.#settled || plane !== this.planes[0].view) return;
    if (!error) {
      this.#settle("shown");
      return;
    }
    // Until one image shows, the next is tried: past every frame of a file that failed
    // as a whole (a file declaring millions of frames fails once, not per frame), and
    // no more than FIRST_IMAGE_TRIES images in all.
    const frames = this.acquired.frames;
    const failed = frames[plane.index].file;
    let next = plane.index + 1;
    if (error.wholeFile) while (next < plane.count && frames[next].file === failed) next += 1;
    this.#tries += 1;
    if (next < plane.count && this.#tries < FIRST_IMAGE_TRIES) {
      plane.show(next);
      return;
    }
    this.#giveUp([{ name: this.nameOf(failed), error }]);
  }

  /** A drag of (`dx`, `dy`) pixels with the window/level tool. */
  dragWindow(dx, dy) {
    this.window = draggedWindow(this.window ?? this.shownWindow, dx, dy);
    this.#repaintAll();
  }

  /** A click at image point `point` of `plane`: the other planes go through it. */
  clicked(plane, point) {
    const entry = this.planes.find((candidate) => candidate.view === plane);
    if (!this.volume || !entry) return;
    const scale = entry.scale;
    this.cursor = planeToVoxel(entry.layout, plane.index, point.x / scale, point.y / scale);
    for (const other of this.planes) if (other !== entry) other.view.show(this.cursor[other.layout.fixed]);
    this.#markAll();
  }

  /** `plane` scrolled: the cross-hair follows. */
  scrolled(plane) {
    const entry = this.planes.find((candidate) => candidate.view === plane);
    if (!this.cursor || !entry) return;
    this.cursor[entry.layout.fixed] = plane.index;
    this.#markAll();
  }

  /** Stop reading, let go of every frame, the volume and the listeners, and leave. */
  destroy() {
    this.#destroyed = true;
    this.#store?.close();
    for (const { view } of this.planes) view.destroy();
    this.planes = [];
    this.volume = null;
    this.#cuts.clear();
    this.root.remove();
  }

  #settle(state) {
    this.#settled = true;
    this.container.dataset.preview = state;
  }

  #say(text) {
    this.note.textContent = this.note.hidden ? text : `${this.note.textContent} ${text}`;
    this.note.hidden = false;
  }

  #giveUp(failures) {
    const unsupported = failures.every(({ error }) => isUnsupported(error));
    const first = failures[0];
    this.status.textContent =
      failures.length === 1
        ? failureSentence(first.name, first.error)
        : `None of the ${failures.length} images of this series could be shown here; ${failureSentence(first.name, first.error)}`;
    this.toolbar.hidden = true;
    this.grid.hidden = true;
    this.#settle(unsupported ? "unsupported" : "error");
  }

  #addPlane(source, layout = null, scale = 1) {
    const view = new PlaneView(this, source);
    this.planes.push({ view, layout, scale });
    this.grid.append(view.element);
    this.grid.dataset.planes = String(this.planes.length);
    return view;
  }

  #repaintAll() {
    for (const { view } of this.planes) view.repaint();
  }

  #markAll() {
    for (const { view, layout, scale } of this.planes) {
      const { x, y } = voxelToPlane(layout, this.cursor);
      view.setMarks({ x: x * scale, y: y * scale });
    }
  }

  #makeToolbar(isCT) {
    const tools = TOOLS.map(([tool, label]) => {
      const node = button(label, () => {
        this.tool = tool;
        for (const other of tools) other.setAttribute("aria-pressed", String(other === node));
      });
      node.setAttribute("aria-pressed", String(tool === this.tool));
      return node;
    });
    const preset = (label, window) =>
      button(label, () => {
        this.window = window;
        this.#repaintAll();
      });
    const presets = [preset("Default", null)];
    if (isCT) presets.push(preset("Bone", CT_PRESETS.bone), preset("Soft tissue", CT_PRESETS.soft));
    const zoom = (factor) => () => this.planes.forEach(({ view }) => view.zoomBy(factor));
    const reset = () => {
      this.window = null;
      for (const { view } of this.planes) view.reset();
      this.#repaintAll();
    };
    this.toolbar.append(
      group("Left button", ...tools),
      group("Window", ...presets),
      group("View", button("Zoom in", zoom(1.25)), button("Zoom out", zoom(0.8)), button("Reset", reset)),
    );
    this.toolbar.hidden = false;
  }

  async #reconstruct(geometry, frames) {
    const progress = (done) => {
      this.status.textContent = `${this.#counted(frames)} · building the other planes: ${done} of ${frames.length} slices…`;
    };
    const built = await buildVolume(geometry, frameDecoder(this.items, frames), progress, () => this.#destroyed);
    if (this.#destroyed) return;
    if (built.error) {
      this.status.textContent = this.#counted(frames);
      this.#say(`No other planes are shown: ${built.error}.`);
      return;
    }
    this.volume = built.volume;
    this.volumeWindow = this.acquired.frames[0].header.windows?.[0] ?? built.volume.window;
    const acquired = planeLayout(this.volume, 2);
    const factor = this.volume.factor;
    Object.assign(this.planes[0], { layout: acquired, scale: factor });
    if (factor === 1) this.#store.close();
    for (const fixed of [1, 0]) this.#addPlane(new ReconstructedSource(this, planeLayout(this.volume, fixed)), planeLayout(this.volume, fixed));
    this.cursor = [acquired.width >> 1, acquired.height >> 1, this.planes[0].view.index];
    for (const entry of this.planes.slice(1)) entry.view.show(this.cursor[entry.layout.fixed]);
    this.#markAll();
    this.status.textContent = `${this.#counted(frames)} · with the two planes reconstructed across them`;
    if (factor > 1) {
      this.#say(`The other planes are reconstructed at 1/${factor} of the resolution in-plane, to stay within the memory a page may use.`);
    }
  }
}

/**
 * Show the DICOM images of one series (`items`: `{name, path, blob}`, any order) in
 * `container`, which gets `data-preview-kind="dicom"` and, once the first image is
 * drawn or cannot be, `data-preview` = `shown`, `unsupported` or `error`. Returns
 * `{destroy()}`, which releases every frame, the volume and the listeners.
 */
export function mountSeriesViewer(container, items, { title } = {}) {
  container.dataset.previewKind = "dicom";
  let viewer = null;
  const fail = (error) => {
    container.dataset.preview = "error";
    container.textContent = failureSentence(title ?? "This series", error);
  };
  try {
    viewer = new SeriesViewer(container, items, title);
    viewer.start().catch(fail);
  } catch (error) {
    fail(error);
  }
  return { destroy: () => viewer?.destroy() };
}
