// The intraoral scans of opened records, in 3-D: every STL, PLY and OBJ of them on
// one WebGL canvas, each in its own coordinates and soft colour, so an upper and a
// lower arch appear together as the scanner placed them, with a legend that shows or
// hides each one. three.js (web/scan3d.js) loads only when this viewer is mounted.
//
// A scan is bundle data: its declared sizes are checked against the bytes present
// before anything is allocated for it, it is drawn only on the canvas, and its names
// reach the page only as text. A damaged scan is said in one sentence while the others
// still show; every file can still be saved from the chart.

// About what a recent computer draws smoothly; a full-arch scan holds 0.2-1 million.
export const MAX_TRIANGLES = 4_000_000;
// A text scan (ASCII STL, OBJ, MTL) is decoded to one string; this keeps it well
// below what engines allow a string and what a tab can parse without stalling.
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;
// Soft colours that tell scans apart on a light background without hiding their relief.
const PALETTE = ["#e8d9b5", "#a9c3df", "#e2b4b4", "#b7d5ae", "#cbb8e2", "#e5c59a"];
const TEXTURE_TYPES = new Map([["png", "image/png"], ["jpg", "image/jpeg"], ["jpeg", "image/jpeg"]]);
const STL_HEADER = 84;
const STL_TRIANGLE = 50;
const ROTATE_STEP = Math.PI / 24;
const NO_WEBGL = "This browser cannot show 3-D here; save the scan to open it in your scanning software.";
const FAILED = "The scans could not be shown; they can still be saved.";
const NOTHING = "There is no STL, PLY or OBJ scan here to show in 3-D; the files can still be saved.";
const HELP = "Drag to rotate, right-drag to pan, scroll or pinch to zoom; on the picture, arrow keys rotate and + and − zoom.";
const ZOOM_STEP = 0.85;

/**
 * What an STL file is, from its first 84 bytes and its size, decided as three.js's
 * STLLoader decides it, so that a file is parsed only when its triangles fit in it.
 *
 * @param {Uint8Array} head the file's first bytes (up to 84)
 * @param {number} size the file's size in bytes
 * @returns {{format: "binary", triangles: number} | {format: "ascii"} | {problem: "short" | "declares-more" | "empty"}}
 */
export function inspectStl(head, size) {
  const ascii = [0, 1, 2, 3, 4].some((at) => String.fromCharCode(...head.subarray(at, at + 5)) === "solid");
  if (head.length < STL_HEADER || size < STL_HEADER) {
    return ascii ? { format: "ascii" } : { problem: "short" };
  }
  const triangles = new DataView(head.buffer, head.byteOffset, STL_HEADER).getUint32(80, true);
  const needed = STL_HEADER + STL_TRIANGLE * triangles;
  if (needed === size) return triangles > 0 ? { format: "binary", triangles } : { problem: "empty" };
  if (ascii) return { format: "ascii" };
  if (needed > size) return { problem: "declares-more" };
  return triangles > 0 ? { format: "binary", triangles } : { problem: "empty" };
}

// The bytes of each PLY scalar type, by both of the names the format allows.
const PLY_TYPES = new Map(
  [["char int8 uchar uint8", 1], ["short int16 ushort uint16", 2], ["int int32 uint uint32 float float32", 4], ["double float64", 8]]
    .flatMap(([names, bytes]) => names.split(" ").map((name) => [name, bytes])),
);
// A PLY header is a few lines; one that has not ended by then is not a PLY header.
export const PLY_HEADER_LIMIT = 64 * 1024;

/**
 * What a PLY file is, from its header (in the first {@link PLY_HEADER_LIMIT} bytes)
 * and its size: its format and face count, or why it cannot be drawn. Each element's
 * declared count is checked against the bytes present (for ASCII, two bytes a value
 * at least), and an element without values is refused, so three.js's PLYLoader never
 * loops longer than the file.
 *
 * @param {Uint8Array} head the file's first bytes
 * @param {number} size the file's size in bytes
 * @returns {{format: "ascii" | "binary", faces: number} | {problem: "header" | "declares-more"}}
 */
