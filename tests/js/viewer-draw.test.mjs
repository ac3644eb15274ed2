// The viewer's numbers a receiver reads (web/viewer-draw.js): window/level as DICOM
// defines it, the orientation letters of an image's edges, and measured lengths.
//   node --test tests/js/

import { test } from "node:test";
import assert from "node:assert/strict";

import {
  GrayPainter,
  draggedWindow,
  edgeMarkers,
  measuredLength,
  modalityRange,
  windowByte,
  windowSpanning,
} from "../../web/viewer-draw.js";

const painted = (frame, window) => {
  const rgba = new Uint8ClampedArray(frame.width * frame.height * 4);
  new GrayPainter().paint(frame, window, rgba);
  return Array.from({ length: frame.width * frame.height }, (_, i) => rgba[i * 4]);
};

test("the window maps values as DICOM's linear function: black below, white above, linear between", () => {
  // C 40, W 400: the ramp runs over (-160, 239].
  assert.equal(windowByte(-160, 40, 400), 0);
  assert.equal(windowByte(-1000, 40, 400), 0);
  assert.equal(windowByte(240, 40, 400), 255);
  assert.equal(windowByte(39.5, 40, 400), 128);
  assert.equal(windowByte(139.5, 40, 400), Math.round((100 / 399 + 0.5) * 255));
});

test("stored values are rescaled to modality values before the window applies", () => {
  const frame = { width: 3, height: 1, values: new Uint16Array([0, 1024, 3000]), slope: 1, intercept: -1024, invert: false };
  assert.deepEqual(painted(frame, { center: 40, width: 400 }), [0, windowByte(0, 40, 400), 255]);
});

test("a MONOCHROME1 frame is drawn inverted, and every pixel is opaque", () => {
  const frame = { width: 2, height: 1, values: new Int16Array([-2000, 2000]), slope: 1, intercept: 0, invert: true };
  const rgba = new Uint8ClampedArray(8);
  new GrayPainter().paint(frame, { center: 0, width: 100 }, rgba);
  assert.deepEqual([...rgba], [255, 255, 255, 255, 0, 0, 0, 255]);
});

test("one painter follows a changed window, and 32-bit values are drawn without a table", () => {
  const painter = new GrayPainter();
  const frame = { width: 1, height: 1, values: new Int16Array([100]), slope: 2, intercept: 0, invert: false };
  const rgba = new Uint8ClampedArray(4);
  painter.paint(frame, { center: 0, width: 100 }, rgba);
  assert.equal(rgba[0], 255);
  painter.paint(frame, { center: 200, width: 400 }, rgba);
  assert.equal(rgba[0], windowByte(200, 200, 400));
  const wide = { ...frame, values: new Int32Array([70000]), slope: 1 };
  painter.paint(wide, { center: 70000, width: 10 }, rgba);
  assert.equal(rgba[0], windowByte(70000, 70000, 10));
});

test("the default window of a frame without one spans its modality values, even with a negative slope", () => {
  const frame = { values: new Int16Array([5, -3, 10]), slope: -2, intercept: 1 };
  const range = modalityRange(frame);
  assert.deepEqual(range, { min: -19, max: 7 });
  const window = windowSpanning(range);
  assert.equal(windowByte(range.min, window.center, window.width), 0);
  assert.equal(windowByte(range.max, window.center, window.width), 255);
});

test("dragging right widens the window and dragging down raises its center", () => {
  const window = draggedWindow({ center: 40, width: 400 }, 30, 15);
  assert.ok(window.width > 400 && window.center > 40);
  assert.equal(draggedWindow({ center: 0, width: 2 }, -1000, 0).width, 1);
});

test("an axial slice reads R on its left, L on its right, A on top and P at the bottom", () => {
  assert.deepEqual(edgeMarkers([1, 0, 0], [0, 1, 0]), { left: "R", right: "L", top: "A", bottom: "P" });
});

test("a coronal image reads head on top, and an oblique direction gives both letters, strongest first", () => {
  assert.deepEqual(edgeMarkers([1, 0, 0], [0, 0, -1]), { left: "R", right: "L", top: "H", bottom: "F" });
  assert.equal(edgeMarkers([0.8, 0.6, 0], [0, 0, -1]).right, "LP");
  assert.equal(edgeMarkers([0.99, 0.1, 0], [0, 0, -1]).right, "L");
});

test("a length is in mm with each axis' own spacing, says when the spacing is the detector's, else is in pixels", () => {
  const a = { x: 0, y: 0 };
  const b = { x: 30, y: 40 };
  const mm = measuredLength(a, b, { horizontal: 0.5, vertical: 1, detector: false });
  assert.equal(mm.unit, "mm");
  assert.ok(Math.abs(mm.value - Math.hypot(15, 40)) < 1e-9);
  assert.match(mm.text, /^42\.7 mm$/);
  assert.match(measuredLength(a, b, { horizontal: 1, vertical: 1, detector: true }).text, /50\.0 mm at the detector/);
  const pixels = measuredLength(a, b, null);
  assert.equal(pixels.unit, "px");
  assert.match(pixels.text, /50\.0 pixels/);
});
