// Runs every C2SP CCTV vector through orthoshare.age in the browser, with what the
// page ships: its Pyodide core, its wheel and its JS primitives (web/crypto.js).
// The checks are tests/node/pyodide_checks.py, the same ones the Node suite runs;
// each vector's bytes are passed to Python as an argument.

import { loadPyodide } from "../pyodide/pyodide.mjs";
import * as crypto from "../web/crypto.js";

const here = (path) => new URL(path, import.meta.url).href;
const bytes = async (path) => new Uint8Array(await (await fetch(here(path))).arrayBuffer());

try {
  const info = await (await fetch(here("../build-info.json"))).json();
  const pyodide = await loadPyodide({ indexURL: here("../pyodide/") });
  await pyodide.loadPackage(info.wheels.map((wheel) => here(`../${wheel}`)));
  await crypto.ready();
  pyodide.FS.mkdirTree("/harness");
  pyodide.FS.writeFile("/harness/pyodide_checks.py", await bytes("pyodide_checks.py"));
  pyodide.pyimport("sys").path.append("/harness");
  pyodide.pyimport("orthoshare.browser").boot(crypto);
  const checks = pyodide.pyimport("pyodide_checks");
  const results = {};
  for (const name of await (await fetch(here("vectors.json"))).json()) {
    const proxy = checks.check(await bytes(`vectors/${name}`));
    results[name] = proxy.toJs({ dict_converter: Object.fromEntries });
    proxy.destroy();
  }
  window.cctvResults = results;
  document.body.dataset.state = "done";
} catch (error) {
  document.getElementById("status").textContent = String(error?.message ?? error);
  document.body.dataset.state = "error";
}
