// Pyodide, the package, the crypto module: what run.mjs boots before any check.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { check } from "./harness.mjs";

/** The repository's root folder. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Boot Pyodide from node_modules/pyodide, with the package, pydicom and
 * pyodide_checks.py copied into its file system and on sys.path.
 */
export async function bootPyodide() {
  const { loadPyodide } = await import(
    pathToFileURL(join(ROOT, "node_modules/pyodide/pyodide.mjs")).href
  );
  const pyodide = await loadPyodide({ indexURL: join(ROOT, "node_modules/pyodide/") });
  check(existsSync(join(ROOT, "py/orthoshare/__init__.py")), "py/orthoshare is missing");
  copyTree(pyodide, join(ROOT, "py/orthoshare"), "/orthoshare/py/orthoshare");
  // pydicom (pure Python) from the venv scripts/install made, as the page loads its wheel;
  // its test files are not needed here.
  copyTree(pyodide, venvPackage("pydicom"), "/orthoshare/py/pydicom", ["test_files"]);
  const metadata = venvPackage((name) => name.startsWith("pydicom-") && name.endsWith(".dist-info"));
  copyTree(pyodide, metadata, `/orthoshare/py/${basename(metadata)}`); // pydicom reads its version
  pyodide.FS.mkdirTree("/orthoshare/tests");
  pyodide.FS.writeFile(
    "/orthoshare/tests/pyodide_checks.py",
    readFileSync(join(ROOT, "tests/node/pyodide_checks.py")),
  );
  const sys = pyodide.pyimport("sys");
  sys.path.insert(0, "/orthoshare/py");
  sys.path.insert(0, "/orthoshare/tests");
  sys.destroy();
  return pyodide;
}

/** The folder in .venv's site-packages named `name` (or the first whose name passes it). */
export function venvPackage(name) {
  const lib = join(ROOT, ".venv", "lib");
  const python = readdirSync(lib).find((entry) => entry.startsWith("python"));
  const sitePackages = join(lib, python ?? "python3", "site-packages");
  const found = readdirSync(sitePackages).find((entry) =>
    typeof name === "function" ? name(entry) : entry === name,
  );
  check(found !== undefined, `${name} is not in .venv: run scripts/install (scripts/test does)`);
  return join(sitePackages, found);
}

function copyTree(pyodide, hostDir, fsDir, skip = []) {
  pyodide.FS.mkdirTree(fsDir);
  for (const entry of readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || skip.includes(entry.name)) continue;
    const host = join(hostDir, entry.name);
    if (entry.isDirectory()) copyTree(pyodide, host, `${fsDir}/${entry.name}`, skip);
    else if (entry.isFile() && !entry.name.endsWith(".pyc")) {
      pyodide.FS.writeFile(`${fsDir}/${entry.name}`, readFileSync(host));
    }
  }
}

/** Import the crypto module at `path` and wait until it is ready. */
export async function importCrypto(path) {
  const crypto = await import(pathToFileURL(path).href);
  await crypto.ready(); // libsodium compiles its wasm
  return crypto;
}

/** Python results are PyProxies of dicts and lists: convert as the worker does, then free. */
export function js(proxy) {
  if (!proxy?.toJs) return proxy;
  const value = proxy.toJs({ dict_converter: Object.fromEntries });
  proxy.destroy();
  return value;
}
