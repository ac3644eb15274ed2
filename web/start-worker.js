// How the page gets its worker. The site loads web/worker.js from its server; the
// single file (dist/orthoshare.html) is built with single-start-worker.js in this
// module's place, because a browser opening a file:// page cannot load workers this way.

export function startWorker() {
  return new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
}
