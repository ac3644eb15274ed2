// A series of parallel slices as a volume, and the planes cut through it: whether a
// series is one (same size, orientation and rescale, positions along one normal, even
// spacing), the volume's memory bound, and the mapping between a plane's pixels and
// the volume's voxels that the cross-hair and the reconstructed planes share.

import { windowSpanning } from "./viewer-draw.js";
import { sameOrientation, sliceNormal } from "./viewer-stack.js";

/**
 * The most a volume may take: 512 MiB holds a 1000-slice 512 × 512 CBCT at 16 bits.
 * A larger one is reconstructed at half (or a quarter of) the resolution in-plane.
 */
export const VOLUME_BYTES = 512 * 1024 ** 2;

// Relative tolerance on the gaps between slices: more uneven than this, a volume
// with one spacing would misplace slices by more than a tenth of a gap.
const GAP_TOLERANCE = 0.1;

const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const scale = (v, s) => v.map((c) => c * s);
const unit = (v) => scale(v, 1 / Math.hypot(...v));

/**
 * The geometry of the volume the ordered `frames` (orderFrames) make, or null with
 * `reason` when they make none. Axis 0 runs along a row (increasing column), axis 1
 * down a column, axis 2 across slices; `directions` are their unit vectors (LPS) and
 * `spacing` their steps in mm.
 */
export function volumeGeometry(frames) {
  const none = (reason) => ({ geometry: null, reason });
  if (frames.length < 3) return none("there are fewer than three slices");
  const first = frames[0].header;
  const same = (key) => frames.every(({ header }) => header[key] === first[key]);
  if (!frames.every(({ header }) => header.samplesPerPixel === 1)) return none("the images are in colour");
  if (!same("rows") || !same("columns")) return none("the images differ in size");
  if (!same("rescaleSlope") || !same("rescaleIntercept") || !same("photometric")) return none("the images differ in rescale");
  if (!first.pixelSpacing || !frames.every(({ header }) => String(header.pixelSpacing) === String(first.pixelSpacing))) {
    return none("the pixel spacing is missing or differs");
  }
  if (frames.some(({ along }) => along === null)) return none("the slices' positions or orientations differ or are missing");
  if (!frames.every(({ header }) => sameOrientation(header.orientation, first.orientation))) return none("the slices' orientations differ");
  const normal = unit(sliceNormal(first.orientation));
  const gaps = frames.slice(1).map((frame, k) => frame.along - frames[k].along);
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  if (!(median > 0) || gaps.some((gap) => Math.abs(gap - median) > GAP_TOLERANCE * median)) {
    return none("the slices are not evenly spaced");
  }
  for (let k = 1; k < frames.length; k += 1) {
    const d = frames[k].position.map((c, i) => c - frames[k - 1].position[i]);
    const aside = d.map((c, i) => c - gaps[k - 1] * normal[i]);
    if (Math.hypot(...aside) > GAP_TOLERANCE * median) return none("the slices do not lie along one line");
  }
  const count = frames.length;
  const sliceSpacing = (frames[count - 1].along - frames[0].along) / (count - 1);
  return {
    geometry: {
      count,
      rows: first.rows,
      columns: first.columns,
      origin: frames[0].position,
      directions: [unit(first.orientation.slice(0, 3)), unit(first.orientation.slice(3, 6)), normal],
      spacing: [first.pixelSpacing[1], first.pixelSpacing[0], sliceSpacing],
    },
  };
}

/** The in-plane reduction (1, 2, 4, …) that keeps a volume of `geometry` within `budget` bytes. */
export function reductionFor(geometry, bytesPerValue, budget = VOLUME_BYTES) {
  let factor = 1;
  while (geometry.count * Math.floor(geometry.rows / factor) * Math.floor(geometry.columns / factor) * bytesPerValue > budget) {
    factor *= 2;
  }
  return factor;
}

