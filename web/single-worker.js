// The single file's module worker (dist/orthoshare.html). The page starts it from a
// data: URL and then posts it every file the site would serve, as transferred
// buffers keyed by their path in dist/ ("pyodide/pyodide.mjs", "web/crypto.js",
// "wheels/orthoshare-….whl"); service.js does the rest, exactly as on the site.
//
// Measured in Chromium from file://: this worker can import() blob: URLs it makes
// itself, so the two Pyodide modules and the crypto bundle are imported that way.
// Pyodide then asks for its wasm, its standard library and the wheels with fetch()
// under indexURL; indexURL is a made-up root that only this worker's fetch answers,
// from memory. (Pyodide needs a URL there: loadPackage takes a wheel only by a URL
// ending in ".whl", which a blob: URL never does.)

import { serve, wheelsIn } from "./service.js";

// Not a scheme any browser fetches: a request for it that escaped the wrapper below
// would fail at once instead of going anywhere.
const ROOT = "orthoshare-memory:/";
const TYPES = {
  js: "text/javascript",
  mjs: "text/javascript",
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

async function importFromMemory(files, path) {
  const url = URL.createObjectURL(new Blob([files[path]], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

serve({
  async loadPyodide() {
    const files = await received;
    answerFromMemory(files);
    const { loadPyodide } = await importFromMemory(files, "pyodide/pyodide.mjs");
    // Handed over because Pyodide would otherwise import() it from indexURL, which
    // only fetch() can reach.
    const { default: createPyodideModule } = await importFromMemory(files, "pyodide/pyodide.asm.mjs");
    return loadPyodide({
      indexURL: `${ROOT}pyodide/`,
      packageBaseUrl: `${ROOT}pyodide/`,
      lockFileContents: new TextDecoder().decode(files["pyodide/pyodide-lock.json"]),
      createPyodideModule,
    });
  },
  async wheelUrls() {
    const { boot, later } = wheelsIn(Object.keys(await received));
    return { boot: boot.map((path) => ROOT + path), later: later.map((path) => ROOT + path) };
  },
  crypto: async () => importFromMemory(await received, "web/crypto.js"),
});
