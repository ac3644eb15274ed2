// What every orthoshare worker does, whatever it loads from: boot Pyodide in named
// steps, then answer the page's requests (api.js) by calling orthoshare.browser.
//
// Python does all the work; this module only moves data. Where the Pyodide core, our
// wheel and the crypto primitives come from is the caller's business (a loader), so
// the site's worker (worker.js, fetching from its server) and the single file's worker
// (single-worker.js, loading from memory) share the message table and the Python calls.
// Files are read with FileReaderSync, which exists only in workers, in slices Python
// asks for.

import { openedSpool, removeLeftovers, SealingSpool, sealedSpool } from "./spools.js";

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

// A buffer of its own to transfer: Python's arrays are fresh copies, but not
// necessarily the whole of their buffer.
function ownBuffer(bytes) {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? bytes.buffer : bytes.slice().buffer;
}

// Where Python writes a file it seals (orthoshare.browser.jsio.SealedOutput): the header
// as bytes, the payload as chunks to seal. With a cipher worker (cipher.js) both go to
// it, in order, and it seals and keeps the file; this worker never waits for it until
// the end. Without one (it could not start, or has not yet), they are sealed here, into
// a SealingSpool as the cipher worker's.
class SealedThere {
  #cipher;

  constructor(cipher) {
    this.#cipher = cipher;
  }

  append(bytes) {
    const buffer = ownBuffer(bytes);
    this.#cipher.port.postMessage({ op: "append", bytes: buffer }, [buffer]);
  }

  sealEach(key, nonces, plaintext, size) {
    const buffer = ownBuffer(plaintext);
    this.#cipher.port.postMessage({ op: "seal", key, nonces, plaintext: buffer, size }, [buffer]);
  }

  async finish(type) {
    const answer = await this.#cipher.ask({ op: "finish", type });
    if (answer.op !== "finished") throw new Error(`the sealed file could not be written (${answer.message})`);
    return answer.file;
  }

  async discard() {
    this.#cipher.port.postMessage({ op: "discard" });
  }
}

// The cipher worker's end of the channel, once it said it is ready: `ask` sends a
// message and gives its answer; `decrypt` has it open a payload as planned
// (orthoshare.browser.opening) and gives each batch's plaintext to `feed`, in order,
// acknowledging each so that it keeps only a few ahead. It resolves with null, or the
// number of the batch that did not open.
let cipher = null;

function connectCipher(port) {
  let listener = null;
  // One conversation at a time: an opening waits for the cipher worker, and a request
  // that comes meanwhile (a seal) must not take its answers.
  let turn = Promise.resolve();
  const inTurn = (converse) => {
    const done = turn.then(converse);
    turn = done.catch(() => {});
    return done;
  };
  const ask = (message) =>
    inTurn(
      () =>
        new Promise((resolve) => {
          listener = resolve;
          port.postMessage(message);
        }),
    );
  const decrypt = (file, key, batches, chunk, feed) =>
    inTurn(
      () =>
        new Promise((resolve, reject) => {
          listener = (data) => {
            if (data.op === "plaintext") {
              try {
                feed(new Uint8Array(data.bytes), data.batch);
              } catch (error) {
                // What it had sent before hearing this is dropped, not fed.
                listener = null;
                port.postMessage({ op: "stop" });
                return reject(error);
              }
              port.postMessage({ op: "fed" });
            } else {
              listener = null;
              resolve(data.op === "failed" ? data.batch : null);
            }
          };
          port.postMessage({ op: "decrypt", file, key, batches, chunk });
        }),
    );

  port.onmessage = ({ data }) => {
    if (data.op === "ready") cipher = { port, ask, decrypt };
    else listener?.(data);
  };
}

async function sealedOutput(crypto) {
  if (cipher) {
    const begun = await cipher.ask({ op: "begin" });
    if (begun.op === "begun") return new SealedThere(cipher);
  }
  return new SealingSpool(await sealedSpool(), crypto);
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
  return { browser, crypto, loadLater, info: toJs(browser.boot(crypto)) };
}

