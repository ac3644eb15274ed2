// The single file's worker (dist/orthoshare.html): build.py bundles this module with
// everything it imports (the Pyodide loader and its emscripten module, the crypto
// primitives, service.js) into one classic script, which single-early-start.js starts
// from a blob: URL. The page then posts it the files Pyodide fetches (its wasm, its
// standard library and lock file, the wheels) as transferred buffers keyed by their
// path in dist/ ("pyodide/pyodide.asm.wasm", "wheels/orthoshare-….whl"); service.js
// does the rest, exactly as on the site.
//
// Pyodide asks for those files with fetch() under indexURL; indexURL is a made-up root
// that only this worker's fetch answers, from memory. (Pyodide needs a URL there:
// loadPackage takes a wheel only by a URL ending in ".whl", which a blob: URL never does.)
//
// Started under the name CIPHER, it is the page's cipher worker instead (cipher.js),
// which loads nothing.

import { loadPyodide } from "pyodide";
import createPyodideModule from "pyodide/pyodide.asm.mjs";
import { CIPHER, serveCipher } from "./cipher.js";
import * as crypto from "./crypto.js";
import { serve, wheelsIn } from "./service.js";

// Not a scheme any browser fetches: a request for it that escaped the wrapper below
// would fail at once instead of going anywhere.
const ROOT = "orthoshare-memory:/";
const TYPES = {
  wasm: "application/wasm", // WebAssembly.instantiateStreaming insists on it
  json: "application/json",
  zip: "application/zip",
  whl: "application/zip",
};

const received = new Promise((resolve, reject) => {
  addEventListener("message", function take({ data }) {
    if (!data?.files && !data?.filesError) return;
    removeEventListener("message", take);
    if (data.files) resolve(data.files);
    else reject(new Error(`the page could not unpack its files: ${data.filesError}`));
  });
});

function typeOf(path) {
  return TYPES[path.split(".").pop()] ?? "application/octet-stream";
}

// Pyodide fetches only under ROOT. Anything else is refused rather than passed on:
// the single file is meant for machines with patient data and no server, and nothing
// in it has a reason to reach a network.
function answerFromMemory(files) {
  globalThis.fetch = async (resource) => {
    const url = resource instanceof Request ? resource.url : String(resource);
    if (!url.startsWith(ROOT)) throw new TypeError(`the single file fetches nothing (asked for ${url})`);
    const path = url.slice(ROOT.length);
    if (!Object.hasOwn(files, path)) return new Response(null, { status: 404 });
    return new Response(files[path], { headers: { "Content-Type": typeOf(path) } });
  };
}

if (self.name === CIPHER) serveCipher(crypto);
else serve({
  async loadPyodide() {
    const files = await received;
    answerFromMemory(files);
    return loadPyodide({
      indexURL: `${ROOT}pyodide/`,
      packageBaseUrl: `${ROOT}pyodide/`,
      lockFileContents: new TextDecoder().decode(files["pyodide/pyodide-lock.json"]),
      // Handed over because Pyodide would otherwise import() it from indexURL.
      createPyodideModule,
    });
  },
  async wheelUrls() {
    const { boot, later } = wheelsIn(Object.keys(await received));
    return { boot: boot.map((path) => ROOT + path), later: later.map((path) => ROOT + path) };
  },
  crypto: async () => crypto,
});
