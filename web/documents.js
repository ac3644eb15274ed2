// A bundle's letters and reports read in the page: a PDF in the browser's own PDF
// viewer, a plain-text file as text. Both are bundle data, so neither is ever parsed
// or rendered as a document of the page's origin: text goes in through textContent,
// and a PDF is handed, by a blob: URL whose type this module sets, to a frame that
// only the browser's PDF viewer draws.

import { formatSize } from "./dom.js";

const PDF_MAGIC = "%PDF-";
// PDF readers accept the header anywhere in the first 1024 bytes (PDF Reference 1.7,
// appendix H), after the junk a mail gateway or a download tool sometimes puts first.
const PDF_HEADER_WINDOW = 1024;
// Enough for any letter or report; a log of hundreds of megabytes would only make
// the tab slow, so the rest stays in the file, which can be saved.
const TEXT_LIMIT = 1_000_000;
const TEXT_TYPES = new Set(["application/json", "application/xml"]);
const TEXT_EXTENSIONS = /\.(txt|csv|md|json|xml)$/i;

const SAID = {
  notPdf: "This file is named like a PDF but is not one; it can still be saved.",
  noViewer: "This browser cannot show PDFs inside the page; save the file to read it.",
  pdfFailed: "This PDF could not be shown; it can still be saved.",
  textFailed: "This text could not be shown; it can still be saved.",
  notText: "This file is neither a PDF nor text, so it is not shown here; it can still be saved.",
};

function isPdf(item) {
  return item.mediaType === "application/pdf" || /\.pdf$/i.test(item.name);
}

function isText(item) {
  const type = item.mediaType ?? "";
  return type.startsWith("text/") || TEXT_TYPES.has(type) || TEXT_EXTENSIONS.test(item.name);
}

function note(text) {
  return Object.assign(document.createElement("p"), { className: "preview-note", textContent: text });
}

// How long the engine's PDF viewer has before the preview counts as shown without the
// frame's load event.
const PDF_HANDED_OVER_MS = 3000;

async function startsLikePdf(blob) {
  const head = new Uint8Array(await blob.slice(0, PDF_HEADER_WINDOW).arrayBuffer());
  return new TextDecoder("latin1").decode(head).includes(PDF_MAGIC);
}

// No sandbox attribute on the frame: a sandboxed frame blocks the PDF viewers of
// Chromium and Firefox. That costs nothing here, because a blob: document inherits
// the policy of the page that made it (script-src 'self', connect-src 'self',
// default-src 'none'), so nothing inside the PDF can run script or reach anywhere.
function pdfFrame(item, view) {
  const frame = document.createElement("iframe");
  frame.className = "document-pdf";
  frame.title = `PDF: ${item.name}`;
  view.url = URL.createObjectURL(new Blob([item.blob], { type: "application/pdf" }));
  frame.addEventListener("load", () => view.settle("shown"), { once: true });
  // WebKit draws a PDF in a frame but never ends its load: once the checked PDF has
  // been with the engine's viewer for a moment, it is shown as far as the page can tell.
  setTimeout(() => view.settle("shown"), PDF_HANDED_OVER_MS);
  frame.src = view.url;
  return frame;
}

async function showPdf(item, view) {
  if (!(await startsLikePdf(item.blob))) return view.settle("error", SAID.notPdf);
  if (view.destroyed) return;
  if (navigator.pdfViewerEnabled !== true) return view.settle("unsupported", SAID.noViewer);
  view.show(pdfFrame(item, view));
}

async function showText(item, view) {
  if (!isText(item)) return view.settle("unsupported", SAID.notText);
  const bytes = await item.blob.slice(0, TEXT_LIMIT).arrayBuffer();
  if (view.destroyed) return;
  // Streaming decode holds back a character cut in two at the limit instead of
  // showing it as a replacement mark.
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes, { stream: item.blob.size > TEXT_LIMIT });
  const shown = [];
  if (item.blob.size > TEXT_LIMIT) {
    shown.push(note(`Showing the first 1 MB of ${formatSize(item.blob.size)}; save the file to read all of it.`));
  }
  shown.push(Object.assign(document.createElement("pre"), { className: "document-text", textContent: text }));
  view.show(...shown);
  view.settle("shown");
}

/**
 * Show one document of the bundle in `container`: a PDF (`data-preview-kind` "pdf")
 * in the browser's PDF viewer if it has one, else a plain-text file ("text") as text,
 * at most its first megabyte. `container.dataset.preview` becomes "shown",
 * "unsupported" or "error", the last two with a sentence saying the file can be saved.
 *
 * @param {HTMLElement} container
 * @param {{name: string, path: string, blob: Blob, mediaType: string}} item
 * @returns {{destroy(): void}} removes what it added and releases its object URL
 */
export function mountDocument(container, item) {
  const pdf = Boolean(item) && isPdf(item);
  container.dataset.previewKind = pdf ? "pdf" : "text";
  const added = [];
  const view = {
    destroyed: false,
    url: null,
    show(...nodes) {
      if (view.destroyed) return;
      added.push(...nodes);
      container.append(...nodes);
    },
    settle(state, sentence) {
      if (view.destroyed || container.dataset.preview) return;
      if (sentence) view.show(note(sentence));
      container.dataset.preview = state;
    },
  };
  const failed = pdf ? SAID.pdfFailed : SAID.textFailed;
  (pdf ? showPdf : showText)(item, view).catch(() => view.settle("error", failed));
  return {
    destroy() {
      view.destroyed = true;
      if (view.url) URL.revokeObjectURL(view.url);
      for (const node of added) node.remove();
      delete container.dataset.preview;
    },
  };
}
