// The page's image viewer shows the DICOM images of a bundle without a DICOM library: this
// module turns a file's bytes into what the viewer needs, the image's description (size,
// geometry, windows, series) and then one frame at a time, as stored values with their
// rescale or as RGBA. Compressed frames go to codecs.js, loaded only when one is asked for.
// Every failure is an Error of one plain sentence; `unsupported` marks a valid file this
// page does not show.

import {
  SAVE_IT, TAG, cannotShow, damaged, encoding, joinFragments, longs, numbers, readElements, readMeta, shorts,
  splitFrames, text, unsupported,
} from "./dicom-parse.js";
import { inflate } from "./dicom-inflate.js";
import { is422, nativeSamples, toFrame } from "./dicom-pixels.js";

const IMPLICIT_LE = "1.2.840.10008.1.2";
const EXPLICIT_LE = "1.2.840.10008.1.2.1";
const DEFLATED_LE = "1.2.840.10008.1.2.1.99";
const EXPLICIT_BE = "1.2.840.10008.1.2.2";
const ENCAPSULATED_UNCOMPRESSED = "1.2.840.10008.1.2.1.98";

/** The transfer syntaxes whose pixel data is stored as is, read here without a codec. */
export const NATIVE_TRANSFER_SYNTAXES = Object.freeze([IMPLICIT_LE, EXPLICIT_LE, DEFLATED_LE, EXPLICIT_BE]);

// What codecs.decodeFrame is told of the image.
const CODEC_INFO = [
  "rows", "columns", "samplesPerPixel", "bitsAllocated", "bitsStored", "pixelRepresentation", "photometric",
  "planarConfiguration",
];

// The most one decoded frame (or an inflated data set) may take: more is not a real image.
const MAX_BYTES = 2 ** 30;

const NON_IMAGES = new Map([
  ["1.2.840.10008.5.1.4.1.1.104.1", "an encapsulated PDF"],
  ["1.2.840.10008.5.1.4.1.1.104.2", "an encapsulated clinical document (CDA)"],
  ["1.2.840.10008.5.1.4.1.1.104.3", "an encapsulated STL model"],
  ["1.2.840.10008.5.1.4.1.1.104.4", "an encapsulated OBJ model"],
  ["1.2.840.10008.5.1.4.1.1.104.5", "an encapsulated MTL material file"],
  ["1.2.840.10008.1.3.10", "a DICOMDIR (the index of a DICOM file-set)"],
]);
const NON_IMAGE_FAMILIES = [
  ["1.2.840.10008.5.1.4.1.1.88.", "a structured report"],
  ["1.2.840.10008.5.1.4.1.1.9.", "a waveform"],
  ["1.2.840.10008.5.1.4.1.1.11.", "a presentation state"],
  ["1.2.840.10008.5.1.4.1.1.481.", "radiotherapy data"],
];

/**
 * Reads a DICOM Part 10 file (or a bare data set) up to and including where its pixel data
 * lies. Async because a deflated data set is inflated with DecompressionStream.
 * @param {Uint8Array} bytes the whole file; frames are later read from it, not copied
 * @returns {Promise<object>} the DicomImage
 */
export async function parseImage(bytes) {
  const { enc, elements, transferSyntax, metaSOPClass } = await readDataSet(bytes, false);
  const image = describe(enc, elements, transferSyntax, metaSOPClass);
  image.data = enc.bytes;
  image.pixelData = locatePixels(image, enc, elements);
  return image;
}

/**
 * The same description as parseImage, read no further than the pixel data: enough to sort
 * a long series quickly. Its frames cannot be decoded.
 * @param {Uint8Array} bytes
 * @returns {Promise<object>} a DicomImage whose `pixelData` is null
 */
export async function parseHeaderOnly(bytes) {
  const { enc, elements, transferSyntax, metaSOPClass, end } = await readDataSet(bytes, true);
  const image = describe(enc, elements, transferSyntax, metaSOPClass);
  if (end === enc.bytes.length) refuseWithoutPixels(image, elements); // it never reached Pixel Data
  return { ...image, data: null, pixelData: null };
}

