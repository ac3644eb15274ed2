// How a frame's bytes become what the viewer draws: stored samples masked to Bits Stored
// and sign-extended, planes interleaved, subsampled colour expanded, and colour (RGB,
// YCbCr, a palette) turned into RGBA. dicom-image.js finds the bytes; this is the arithmetic.

import { cannotShow } from "./dicom-parse.js";

/** Whether the image stores YBR_FULL_422: two lumas, then the pair's Cb and Cr. */
export const is422 = (image) => image.photometric === "YBR_FULL_422" && image.samplesPerPixel === 3;

/**
 * A native frame's samples, interleaved, masked to Bits Stored and sign-extended, in the
 * machine's byte order (every browser's is little endian).
 * @param {object} image a DicomImage
 * @param {Uint8Array} data the bytes holding the frame, from `start`
 * @param {{little: boolean, swapPairs: boolean}} layout how the pixel data is encoded
 * @param {number} relative where the frame starts inside the pixel data
 * @returns {Int8Array|Uint8Array|Int16Array|Uint16Array|Int32Array|Uint32Array}
 */
export function nativeSamples(image, data, start, { little, swapPairs }, relative) {
  const { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, highBit, pixelRepresentation } = image;
  const width = bitsAllocated / 8;
  const stored = is422(image) ? (rows * columns * 2) : rows * columns * samplesPerPixel;
  const raw = new Uint8Array(stored * width);
  if (swapPairs) {
    // 8-bit samples in a big endian OW value are swapped in pairs from the value's start.
    const base = start - relative;
    for (let i = 0; i < raw.length; i += 1) raw[i] = data[base + ((relative + i) ^ 1)];
  } else if (!little && width > 1) {
    for (let i = 0; i < raw.length; i += width) {
      for (let b = 0; b < width; b += 1) raw[i + b] = data[start + i + width - 1 - b];
    }
  } else {
    raw.set(data.subarray(start, start + raw.length));
  }
  const signed = pixelRepresentation === 1;
  const types = signed ? [Int8Array, Int16Array, null, Int32Array] : [Uint8Array, Uint16Array, null, Uint32Array];
  const Type = types[width - 1];
  let values = new Type(raw.buffer);
  const shift = highBit < bitsAllocated ? Math.max(0, highBit + 1 - bitsStored) : 0;
  if (bitsStored < bitsAllocated || shift > 0) {
    const spare = 32 - bitsStored;
    const mask = 2 ** bitsStored - 1;
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i] >> shift;
      values[i] = signed ? (value << spare) >> spare : value & mask;
    }
  }
  if (is422(image)) values = expand422(values, rows, columns);
  else if (samplesPerPixel === 3 && image.planarConfiguration === 1) {
    values = interleave(values, rows * columns);
  }
  return values;
}

function interleave(planes, pixelCount) {
  const out = new planes.constructor(pixelCount * 3);
  for (let i = 0; i < pixelCount; i += 1) {
    out[i * 3] = planes[i];
    out[i * 3 + 1] = planes[pixelCount + i];
    out[i * 3 + 2] = planes[2 * pixelCount + i];
  }
  return out;
}

// YBR_FULL_422 stores two lumas then the pair's shared Cb and Cr: give each pixel all three.
function expand422(stored, rows, columns) {
  if (columns % 2 !== 0) throw cannotShow("This image has subsampled colors and an odd width");
  const out = new stored.constructor(rows * columns * 3);
  for (let pair = 0; pair < (rows * columns) / 2; pair += 1) {
    const from = pair * 4;
    const to = pair * 6;
    out[to] = stored[from];
    out[to + 3] = stored[from + 1];
    out[to + 1] = out[to + 4] = stored[from + 2];
    out[to + 2] = out[to + 5] = stored[from + 3];
  }
  return out;
}

/**
 * The Frame the viewer draws from a frame's interleaved samples and their photometric
 * interpretation: stored values with the frame's rescale, or RGBA.
 */
export function toFrame(image, samples, photometric, index) {
  const width = image.columns;
  const height = image.rows;
  if (image.samplesPerPixel === 1 && photometric === "PALETTE COLOR") {
    return { width, height, kind: "rgb", rgba: paletteRgba(image.palette, samples) };
  }
  if (image.samplesPerPixel === 1) {
    const [slope, intercept] = image.frameRescales?.[index] ?? [image.rescaleSlope, image.rescaleIntercept];
    const invert = photometric === "MONOCHROME1";
    return { width, height, kind: "gray", values: samples, slope, intercept, invert };
  }
  return { width, height, kind: "rgb", rgba: colorRgba(samples, photometric, image.bitsStored) };
}

function paletteRgba(palette, samples) {
  if (!palette) throw cannotShow("This image's color palette is missing or segmented");
  const { red, green, blue, first } = palette;
  const last = Math.min(red.length, green.length, blue.length) - 1;
  // Some writers declare 16-bit entries but fill them with 8-bit values.
  const wide = palette.bits === 16 && [red, green, blue].some((table) => table.some((value) => value > 255));
  const shift = wide ? 8 : 0;
  const rgba = new Uint8ClampedArray(samples.length * 4);
  for (let i = 0; i < samples.length; i += 1) {
    const k = Math.min(Math.max(samples[i] - first, 0), last);
    rgba[i * 4] = red[k] >> shift;
    rgba[i * 4 + 1] = green[k] >> shift;
    rgba[i * 4 + 2] = blue[k] >> shift;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

const CB_TO_G = (0.114 * 1.772) / 0.587;
const CR_TO_G = (0.299 * 1.402) / 0.587;

// The inverse of the colour transforms DICOM names, as PS3.3 C.7.6.3.1.2 gives them.
function colorRgba(samples, photometric, bitsStored) {
  const scale = 2 ** Math.max(0, bitsStored - 8); // a shift would turn 32-bit samples negative
  const count = samples.length / 3;
  const rgba = new Uint8ClampedArray(count * 4);
  const ycc = photometric === "YBR_FULL" || photometric === "YBR_FULL_422" || photometric === "YBR_ICT";
  if (photometric !== "RGB" && !ycc && photometric !== "YBR_RCT") {
    throw cannotShow(`This image's colors are stored as ${photometric}`);
  }
  for (let i = 0; i < count; i += 1) {
    const a = Math.floor(samples[i * 3] / scale);
    const b = Math.floor(samples[i * 3 + 1] / scale);
    const c = Math.floor(samples[i * 3 + 2] / scale);
    const at = i * 4;
    if (ycc) {
      rgba[at] = Math.floor(a + 1.402 * (c - 128) + 0.5);
      rgba[at + 1] = Math.floor(a - CB_TO_G * (b - 128) - CR_TO_G * (c - 128) + 0.5);
      rgba[at + 2] = Math.floor(a + 1.772 * (b - 128) + 0.5);
    } else if (photometric === "YBR_RCT") {
      const green = a - Math.floor((b + c - 256) / 4);
      rgba[at] = c - 128 + green;
      rgba[at + 1] = green;
      rgba[at + 2] = b - 128 + green;
    } else {
      rgba[at] = a;
      rgba[at + 1] = b;
      rgba[at + 2] = c;
    }
    rgba[at + 3] = 255;
  }
  return rgba;
}