export function inspectPly(head, size) {
  const text = new TextDecoder("latin1").decode(head.subarray(0, PLY_HEADER_LIMIT));
  const end = /^ply\r?\n(?:[^\n]*\n)*?end_header\r?\n/.exec(text);
  if (!end) return { problem: "header" };
  let format = null;
  let needed = 0;
  let faces = 0;
  let element = null;
  const finish = () => {
    if (!element) return true;
    if (element.count > 0 && element.row === 0) return false;
    needed += element.count * (format === "ascii" ? 2 * element.values : element.row);
    return true;
  };
  for (const line of end[0].split(/\r?\n/).slice(1, -2)) {
    const words = line.trim().split(/\s+/);
    if (words[0] === "format") {
      format = words[1] === "ascii" ? "ascii" : /^binary_(little|big)_endian$/.test(words[1]) ? "binary" : null;
    } else if (words[0] === "element") {
      if (!finish() || !/^\d+$/.test(words[2] || "")) return { problem: "header" };
      element = { count: Number(words[2]), row: 0, values: 0 };
      if (words[1] === "face") faces += element.count;
    } else if (words[0] === "property" && element) {
      const scalar = PLY_TYPES.get(words[1] === "list" ? words[2] : words[1]);
      if (!scalar || (words[1] === "list" && !PLY_TYPES.has(words[3]))) return { problem: "header" };
      element.row += scalar;
      element.values += 1;
    }
  }
  if (!format || !finish()) return { problem: "header" };
  // The last ASCII value needs no separator after it.
  const fits = end[0].length + needed <= size + (format === "ascii" ? 1 : 0);
  return fits ? { format, faces } : { problem: "declares-more" };
}

/**
 * The file name at the end of a bundle path or an MTL's texture reference.
 *
 * @param {string} path
 * @returns {string}
 */
export function baseName(path) {
  return String(path).split(/[\\/]/).pop() || "";
}

