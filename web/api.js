// Promise RPC to the worker: one request table, progress as callbacks, and Cancel.
//
// The worker answers each request {id, op, args} with any number of
// {id, kind: "progress"} messages and then one {id, kind: "result" | "error"}.
// Boot messages carry no id: {kind: "boot-step" | "ready" | "boot-error"}.
//
// Python runs in the worker synchronously and cannot hear a message while it works,
// so Cancel ends the worker itself, with everything it held, and starts a new one.
// So does an error the worker marks `restart`: Pyodide failed fatally (a stack
// overflow, say) and would refuse every later request.

export const CANCELLED = "Cancelled";

export function createApi(startWorker, { onBootStep, onReady, onBootError }) {
  const pending = new Map();
  let nextId = 1;
  let worker = null;

  function onMessage({ data }) {
    if (data.kind === "boot-step") return onBootStep(data.step);
    if (data.kind === "ready") return onReady(data.version);
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

  function start() {
    worker = startWorker();
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", (event) => {
      onBootError(event.message || "the background worker failed to start");
    });
  }

  function call(op, args = [], { onProgress } = {}) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, op, args });
    });
  }

  // Ends the worker and starts another; what it was still asked rejects with `reason`.
  function restart(reason) {
    worker.terminate();
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
