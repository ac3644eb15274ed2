// The image codecs of the DICOM viewer. A bundle's DICOM objects keep the compression
// their modality wrote (RLE, JPEG, JPEG-LS, JPEG 2000), and the receiver must see the
// images without installing anything; so every frame is decoded here, in the page,
// from bytes already in the verified bundle. The JPEG-LS and JPEG 2000 decoders are
// WebAssembly carried inside this file as bytes and handed to their loaders, so
// nothing is ever fetched, and neither loader evaluates code it builds at run time.
// Compressed data is untrusted: its declared size is checked against the frame's
// DICOM header before anything is allocated, and every loop is bounded by the bytes.

import { Decoder as LosslessJpegDecoder } from "jpeg-lossless-decoder-js";
import CharLS from "@cornerstonejs/codec-charls/decodewasmjs";
import charlsWasm from "@cornerstonejs/codec-charls/decodewasm";
import OpenJPEG from "@cornerstonejs/codec-openjpeg/decodewasmjs";
import openjpegWasm from "@cornerstonejs/codec-openjpeg/decodewasm";

const RLE = "1.2.840.10008.1.2.5";
const JPEG_BASELINE = "1.2.840.10008.1.2.4.50";
const JPEG_EXTENDED = "1.2.840.10008.1.2.4.51";
const JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";
const JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70";
const JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80";
const JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81";
const JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90";
const JPEG_2000 = "1.2.840.10008.1.2.4.91";
const HTJ2K_LOSSLESS = "1.2.840.10008.1.2.4.201";
const HTJ2K_RPCL_LOSSLESS = "1.2.840.10008.1.2.4.202";
const HTJ2K = "1.2.840.10008.1.2.4.203";

/** The transfer syntaxes decodeFrame understands, each with the name a person knows it by. */
export const TRANSFER_SYNTAXES = Object.freeze([
  { uid: RLE, name: "RLE Lossless" },
  { uid: JPEG_BASELINE, name: "JPEG Baseline" },
  { uid: JPEG_EXTENDED, name: "JPEG Extended" },
  { uid: JPEG_LOSSLESS, name: "JPEG Lossless" },
  { uid: JPEG_LOSSLESS_SV1, name: "JPEG Lossless, first-order prediction" },
  { uid: JPEG_LS_LOSSLESS, name: "JPEG-LS Lossless" },
  { uid: JPEG_LS_NEAR_LOSSLESS, name: "JPEG-LS Near-Lossless" },
  { uid: JPEG_2000_LOSSLESS, name: "JPEG 2000 Lossless" },
  { uid: JPEG_2000, name: "JPEG 2000" },
  { uid: HTJ2K_LOSSLESS, name: "High-Throughput JPEG 2000 Lossless" },
  { uid: HTJ2K_RPCL_LOSSLESS, name: "High-Throughput JPEG 2000 Lossless (RPCL)" },
  { uid: HTJ2K, name: "High-Throughput JPEG 2000" },
]);

// A frame larger than this is refused before decoding: 2^28 samples is 512 MiB of
// 16-bit pixels, beyond any real radiograph and beyond what a tab can spare.
const MAX_SAMPLES = 2 ** 28;

const SAVE_IT = "save it to open it in your imaging software";

// The errors this module means a person to read, as opposed to a codec's own failures,
// which are reported as damaged data.
class CodecError extends Error {}

function unsupported(message) {
  return Object.assign(new CodecError(message), { unsupported: true });
}

function damaged(why) {
  return new CodecError(`This image's compressed data ${why}, so this page cannot show it.`);
}

const SIZE_MISMATCH = "does not match the image size its header declares";

/**
 * Decode one compressed DICOM frame to interleaved samples.
 *
 * @param {string} transferSyntaxUID The frame's transfer syntax.
 * @param {Uint8Array} encoded The frame's compressed bytes (one fragment or several joined).
 * @param {{rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number,
 *   bitsStored: number, pixelRepresentation: number, photometric: string,
 *   planarConfiguration: number}} info The frame's Image Pixel attributes.
 * @returns {Promise<{pixels: Uint8Array | Uint16Array | Int16Array, photometric: string}>}
 *   rows*columns*samplesPerPixel samples, pixel by pixel, and the photometric
 *   interpretation they are in (RGB when the decoder converted colour).
 * @throws {Error} With `unsupported` set when the page cannot decode this kind of image;
 *   without it when the data is damaged. The message is one sentence for a clinician.
 */
