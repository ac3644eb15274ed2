// A patient's photo series laid out as orthodontists lay out a records composite:
// the faces on top, the occlusals in the middle, the bite from right to left below,
// so a receiver reads it at a glance instead of hunting through file names. Each photo
// sits in the slot its ADA-1100 view names (the Python chart maps view to slot and
// says which mirror photos must be flipped back); what has no slot follows the grid.
//
// A photo is bundle data: it is drawn only as an <img> from a blob: URL of a Blob
// whose type this module sets, and only for JPEG and PNG, which every engine decodes
// without running anything. Each URL is revoked once its picture has loaded. A DICOM
// photograph (a VL Photographic Image whose view is known) becomes such a Blob first:
// its JPEG baseline frame as it is, any other frame decoded by the page's DICOM
// reader, drawn to a canvas and encoded as PNG.

const DRAWN_TYPES = new Set(["image/jpeg", "image/png"]);
const DICOM_TYPE = "application/dicom";
const JPEG_BASELINE = "1.2.840.10008.1.2.4.50";
const FLIP_NOTE = "(shown flipped back: taken in a mirror)";
const NOT_SHOWN = "This photo could not be shown; it can still be saved.";

/** The composite's slots, row by row, with the words an empty one shows. */
const ROWS = [
  [["profile", "Profile"], ["frontal-rest", "Frontal at rest"], ["frontal-smile", "Frontal smiling"]],
  [["upper-occlusal", "Upper occlusal"], ["lower-occlusal", "Lower occlusal"]],
  [["right-buccal", "Right buccal"], ["frontal-intraoral", "Frontal intraoral"], ["left-buccal", "Left buccal"]],
];
const SLOTS = new Set(ROWS.flat().map(([slot]) => slot));
const FLIPS = new Set(["horizontal", "vertical"]);

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/** One decoded DICOM frame as PNG: colour as it is, gray under the file's window. */
async function framePng(image) {
  const { decodeFrame } = await import("./dicom-image.js");
  const frame = await decodeFrame(image, 0);
  const canvas = Object.assign(document.createElement("canvas"), { width: frame.width, height: frame.height });
  const pixels = new ImageData(frame.width, frame.height);
  if (frame.kind === "rgb") {
    pixels.data.set(frame.rgba);
  } else {
    const { GrayPainter, modalityRange, windowSpanning } = await import("./viewer-draw.js");
    const window = image.windows[0] ?? windowSpanning(modalityRange(frame));
    new GrayPainter().paint(frame, window, pixels.data);
  }
  canvas.getContext("2d").putImageData(pixels, 0, 0);
  return new Promise((resolve, reject) => {
    canvas.toBlob((png) => (png ? resolve(png) : reject(new Error("The frame could not be encoded."))), "image/png");
  });
}

/**
 * `item` as a picture an <img> draws: a JPEG or PNG as it is; a DICOM photograph's
 * single JPEG baseline frame as a JPEG, byte for byte, any other as a PNG of its
 * first frame. Rejects when the DICOM file cannot be read or decoded.
 */
async function drawable(item) {
  if (item.mediaType !== DICOM_TYPE) return item;
  const [{ parseImage }, { joinFragments }] = await Promise.all([
    import("./dicom-image.js"),
    import("./dicom-parse.js"),
  ]);
  const image = await parseImage(new Uint8Array(await item.blob.arrayBuffer()));
  const pixels = image.pixelData;
  if (image.transferSyntax === JPEG_BASELINE && image.frameCount === 1 && pixels?.encapsulated) {
    const jpeg = joinFragments(image.data, pixels.frames[0]);
    return { ...item, blob: new Blob([jpeg], { type: "image/jpeg" }), mediaType: "image/jpeg" };
  }
  return { ...item, blob: await framePng(image), mediaType: "image/png" };
}