async function readDataSet(bytes, stopAtPixels) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("parseImage takes a Uint8Array");
  if (bytes.length === 0) throw new Error("This file is empty, so it holds no DICOM image.");
  const preamble = bytes.length >= 132 && ascii(bytes, 128, 4) === "DICM";
  const meta = readMeta(bytes, preamble ? 132 : 0);
  const metaEnc = encoding(bytes, true, true);
  let transferSyntax = text(metaEnc, meta.elements.get(TAG.transferSyntax));
  if (!transferSyntax) transferSyntax = guessEncoding(bytes, meta.end, preamble);
  let data = bytes;
  let start = meta.end;
  if (transferSyntax === DEFLATED_LE) {
    data = await inflate(bytes.subarray(meta.end), MAX_BYTES);
    start = 0;
  }
  const enc = encoding(data, transferSyntax !== EXPLICIT_BE, transferSyntax !== IMPLICIT_LE);
  const { elements, end } = readElements(enc, start, data.length, { stopAtPixels });
  const metaSOPClass = text(metaEnc, meta.elements.get(TAG.mediaStorageSOPClass));
  return { enc, elements, transferSyntax, metaSOPClass, end };
}

const ascii = (bytes, at, length) => String.fromCharCode(...bytes.subarray(at, at + length));
const isUpper = (byte) => byte >= 0x41 && byte <= 0x5a;
// A data set begins with a low even group (0008 in practice); other files do not.
const plausibleGroup = (group) => group >= 0x0008 && group <= 0x0028 && group % 2 === 0;

// A file without a transfer syntax is read as pydicom and dcmtk read it: from its first tag.
function guessEncoding(bytes, pos, preamble) {
  if (bytes.length - pos >= 8) {
    const letters = isUpper(bytes[pos + 4]) && isUpper(bytes[pos + 5]);
    if (plausibleGroup(bytes[pos] | (bytes[pos + 1] << 8))) return letters ? EXPLICIT_LE : IMPLICIT_LE;
    if (letters && plausibleGroup((bytes[pos] << 8) | bytes[pos + 1])) return EXPLICIT_BE;
  }
  if (preamble) throw damaged("its data set does not begin with a DICOM element");
  throw new Error("This file is not a DICOM file.");
}

function describe(enc, elements, transferSyntax, metaSOPClass) {
  const charset = text(enc, elements.get(TAG.specificCharacterSet));
  const string = (tag) => text(enc, elements.get(tag), charset) || null;
  const number = (tag) => numbers(enc, elements.get(tag))[0] ?? null;
  const short = (tag, fallback) => shorts(enc, elements.get(tag), 1)[0] ?? fallback;
  const samplesPerPixel = short(TAG.samplesPerPixel, 1);
  const bitsAllocated = short(TAG.bitsAllocated, null);
  const bitsStored = short(TAG.bitsStored, bitsAllocated);
  const pixelRepresentation = short(TAG.pixelRepresentation, 0);
  const groups = functionalGroups(elements);
  const firstFrame = (tag) => groups(0, tag);
  const frameCount = framesOf(text(enc, elements.get(TAG.numberOfFrames)));
  const transformation = firstFrame(TAG.pixelValueTransformation);
  const measures = firstFrame(TAG.pixelMeasures);
  const enhancedOrientation = numbers(enc, firstFrame(TAG.planeOrientation)?.get(TAG.imageOrientation));
  const orientation = numbers(enc, elements.get(TAG.imageOrientation));
  const spacing = pixelSpacing(enc, elements, measures);
  return {
    transferSyntax,
    sopClass: string(TAG.sopClass) ?? (metaSOPClass || null),
    modality: string(TAG.modality),
    seriesUID: string(TAG.seriesUID),
    seriesDescription: string(TAG.seriesDescription),
    seriesDate: string(TAG.seriesDate),
    studyDescription: string(TAG.studyDescription),
    instanceNumber: number(TAG.instanceNumber),
    bodyPart: string(TAG.bodyPart),
    patientOrientation: string(TAG.patientOrientation)?.split("\\") ?? null,
    rows: short(TAG.rows, null),
    columns: short(TAG.columns, null),
    frameCount,
    samplesPerPixel,
    photometric: string(TAG.photometric) ?? (samplesPerPixel === 3 ? "RGB" : "MONOCHROME2"),
    bitsAllocated,
    bitsStored,
    highBit: short(TAG.highBit, bitsStored === null ? null : bitsStored - 1),
    pixelRepresentation,
    planarConfiguration: short(TAG.planarConfiguration, 0),
    ...rescaleOf(enc, elements, transformation),
    windows: windowsOf(enc, elements.has(TAG.windowCenter) ? elements : firstFrame(TAG.frameVOILUT)),
    pixelSpacing: spacing?.value ?? null,
    spacingSource: spacing?.source ?? null,
    orientation: [orientation, enhancedOrientation].find((values) => values.length === 6) ?? null,
    positions: positionsOf(enc, elements, groups, frameCount),
    sliceThickness: number(TAG.sliceThickness) ?? numbers(enc, measures?.get(TAG.sliceThickness))[0] ?? null,
    palette: paletteOf(enc, elements, pixelRepresentation),
    frameRescales: frameRescalesOf(enc, elements, frameCount),
  };
}

