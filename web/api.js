// Promise RPC to the worker: one request table, progress as callbacks.
//
// The worker answers each request {id, op, args} with any number of
// {id, kind: "progress"} messages and then one {id, kind: "result" | "error"}.
// Boot messages carry no id: {kind: "boot-step" | "ready" | "boot-error"}.

export function createApi(worker, { onBootStep, onReady, onBootError }) {
  const pending = new Map();
  let nextId = 1;

  worker.addEventListener("message", ({ data }) => {
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
  });
  worker.addEventListener("error", (event) => {
    onBootError(event.message || "the background worker failed to start");
  });

  function call(op, args = [], { onProgress } = {}) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, op, args });
    });
  }
  return { call };
}
