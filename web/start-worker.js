// How the page gets its worker. The site loads web/worker.js from its server; the
// single file (dist/orthoshare.html) is built with single-start-worker.js in this
// module's place, because a browser opening a file:// page cannot load workers this way.
//
// A worker started from its own URL obeys only the Content-Security-Policy of that
// URL's HTTP response, which a plain intranet server does not send. A worker started
// from a blob: URL inherits the page's policy (index.html's meta element), and the
// modules it imports run under it; so the worker is a one-line blob: module that
// imports web/worker.js. It imports it with import(), which Chromium and WebKit check
// against the policy's script-src; Firefox checks web/worker.js's own static imports
// against worker-src, hence 'self' there. A failed import() raises no error event, so
// it is reported as service.js reports a failed boot.

/** A new worker, under `name` (the cipher worker's, or none for the Python one). */
export function startWorker(name = "") {
  const href = JSON.stringify(new URL("./worker.js", import.meta.url).href);
  const code = `import(${href}).catch((error) =>
    postMessage({ kind: "boot-error", message: String(error?.message ?? error) }));\n`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module", name });
  // Once the worker speaks (or fails) it has read the URL, which nothing needs after.
  const revoke = () => URL.revokeObjectURL(url);
  worker.addEventListener("message", revoke, { once: true });
  worker.addEventListener("error", revoke, { once: true });
  return worker;
}