// The result of `work` (a Python call that writes into `spool`) with what it wrote as a
// Blob of `type` under `key`; after an error, or an exception, nothing is kept.
async function kept(spool, key, type, work) {
  let blob = null;
  try {
    const result = toJs(await work());
    if (!result.error) blob = await spool.finish(type);
    return blob ? { ...result, [key]: blob } : result;
  } finally {
    if (!blob) await spool.discard();
  }
}

// Opening: with a cipher worker, it decrypts the payload and Python here hashes and keeps
// what it sends, as it comes; without one (or for a file that cannot be planned, or held
// as bytes), Python does both.
async function opened(browser, file, request, records, progress) {
  const json = JSON.stringify(request);
  const alone = () => browser.open_(file, json, readSlice, records, progress);
  if (!cipher || file instanceof BytesFile) return alone();
  const begun = toJs(browser.begin_opening(file, json, readSlice, records, progress));
  if (begun.error) return begun;
  if (!begun.opening) return alone();
  const { opening, key, batches, chunk } = begun;
  try {
    const failed = await cipher.decrypt(file, key, batches, chunk, (plaintext, batch) => opening.feed(plaintext, batch));
    return failed === null ? opening.finish() : opening.failed(failed);
  } finally {
    opening.close();
    opening.destroy();
  }
}

// Operations that may read or write DICOM, and so need pydicom loaded first.
const USES_DICOM = new Set(["describe", "reviewDeidentification", "seal"]);

function operationsOf(browser, crypto) {
  return {
    describe: (entries) => browser.describe(entries.map(asInput), readSlice),
    patients: (request) => browser.patients(JSON.stringify(request)),
    reviewDeidentification: (entries, request) =>
      browser.review_deidentification(entries.map(asInput), JSON.stringify(request), readSlice),
    views: () => browser.views(),
    inspect: (file) => browser.inspect(file, readSlice),
    keygen: () => browser.keygen(),
    protectedKeygen: (passphrase) => browser.keygen(passphrase),
    parseRecipient: (text) => browser.parse_recipient(text),
    readKeyBook: (text) => browser.read_key_book(text),
    addToKeyBook: (text, name, key) => browser.add_to_key_book(text, name, key),
    generatePassphrase: () => browser.generate_passphrase(),
    passphraseStrength: (passphrase) => browser.passphrase_strength(passphrase),
    async seal(entries, request, progress) {
      const sealed = await sealedOutput(crypto);
      const files = entries.map(asInput);
      return kept(sealed, "file", "application/octet-stream", () =>
        browser.seal(files, JSON.stringify(request), readSlice, sealed, progress),
      );
    },
    async open(file, request, shownAs, progress) {
      // Python writes the decrypted ZIP into the spool and verifies it there; only then
      // does the page get it, as one Blob (a File on disk where there is a private file
      // system), from which every preview and Save reads.
      const records = await openedSpool(shownAs, file instanceof BytesFile, readSlice);
      return kept(records, "bundle", "application/zip", () => opened(browser, file, request, records, progress));
    },
  };
}

/** Boot with `loader` (see boot) and answer the page's requests {id, op, args}. */
export function serve(loader) {
  let operations = null;
  let loadLater = null;
  const booted = boot(loader).then(
    async ({ browser, crypto, info, ...rest }) => {
      // Sealed files and opened records left by workers that were cancelled or closed.
      await removeLeftovers();
      operations = operationsOf(browser, crypto);
      loadLater = rest.loadLater;
      postMessage({ kind: "ready", version: info.version });
    },
    (error) => postMessage({ kind: "boot-error", message: String(error?.message ?? error) }),
  );

  // Once Pyodide failed fatally it refuses every call; the page then starts a new worker.
  let failedForGood = false;
  addEventListener("message", async ({ data }) => {
    // The page hands over its end of the channel to the cipher worker (cipher.js).
    if (data?.kind === "cipher-port") return connectCipher(data.port);
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