/** An empty volume of `geometry`, its voxels in an array of `ArrayType`, reduced in-plane by `factor`. */
export function createVolume(geometry, ArrayType, factor) {
  const columns = Math.floor(geometry.columns / factor);
  const rows = Math.floor(geometry.rows / factor);
  return {
    ...geometry,
    factor,
    sizes: [columns, rows, geometry.count],
    strides: [1, columns, columns * rows],
    spacing: [geometry.spacing[0] * factor, geometry.spacing[1] * factor, geometry.spacing[2]],
    data: new ArrayType(columns * rows * geometry.count),
  };
}

/** Put slice `k`'s stored `values` (full resolution) into `volume`, averaging when reduced. */
export function fillSlice(volume, k, values) {
  const [columns, rows] = volume.sizes;
  const { factor, data } = volume;
  const base = k * volume.strides[2];
  if (factor === 1) {
    data.set(values, base);
    return;
  }
  const full = volume.columns;
  const area = factor * factor;
  for (let y = 0; y < rows; y += 1) {
    for (let x = 0; x < columns; x += 1) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy += 1) {
        const row = (y * factor + dy) * full + x * factor;
        for (let dx = 0; dx < factor; dx += 1) sum += values[row + dx];
      }
      data[base + y * columns + x] = Math.round(sum / area);
    }
  }
}

/** A plane's name from its normal: the patient axis it is most nearly across. */
export function planeName(normal) {
  const strongest = normal.map(Math.abs).reduce((best, c, i, all) => (c > all[best] ? i : best), 0);
  return ["Sagittal", "Coronal", "Axial"][strongest];
}

// How a reconstructed plane is laid out as radiologists read it: head up when it runs
// head–foot, else posterior down; patient's left on the right, else posterior.
function conventional(a, b) {
  const z = (axis) => Math.abs(axis.direction[2]);
  const headFoot = Math.max(z(a), z(b)) >= 0.5;
  const [down, right] = (headFoot ? z(a) >= z(b) : Math.abs(a.direction[1]) >= Math.abs(b.direction[1])) ? [a, b] : [b, a];
  down.flip = headFoot ? down.direction[2] > 0 : down.direction[1] < 0;
  const [x, y] = right.direction;
  right.flip = Math.abs(x) >= Math.abs(y) ? x < 0 : y < 0;
  return { right, down };
}

/**
 * The layout of the plane across axis `fixed` of `volume`: its horizontal and vertical
 * axes (`axis`, `count`, `stride`, `flip`, `direction`, `spacing`), its size and name.
 * The acquired plane (fixed = 2) keeps the images' own layout.
 */
export function planeLayout(volume, fixed) {
  const axis = (index) => ({
    axis: index,
    count: volume.sizes[index],
    stride: volume.strides[index],
    direction: volume.directions[index],
    spacing: volume.spacing[index],
    flip: false,
  });
  const [a, b] = [0, 1, 2].filter((index) => index !== fixed).map(axis);
  const { right, down } = fixed === 2 ? { right: a, down: b } : conventional(a, b);
  const shown = (ax) => (ax.flip ? scale(ax.direction, -1) : ax.direction);
  return {
    fixed,
    count: volume.sizes[fixed],
    h: right,
    v: down,
    width: right.count,
    height: down.count,
    right: shown(right),
    down: shown(down),
    name: planeName(volume.directions[fixed]),
  };
}

/**
 * The stored values of plane `index` of `layout`, in display order (row by row). The
 * acquired plane is a view of the volume's own memory; the others are copied into
 * `out` when given (width × height of the volume's array type).
 */
export function extractPlane(volume, layout, index, out) {
  const { h, v, width, height } = layout;
  const base = index * volume.strides[layout.fixed];
  if (layout.fixed === 2) return volume.data.subarray(base, base + width * height);
  const target = out ?? new volume.data.constructor(width * height);
  const data = volume.data;
  for (let y = 0; y < height; y += 1) {
    const row = base + (v.flip ? height - 1 - y : y) * v.stride;
    const line = y * width;
    if (h.flip) for (let x = 0; x < width; x += 1) target[line + x] = data[row + (width - 1 - x) * h.stride];
    else for (let x = 0; x < width; x += 1) target[line + x] = data[row + x * h.stride];
  }
  return target;
}

