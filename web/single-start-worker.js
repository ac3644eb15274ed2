// start-worker.js for the single file: build.py bundles main.js with this module in
// that one's place. Measured in Chromium from file://: a module worker from a blob:
// URL fails and a classic one cannot import() blob: modules, but a module worker from a
// data: URL works. So the worker's own code (a few kilobytes, plain base64 in its
// block) becomes a data: URL at once, and the big files (Pyodide, the wheels, the
// crypto bundle: gzip+base64 in blocks the browser never runs) are unpacked here and
// handed to the worker as transferred buffers.

const WORKER_CODE = "orthoshare-worker"; // id of the worker code's block
const FILES = "script[data-path]"; // one block per file, data-path = its path in dist/

function fromBase64(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text.trim());
  return Uint8Array.from(atob(text.trim()), (char) => char.charCodeAt(0));
}

// Each block's gzip bytes, read once: Cancel starts a new worker, which needs every
// file again after the last one's buffers were transferred away.
let packed = null;
function packedFiles() {
  if (!packed) {
    const blocks = [...document.querySelectorAll(FILES)];
    packed = blocks.map((block) => [block.dataset.path, fromBase64(block.textContent)]);
    // Megabytes of base64 text that nothing reads again.
    for (const block of blocks) block.remove();
  }
  return packed;
}

async function unpack(bytes) {
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
}

async function unpackAll() {
  const files = packedFiles();
  const buffers = await Promise.all(files.map(([, bytes]) => unpack(bytes)));
  return Object.fromEntries(files.map(([path], index) => [path, buffers[index]]));
}

export function startWorker() {
  const code = document.getElementById(WORKER_CODE).textContent.trim();
  const worker = new Worker(`data:text/javascript;base64,${code}`, { type: "module" });
  unpackAll().then(
    (files) => worker.postMessage({ files }, Object.values(files)),
    (error) => worker.postMessage({ filesError: String(error?.message ?? error) }),
  );
  return worker;
}