export async function decodeFrame(transferSyntaxUID, encoded, info) {
  const frame = checkFrame(info);
  const bytes = encoded instanceof Uint8Array ? encoded : new Uint8Array(encoded);
  let decoded;
  switch (transferSyntaxUID) {
    case RLE:
      decoded = { pixels: decodeRle(bytes, frame), photometric: frame.photometric };
      break;
    case JPEG_BASELINE:
    case JPEG_EXTENDED:
      decoded = await decodeJpegDct(bytes, frame);
      break;
    case JPEG_LOSSLESS:
    case JPEG_LOSSLESS_SV1:
      decoded = { pixels: decodeJpegLossless(bytes, frame), photometric: frame.photometric };
      break;
    case JPEG_LS_LOSSLESS:
    case JPEG_LS_NEAR_LOSSLESS:
      decoded = { pixels: await decodeJpegLs(bytes, frame), photometric: frame.photometric };
      break;
    case JPEG_2000_LOSSLESS:
    case JPEG_2000:
    case HTJ2K_LOSSLESS:
    case HTJ2K_RPCL_LOSSLESS:
    case HTJ2K:
      decoded = await decodeJpeg2000(bytes, frame);
      break;
    default:
      throw unsupported(`This image uses a compression this page cannot show; ${SAVE_IT}.`);
  }
  if (decoded.pixels.length !== frame.samples) {
    throw damaged(SIZE_MISMATCH);
  }
  return { pixels: normalise(decoded.pixels, frame), photometric: decoded.photometric };
}

// The attributes every decoder relies on, checked once: 8- or 16-bit samples, one or
// three of them, and a frame small enough to allocate.
function checkFrame(info) {
  const whole = (value) => Number.isInteger(value) && value > 0;
  const { rows, columns, samplesPerPixel, bitsAllocated } = info;
  if (!whole(rows) || !whole(columns) || ![1, 3].includes(samplesPerPixel)) {
    throw new CodecError(
      "This image's header does not give a usable image size, so this page cannot show it.",
    );
  }
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw unsupported(
      `This image stores ${bitsAllocated}-bit samples, which this page cannot show; ${SAVE_IT}.`,
    );
  }
  const samples = rows * columns * samplesPerPixel;
  if (samples > MAX_SAMPLES) {
    throw unsupported(`This image is too large for this page to show; ${SAVE_IT}.`);
  }
  const stored = whole(info.bitsStored) && info.bitsStored <= bitsAllocated;
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored: stored ? info.bitsStored : bitsAllocated,
    signed: info.pixelRepresentation === 1,
    photometric: String(info.photometric ?? ""),
    samples,
  };
}

// Gives 16-bit samples the values their header means: bits above Bits Stored are not
// part of the value (they may hold anything), and signed values are two's complement
// in Bits Stored bits. Every decoder hands over a Uint8Array for 8-bit samples, which
// are returned as they are, and a Uint16Array for 16-bit ones.
function normalise(pixels, frame) {
  if (frame.bitsAllocated === 8) {
    return pixels;
  }
  const unused = 16 - frame.bitsStored;
  if (unused > 0) {
    const mask = 0xffff >> unused;
    for (let i = 0; i < pixels.length; i += 1) {
      const value = pixels[i] & mask;
      pixels[i] = frame.signed ? (value << (unused + 16)) >> (unused + 16) : value;
    }
  }
  return frame.signed ? new Int16Array(pixels.buffer, pixels.byteOffset, pixels.length) : pixels;
}

// A frame's samples, 8- or 16-bit as its header allocates them.
function samplesFor(frame) {
  return frame.bitsAllocated === 8 ? new Uint8Array(frame.samples) : new Uint16Array(frame.samples);
}

// PS3.5 Annex G: a header of sixteen little-endian uint32 (the segment count, then up to
// fifteen segment offsets), then one PackBits segment per byte plane: for each sample in
// turn, its most significant byte first. Each segment holds rows*columns bytes.
function decodeRle(bytes, frame) {
  const planeSize = frame.rows * frame.columns;
  const bytesPerSample = frame.bitsAllocated / 8;
  const count = frame.samplesPerPixel * bytesPerSample;
  if (bytes.length < 64) {
    throw damaged("ends before its header does");
  }
  const header = new DataView(bytes.buffer, bytes.byteOffset, 64);
  if (header.getUint32(0, true) !== count) {
    throw damaged(SIZE_MISMATCH);
  }
  const offsets = [];
  for (let s = 0; s < count; s += 1) {
    offsets.push(header.getUint32(4 * (s + 1), true));
  }
  offsets.push(bytes.length);
  const pixels = samplesFor(frame);
  const plane = new Uint8Array(planeSize);
  for (let s = 0; s < count; s += 1) {
    const start = offsets[s];
    const end = offsets[s + 1];
    if (start < 64 || start > end || end > bytes.length) {
      throw damaged("points past its own end");
    }
    unpackBits(bytes.subarray(start, end), plane);
    const sample = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    for (let p = 0, at = sample; p < planeSize; p += 1, at += frame.samplesPerPixel) {
      pixels[at] |= plane[p] << shift;
    }
  }
  return pixels;
}