const clamp = (value, count) => Math.min(count - 1, Math.max(0, Math.floor(value)));

/** The voxel [column, row, slice] under pixel (`x`, `y`) of plane `index` of `layout`. */
export function planeToVoxel(layout, index, x, y) {
  const voxel = [0, 0, 0];
  voxel[layout.fixed] = index;
  const along = (ax, value) => (ax.flip ? ax.count - 1 - clamp(value, ax.count) : clamp(value, ax.count));
  voxel[layout.h.axis] = along(layout.h, x);
  voxel[layout.v.axis] = along(layout.v, y);
  return voxel;
}

/** Where `voxel` lies in `layout`: the plane's index and the pixel centre (`x`, `y`). */
export function voxelToPlane(layout, voxel) {
  const at = (ax) => (ax.flip ? ax.count - 1 - voxel[ax.axis] : voxel[ax.axis]) + 0.5;
  return { index: voxel[layout.fixed], x: at(layout.h), y: at(layout.v) };
}

/** The position (mm) of plane `index` of `layout` along the plane's normal. */
export function planePosition(volume, layout, index) {
  const direction = volume.directions[layout.fixed];
  const step = volume.spacing[layout.fixed];
  return dot(volume.origin, direction) + index * step;
}

// Stored values a volume may keep as they are: 16 bits at most, so a CBCT fits.
const VOLUME_TYPES = new Set([Uint8Array, Int8Array, Uint16Array, Int16Array]);

/**
 * Read every slice of `geometry` once, through `decode(k)` (the decoded frame k), into
 * one volume of stored values; `progress(done)` is told as it goes and `cancelled()`
 * stops it. Resolves to `{volume}` (with `pixels`, the rescale every slice shares, and
 * `window`, one spanning all its values), `{error}` (why there is none, as words) or
 * `{}` when cancelled.
 */
export async function buildVolume(geometry, decode, progress, cancelled) {
  let volume = null;
  let low = Infinity;
  let high = -Infinity;
  for (let k = 0; k < geometry.count; k += 1) {
    let frame;
    try {
      frame = await decode(k);
    } catch (error) {
      return { error: `slice ${k + 1} could not be decoded (${String(error?.message ?? error).replace(/\.$/, "")})` };
    }
    if (cancelled()) return {};
    const values = frame.values;
    if (frame.kind !== "gray" || frame.width !== geometry.columns || frame.height !== geometry.rows) {
      return { error: `slice ${k + 1} differs from the others in size or colour` };
    }
    if (!volume) {
      if (!VOLUME_TYPES.has(values.constructor)) return { error: "its values are wider than 16 bits" };
      volume = createVolume(geometry, values.constructor, reductionFor(geometry, values.BYTES_PER_ELEMENT));
      volume.pixels = { kind: "gray", slope: frame.slope, intercept: frame.intercept, invert: frame.invert };
    } else if (values.constructor !== volume.data.constructor || frame.slope !== volume.pixels.slope || frame.intercept !== volume.pixels.intercept) {
      return { error: `slice ${k + 1} is stored differently from the others` };
    }
    fillSlice(volume, k, values);
    for (const v of values) {
      if (v < low) low = v;
      if (v > high) high = v;
    }
    if (k % 8 === 7) {
      progress(k + 1);
      await new Promise((resolve) => setTimeout(resolve));
      if (cancelled()) return {};
    }
  }
  const { slope, intercept } = volume.pixels;
  const ends = [low * slope + intercept, high * slope + intercept];
  volume.window = windowSpanning({ min: Math.min(...ends), max: Math.max(...ends) });
  return { volume };
}
