// The module worker: boots Pyodide in named steps, then answers requests.
//
// Python does all the work (orthoshare.browser); this file only moves data.
// Everything is loaded from this site: the Pyodide core, our wheel (listed in
// build-info.json) and the crypto primitives. Files are read with
// FileReaderSync, which exists only in workers, in slices Python asks for.

import { loadPyodide } from "../pyodide/pyodide.mjs";
import * as crypto from "./crypto.js";

const SITE = new URL("../", import.meta.url);
const reader = new FileReaderSync();
let browser = null;

function readSlice(blob, start, end) {
  return new Uint8Array(reader.readAsArrayBuffer(blob.slice(start, end)));
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

function toJs(proxy) {
  // Results are plain dicts/lists; convert once and free the Python side.
  const value = proxy?.toJs ? proxy.toJs({ dict_converter: Object.fromEntries }) : proxy;
  proxy?.destroy?.();
  return value;
}

async function wheelUrls() {
  const info = await (await fetch(new URL("build-info.json", SITE))).json();
  return info.files
    .map((file) => file.path)
    .filter((path) => path.startsWith("wheels/orthoshare-") && path.endsWith(".whl"))
    .map((path) => new URL(path, SITE).href);
}

async function boot() {
  const step = (name) => postMessage({ kind: "boot-step", step: name });
  step("loading the Python runtime");
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", SITE).href });
  step("loading orthoshare");
  // loadPackage reports failures only through errorCallback, never by rejecting.
  const failures = [];
  await pyodide.loadPackage(await wheelUrls(), {
    messageCallback: () => {},
    errorCallback: (message) => failures.push(message),
  });
  if (failures.length) throw new Error(`could not load orthoshare: ${failures.join("; ")}`);
  step("loading the cryptography");
  await crypto.ready();
  step("starting");
  browser = pyodide.pyimport("orthoshare.browser");
  return toJs(browser.boot(crypto));
}

const operations = {
  describe: (entries) => browser.describe(entries.map(asInput), readSlice),
  inspect: (file) => browser.inspect(file, readSlice),
  keygen: () => browser.keygen(),
  parseRecipient: (text) => browser.parse_recipient(text),
  generatePassphrase: () => browser.generate_passphrase(),
  passphraseStrength: (passphrase) => browser.passphrase_strength(passphrase),
  seal(entries, request, progress) {
    const parts = [];
    const files = entries.map(asInput);
    const result = toJs(
      browser.seal(files, JSON.stringify(request), readSlice, (chunk) => parts.push(chunk), progress),
    );
    if (result.error) return result;
    return { ...result, file: new Blob(parts, { type: "application/octet-stream" }) };
  },
  open(file, request, progress) {
    const result = toJs(browser.open_(file, JSON.stringify(request), readSlice, progress));
    if (result.error) return result;
    const bundle = new Blob([result.bundle], { type: "application/zip" });
    return { manifest: result.manifest, entries: result.entries, cover: result.cover, bundle };
  },
};

const booted = boot().then(
  (info) => postMessage({ kind: "ready", version: info.version }),
  (error) => postMessage({ kind: "boot-error", message: String(error?.message ?? error) }),
);

addEventListener("message", async ({ data: { id, op, args } }) => {
  await booted;
  const progress = (step, done, total) => postMessage({ id, kind: "progress", step, done, total });
  try {
    if (!browser) throw new Error("orthoshare did not start");
    const value = toJs(operations[op](...args, progress));
    if (value?.error) postMessage({ id, kind: "error", error: value.error });
    else postMessage({ id, kind: "result", value });
  } catch (error) {
    postMessage({
      id,
      kind: "error",
      error: { kind: "InternalError", message: String(error?.message ?? error), hint: "" },
    });
  }
});