// A loaded <img> keeps its picture without its URL, so the URL (and with it the
// page's hold on the Blob's bytes) goes as soon as the picture has settled. `shown`
// is the item as drawn (see drawable), or a promise of it.
function picture(item, shown, parts, onSettled) {
  const image = element("img", item.flip ? `flip-${item.flip}` : "");
  image.alt = item.viewMeaning ? `${item.viewMeaning} (${item.name})` : item.name;
  image.decoding = "async";
  let url = null;
  const settle = (state) => {
    if (url) URL.revokeObjectURL(url);
    parts.urls.delete(url);
    url = null;
    image.dataset.preview = state;
    onSettled(state);
  };
  const draw = (drawn) => {
    if (parts.destroyed()) return;
    url = URL.createObjectURL(new Blob([drawn.blob], { type: drawn.mediaType }));
    parts.urls.add(url);
    image.src = url;
  };
  image.addEventListener("load", () => settle("shown"), { once: true });
  image.addEventListener("error", () => settle("error"), { once: true });
  if (shown instanceof Promise) {
    shown.then(draw, () => {
      if (!parts.destroyed()) settle("error");
    });
  } else {
    draw(shown);
  }
  return image;
}

function caption(item, fallback) {
  const words = element("figcaption");
  words.append(element("span", "photo-view", item.viewMeaning || fallback));
  if (item.flip) words.append(" ", element("span", "photo-flip-note", FLIP_NOTE));
  return words;
}

function typeName(mediaType) {
  return mediaType ? `file of type ${mediaType}` : "file of unknown type";
}

/**
 * One photo's cell: its picture as a button that opens it full size, and its caption.
 * `label` is what the caption says when the photo has no view.
 */
function photoCell(item, label, parts) {
  const cell = element("figure", "photo-cell");
  cell.dataset.previewKind = "photo";
  cell.title = item.name;
  if (!DRAWN_TYPES.has(item.mediaType) && item.mediaType !== DICOM_TYPE) {
    cell.dataset.preview = "unsupported";
    cell.append(element("p", "preview-note", `This photo is a ${typeName(item.mediaType)}; save it to view it.`));
    cell.append(caption(item, label));
    parts.settled();
    return cell;
  }
  const open = element("button", "photo-open");
  open.type = "button";
  open.setAttribute("aria-label", `Open ${item.name} full size`);
  // What the full-size view shows: the picture as drawn, once it is one.
  let full = DRAWN_TYPES.has(item.mediaType) ? item : null;
  const shown = full ?? drawable(item).then((drawn) => (full = drawn));
  open.append(
    picture(item, shown, parts, (state) => {
      cell.dataset.preview = state;
      if (state === "error") {
        open.hidden = true;
        cell.prepend(element("p", "preview-note", NOT_SHOWN));
      }
      parts.settled();
    }),
  );
  open.addEventListener("click", () => {
    if (full) parts.showFull(full, open);
  });
  cell.append(open, caption(item, label));
  return cell;
}

function emptyCell(label) {
  const cell = element("figure", "photo-cell photo-empty");
  cell.append(element("figcaption", "", label));
  return cell;
}

/** The full-size view: one <dialog> per composite, its picture's URL held only while open. */
function fullSizeDialog() {
  let dialog = null;
  let opener = null;
  let url = null;
  const close = () => dialog.close();
  const build = () => {
    dialog = element("dialog", "photo-dialog");
    dialog.setAttribute("aria-label", "Photo, full size");
    const shut = element("button", "photo-close", "Close");
    shut.type = "button";
    shut.addEventListener("click", close);
    dialog.append(element("img"), element("p", "photo-dialog-caption"), shut);
    dialog.addEventListener("close", () => {
      if (url) URL.revokeObjectURL(url);
      url = null;
      dialog.querySelector("img").removeAttribute("src");
      opener?.focus();
    });
    document.body.append(dialog);
  };
  return {
    show(item, from) {
      if (!dialog) build();
      opener = from;
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob([item.blob], { type: item.mediaType }));
      const image = dialog.querySelector("img");
      image.className = item.flip ? `flip-${item.flip}` : "";
      image.alt = item.viewMeaning ? `${item.viewMeaning} (${item.name})` : item.name;
      image.src = url;
      const about = [item.name, item.viewMeaning, item.flip ? FLIP_NOTE : ""].filter(Boolean);
      dialog.querySelector(".photo-dialog-caption").textContent = about.join(" · ");
      dialog.showModal();
      dialog.querySelector(".photo-close").focus();
    },
    destroy() {
      if (dialog?.open) dialog.close();
      dialog?.remove();
      if (url) URL.revokeObjectURL(url);
      url = null;
    },
  };
}

