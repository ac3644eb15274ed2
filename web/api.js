// Promise RPC to the worker: one request table, progress as callbacks, and Cancel.
//
// The worker answers each request {id, op, args} with any number of
// {id, kind: "progress"} messages and then one {id, kind: "result" | "error"}.
// Boot messages carry no id: {kind: "boot-step" | "ready" | "boot-error"}.
//
// Python runs in the worker synchronously and cannot hear a message while it works,
// so Cancel ends the worker itself (and the cipher worker), with everything they held,
// and starts a new one.
// So does an error the worker marks `restart`: Pyodide failed fatally (a stack
// overflow, say) and would refuse every later request.

export const CANCELLED = "Cancelled";

// The name of the page's second worker, which applies the cipher on the other core when
// sealing and opening (cipher.js's CIPHER). It starts once the first is ready, so as not
// to slow the page's start, and is handed one end of a channel whose other end goes to
// the first worker. Without it the first worker seals and opens by itself.
const CIPHER = "orthoshare-cipher";

// WebKit's worker of a file:// page cannot read a Blob (NotReadableError, measured with
// Blobs and Files alike, the worker's own included). So each worker is asked, once it
// first speaks (before that, the site's worker may not be listening yet), whether it
// can read the page's Blobs ("readsBlobs", with a one-byte Blob); where it cannot,
// every Blob in a request goes as its bytes, transferred, and the worker reads those
// (service.js's BytesFile). That holds each input in memory while it is used, which
// is why it is only the fallback.
async function asBytes(value, transfer) {
  if (value instanceof Blob) {
    const bytes = await value.arrayBuffer();
    transfer.push(bytes);
    return { blobBytes: bytes, name: value.name ?? "", type: value.type, lastModified: value.lastModified ?? 0 };
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => asBytes(item, transfer)));
  if (value?.constructor === Object) {
    const entries = Object.entries(value);
    const converted = await Promise.all(entries.map(([, item]) => asBytes(item, transfer)));
    return Object.fromEntries(entries.map(([key], index) => [key, converted[index]]));
  }
  return value;
}

export function createApi(startWorker, { onBootStep, onReady, onBootError }) {
  const pending = new Map();
  let nextId = 1;
  // A promise of the worker: the single file's takes a moment to unpack its code.
  let worker = null;

  function onMessage({ data }) {
    if (data.kind === "boot-step" || data.kind === "ready") spoke();
    if (data.kind === "boot-step") return onBootStep(data.step);
    if (data.kind === "ready") {
      startCipher();
      return onReady(data.version);
    }
    if (data.kind === "boot-error") return onBootError(data.message);
    const request = pending.get(data.id);
    if (!request) return;
    if (data.kind === "progress") {
      request.onProgress?.(data.step, data.done, data.total);
      return;
    }
    pending.delete(data.id);
    if (data.kind === "result") request.resolve(data.value);
    else request.reject(Object.assign(new Error(data.error.message), data.error));
    if (data.kind === "error" && data.error.restart) restart(data.error);
  }

  // Whether the current worker needs Blobs as bytes (see asBytes), and what tells that
  // it has spoken.
  let needsBytes = null;
  let spoke = null;
  let cipher = null; // a promise of the cipher worker, once the first is ready

  function startCipher() {
    const first = worker;
    cipher = Promise.resolve(startWorker(CIPHER));
    const listening = cipher.then(
      (second) => new Promise((resolve) => second.addEventListener("message", resolve, { once: true })),
    );
    Promise.all([first, cipher, listening])
      .then(([python, second]) => {
        const channel = new MessageChannel();
        second.postMessage({ kind: "cipher-port", port: channel.port2 }, [channel.port2]);
        python.postMessage({ kind: "cipher-port", port: channel.port1 }, [channel.port1]);
      })
      .catch(() => {}); // the first worker seals by itself
  }

  function start() {
    const spoken = new Promise((resolve) => (spoke = resolve));
    worker = Promise.resolve(startWorker()).then((started) => {
      started.addEventListener("message", onMessage);
      started.addEventListener("error", (event) => {
        onBootError(event.message || "the background worker failed to start");
      });
      return started;
    });
    worker.catch((error) => onBootError(String(error?.message ?? error)));
    const probe = [new Blob([new Uint8Array(1)])];
    needsBytes = send("readsBlobs", probe, undefined, spoken.then(() => false)).then((reads) => !reads);
    needsBytes.catch(() => {});
  }

  // Posts the request once this worker runs and `asBytes` (a promise) says how to send
  // its Blobs. It is pending from the start, so that Cancel rejects it even before then.
  function send(op, args, onProgress, asBytesFirst) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      Promise.all([worker, asBytesFirst])
        .then(async ([started, bytes]) => {
          const transfer = [];
          const message = { id, op, args: bytes ? await asBytes(args, transfer) : args };
          if (pending.has(id)) started.postMessage(message, transfer);
        })
        .catch((error) => {
          pending.delete(id);
          reject(error);
        });
    });
  }

  function call(op, args = [], { onProgress } = {}) {
    return send(op, args, onProgress, needsBytes);
  }

  // Ends the worker and starts another; what it was still asked rejects with `reason`.
  function restart(reason) {
    worker.then((started) => started.terminate(), () => {});
    cipher?.then((started) => started.terminate(), () => {});
    cipher = null;
    for (const request of pending.values()) request.reject(Object.assign(new Error(reason.message), reason));
    pending.clear();
    start();
  }

  /** Stop whatever the worker is doing; its requests reject with kind CANCELLED. */
  function cancel() {
    restart({ kind: CANCELLED, message: "cancelled: nothing was saved", hint: "" });
  }

  start();
  return { call, cancel };
}