// Fills `plane` from one PackBits segment: a header byte n < 128 copies the next n+1
// bytes, n > 128 repeats the next byte 257-n times, 128 does nothing. Encoders pad a
// segment to an even length, so one byte past a full plane is ignored, but not more.
function unpackBits(segment, plane) {
  let out = 0;
  let at = 0;
  while (at < segment.length && out < plane.length) {
    const n = segment[at];
    at += 1;
    if (n < 128) {
      const run = n + 1;
      if (at + run > segment.length || out + run > plane.length) {
        throw damaged(at + run > segment.length ? "ends in the middle of a run" : SIZE_MISMATCH);
      }
      plane.set(segment.subarray(at, at + run), out);
      at += run;
      out += run;
    } else if (n > 128) {
      const run = 257 - n;
      if (at >= segment.length || out + run > plane.length) {
        throw damaged(at >= segment.length ? "ends in the middle of a run" : SIZE_MISMATCH);
      }
      plane.fill(segment[at], out, out + run);
      at += 1;
      out += run;
    }
  }
  if (out !== plane.length) {
    throw damaged("ends before the image does");
  }
  if (segment.length - at > 1) {
    throw damaged(SIZE_MISMATCH);
  }
}

// What a JPEG stream's frame header (SOFn; SOF55 for JPEG-LS) declares, and whether a
// JFIF or Adobe marker says how its colour is coded, read by walking its marker
// segments, each step moving forward, so damaged lengths cannot loop.
function readJpegFrameHeader(bytes) {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw damaged("is not a JPEG stream");
  }
  let at = 2;
  let colourMarked = false;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) {
      throw damaged("is not a well-formed JPEG stream");
    }
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // a fill byte before the marker
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    // SOF0-SOF15 but DHT, JPG and DAC, and JPEG-LS's SOF55.
    const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (sof || marker === 0xf7) {
      if (at + 10 > bytes.length) {
        break;
      }
      return {
        process: marker,
        precision: bytes[at + 4],
        rows: (bytes[at + 5] << 8) | bytes[at + 6],
        columns: (bytes[at + 7] << 8) | bytes[at + 8],
        components: bytes[at + 9],
        colourMarked,
      };
    }
    colourMarked ||= marker === 0xe0 || marker === 0xee;
    if (length < 2) {
      throw damaged("is not a well-formed JPEG stream");
    }
    at += 2 + length;
  }
  throw damaged("ends before its frame header");
}

// A frame cut short still decodes in most decoders, to a picture whose lower part is
// invented; the stream's end-of-image marker (EOI, EOC in JPEG 2000, both FFD9) shows
// that it is whole. DICOM pads a fragment to an even length, with a zero or a fill
// byte (FF), so a few of those may follow it.
function checkEnd(bytes) {
  let end = bytes.length;
  const padding = (byte) => byte === 0 || byte === 0xff;
  while (end > 0 && bytes.length - end < 8 && padding(bytes[end - 1])) {
    end -= 1;
  }
  if (end < 2 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) {
    throw damaged("is cut short");
  }
}

function checkDeclared(declared, frame, precisionLimit) {
  if (
    declared.rows !== frame.rows ||
    declared.columns !== frame.columns ||
    declared.components !== frame.samplesPerPixel ||
    declared.precision < 2 ||
    declared.precision > precisionLimit
  ) {
    throw damaged(SIZE_MISMATCH);
  }
}

