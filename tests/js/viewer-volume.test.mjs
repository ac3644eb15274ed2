// Slices as a volume and the planes cut through it (web/viewer-volume.js): which series
// make one, its memory bound, the planes' layout as radiologists read them, and the
// voxel under a plane's pixel, which the cross-hair uses.
//   node --test tests/js/

import { test } from "node:test";
import assert from "node:assert/strict";

import {
  buildVolume,
  createVolume,
  extractPlane,
  fillSlice,
  planeLayout,
  planePosition,
  planeToVoxel,
  reductionFor,
  volumeGeometry,
  voxelToPlane,
} from "../../web/viewer-volume.js";
import { orderFrames } from "../../web/viewer-stack.js";

const AXIAL = [1, 0, 0, 0, 1, 0];

// An axial series of `count` slices, `rows` × `columns`, slice k at z = 10 + gap(k).
function series(count, { rows = 4, columns = 5, z = (k) => 2 * k, header = () => ({}) } = {}) {
  const files = Array.from({ length: count }, (_, k) => ({
    name: `s${k}`,
    header: {
      frameCount: 1,
      rows,
      columns,
      samplesPerPixel: 1,
      photometric: "MONOCHROME2",
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      pixelSpacing: [0.5, 0.25],
      orientation: AXIAL,
      positions: [[-10, -20, 10 + z(k)]],
      instanceNumber: k + 1,
      ...header(k),
    },
  }));
  return orderFrames(files.reverse());
}

test("evenly spaced parallel slices of one size make a volume with each axis' spacing", () => {
  const { geometry } = volumeGeometry(series(6));
  assert.deepEqual(geometry.spacing, [0.25, 0.5, 2]);
  assert.deepEqual(geometry.directions[2], [0, 0, 1]);
  assert.deepEqual(geometry.origin, [-10, -20, 10]);
  assert.equal(geometry.count, 6);
});

test("uneven gaps, differing sizes, a missing position or too few slices make no volume, with the reason", () => {
  assert.match(volumeGeometry(series(6, { z: (k) => k * k })).reason, /evenly spaced/);
  assert.match(volumeGeometry(series(6, { header: (k) => (k === 3 ? { rows: 8 } : {}) })).reason, /size/);
  assert.match(volumeGeometry(series(6, { header: (k) => (k === 2 ? { positions: null } : {}) })).reason, /position/);
  assert.match(volumeGeometry(series(2)).reason, /fewer than three/);
  assert.match(volumeGeometry(series(4, { header: (k) => ({ positions: [[k, 0, 2 * k]] }) })).reason, /one line/);
});

test("a volume above the memory bound is reduced in-plane by halves until it fits", () => {
  const geometry = { count: 1000, rows: 512, columns: 512 };
  assert.equal(reductionFor(geometry, 2), 1);
  assert.equal(reductionFor({ ...geometry, count: 1200 }, 2), 2);
  assert.equal(reductionFor({ ...geometry, count: 6000 }, 2), 4);
});

test("a reduced slice keeps the mean of each block of pixels", () => {
  const { geometry } = volumeGeometry(series(3, { rows: 2, columns: 4 }));
  const volume = createVolume(geometry, Int16Array, 2);
  fillSlice(volume, 1, new Int16Array([1, 3, 10, 10, 5, 7, 20, 30]));
  assert.deepEqual([...volume.data.subarray(2, 4)], [4, 18]);
  assert.deepEqual(volume.spacing, [0.5, 1, 2]);
});

// A volume whose voxel [i, j, k] holds 100 k + 10 j + i.
function numberedVolume() {
  const { geometry } = volumeGeometry(series(3, { rows: 4, columns: 5 }));
  const volume = createVolume(geometry, Int16Array, 1);
  for (let k = 0; k < 3; k += 1) {
    fillSlice(volume, k, Int16Array.from({ length: 20 }, (_, p) => 100 * k + 10 * Math.floor(p / 5) + (p % 5)));
  }
  return volume;
}

test("from an axial series, the coronal plane shows the head up and the patient's left on the right", () => {
  const layout = planeLayout(numberedVolume(), 1);
  assert.equal(layout.name, "Coronal");
  assert.deepEqual([layout.width, layout.height], [5, 3]);
  assert.deepEqual(layout.right, [1, 0, 0]);
  assert.deepEqual(layout.down, [-0, -0, -1]);
  assert.deepEqual([layout.h.spacing, layout.v.spacing], [0.25, 2]);
});

test("from an axial series, the sagittal plane shows anterior on the left and the head up", () => {
  const layout = planeLayout(numberedVolume(), 0);
  assert.equal(layout.name, "Sagittal");
  assert.deepEqual(layout.right, [0, 1, 0]);
  assert.deepEqual(layout.down, [-0, -0, -1]);
});

test("a reconstructed plane's pixels are the volume's voxels, and a click maps back to the same voxel", () => {
  const volume = numberedVolume();
  for (const fixed of [0, 1, 2]) {
    const layout = planeLayout(volume, fixed);
    const index = fixed === 2 ? 1 : 2;
    const plane = extractPlane(volume, layout, index);
    for (let y = 0; y < layout.height; y += 1) {
      for (let x = 0; x < layout.width; x += 1) {
        const [i, j, k] = planeToVoxel(layout, index, x + 0.5, y + 0.5);
        assert.equal(plane[y * layout.width + x], 100 * k + 10 * j + i);
        const back = voxelToPlane(layout, [i, j, k]);
        assert.deepEqual(back, { index, x: x + 0.5, y: y + 0.5 });
      }
    }
  }
  // Head up: the coronal plane's top row is the last (highest) slice.
  const coronal = planeLayout(volume, 1);
  assert.equal(extractPlane(volume, coronal, 0)[0], 200);
});

test("a plane's position is its distance along its normal", () => {
  const volume = numberedVolume();
  assert.equal(planePosition(volume, planeLayout(volume, 2), 2), 14);
  assert.equal(planePosition(volume, planeLayout(volume, 0), 4), -10 + 4 * 0.25);
});

test("a volume is built from every slice once, and a slice unlike the others stops it with the reason", async () => {
  const frames = series(3, { rows: 2, columns: 2 });
  const { geometry } = volumeGeometry(frames);
  const decoded = [];
  const frame = (k) => ({ kind: "gray", width: 2, height: 2, values: new Uint16Array([k, k, k, 1000 + k]), slope: 1, intercept: -1024, invert: false });
  const built = await buildVolume(geometry, async (k) => (decoded.push(k), frame(k)), () => {}, () => false);
  assert.deepEqual(decoded, [0, 1, 2]);
  assert.deepEqual([...built.volume.data], [0, 0, 0, 1000, 1, 1, 1, 1001, 2, 2, 2, 1002]);
  assert.deepEqual(built.volume.pixels, { kind: "gray", slope: 1, intercept: -1024, invert: false });
  assert.equal(built.volume.window.center, (-1024 + -22 + 1) / 2);
  const odd = await buildVolume(geometry, async (k) => (k === 1 ? { ...frame(k), kind: "rgb" } : frame(k)), () => {}, () => false);
  assert.match(odd.error, /slice 2 differs/);
});
