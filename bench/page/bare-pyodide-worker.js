import { loadPyodide } from "./pyodide/pyodide.mjs";

try {
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
  pyodide.runPython("import hashlib, io, json, zipfile, zlib");
  postMessage("ready");
} catch (error) {
  postMessage(`error: ${error}`);
}
