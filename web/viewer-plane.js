// One plane of the viewer on screen: a canvas holding the frame's own pixels (so what
// is drawn is exactly the windowed image), placed and scaled in its viewport for the
// physical aspect, zoom and pan, with text, orientation letters, the cross-hair and
// the measured line laid over it. Frames come from a source (the series' decoded
// frames, or planes cut from the volume); painting waits for the next animation
// frame, so scrolling faster than the screen paints only what the screen shows.

import { GrayPainter, edgeMarkers, measuredLength } from "./viewer-draw.js";
import { attachInput } from "./viewer-input.js";

const SVG = "http://www.w3.org/2000/svg";
const ZOOM_LIMITS = [0.25, 16];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgLine(className) {
  const line = document.createElementNS(SVG, "line");
  line.setAttribute("class", className);
  return line;
}

/**
 * A plane shown in the viewer. `source` gives `count`, `name`, `unit` (what one step
 * is called), `frame(index, ready)`, `spacing(index)`, `orientation(index)` (the
 * patient directions of right and down, or null) and `describe(index)`; `viewer`
 * gives the shared window, tool and cross-hair.
 */
export class PlaneView {
  index = 0;
  zoom = 1;
  pan = { x: 0, y: 0 };
  measure = null;
  #viewer;
  #source;
  #painter = new GrayPainter();
  #image = null;
  #pending = 0;
  #marks = null;
  #fit = { width: 1, height: 1 };
  #observer;
  #detach;

  constructor(viewer, source) {
    this.#viewer = viewer;
    this.#source = source;
    this.element = element("figure", "viewer-plane");
    this.element.dataset.plane = source.name.toLowerCase();
    this.caption = element("figcaption", "viewer-plane-name", source.name);
    this.viewport = element("div", "viewer-viewport");
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute("role", "group");
    this.viewport.setAttribute(
      "aria-label",
      `${source.name} plane: arrow keys, Page Up, Page Down, Home and End move through the ${source.unit}s`,
    );
    this.canvas = element("canvas", "viewer-canvas");
    this.canvas.setAttribute("role", "img");
    this.overlay = document.createElementNS(SVG, "svg");
    this.overlay.setAttribute("class", "viewer-overlay");
    this.overlay.setAttribute("aria-hidden", "true");
    this.crossLines = [svgLine("viewer-cross"), svgLine("viewer-cross")];
    this.measureLine = svgLine("viewer-measure-line");
    this.overlay.append(...this.crossLines, this.measureLine);
    this.info = element("div", "viewer-info viewer-info-top");
    this.levels = element("div", "viewer-info viewer-info-bottom");
    this.spacingText = element("div", "viewer-info viewer-info-scale");
    this.markers = Object.fromEntries(
      ["left", "right", "top", "bottom"].map((edge) => {
        const marker = element("span", "viewer-marker");
        marker.dataset.edge = edge;
        return [edge, marker];
      }),
    );
    this.message = element("p", "viewer-message");
    this.message.hidden = true;
    this.viewport.append(this.canvas, this.overlay, this.info, this.levels, this.spacingText, ...Object.values(this.markers), this.message);
    this.slider = element("input", "viewer-slider");
    Object.assign(this.slider, { type: "range", min: "1", max: String(source.count), step: "1", value: "1" });
    this.slider.setAttribute("aria-label", `${source.name} ${source.unit}`);
    this.slider.hidden = source.count < 2;
    this.slider.addEventListener("input", () => this.show(Number(this.slider.value) - 1));
    this.measured = element("p", "viewer-measured");
    this.measured.setAttribute("aria-live", "polite");
    this.element.append(this.caption, this.viewport, this.slider, this.measured);
    this.#detach = attachInput(this, viewer);
    this.#observer = new ResizeObserver(() => this.#place());
    this.#observer.observe(this.viewport);
  }

  /** How many frames the plane has. */
  get count() {
    return this.#source.count;
  }

  /** Show frame `index` (clamped to the plane's frames). */
  show(index) {
    const next = Math.min(this.count - 1, Math.max(0, Math.round(index)));
    if (next !== this.index) {
      this.index = next;
      this.measure = null;
      this.#viewer.scrolled(this);
    }
    this.slider.value = String(next + 1);
    this.repaint();
  }