function framesOf(value) {
  if (value === "") return 1;
  if (!/^\s*\+?\d+\s*$/.test(value) || Number(value) < 1) {
    throw damaged("its number of frames is not a positive number");
  }
  return Number(value);
}

// The macro `tag` of frame `index` of an enhanced object: its own, else the shared one.
function functionalGroups(elements) {
  const shared = elements.get(TAG.sharedGroups)?.items?.[0];
  const perFrame = elements.get(TAG.perFrameGroups)?.items;
  return (index, tag) => perFrame?.[index]?.get(tag)?.items?.[0] ?? shared?.get(tag)?.items?.[0] ?? null;
}

function rescaleOf(enc, elements, transformation) {
  const source = elements.has(TAG.rescaleSlope) || !transformation ? elements : transformation;
  return {
    rescaleSlope: numbers(enc, source.get(TAG.rescaleSlope))[0] ?? 1,
    rescaleIntercept: numbers(enc, source.get(TAG.rescaleIntercept))[0] ?? 0,
  };
}

// Per-frame rescales of an enhanced object, when its frames carry their own.
function frameRescalesOf(enc, elements, frameCount) {
  const perFrame = elements.get(TAG.perFrameGroups)?.items;
  if (!perFrame || perFrame.length !== frameCount || elements.has(TAG.rescaleSlope)) return null;
  if (!perFrame.some((item) => item.has(TAG.pixelValueTransformation))) return null;
  const groups = functionalGroups(elements);
  return perFrame.map((_, index) => {
    const transformation = groups(index, TAG.pixelValueTransformation);
    const { rescaleSlope, rescaleIntercept } = rescaleOf(enc, new Map(), transformation);
    return [rescaleSlope, rescaleIntercept];
  });
}

function windowsOf(enc, source) {
  if (!source) return [];
  const centers = numbers(enc, source.get(TAG.windowCenter));
  const widths = numbers(enc, source.get(TAG.windowWidth));
  const windows = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i += 1) {
    if (widths[i] >= 1) windows.push({ center: centers[i], width: widths[i] });
  }
  return windows;
}

function pixelSpacing(enc, elements, measures) {
  const pair = (element) => {
    const values = numbers(enc, element);
    return values.length >= 2 && values[0] > 0 && values[1] > 0 ? values.slice(0, 2) : null;
  };
  const patient = pair(elements.get(TAG.pixelSpacing));
  if (patient) return { value: patient, source: "patient" };
  const detector = pair(elements.get(TAG.imagerPixelSpacing));
  if (detector) return { value: detector, source: "detector" };
  const enhanced = pair(measures?.get(TAG.pixelSpacing));
  return enhanced ? { value: enhanced, source: "patient" } : null;
}