/** Which photo fills each slot, and those that follow the grid, in the order given. */
function place(items) {
  const inSlot = new Map();
  const after = [];
  for (const item of items) {
    if (SLOTS.has(item.slot) && !inSlot.has(item.slot)) inSlot.set(item.slot, item);
    else after.push(item);
  }
  return { inSlot, after };
}

function normalised(item) {
  return {
    ...item,
    slot: SLOTS.has(item.slot) ? item.slot : null,
    flip: FLIPS.has(item.flip) ? item.flip : null,
  };
}

function compose(items, title, parts) {
  const { inSlot, after } = place(items.map(normalised));
  const grid = element("div", "photo-grid");
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", title);
  ROWS.forEach((row, index) => {
    for (const [slot, label] of row) {
      const item = inSlot.get(slot);
      const cell = item ? photoCell(item, label, parts) : emptyCell(label);
      cell.dataset.slot = slot;
      cell.dataset.row = String(index + 1);
      grid.append(cell);
    }
  });
  const nodes = [grid];
  if (after.length) {
    const more = element("div", "photo-more");
    more.setAttribute("role", "group");
    more.setAttribute("aria-label", "More photos");
    for (const item of after) {
      const cell = photoCell(item, item.name, parts);
      if (!item.viewMeaning) cell.dataset.unviewed = "";
      more.append(cell);
    }
    nodes.push(more);
  }
  return nodes;
}

/**
 * Lay out `items` (the bundle's photos: `{name, path, blob, mediaType, view,
 * viewMeaning, slot, flip}`, each a JPEG, a PNG or a DICOM photograph) in `container`
 * as an orthodontic records composite: the eight conventional slots in three rows, the
 * remaining photos after them. A click,
 * or Enter or Space, on a photo opens it full size. The container's `data-preview`
 * becomes "shown" once every photo has loaded or failed.
 *
 * @param {HTMLElement} container
 * @param {Array<object>} items
 * @param {{title?: string}} [options]
 * @returns {{destroy(): void}} releases every object URL and removes what it added
 */
export function mountPhotoComposite(container, items, { title = "Photos" } = {}) {
  container.dataset.previewKind = "photos";
  container.classList.add("photo-composite");
  const urls = new Set();
  let nodes = [];
  let waiting = items.length;
  let destroyed = false;
  const dialog = fullSizeDialog();
  const parts = {
    urls,
    destroyed: () => destroyed,
    settled() {
      waiting -= 1;
      if (waiting === 0 && !destroyed && !container.dataset.preview) container.dataset.preview = "shown";
    },
    showFull: (item, from) => dialog.show(item, from),
  };
  try {
    if (!items.length) container.dataset.preview = "shown";
    nodes = compose(items, title, parts);
  } catch {
    nodes = [element("p", "preview-note", "These photos could not be shown; each can still be saved.")];
    container.dataset.preview = "error";
  }
  container.append(...nodes);
  return {
    destroy() {
      destroyed = true;
      dialog.destroy();
      for (const url of urls) URL.revokeObjectURL(url);
      urls.clear();
      for (const node of nodes) node.remove();
      container.classList.remove("photo-composite");
      delete container.dataset.preview;
    },
  };
}
