// What every orthoshare worker does, whatever it loads from: boot Pyodide in named
// steps, then answer the page's requests (api.js) by calling orthoshare.browser.
//
// Python does all the work; this module only moves data. Where the Pyodide core, our
// wheel and the crypto primitives come from is the caller's business (a loader), so
// the site's worker (worker.js, fetching from its server) and the single file's worker
// (single-worker.js, loading from memory) share the message table and the Python calls.
// Files are read with FileReaderSync, which exists only in workers, in slices Python
// asks for.

import { BlobSpool, BytesSpool, privateFileSpool, privateFolder } from "./spools.js";

const reader = new FileReaderSync();

// A file held as bytes, shaped like a File as far as Python reads one. WebKit's worker
// of a file:// page cannot read any Blob, not even its own (NotReadableError, measured),
// though it can make Blobs that the page reads; there the page sends each input as its
// bytes (api.js) and the decrypted file is kept as bytes too (spools.js's BytesSpool).
class BytesFile {
  constructor(bytes, { name = "", type = "", lastModified = 0 } = {}) {
    Object.assign(this, { bytes, name, type, lastModified, size: bytes.byteLength });
  }

  slice(start = 0, end = this.size, type = "") {
    return new BytesFile(this.bytes.subarray(start, end), { name: this.name, type });
  }
}

export function readSlice(blob, start, end) {
  const part = blob.slice(start, end);
  if (part instanceof BytesFile) return part.bytes;
  return new Uint8Array(reader.readAsArrayBuffer(part));
}

// Where the browser lets this page keep files (the origin's private file system, which
// a worker writes synchronously, as Python writes), what it writes goes to disk as it is
// made, so that a gigabyte sealed or opened is not a gigabyte of Blobs in memory
// (spools.js). Elsewhere (a file:// page, an opaque origin; a plain-http intranet page)
// it builds Blobs instead.
//
// A sealed file is ciphertext under a name that says nothing. It must outlive its
// download, so it is removed when this worker seals again, and any left for an hour (a
// tab closed, a worker cancelled) when a worker boots or seals; another tab's recent one
// is left alone.
//
// Opened records are plaintext: they stay only while a page shows them. The page holds
// a Web Lock named as their file (open.js) from before it asks for them until it shows
// others or closes; a worker removes every opened file whose lock no page holds when it
// boots and before it opens, so that no records stay on disk past the next start of the
// page, nor for a page that was closed or cancelled.
const SEALING = "sealing-";
const OPENED = "opened-";
const LEFT_FOR = 60 * 60 * 1000;
let lastSealed = null;

async function removeSealed(folder) {
  for await (const [name, handle] of folder.entries()) {
    if (!name.startsWith(SEALING)) continue;
    try {
      const old = Date.now() - (await handle.getFile()).lastModified > LEFT_FOR;
      if (name === lastSealed || old) await folder.removeEntry(name);
    } catch {
      // Being written by another tab's worker: that one is not ours to remove.
    }
  }
}

async function removeUnshown(folder) {
  if (!navigator.locks) return;
  const { held = [] } = await navigator.locks.query();
  const shown = new Set(held.map((lock) => lock.name));
  for await (const name of folder.keys()) {
    if (!name.startsWith(OPENED) || shown.has(name)) continue;
    try {
      await folder.removeEntry(name);
    } catch {
      // Still open in a worker whose page let go of it: removed at the next start.
    }
  }
}

async function removeLeftovers() {
  const folder = await privateFolder();
  if (!folder) return;
  await removeSealed(folder);
  await removeUnshown(folder);
}

async function sealedSpool() {
  const folder = await privateFolder();
  if (!folder) return new BlobSpool(readSlice);
  await removeSealed(folder);
  const name = `${SEALING}${Date.now()}-${Math.random().toString(36).slice(2)}`;
  lastSealed = name;
  return privateFileSpool(folder, name);
}

// `shownAs` is the name the page holds a lock on while it shows these records ("" where
// it has no Web Locks); `asBytes`, whether this worker reads only bytes (BytesFile).
async function openedSpool(shownAs, asBytes) {
  if (asBytes) return new BytesSpool();
  const folder = await privateFolder();
  if (!folder || !navigator.locks || !shownAs.startsWith(OPENED)) return new BlobSpool(readSlice);
  await removeUnshown(folder);
  return privateFileSpool(folder, shownAs);
}

// A Blob the page sent as its bytes (api.js's asBytes, where this worker cannot read
// the page's Blobs) becomes a BytesFile; anything else stays as it is.
function fromBytes(value) {
  if (value?.blobBytes instanceof ArrayBuffer) {
    const { blobBytes, ...about } = value;
    return new BytesFile(new Uint8Array(blobBytes), about);
  }
  if (Array.isArray(value)) return value.map(fromBytes);
  if (value?.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromBytes(item)]));
  }
  return value;
}

function readsBlobs(blob) {
  try {
    readSlice(blob, 0, 1);
    return true;
  } catch {
    return false;
  }
}

// Files dropped as folders have no webkitRelativePath of their own, so the page
// sends {file, path}; Python sees one File-like object with the path on it.
function asInput({ file, path }) {
  return {
    name: file.name,
    size: file.size,
    webkitRelativePath: path,
    slice: (start, end) => file.slice(start, end),
  };
}

/**
 * The wheels among `paths` (relative to the site's root), which build.py puts in wheels/
 * and lists in build-info.json: `boot`, ours, loaded before the page is ready; `later`,
 * the pure-Python ones it takes from PyPI (pydicom), loaded the first time an operation
 * may need them, so that the page is ready sooner and a receiver never loads them.
 */
