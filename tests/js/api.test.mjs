// The page's RPC to its worker (web/api.js), with stand-in workers: requests resolve
// and reject by id, Cancel starts a new worker, and so does an error the worker marks
// `restart` (Pyodide failed fatally), rejecting whatever was still asked.
//   node --test tests/js/

import { test } from "node:test";
import assert from "node:assert/strict";

import { CANCELLED, createApi } from "../../web/api.js";

// A worker that records what it was asked and can answer as the real one does.
class StandInWorker {
  listeners = [];
  asked = [];
  terminated = false;

  addEventListener(type, listener) {
    if (type === "message") this.listeners.push(listener);
  }

  postMessage(request) {
    this.asked.push(request);
  }

  terminate() {
    this.terminated = true;
  }

  answer(data) {
    for (const listener of this.listeners) listener({ data });
  }
}

function apiWithStandIns() {
  const workers = [];
  const booted = [];
  const api = createApi(
    () => {
      workers.push(new StandInWorker());
      return workers.at(-1);
    },
    { onBootStep: () => {}, onReady: (version) => booted.push(version), onBootError: () => {} },
  );
  return { api, workers, booted };
}

test("a result resolves the request it answers, and progress reaches its callback", async () => {
  const { api, workers } = apiWithStandIns();
  const steps = [];
  const sealing = api.call("seal", ["files"], { onProgress: (...step) => steps.push(step) });
  const [request] = workers[0].asked;
  assert.deepEqual({ op: request.op, args: request.args }, { op: "seal", args: ["files"] });
  workers[0].answer({ id: request.id, kind: "progress", step: "sealing", done: 1, total: 2 });
  workers[0].answer({ id: request.id, kind: "result", value: { size: 3 } });
  assert.deepEqual(await sealing, { size: 3 });
  assert.deepEqual(steps, [["sealing", 1, 2]]);
  assert.equal(workers.length, 1);
});

test("an ordinary error rejects its request and keeps the worker", async () => {
  const { api, workers } = apiWithStandIns();
  const opening = api.call("open", []);
  const error = { kind: "WrongPassphraseError", message: "wrong passphrase", hint: "check it" };
  workers[0].answer({ id: workers[0].asked[0].id, kind: "error", error });
  await assert.rejects(opening, { kind: "WrongPassphraseError", message: "wrong passphrase" });
  assert.equal(workers[0].terminated, false);
  assert.equal(workers.length, 1);
});

test("an error marked restart ends the worker, rejects what it still had, and starts another", async () => {
  const { api, workers } = apiWithStandIns();
  const failing = api.call("open", []);
  const waiting = api.call("describe", []);
  const fatal = { kind: "InternalError", message: "Pyodide has suffered a fatal error", hint: "", restart: true };
  workers[0].answer({ id: workers[0].asked[0].id, kind: "error", error: fatal });
  await assert.rejects(failing, { kind: "InternalError", restart: true });
  await assert.rejects(waiting, { kind: "InternalError", restart: true });
  assert.equal(workers[0].terminated, true);
  assert.equal(workers.length, 2);
  // The new worker takes the next request and answers it.
  const next = api.call("views", []);
  assert.equal(workers[0].asked.length, 2);
  workers[1].answer({ id: workers[1].asked[0].id, kind: "result", value: [] });
  assert.deepEqual(await next, []);
});

test("cancel rejects every pending request as cancelled and starts a new worker", async () => {
  const { api, workers } = apiWithStandIns();
  const sealing = api.call("seal", []);
  api.cancel();
  await assert.rejects(sealing, { kind: CANCELLED });
  assert.equal(workers[0].terminated, true);
  assert.equal(workers.length, 2);
});