  /** Paint again at the next animation frame (the window or the cross-hair changed). */
  repaint() {
    if (!this.#pending) this.#pending = requestAnimationFrame(() => this.#paint());
  }

  /** Put the cross-hair through pixel (`x`, `y`) of the plane, or take it away (null). */
  setMarks(point) {
    this.#marks = point;
    this.#drawOverlay();
  }

  /** Zoom by `factor` about viewport point (`cx`, `cy`) (CSS pixels; default its centre). */
  zoomBy(factor, cx = this.viewport.clientWidth / 2, cy = this.viewport.clientHeight / 2) {
    const zoom = Math.min(ZOOM_LIMITS[1], Math.max(ZOOM_LIMITS[0], this.zoom * factor));
    const before = this.#transform();
    const applied = zoom / this.zoom;
    this.zoom = zoom;
    const after = this.#transform();
    this.pan.x += cx - (cx - before.x) * applied - after.x;
    this.pan.y += cy - (cy - before.y) * applied - after.y;
    this.#place();
  }

  /** Move the image by (`dx`, `dy`) CSS pixels. */
  panBy(dx, dy) {
    this.pan.x += dx;
    this.pan.y += dy;
    this.#place();
  }

  /** Back to the whole image, unzoomed, with no measurement. */
  reset() {
    this.zoom = 1;
    this.pan = { x: 0, y: 0 };
    this.measure = null;
    this.#place();
  }

  /** The image pixel (fractional) under viewport point (`cx`, `cy`). */
  toImage(cx, cy) {
    const { x, y, ux, uy } = this.#transform();
    return { x: (cx - x) / ux, y: (cy - y) / uy };
  }

  /** Draw the measured line from `a` to `b` (image pixels), or none when `a` is null. */
  setMeasure(a, b) {
    this.measure = a ? { a, b } : null;
    this.#drawOverlay();
  }

  /** Let go of the canvas' pixels, the listeners and the pending paint. */
  destroy() {
    cancelAnimationFrame(this.#pending);
    this.#observer.disconnect();
    this.#detach();
    this.#image = null;
    this.canvas.width = this.canvas.height = 0;
  }

  #transform() {
    const { width, height } = this.canvas;
    const w = this.#fit.width * this.zoom;
    const h = this.#fit.height * this.zoom;
    return {
      x: (this.viewport.clientWidth - w) / 2 + this.pan.x,
      y: (this.viewport.clientHeight - h) / 2 + this.pan.y,
      ux: w / Math.max(width, 1),
      uy: h / Math.max(height, 1),
    };
  }

  #place() {
    const { width, height } = this.canvas;
    const spacing = this.#source.spacing(this.index);
    const physical = [width * (spacing?.horizontal ?? 1), height * (spacing?.vertical ?? 1)];
    const room = [this.viewport.clientWidth, this.viewport.clientHeight];
    const fit = Math.min(room[0] / physical[0], room[1] / physical[1]) || 1;
    this.#fit = { width: physical[0] * fit, height: physical[1] * fit };
    this.canvas.style.width = `${this.#fit.width}px`;
    this.canvas.style.height = `${this.#fit.height}px`;
    const { x, y } = this.#transform();
    this.canvas.style.transform = `translate(${x}px, ${y}px) scale(${this.zoom})`;
    this.#drawOverlay();
  }

  #paint() {
    this.#pending = 0;
    const index = this.index;
    const outcome = this.#source.frame(index, (ready) => {
      if (ready === this.index) this.repaint();
    });
    if (!outcome) return;
    if (outcome.error) {
      this.#fail(index, outcome.error);
      return;
    }
    const { frame } = outcome;
    const sized = this.canvas.width !== frame.width || this.canvas.height !== frame.height;
    if (sized || !this.#image) {
      this.canvas.width = frame.width;
      this.canvas.height = frame.height;
      this.#image = new ImageData(frame.width, frame.height);
    }
    const gray = frame.kind === "gray";
    const window = gray ? this.#viewer.windowFor(this.#source, index, frame) : null;
    if (gray) this.#painter.paint(frame, window, this.#image.data);
    else this.#image.data.set(frame.rgba);
    this.canvas.getContext("2d").putImageData(this.#image, 0, 0);
    this.message.hidden = true;
    delete this.viewport.dataset.imageError;
    this.#describe(index, window);
    this.#place();
    this.viewport.dataset.index = String(index);
    this.#viewer.painted(this, null, window);
  }

  #fail(index, error) {
    this.canvas.getContext("2d").clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.message.textContent = this.#source.failure(index, error);
    this.message.hidden = false;
    this.viewport.dataset.imageError = this.message.textContent;
    this.#describe(index, null);
    this.viewport.dataset.index = String(index);
    this.#viewer.painted(this, error);
  }

  #describe(index, window) {
    const source = this.#source;
    const lines = source.describe(index);
    this.info.textContent = lines.join("\n");
    const spacing = source.spacing(index);
    this.levels.textContent = window ? `W ${Math.round(window.width)} L ${Math.round(window.center)}` : "";
    const where = spacing?.detector ? "\nat the detector" : "";
    this.spacingText.textContent = spacing ? `Pixel ${spacing.vertical.toFixed(2)} × ${spacing.horizontal.toFixed(2)} mm${where}` : "";
    const directions = source.orientation(index);
    const edges = directions ? edgeMarkers(directions.right, directions.down) : null;
    for (const [edge, marker] of Object.entries(this.markers)) marker.textContent = edges?.[edge] ?? "";
    const said = edges ? `; left edge ${edges.left}, right ${edges.right}, top ${edges.top}, bottom ${edges.bottom}` : "";
    const level = window ? `; window ${Math.round(window.width)}, level ${Math.round(window.center)}` : "";
    this.canvas.setAttribute("aria-label", `${source.name}: ${lines.join(", ")}${said}${level}`);
  }

  #drawOverlay() {
    const { x, y, ux, uy } = this.#transform();
    const screen = (p) => [x + p.x * ux, y + p.y * uy];
    const [across, down] = this.crossLines;
    const size = [this.viewport.clientWidth, this.viewport.clientHeight];
    this.overlay.setAttribute("viewBox", `0 0 ${size[0]} ${size[1]}`);
    if (this.#marks) {
      const [mx, my] = screen(this.#marks);
      const set = (line, x1, y1, x2, y2) => Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => line.setAttribute(k, v));
      set(across, 0, my, size[0], my);
      set(down, mx, 0, mx, size[1]);
    }
    for (const line of this.crossLines) line.setAttribute("visibility", this.#marks ? "visible" : "hidden");
    this.measureLine.setAttribute("visibility", this.measure ? "visible" : "hidden");
    if (!this.measure) {
      this.measured.textContent = "";
      return;
    }
    const [x1, y1] = screen(this.measure.a);
    const [x2, y2] = screen(this.measure.b);
    Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => this.measureLine.setAttribute(k, v));
    const length = measuredLength(this.measure.a, this.measure.b, this.#source.spacing(this.index));
    this.measured.textContent = `Measured length: ${length.text}`;
    this.measured.dataset.value = String(length.value);
    this.measured.dataset.unit = length.unit;
  }
}
