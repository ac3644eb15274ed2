// orthoshare.browser under Node: the page's Python code, in the page's Pyodide, with the
// page's crypto module, driven the way the worker drives it.
//
//   node tests/node/run.mjs [--crypto FILE] [--exchange DIR]
//
// 1. (boot.mjs) Boots Pyodide from node_modules/pyodide and copies the package
//    (py/orthoshare) into Pyodide's file system. Copying, rather than building a wheel and
//    loadPackage()-ing it, tests exactly the working tree, needs no build step (a
//    setuptools build would write build/ and *.egg-info into py/) and takes milliseconds.
//    The wheel itself is the page build's business, tested with the page.
// 2. Imports the crypto module: --crypto FILE (e.g. a built dist/web/crypto.js), else the
//    source web/crypto.js (Node resolves its imports from node_modules), and calls
//    orthoshare.browser.boot() with it.
// 3. (cctv.mjs) Runs every C2SP CCTV vector (build/cctv, written by
//    tests/tools/dump_cctv.mjs) through the age layer on that backend, the post-quantum
//    ones included: their ML-KEM-768 is the JS backend's.
// 4. (round_trips.mjs) seal -> inspect -> open_ round trips through the browser API with
//    File-like objects backed by Buffers (fake_files.mjs; passphrase at the default work
//    factor 18; X25519 keys, armored), comparing every file's bytes at the offsets open_
//    returns, sliced from the Blob it returns as the page slices it; and (queries.mjs)
//    the requests that seal nothing: describe, patients, views, the passphrase helpers;
//    and (opening.mjs) opening as the page does with its cipher worker, the payload
//    planned by Python and opened batch by batch, to open_'s result and errors.
// 5. (errors.mjs) The error dicts for expected failures: wrong passphrase or key,
//    truncated, not age, not a bundle, bad requests, unreadable inputs.
// 6. With --exchange DIR (used by test_pyodide_node.py): opens DIR/cpython.zip.age, sealed
//    by CPython, and leaves files sealed here for CPython to open.
//
// Prints one line per check and a summary; exits 1 if anything failed.

import { join, relative, resolve } from "node:path";

import { bootPyodide, importCrypto, js, ROOT } from "./boot.mjs";
import { sealWithCipher } from "./bundles.mjs";
import { checkCctvVectors } from "./cctv.mjs";
import { checkErrors } from "./errors.mjs";
import { sampleFiles } from "./fake_files.mjs";
import { results } from "./harness.mjs";
import { checkOpeningAsPlanned } from "./opening.mjs";
import { checkDescribe, checkPassphraseHelpers } from "./queries.mjs";
import { checkSpool, checkExchange, checkKeyRoundTrips, checkPassphraseRoundTrip } from "./round_trips.mjs";
import { checkKeyBook } from "./key_book.mjs";

// dist/web/crypto.js and web/crypto.js are ES modules in a package without "type":
// Node detects that and says so on every import; nothing to act on here.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.code !== "MODULE_TYPELESS_PACKAGE_JSON") console.warn(warning);
});

function option(name) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function cryptoModulePath() {
  const given = option("--crypto");
  if (given) return resolve(given);
  return join(ROOT, "web", "crypto.js");
}

async function main() {
  const started = performance.now();
  const cryptoPath = cryptoModulePath();
  const crypto = await importCrypto(cryptoPath);
  const pyodide = await bootPyodide();
  const bootSeconds = (performance.now() - started) / 1000;
  const browser = pyodide.pyimport("orthoshare.browser");
  const checks = pyodide.pyimport("pyodide_checks");
  const info = js(browser.boot(crypto));
  sealWithCipher(crypto);
  console.log(
    `orthoshare ${info.version} on Python ${info.python} in Pyodide ${pyodide.version}, ` +
      `backend ${info.backend} from ${relative(ROOT, cryptoPath)}; ready in ${bootSeconds.toFixed(1)} s`,
  );

  const cctv = await checkCctvVectors(checks);
  const files = sampleFiles();
  const passphrase = js(browser.generate_passphrase()).passphrase;
  await checkDescribe({ browser, files });
  const byPassphrase = await checkPassphraseRoundTrip({ browser, files, passphrase });
  const { alice, byKey } = await checkKeyRoundTrips({ browser, files });
  await checkKeyBook({ browser });
  await checkOpeningAsPlanned({ browser, crypto, files, alice });
  await checkErrors({ browser, checks, files, passphrase, alice, byPassphrase, byKey });
  await checkSpool({ pyodide, checks });
  await checkPassphraseHelpers({ browser, passphrase });
  const exchange = option("--exchange");
  if (exchange) await checkExchange({ browser, files, passphrase, exchange, alice, byPassphrase, byKey });

  browser.destroy();
  checks.destroy();
  const failed = results.filter((r) => !r.ok);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\n${results.length - failed.length} of ${results.length} checks passed in ${seconds.toFixed(1)} s; ` +
      `CCTV: ${cctv.pass} passed (${cctv.hybrid} post-quantum), ${cctv.fail.length} failed`,
  );
  process.exitCode = failed.length ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