// Baseline and extended 8-bit JPEG are what browsers decode natively; their decoder
// also turns YCbCr into RGB, as DICOM expects of a viewer for these syntaxes.
async function decodeJpegDct(bytes, frame) {
  const declared = readJpegFrameHeader(bytes);
  if (declared.precision > 8) {
    const depth = `${declared.precision}-bit lossy JPEG`;
    throw unsupported(`This image uses ${depth}, which this page cannot show; ${SAVE_IT}.`);
  }
  checkDeclared(declared, frame, 8);
  checkEnd(bytes);
  if (typeof createImageBitmap !== "function") {
    throw unsupported(`This browser cannot decode JPEG images here; ${SAVE_IT}.`);
  }
  const untransformed = frame.photometric === "RGB" && !declared.colourMarked;
  const stream = untransformed ? markUntransformed(bytes) : bytes;
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([stream], { type: "image/jpeg" }), {
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
  } catch {
    throw damaged("could not be decoded");
  }
  try {
    if (bitmap.width !== frame.columns || bitmap.height !== frame.rows) {
      throw damaged(SIZE_MISMATCH);
    }
    const rgba = readBitmap(bitmap);
    const pixels = samplesFor(frame);
    const step = frame.samplesPerPixel;
    for (let p = 0, at = 0; at < pixels.length; p += 4, at += step) {
      for (let c = 0; c < step; c += 1) {
        pixels[at + c] = rgba[p + c];
      }
    }
    return { pixels, photometric: step === 3 ? "RGB" : frame.photometric };
  } finally {
    bitmap.close();
  }
}

// DICOM's RGB says the samples were compressed as they are, but a browser given three
// components and no JFIF or Adobe marker assumes YCbCr and converts them. An Adobe
// marker with transform 0 after SOI tells it the truth.
function markUntransformed(bytes) {
  // APP14, length 14, "Adobe", version 100, two flag words, transform 0.
  const ADOBE_NO_TRANSFORM = [0xff, 0xee, 0, 14, 65, 100, 111, 98, 101, 0, 100, 0, 0, 0, 0, 0];
  const marked = new Uint8Array(bytes.length + ADOBE_NO_TRANSFORM.length);
  marked.set(bytes.subarray(0, 2));
  marked.set(ADOBE_NO_TRANSFORM, 2);
  marked.set(bytes.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  return marked;
}

function readBitmap(bitmap) {
  const { width, height } = bitmap;
  let canvas;
  if (typeof OffscreenCanvas === "function") {
    canvas = new OffscreenCanvas(width, height);
  } else {
    canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
  }
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, width, height).data;
}

// JPEG lossless (process 14), which browsers do not decode: a small pure-JS decoder.
function decodeJpegLossless(bytes, frame) {
  const declared = readJpegFrameHeader(bytes);
  if (declared.process !== 0xc3) {
    throw damaged("is not a lossless JPEG stream");
  }
  checkDeclared(declared, frame, frame.bitsAllocated);
  if (frame.samplesPerPixel === 3 && frame.bitsAllocated !== 8) {
    throw unsupported(
      `This image uses 16-bit colour lossless JPEG, which this page cannot show; ${SAVE_IT}.`,
    );
  }
  checkEnd(bytes);
  try {
    const copy = bytes.slice();
    return new LosslessJpegDecoder().decode(copy.buffer, 0, copy.length, frame.bitsAllocated / 8);
  } catch {
    throw damaged("could not be decoded");
  }
}

let charls = null;
let openjpeg = null;

// Each WebAssembly codec is instantiated the first time an image needs it, and once.
// Their progress notes would only clutter the console: a failure becomes the message
// decodeFrame throws.
const quiet = { print: () => {}, printErr: () => {} };

function charlsCodec() {
  charls ??= started(() => CharLS({ ...quiet, wasmBinary: charlsWasm }), () => {
    charls = null;
  });
  return charls;
}

function openjpegCodec() {
  openjpeg ??= started(() => OpenJPEG({ ...quiet, wasmBinary: openjpegWasm }), () => {
    openjpeg = null;
  });
  return openjpeg;
}

// A codec that could not start is tried afresh for the next image.
async function started(start, forget) {
  try {
    return await start();
  } catch {
    forget();
    const why = "This page could not start its image decoder, so it cannot show this image.";
    throw new CodecError(why);
  }
}

// Runs a WebAssembly decoder over `bytes` and copies its output out of the codec's
// memory; the C++ object is freed whatever happens. A codec that failed inside may be
// left aborted, so `forget` drops it and the next image starts a fresh one.
function runDecoder(decoder, bytes, read, forget) {
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    return read(decoder);
  } catch (error) {
    if (error instanceof CodecError) {
      throw error;
    }
    forget();
    throw damaged("could not be decoded");
  } finally {
    try {
      decoder.delete();
    } catch {
      forget();
    }
  }
}