// Where each frame lies: per frame in an enhanced object, along the grid offsets of an RT
// dose, or the one position of a single frame; null when the file does not say.
function positionsOf(enc, elements, groups, frameCount) {
  const position = (element) => {
    const values = numbers(enc, element);
    return values.length === 3 ? values : null;
  };
  if (elements.has(TAG.perFrameGroups) || elements.has(TAG.sharedGroups)) {
    const positions = [];
    for (let i = 0; i < frameCount; i += 1) {
      const value = position(groups(i, TAG.planePosition)?.get(TAG.imagePosition));
      if (!value) return null;
      positions.push(value);
    }
    return positions;
  }
  const first = position(elements.get(TAG.imagePosition));
  if (!first) return null;
  if (frameCount === 1) return [first];
  const offsets = numbers(enc, elements.get(TAG.gridFrameOffsets));
  const orientation = numbers(enc, elements.get(TAG.imageOrientation));
  if (offsets.length !== frameCount || orientation.length !== 6) return null;
  const [a, b, c, d, e, f] = orientation;
  const normal = [b * f - c * e, c * d - a * f, a * e - b * d];
  return offsets.map((offset) => first.map((value, axis) => value + offset * normal[axis]));
}

function paletteOf(enc, elements, pixelRepresentation) {
  if (text(enc, elements.get(TAG.photometric)) !== "PALETTE COLOR") return null;
  const channels = [
    [TAG.redDescriptor, TAG.redData],
    [TAG.greenDescriptor, TAG.greenData],
    [TAG.blueDescriptor, TAG.blueData],
  ].map(([descriptorTag, dataTag]) => {
    const descriptor = shorts(enc, elements.get(descriptorTag), 3);
    const data = elements.get(dataTag);
    if (descriptor.length < 3 || !data) return null;
    const count = descriptor[0] === 0 ? 65536 : descriptor[0];
    const first = pixelRepresentation === 1 ? (descriptor[1] << 16) >> 16 : descriptor[1];
    const bits = descriptor[2];
    if (bits !== 8 && bits !== 16) return null;
    if (bits === 8 && data.length === count) {
      return { first, bits, table: enc.bytes.slice(data.offset, data.offset + count) };
    }
    if (data.length < count * 2) throw damaged("its color palette is shorter than its descriptor says");
    return { first, bits, table: Uint16Array.from(shorts(enc, data, count)) };
  });
  if (channels.some((channel) => channel === null)) return null;
  const [red, green, blue] = channels;
  return { red: red.table, green: green.table, blue: blue.table, first: red.first, bits: red.bits };
}

// Throws what an object without Pixel Data holds instead.
function refuseWithoutPixels(image, elements) {
  if (elements.has(TAG.floatPixelData) || elements.has(TAG.doublePixelData)) {
    throw cannotShow("This image stores floating-point pixel values");
  }
  const { sopClass } = image;
  const what =
    NON_IMAGES.get(sopClass) ?? NON_IMAGE_FAMILIES.find(([prefix]) => sopClass?.startsWith(prefix))?.[1];
  if (!what) throw unsupported("This DICOM object holds no image.");
  throw unsupported(`This DICOM object holds ${what}, not an image.`);
}

// The most deflate can shrink data by (RFC 1951: a 258-byte match in under two bits),
// so a deflated file is held to what its compressed size could inflate to.
const DEFLATE_MAX_RATIO = 1032;

/**
 * Refuse a header (from parseHeaderOnly) that declares more frames than a file of
 * `fileSize` bytes can hold, before anything is made per frame: a native frame takes its
 * image size (a deflated file at most DEFLATE_MAX_RATIO times less), a compressed one at
 * least its fragment's 8-byte item header.
 * @param {object} header
 * @param {number} fileSize
 */
export function checkFramesFit(header, fileSize) {
  const { rows, columns, samplesPerPixel, bitsAllocated, frameCount } = header;
  const native = NATIVE_TRANSFER_SYNTAXES.includes(header.transferSyntax);
  const frameBits = native
    ? rows * columns * (samplesPerPixel || 1) * (bitsAllocated || 1) * (is422(header) ? 2 / 3 : 1)
    : 64;
  const holds = fileSize * 8 * (header.transferSyntax === DEFLATED_LE ? DEFLATE_MAX_RATIO : 1);
  if (frameCount * frameBits > holds) {
    throw damaged("the frames it declares need more bytes than the file holds");
  }
}

