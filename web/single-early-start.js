// The single file's first script, a classic one, so that it runs while the browser is
// still reading the page: it starts the worker at once, and the worker's code (a couple
// of megabytes) is compiled on the other core while the page reads the rest of itself.
// build.py puts it right after the block of the worker's code; the page's module
// (single-start-worker.js) takes the worker from it.
//
// The worker is one classic script (web/single-worker.js with everything it imports,
// bundled by build.py) from a blob: URL, which imports nothing: the one way found that
// every engine accepts from a file:// page. Measured: WebKit refuses import() of a
// blob: URL inside a worker started from a file:// page ("Cross-origin script load
// denied"), and Chromium refuses a module worker from a blob: URL there.

(() => {
  const block = document.currentScript.previousElementSibling;

  function fromBase64(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text.trim());
    return Uint8Array.from(atob(text.trim()), (char) => char.charCodeAt(0));
  }

  async function unpack(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  // Kept for the page's lifetime: Cancel starts a new worker from the same code.
  const code = unpack(fromBase64(block.textContent)).then(
    (bytes) => new Blob([bytes], { type: "text/javascript" }),
  );
  block.remove();

  async function start(name = "") {
    const url = URL.createObjectURL(await code);
    const worker = new Worker(url, { name });
    // Once the worker speaks (or fails) it has read its code, which nothing needs after.
    const revoke = () => URL.revokeObjectURL(url);
    worker.addEventListener("message", revoke, { once: true });
    worker.addEventListener("error", revoke, { once: true });
    return worker;
  }
  let first = start();

  globalThis.orthoshareLoader = {
    fromBase64,
    unpack,
    // The worker started early the first time, a new one from the same code after;
    // one under a name (the cipher worker) always a new one.
    startWorker(name = "") {
      if (name) return start(name);
      const started = first ?? start();
      first = null;
      return started;
    },
  };
})();
