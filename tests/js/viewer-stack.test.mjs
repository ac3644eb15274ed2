// A series as the viewer scrolls it (web/viewer-stack.js): the order of its frames and
// the decoded frames kept, decoded once, coalesced and bounded in bytes.
//   node --test tests/js/

import { test } from "node:test";
import assert from "node:assert/strict";

import { FrameStore, orderFrames } from "../../web/viewer-stack.js";

const AXIAL = [1, 0, 0, 0, 1, 0];
const file = (name, header) => ({ name, header: { frameCount: 1, orientation: AXIAL, positions: null, instanceNumber: null, ...header } });

test("slices are ordered by position along the slice normal, whatever their instance numbers say", () => {
  const files = [
    file("a", { positions: [[0, 0, 5]], instanceNumber: 1 }),
    file("b", { positions: [[0, 0, -5]], instanceNumber: 2 }),
    file("c", { positions: [[0, 0, 0]], instanceNumber: 3 }),
  ];
  const frames = orderFrames(files);
  assert.deepEqual(frames.map(({ file: index }) => files[index].name), ["b", "c", "a"]);
  assert.deepEqual(frames.map(({ along }) => along), [-5, 0, 5]);
});

test("a sagittal series is ordered along its own normal, not along z", () => {
  const sagittal = [0, 1, 0, 0, 0, -1]; // normal: row × column = -x
  const files = [0, 1, 2].map((k) => file(`s${k}`, { orientation: sagittal, positions: [[k * 2, 0, 0]] }));
  assert.deepEqual(orderFrames(files).map(({ file: index }) => index), [2, 1, 0]);
});

test("without positions the instance number orders, and without either the name does, numerically", () => {
  const byInstance = [file("x", { instanceNumber: 3 }), file("y", { instanceNumber: 1 }), file("z", { instanceNumber: 2 })];
  assert.deepEqual(orderFrames(byInstance).map(({ file: index }) => index), [1, 2, 0]);
  const byName = ["img10", "img9", "img1"].map((name) => file(name, { orientation: null }));
  assert.deepEqual(orderFrames(byName).map(({ file: index }) => byName[index].name), ["img1", "img9", "img10"]);
});

test("a multi-frame object contributes each of its frames, each at its own position", () => {
  const enhanced = file("enhanced", { frameCount: 3, positions: [[0, 0, 2], [0, 0, 0], [0, 0, 1]] });
  assert.deepEqual(orderFrames([enhanced]).map(({ frame }) => frame), [1, 2, 0]);
});

// A decode the test resolves by hand, to see what the store asks for and when.
function manualDecoder(bytesPerFrame = 4) {
  const asked = [];
  const pending = [];
  const decode = (index) =>
    new Promise((resolve, reject) => {
      asked.push(index);
      pending.push({ index, resolve: () => resolve({ width: 1, height: 1, values: new Uint8Array(bytesPerFrame) }), reject });
    });
  const settle = async () => {
    for (let i = 0; i < 50; i += 1) await new Promise((resolve) => setTimeout(resolve));
  };
  return { asked, pending, decode, settle };
}

test("a fast scroll decodes the frame in flight and the last one asked for, not every one passed", async () => {
  const decoder = manualDecoder();
  const store = new FrameStore(100, decoder.decode);
  const ready = [];
  for (let index = 0; index <= 40; index += 1) store.want(index, (i) => ready.push(i));
  assert.deepEqual(decoder.asked, [0]);
  decoder.pending.shift().resolve();
  await decoder.settle();
  assert.deepEqual(decoder.asked, [0, 40]);
  decoder.pending.shift().resolve();
  await decoder.settle();
  assert.deepEqual(ready, [40]);
  assert.ok(store.want(40, () => {}).frame, "the frame shown is kept");
  store.close();
});

test("while idle the neighbours of the frame shown are decoded ahead, nearest first", async () => {
  const decoder = manualDecoder();
  const store = new FrameStore(100, decoder.decode);
  store.want(50, () => {});
  for (let i = 0; i < 5; i += 1) {
    decoder.pending.shift()?.resolve();
    await decoder.settle();
  }
  assert.deepEqual(decoder.asked.slice(0, 5), [50, 51, 49, 52, 48]);
  store.close();
});

test("the frames kept stay within the byte budget, the least recently shown let go first", async () => {
  const decoder = manualDecoder(100);
  const store = new FrameStore(30, decoder.decode, 250);
  for (const index of [0, 1, 0, 2]) {
    store.want(index, () => {});
    while (decoder.pending.length) {
      decoder.pending.shift().resolve();
      await decoder.settle();
    }
  }
  assert.equal(store.bytes, 200);
  assert.deepEqual(decoder.asked, [0, 1, 2], "two frames of 100 bytes fit in 250, and none is decoded ahead");
  assert.ok(store.want(0, () => {})?.frame, "frame 0 was shown again after 1, so 1 went");
  assert.equal(store.want(1, () => {}), null);
  store.close();
  assert.equal(store.bytes, 0);
});

test("a frame that fails is said once and not decoded again", async () => {
  const decoder = manualDecoder();
  const store = new FrameStore(1, decoder.decode);
  const outcomes = [];
  store.want(0, (index, outcome) => outcomes.push(outcome));
  decoder.pending.shift().reject(new Error("This frame is damaged."));
  await decoder.settle();
  assert.equal(outcomes[0].error.message, "This frame is damaged.");
  assert.equal(store.want(0, () => {}).error.message, "This frame is damaged.");
  assert.equal(decoder.asked.length, 1);
});