export function wheelsIn(paths) {
  const wheels = paths.filter((path) => path.startsWith("wheels/") && path.endsWith(".whl"));
  const ours = (path) => path.startsWith("wheels/orthoshare-");
  return { boot: wheels.filter(ours), later: wheels.filter((path) => !ours(path)) };
}

// loadPackage reports failures only through errorCallback, never by rejecting.
async function loadWheels(pyodide, urls, what) {
  const failures = [];
  await pyodide.loadPackage(urls, {
    messageCallback: () => {},
    errorCallback: (message) => failures.push(message),
  });
  if (failures.length) throw new Error(`could not load ${what}: ${failures.join("; ")}`);
}

export function toJs(proxy) {
  // Results are plain dicts/lists; convert once and free the Python side.
  const value = proxy?.toJs ? proxy.toJs({ dict_converter: Object.fromEntries }) : proxy;
  proxy?.destroy?.();
  return value;
}

/**
 * Boot with `loader` and return orthoshare.browser once it runs. The loader has three
 * async methods: loadPyodide() gives a started Pyodide, wheelUrls() the URLs of the
 * wheels for pyodide.loadPackage as wheelsIn sorts them, crypto() the module of
 * web/crypto.js. `loadLater()` loads the `later` wheels, once.
 */
async function boot(loader) {
  const step = (name) => postMessage({ kind: "boot-step", step: name });
  step("loading the Python runtime");
  const pyodide = await loader.loadPyodide();
  step("loading orthoshare");
  const wheels = await loader.wheelUrls();
  await loadWheels(pyodide, wheels.boot, "orthoshare");
  step("loading the cryptography");
  const crypto = await loader.crypto();
  await crypto.ready();
  step("starting");
  const browser = pyodide.pyimport("orthoshare.browser");
  let later = null;
  const loadLater = () => (later ??= loadWheels(pyodide, wheels.later, "DICOM support"));
  return { browser, loadLater, info: toJs(browser.boot(crypto)) };
}

// The result of `work` (a Python call that writes into `spool`) with what it wrote as a
// Blob of `type` under `key`; after an error, or an exception, nothing is kept.
async function kept(spool, key, type, work) {
  let blob = null;
  try {
    const result = toJs(work());
    if (!result.error) blob = await spool.finish(type);
    return blob ? { ...result, [key]: blob } : result;
  } finally {
    if (!blob) await spool.discard();
  }
}

// Operations that may read or write DICOM, and so need pydicom loaded first.
const USES_DICOM = new Set(["describe", "seal"]);

function operationsOf(browser) {
  return {
    describe: (entries) => browser.describe(entries.map(asInput), readSlice),
    patients: (request) => browser.patients(JSON.stringify(request)),
    views: () => browser.views(),
    inspect: (file) => browser.inspect(file, readSlice),
    keygen: () => browser.keygen(),
    parseRecipient: (text) => browser.parse_recipient(text),
    generatePassphrase: () => browser.generate_passphrase(),
    passphraseStrength: (passphrase) => browser.passphrase_strength(passphrase),
    async seal(entries, request, progress) {
      // Each chunk is a Uint8Array of its own (Python copies it out of the wasm heap).
      const sealed = await sealedSpool();
      const files = entries.map(asInput);
      return kept(sealed, "file", "application/octet-stream", () =>
        browser.seal(files, JSON.stringify(request), readSlice, (chunk) => sealed.append(chunk), progress),
      );
    },
    async open(file, request, shownAs, progress) {
      // Python writes the decrypted ZIP into the spool and verifies it there; only then
      // does the page get it, as one Blob (a File on disk where there is a private file
      // system), from which every preview and Save reads.
      const records = await openedSpool(shownAs, file instanceof BytesFile);
      return kept(records, "bundle", "application/zip", () =>
        browser.open_(file, JSON.stringify(request), readSlice, records, progress),
      );
    },
  };
}

/** Boot with `loader` (see boot) and answer the page's requests {id, op, args}. */
export function serve(loader) {
  let operations = null;
  let loadLater = null;
  const booted = boot(loader).then(
    async ({ browser, info, ...rest }) => {
      // Sealed files and opened records left by workers that were cancelled or closed.
      await removeLeftovers();
      operations = operationsOf(browser);
      loadLater = rest.loadLater;
      postMessage({ kind: "ready", version: info.version });
    },
    (error) => postMessage({ kind: "boot-error", message: String(error?.message ?? error) }),
  );

  // Once Pyodide failed fatally it refuses every call; the page then starts a new worker.
  let failedForGood = false;
  addEventListener("message", async ({ data }) => {
    // Only requests carry an op; anything else is for the loader (the single file
    // hands its worker the Pyodide files this way).
    if (typeof data?.op !== "string") return;
    const { id, op } = data;
    const args = fromBytes(data.args);
    if (op === "readsBlobs") return postMessage({ id, kind: "result", value: readsBlobs(...args) });
    await booted;
    const progress = (step, done, total) => postMessage({ id, kind: "progress", step, done, total });
    try {
      if (!operations) throw new Error("orthoshare did not start");
      if (USES_DICOM.has(op)) await loadLater();
      const value = toJs(await operations[op](...args, progress));
      if (value?.error) postMessage({ id, kind: "error", error: value.error });
      else postMessage({ id, kind: "result", value });
    } catch (error) {
      failedForGood ||= Boolean(error?.pyodide_fatal_error);
      const hint = failedForGood ? "the page has started afresh: try again" : "";
      const message = String(error?.message ?? error);
      postMessage({ id, kind: "error", error: { kind: "InternalError", message, hint, restart: failedForGood } });
    }
  });
}
