// The page: DOM only. All work happens in the worker (web/worker.js), in Python.
// This module checks the browser, starts the worker and wires up the views: send.js,
// open.js and keys.js, with the DOM helpers of dom.js.
//
// The page's state is on <body data-state>: booting, ready, working, done, error,
// so people and tests can tell where it is without guessing. Patient data is
// never written to storage, the console or the URL.

import { createApi } from "./api.js";
import { $, setState } from "./dom.js";
import { setUpKeys } from "./keys.js";
import { setUpOpen } from "./open.js";
import { setUpSend } from "./send.js";
import { startWorker } from "./start-worker.js";

// What the page cannot run without (DecompressionStream: the single file unpacks
// itself with it). Every current engine has all of it; an older browser gets one
// plain sentence instead of a failure later.
const missing = [
  ["Web Workers", typeof Worker],
  ["WebAssembly", typeof WebAssembly],
  ["Blob", typeof Blob],
  ["BigInt64Array", typeof BigInt64Array],
  ["DecompressionStream", typeof DecompressionStream],
].filter(([, type]) => type === "undefined");
if (missing.length) {
  const lacks = missing.map(([name]) => name).join(", ");
  setState("error", `This browser is too old for orthoshare (it lacks ${lacks}): open the page in a current Chrome, Edge, Firefox or Safari.`);
  throw new Error("unsupported browser");
}

const api = createApi(startWorker, {
  onBootStep: (step) => setState("booting", `Starting: ${step}…`),
  onReady: () => setState("ready", "Ready. Nothing you add leaves this computer."),
  onBootError: (message) =>
    setState("error", `orthoshare could not start in this browser: ${message}`),
});

// ---- tabs --------------------------------------------------------------------------

for (const tab of document.querySelectorAll("nav button")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("nav button")) {
      const selected = other === tab;
      other.setAttribute("aria-pressed", String(selected));
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
  });
}

setUpSend(api);
setUpOpen(api);
setUpKeys(api);
