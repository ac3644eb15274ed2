// start-worker.js for the single file: build.py bundles main.js with this module in
// that one's place. The worker itself is started by single-early-start.js while the
// page is read; this module hands it the big files it loads (Pyodide's wasm and
// standard library, the wheels), which the page carries gzip+base64 in blocks the
// browser never runs, unpacked here as transferred buffers.

const FILES = "script[data-path]"; // one block per file, data-path = its path in dist/

// Read when used, so that a page whose first script did not run still starts and says so.
const loader = () => globalThis.orthoshareLoader;

// Each block's gzip bytes, read once: Cancel starts a new worker, which needs every
// file again after the last one's buffers were transferred away.
let packed = null;
function packedFiles() {
  if (!packed) {
    const blocks = [...document.querySelectorAll(FILES)];
    packed = blocks.map((block) => [block.dataset.path, loader().fromBase64(block.textContent)]);
    // Megabytes of base64 text that nothing reads again.
    for (const block of blocks) block.remove();
  }
  return packed;
}

async function unpackAll() {
  const files = packedFiles();
  const buffers = await Promise.all(files.map(([, bytes]) => loader().unpack(bytes)));
  return Object.fromEntries(files.map(([path], index) => [path, buffers[index]]));
}

/** A new worker, under `name` (the cipher worker's, or none for the Python one). */
export async function startWorker(name = "") {
  if (!loader()) throw new Error("the page's first script did not run");
  const worker = await loader().startWorker(name);
  // The cipher worker loads nothing.
  if (name) return worker;
  unpackAll().then(
    (files) => worker.postMessage({ files }, Object.values(files)),
    (error) => worker.postMessage({ filesError: String(error?.message ?? error) }),
  );
  return worker;
}
