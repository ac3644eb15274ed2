// The page's RPC to its worker (web/api.js), with stand-in workers: requests resolve
// and reject by id, Cancel starts a new worker, and so does an error the worker marks
// `restart` (Pyodide failed fatally), rejecting whatever was still asked.
//   node --test tests/js/

import { test } from "node:test";
import assert from "node:assert/strict";

import { CANCELLED, createApi } from "../../web/api.js";

// A worker that records what it was asked and can answer as the real one does.
// It speaks first, as a real worker does once it listens (a boot step), and answers
// the api's own first question (can it read the page's Blobs?) at once, with `readsBlobs`.
class StandInWorker {
  listeners = [];
  asked = [];
  transferred = [];
  terminated = false;

  constructor({ readsBlobs = true } = {}) {
    this.readsBlobs = readsBlobs;
  }

  addEventListener(type, listener) {
    if (type !== "message") return;
    this.listeners.push(listener);
    if (this.listeners.length === 1) queueMicrotask(() => this.answer({ kind: "boot-step", step: "starting" }));
  }

  postMessage(request, transfer = []) {
    if (request.op === "readsBlobs") {
      queueMicrotask(() => this.answer({ id: request.id, kind: "result", value: this.readsBlobs }));
      return;
    }
    this.asked.push(request);
    this.transferred.push(transfer);
  }

  terminate() {
    this.terminated = true;
  }

  answer(data) {
    for (const listener of this.listeners) listener({ data });
  }
}

// Lets the promises of the api settle: it reaches its worker through one.
const settled = () => new Promise((resolve) => setImmediate(resolve));

function apiWithStandIns({ startsLater = false, readsBlobs = true } = {}) {
  const workers = [];
  const booted = [];
  const api = createApi(
    () => {
      workers.push(new StandInWorker({ readsBlobs }));
      // The single file's worker is started from code the page unpacks first.
      return startsLater ? settled().then(() => workers.at(-1)) : workers.at(-1);
    },
    { onBootStep: () => {}, onReady: (version) => booted.push(version), onBootError: () => {} },
  );
  return { api, workers, booted };
}

test("a result resolves the request it answers, and progress reaches its callback", async () => {
  const { api, workers } = apiWithStandIns();
  const steps = [];
  const sealing = api.call("seal", ["files"], { onProgress: (...step) => steps.push(step) });
  await settled();
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
  await settled();
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
  await settled();
  const fatal = { kind: "InternalError", message: "Pyodide has suffered a fatal error", hint: "", restart: true };
  workers[0].answer({ id: workers[0].asked[0].id, kind: "error", error: fatal });
  await assert.rejects(failing, { kind: "InternalError", restart: true });
  await assert.rejects(waiting, { kind: "InternalError", restart: true });
  await settled();
  assert.equal(workers[0].terminated, true);
  assert.equal(workers.length, 2);
  // The new worker takes the next request and answers it.
  const next = api.call("views", []);
  await settled();
  assert.equal(workers[0].asked.length, 2);
  workers[1].answer({ id: workers[1].asked[0].id, kind: "result", value: [] });
  assert.deepEqual(await next, []);
});

test("cancel rejects every pending request as cancelled and starts a new worker", async () => {
  const { api, workers } = apiWithStandIns();
  const sealing = api.call("seal", []);
  api.cancel();
  await assert.rejects(sealing, { kind: CANCELLED });
  await settled();
  assert.equal(workers[0].terminated, true);
  assert.equal(workers.length, 2);
});

test("a worker that starts later gets the requests made before, in order", async () => {
  const { api, workers } = apiWithStandIns({ startsLater: true });
  const views = api.call("views", []);
  const keys = api.call("keygen", []);
  assert.deepEqual(workers[0].asked, []);
  await settled();
  assert.deepEqual(workers[0].asked.map((request) => request.op), ["views", "keygen"]);
  workers[0].answer({ id: workers[0].asked[1].id, kind: "result", value: "key" });
  workers[0].answer({ id: workers[0].asked[0].id, kind: "result", value: [] });
  assert.deepEqual(await Promise.all([views, keys]), [[], "key"]);
});

test("nothing is asked of a worker before it first speaks", async () => {
  const workers = [];
  const api = createApi(
    () => {
      const worker = new StandInWorker();
      worker.addEventListener = (type, listener) => type === "message" && worker.listeners.push(listener);
      workers.push(worker);
      return worker;
    },
    { onBootStep: () => {}, onReady: () => {}, onBootError: () => {} },
  );
  api.call("views", []);
  await settled();
  assert.deepEqual(workers[0].asked, []);
  workers[0].answer({ kind: "boot-step", step: "loading the Python runtime" });
  await settled();
  assert.deepEqual(workers[0].asked.map((request) => request.op), ["views"]);
});

test("a worker that could not be started is reported as a failed boot", async () => {
  const failures = [];
  const api = createApi(() => Promise.reject(new Error("no worker here")), {
    onBootStep: () => {},
    onReady: () => {},
    onBootError: (message) => failures.push(message),
  });
  await assert.rejects(api.call("views", []), /no worker here/);
  assert.deepEqual(failures, ["no worker here"]);
});

test("Blobs go as they are to a worker that reads them", async () => {
  const { api, workers } = apiWithStandIns();
  const file = new File(["records"], "ct.dcm");
  api.call("describe", [[{ file, path: "ct.dcm" }]]);
  await settled();
  assert.equal(workers[0].asked[0].args[0][0].file, file);
  assert.deepEqual(workers[0].transferred[0], []);
});

test("Blobs go as transferred bytes, with name and type, to a worker that cannot read them", async () => {
  const { api, workers } = apiWithStandIns({ readsBlobs: false });
  const file = new File(["records"], "ct.dcm", { type: "application/dicom", lastModified: 7 });
  api.call("seal", [[{ file, path: "in/ct.dcm" }], { passphrase: "p" }]);
  await settled();
  const [entries, request] = workers[0].asked[0].args;
  const { blobBytes, ...about } = entries[0].file;
  assert.equal(new TextDecoder().decode(blobBytes), "records");
  assert.deepEqual(about, { name: "ct.dcm", type: "application/dicom", lastModified: 7 });
  assert.equal(entries[0].path, "in/ct.dcm");
  assert.deepEqual(request, { passphrase: "p" });
  assert.deepEqual(workers[0].transferred[0], [blobBytes]);
});