// Where the frames are, checked against the bytes present before anything is allocated.
function locatePixels(image, enc, elements) {
  const element = elements.get(TAG.pixelData);
  if (!element) refuseWithoutPixels(image, elements);
  const { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, frameCount } = image;
  if (!rows || !columns || !bitsAllocated) throw damaged("it has pixel data but no image size");
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw cannotShow(`This image has ${samplesPerPixel} samples per pixel`);
  }
  if (![1, 8, 16, 32].includes(bitsAllocated)) {
    throw cannotShow(`This image stores ${bitsAllocated} bits per sample`);
  }
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) {
    throw damaged("it stores more bits per sample than it allocates");
  }
  const tooLarge = () => {
    if (rows * columns * samplesPerPixel * Math.max(bitsAllocated / 8, 1) <= MAX_BYTES) return;
    const size = `${columns} × ${rows} pixels`;
    throw unsupported(`This image of ${size} is larger than this page can show; ${SAVE_IT}.`);
  };
  const native = NATIVE_TRANSFER_SYNTAXES.includes(image.transferSyntax);
  if (element.encapsulated) {
    if (native) throw damaged("its pixel data is compressed though its transfer syntax says it is not");
    tooLarge();
    const table = elements.get(TAG.extendedOffsetTable);
    const extended = table ? longs(enc, table) : null;
    return { encapsulated: true, frames: splitFrames(enc.bytes, element, frameCount, extended) };
  }
  if (!native && image.transferSyntax !== ENCAPSULATED_UNCOMPRESSED) {
    throw damaged("its pixel data is not compressed though its transfer syntax says it is");
  }
  const frameBits = rows * columns * samplesPerPixel * bitsAllocated * (is422(image) ? 2 / 3 : 1);
  if (frameCount * frameBits > element.length * 8) {
    throw damaged("its pixel data is shorter than its image size says");
  }
  tooLarge();
  const swapPairs = !enc.little && element.vr === "OW" && bitsAllocated === 8;
  const { offset } = element;
  return { encapsulated: false, offset, frameLength: frameBits / 8, little: enc.little, swapPairs };
}

/**
 * One frame of an image from parseImage: `{width, height, kind: "gray", values, slope,
 * intercept, invert}` (stored values; slope and intercept map them to modality values;
 * invert for MONOCHROME1) or `{width, height, kind: "rgb", rgba}`.
 * @param {object} image a DicomImage from parseImage
 * @param {number} index the frame, from 0
 * @returns {Promise<object>} the Frame
 */
export async function decodeFrame(image, index) {
  if (!image.pixelData) throw new Error("This DICOM image was read without its pixel data.");
  if (!Number.isInteger(index) || index < 0 || index >= image.frameCount) {
    const last = image.frameCount - 1;
    throw new Error(`This image has no frame ${index}; its frames are numbered from 0 to ${last}.`);
  }
  if (image.bitsAllocated === 1) {
    throw cannotShow("This image stores one bit per pixel (a segmentation or a mask)");
  }
  const pixels = image.pixelData;
  if (!pixels.encapsulated) {
    const start = pixels.offset + index * pixels.frameLength;
    const samples = nativeSamples(image, image.data, start, pixels, index * pixels.frameLength);
    return toFrame(image, samples, image.photometric, index);
  }
  const encoded = joinFragments(image.data, pixels.frames[index]);
  if (image.transferSyntax === ENCAPSULATED_UNCOMPRESSED) {
    const frameLength = (image.rows * image.columns * image.samplesPerPixel * image.bitsAllocated) / 8;
    if (encoded.length < frameLength) throw damaged("a frame is shorter than its image size says");
    const samples = nativeSamples(image, encoded, 0, { little: true, swapPairs: false }, 0);
    return toFrame(image, samples, image.photometric, index);
  }
  const codecs = await import("./codecs.js");
  const info = Object.fromEntries(CODEC_INFO.map((field) => [field, image[field]]));
  const { rows, columns, samplesPerPixel } = image;
  const decoded = await codecs.decodeFrame(image.transferSyntax, encoded, info);
  if (decoded.pixels?.length !== rows * columns * samplesPerPixel) {
    throw damaged("a compressed frame decodes to another size than the image's");
  }
  return toFrame(image, decoded.pixels, decoded.photometric ?? image.photometric, index);
}