function extension(name) {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/**
 * Which items are scans to draw, and what each OBJ needs: its MTL (named by its
 * `mtllib`, or beside it with the same base name) and the pictures it may use.
 * MTLs and pictures are parts of a scan, not scans; anything else is a scan this
 * viewer cannot draw.
 *
 * @param {{name: string, path: string, blob: Blob, mediaType: string}[]} items
 * @returns {{scans: {item: object, format: string}[], byName: Map<string, object>}}
 */
export function planScans(items) {
  const byName = new Map();
  for (const item of items) byName.set(baseName(item.name || item.path).toLowerCase(), item);
  const scans = [];
  for (const item of items) {
    const format = extension(baseName(item.name || item.path));
    if (format === "mtl" || TEXTURE_TYPES.has(format)) continue;
    scans.push({ item, format: ["stl", "obj", "ply"].includes(format) ? format : "other" });
  }
  return { scans, byName };
}

/**
 * The MTL file an OBJ names in its first `mtllib` statement, else one with the OBJ's
 * base name.
 *
 * @param {string} objText
 * @param {string} objName
 * @returns {string[]} candidate file names, lower-cased, best first
 */
export function mtlNames(objText, objName) {
  const named = /^[ \t]*mtllib[ \t]+(.+?)[ \t]*$/m.exec(objText);
  const names = named ? [baseName(named[1]).toLowerCase()] : [];
  names.push(`${objName.replace(/\.[^.]*$/, "")}.mtl`.toLowerCase());
  return names;
}

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function damaged(name, problem, what = "triangles") {
  const why = {
    short: "it is too short to be an STL file",
    "declares-more": `it declares more ${what} than it holds`,
    empty: "it holds no triangles",
    header: "its header cannot be read",
  }[problem];
  return `${name} is damaged: ${why}; it can still be saved.`;
}

async function readText(item) {
  if (item.blob.size > MAX_TEXT_BYTES) return null;
  return item.blob.text();
}

// One scan's model, or the sentence that says why it is not shown.
async function loadScan(three, scan, colour, budget, byName) {
  const { item, format } = scan;
  const name = baseName(item.name || item.path);
  const tooBig = `${name} is too large to show here; it can still be saved.`;
  if (format === "stl") {
    const head = new Uint8Array(await item.blob.slice(0, STL_HEADER).arrayBuffer());
    const seen = inspectStl(head, item.blob.size);
    if (seen.problem) return { problem: damaged(name, seen.problem) };
    if (seen.format === "binary" && seen.triangles > budget) return { problem: overBudget(name) };
    if (seen.format === "ascii" && item.blob.size > MAX_TEXT_BYTES) return { problem: tooBig };
    const model = three.stlMesh(await item.blob.arrayBuffer(), colour);
    return { model, notes: [] };
  }
  if (format === "ply") {
    const seen = inspectPly(new Uint8Array(await item.blob.slice(0, PLY_HEADER_LIMIT).arrayBuffer()), item.blob.size);
    if (seen.problem) return { problem: damaged(name, seen.problem, "values") };
    if (seen.faces > budget) return { problem: overBudget(name) };
    if (seen.format === "ascii" && item.blob.size > MAX_TEXT_BYTES) return { problem: tooBig };
    const model = three.plyMesh(await item.blob.arrayBuffer(), colour);
    if (!model) return { problem: `${name} holds points but no surface to show; it can still be saved.` };
    return { model, notes: [] };
  }
  if (format === "obj") {
    const text = await readText(item);
    if (text === null) return { problem: tooBig };
    const notes = [];
    let materials = null;
    const mtlName = mtlNames(text, name).find((candidate) => byName.has(candidate));
    if (mtlName) {
      const mtlText = await readText(byName.get(mtlName));
      if (mtlText !== null) {
        const findTexture = (wanted) => {
          const picture = byName.get(wanted.toLowerCase());
          const type = picture && TEXTURE_TYPES.get(extension(wanted));
          return type ? new Blob([picture.blob], { type }) : null;
        };
        const loaded = three.mtlMaterials(mtlText, findTexture);
        await loaded.ready;
        materials = loaded.creator;
        for (const missing of loaded.missing) notes.push(`texture ${missing} is not in the records, so it is left out`);
      }
    } else if (/^[ \t]*mtllib[ \t]/m.test(text)) {
      notes.push("its material file is not in the records, so it is shown in a plain colour");
    }
    const model = three.objGroup(text, materials, colour);
    return { model, notes };
  }
  return { problem: `${name} is a kind of scan this page cannot show in 3-D; it can still be saved.`, unsupported: true };
}

function overBudget(name) {
  return `${name} is not shown: with it the scans would hold more than ${MAX_TRIANGLES / 1e6} million triangles, more than this page draws; it can still be saved.`;
}

function settle(container, state) {
  container.dataset.preview = state;
}

/**
 * Show the scans of opened records in 3-D in `container`: one canvas with every STL,
 * PLY and OBJ (an OBJ with the MTL and pictures it names, found among `items` by file
 * name), a legend with a checkbox per scan, and a "Reset view" button. Sets
 * `data-preview-kind="scan"` and, once settled, `data-preview` (`shown` when any scan
 * shows, `unsupported` without WebGL or when every file is of a format it cannot
 * draw, else `error`). Never throws.
 *
 * @param {HTMLElement} container
 * @param {{name: string, path: string, blob: Blob, mediaType: string}[]} items
 * @param {{title?: string}} [options]
 * @returns {{destroy(): void}}
 */
export function mountScanViewer(container, items, options = {}) {
  const title = options?.title;
  const held = { stage: null, destroyed: false, cleanups: [] };
  container.dataset.previewKind = "scan";
  container.classList.add("scan-viewer");
  container.replaceChildren(element("p", "scan-status", "Loading the scans…"));
  show(container, items, title, held).catch(() => {
    if (held.destroyed) return;
    release(held);
    container.replaceChildren(element("p", "scan-message", FAILED));
    settle(container, "error");
  });
  return {
    destroy() {
      held.destroyed = true;
      release(held);
      container.replaceChildren();
    },
  };
}

function release(held) {
  for (const cleanup of held.cleanups.splice(0)) cleanup();
  held.stage?.dispose();
  held.stage = null;
}

async function show(container, items, title, held) {
  const { scans, byName } = planScans(items);
  if (scans.length === 0) {
    container.replaceChildren(element("p", "scan-message", NOTHING));
    settle(container, "unsupported");
    return;
  }
  const three = await import("./scan3d.js");
  if (held.destroyed) return;
  const canvas = element("canvas", "scan-canvas");
  const stage = three.createStage(canvas);
  if (!stage) {
    container.replaceChildren(element("p", "scan-message", NO_WEBGL));
    settle(container, "unsupported");
    return;
  }
  held.stage = stage;
  const legend = element("ul", "scan-legend");
  const shown = [];
  let unsupported = 0;
  let budget = MAX_TRIANGLES;
  for (const [index, scan] of scans.entries()) {
    const colour = PALETTE[index % PALETTE.length];
    let result;
    try {
      result = await loadScan(three, scan, colour, budget, byName);
    } catch {
      result = { problem: `${baseName(scan.item.name || scan.item.path)} could not be read as a 3-D scan; it can still be saved.` };
    }
    if (held.destroyed) {
      if (result.model) three.disposeObject(result.model);
      return;
    }
    // three's loaders make an empty model of text that only looks like a scan ("solid"
    // and then anything): nothing to show is a damaged file, not a scan shown.
    if (result.model && three.triangleCount(result.model) === 0) {
      three.disposeObject(result.model);
      result = { problem: damaged(baseName(scan.item.name || scan.item.path), "empty") };
    }
    if (result.model && three.triangleCount(result.model) > budget) {
      three.disposeObject(result.model);
      result = { problem: overBudget(baseName(scan.item.name || scan.item.path)) };
    }
    if (result.problem) {
      legend.append(element("li", "scan-problem", result.problem));
      if (result.unsupported) unsupported += 1;
      continue;
    }
    budget -= three.triangleCount(result.model);
    stage.add(result.model);
    const name = baseName(scan.item.name || scan.item.path);
    shown.push(name);
    legend.append(legendEntry(held, stage, result.model, name, three.hasOwnColours(result.model) ? null : colour, result.notes));
  }
  if (shown.length === 0) {
    release(held);
    container.replaceChildren(legend);
    settle(container, unsupported === scans.length ? "unsupported" : "error");
    return;
  }
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${title ? `${title}: ` : ""}3-D view of ${shown.join(", ")}. ${HELP}`);
  const frame = element("div", "scan-stage");
  frame.append(canvas);
  const reset = element("button", "scan-reset", "Reset view");
  reset.type = "button";
  const tools = element("div", "scan-tools");
  tools.append(reset, element("span", "scan-help", HELP));
  container.replaceChildren(frame, tools, legend);
  listen(held, reset, "click", () => stage.reset());
  listen(held, canvas, "keydown", (event) => {
    const turn = { ArrowLeft: [ROTATE_STEP, 0], ArrowRight: [-ROTATE_STEP, 0], ArrowUp: [0, ROTATE_STEP], ArrowDown: [0, -ROTATE_STEP] }[event.key];
    const zoom = { "+": ZOOM_STEP, "=": ZOOM_STEP, "-": 1 / ZOOM_STEP }[event.key];
    if (!turn && !zoom) return;
    event.preventDefault();
    if (turn) stage.rotate(...turn);
    else stage.zoom(zoom);
  });
  // The picture follows the canvas's size as the page lays it out (a phone turning, say).
  const observer = new ResizeObserver(() => stage.resize(canvas.clientWidth, canvas.clientHeight));
  observer.observe(canvas);
  held.cleanups.push(() => observer.disconnect());
  stage.resize(canvas.clientWidth, canvas.clientHeight);
  settle(container, "shown");
}

function listen(held, target, type, handler) {
  target.addEventListener(type, handler);
  held.cleanups.push(() => target.removeEventListener(type, handler));
}

function legendEntry(held, stage, model, name, colour, notes) {
  const entry = element("li", "scan-entry");
  const label = element("label");
  const box = element("input");
  box.type = "checkbox";
  box.checked = true;
  listen(held, box, "change", () => stage.setVisible(model, box.checked));
  const swatch = element("span", "scan-swatch");
  swatch.setAttribute("aria-hidden", "true");
  if (colour) swatch.style.backgroundColor = colour;
  else swatch.classList.add("scan-swatch-own");
  label.append(box, swatch, element("span", "scan-name", name));
  if (!colour) label.append(element("span", "scan-note", " (in its own colours)"));
  entry.append(label);
  for (const note of notes) entry.append(element("span", "scan-note", ` — ${note}.`));
  return entry;
}