// Copies a WebAssembly decoder's output out of its memory, after checking that it is the
// image the frame's header describes. The codecs write one byte per sample up to 8 bits
// and two above, whatever the frame allocates.
function decodedSamples(decoder, frame) {
  const { width, height, componentCount, bitsPerSample } = decoder.getFrameInfo();
  const { rows, columns, samplesPerPixel, bitsAllocated } = frame;
  if (width !== columns || height !== rows || componentCount !== samplesPerPixel) {
    throw damaged(SIZE_MISMATCH);
  }
  const bytes = new Uint8Array(decoder.getDecodedBuffer());
  if (bitsPerSample <= 8) {
    return bitsAllocated === 8 ? bytes : Uint16Array.from(bytes);
  }
  if (bitsPerSample > bitsAllocated || bytes.length % 2 !== 0) {
    throw damaged(SIZE_MISMATCH);
  }
  return new Uint16Array(bytes.buffer);
}

async function decodeJpegLs(bytes, frame) {
  checkDeclared(readJpegFrameHeader(bytes), frame, frame.bitsAllocated);
  checkEnd(bytes);
  const codec = await charlsCodec();
  const read = (decoder) => {
    const samples = decodedSamples(decoder, frame);
    // Interleave mode 0 keeps each component in its own plane.
    const planar = frame.samplesPerPixel > 1 && decoder.getInterleaveMode() === 0;
    return planar ? interleave(samples, frame) : samples;
  };
  return runDecoder(new codec.JpegLSDecoder(), bytes, read, () => {
    charls = null;
  });
}

function interleave(planar, frame) {
  const planeSize = frame.rows * frame.columns;
  if (planar.length !== planeSize * frame.samplesPerPixel) {
    throw damaged(SIZE_MISMATCH);
  }
  const out = new planar.constructor(planar.length);
  for (let c = 0; c < frame.samplesPerPixel; c += 1) {
    for (let p = 0; p < planeSize; p += 1) {
      out[p * frame.samplesPerPixel + c] = planar[c * planeSize + p];
    }
  }
  return out;
}

// The SIZ marker segment that follows SOC: the image's extent, less its offset on the
// reference grid, and each component's depth.
function readJpeg2000Size(bytes) {
  const codestream = unwrapJp2(bytes);
  const SOC_SIZ = [0xff, 0x4f, 0xff, 0x51];
  if (codestream.length < 42 || !SOC_SIZ.every((value, i) => codestream[i] === value)) {
    throw damaged("is not a JPEG 2000 stream");
  }
  const view = new DataView(codestream.buffer, codestream.byteOffset, codestream.length);
  const components = view.getUint16(40);
  if (42 + 3 * components > codestream.length) {
    throw damaged("ends before its image header does");
  }
  let precision = 0;
  for (let c = 0; c < components; c += 1) {
    precision = Math.max(precision, (codestream[42 + 3 * c] & 0x7f) + 1);
  }
  return {
    codestream,
    rows: view.getUint32(12) - view.getUint32(20),
    columns: view.getUint32(8) - view.getUint32(16),
    components,
    precision,
  };
}

// Some writers store a JP2 file (boxes around the codestream) instead of the bare
// codestream DICOM asks for; the codestream is the contents of its jp2c box.
function unwrapJp2(bytes) {
  const JP2_SIGNATURE = [0, 0, 0, 12, 0x6a, 0x50, 0x20, 0x20];
  if (!JP2_SIGNATURE.every((value, i) => bytes[i] === value)) {
    return bytes;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = 0;
  while (at + 8 <= bytes.length) {
    let length = view.getUint32(at);
    const type = view.getUint32(at + 4);
    let header = 8;
    if (length === 1 && at + 16 <= bytes.length) {
      length = view.getUint32(at + 8) * 2 ** 32 + view.getUint32(at + 12);
      header = 16;
    } else if (length === 0) {
      length = bytes.length - at;
    }
    if (length < header) {
      break;
    }
    if (type === 0x6a703263) {
      return bytes.subarray(at + header, Math.min(bytes.length, at + length));
    }
    at += length;
  }
  throw damaged("is not a JPEG 2000 stream");
}

async function decodeJpeg2000(bytes, frame) {
  const declared = readJpeg2000Size(bytes);
  checkDeclared(declared, frame, frame.bitsAllocated);
  const { codestream } = declared;
  checkEnd(codestream);
  const codec = await openjpegCodec();
  const read = (decoder) => decodedSamples(decoder, frame);
  const pixels = runDecoder(new codec.J2KDecoder(), codestream, read, () => {
    openjpeg = null;
  });
  // OpenJPEG undoes the codestream's colour transform, so YBR_RCT and YBR_ICT arrive as RGB.
  const converted = frame.photometric === "YBR_RCT" || frame.photometric === "YBR_ICT";
  return { pixels, photometric: converted ? "RGB" : frame.photometric };
}
