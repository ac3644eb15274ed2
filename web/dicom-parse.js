// A DICOM file in a bundle is untrusted bytes: before the viewer can show it, something has
// to walk its elements without believing a single declared length. This module is that
// walk (the byte grammar of PS3.5: tags, VRs, lengths, sequences, items, fragments) and the
// reading of the few values an image needs; what those values mean for a picture is
// dicom-image.js's business. It keeps offsets into the bytes rather than copies.

/** The tags an image needs, at any depth; everything else is stepped over, not kept. */
export const TAG = Object.freeze({
  mediaStorageSOPClass: 0x00020002,
  transferSyntax: 0x00020010,
  specificCharacterSet: 0x00080005,
  sopClass: 0x00080016,
  seriesDate: 0x00080021,
  modality: 0x00080060,
  studyDescription: 0x00081030,
  seriesDescription: 0x0008103e,
  bodyPart: 0x00180015,
  sliceThickness: 0x00180050,
  imagerPixelSpacing: 0x00181164,
  seriesUID: 0x0020000e,
  instanceNumber: 0x00200013,
  patientOrientation: 0x00200020,
  imagePosition: 0x00200032,
  imageOrientation: 0x00200037,
  samplesPerPixel: 0x00280002,
  photometric: 0x00280004,
  planarConfiguration: 0x00280006,
  numberOfFrames: 0x00280008,
  rows: 0x00280010,
  columns: 0x00280011,
  pixelSpacing: 0x00280030,
  bitsAllocated: 0x00280100,
  bitsStored: 0x00280101,
  highBit: 0x00280102,
  pixelRepresentation: 0x00280103,
  windowCenter: 0x00281050,
  windowWidth: 0x00281051,
  rescaleIntercept: 0x00281052,
  rescaleSlope: 0x00281053,
  redDescriptor: 0x00281101,
  greenDescriptor: 0x00281102,
  blueDescriptor: 0x00281103,
  redData: 0x00281201,
  greenData: 0x00281202,
  blueData: 0x00281203,
  segmentedRedData: 0x00281221,
  gridFrameOffsets: 0x3004000c,
  extendedOffsetTable: 0x7fe00001,
  extendedOffsetLengths: 0x7fe00002,
  floatPixelData: 0x7fe00008,
  doublePixelData: 0x7fe00009,
  pixelData: 0x7fe00010,
  // The functional groups of enhanced multi-frame objects and the macros read from them.
  sharedGroups: 0x52009229,
  perFrameGroups: 0x52009230,
  pixelMeasures: 0x00289110,
  planePosition: 0x00209113,
  planeOrientation: 0x00209116,
  pixelValueTransformation: 0x00289145,
  frameVOILUT: 0x00289132,
});

const WANTED = new Set(Object.values(TAG));
// In implicit VR nothing says an element is a sequence; these are the ones worth reading.
const SEQUENCES = new Set([
  TAG.sharedGroups, TAG.perFrameGroups, TAG.pixelMeasures, TAG.planePosition,
  TAG.planeOrientation, TAG.pixelValueTransformation, TAG.frameVOILUT,
]);
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
const LONG_VRS = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"]);
// Real files nest a handful of levels; a deeper file is built to exhaust the stack.
const MAX_DEPTH = 16;
// More items than this in one kept sequence (one per frame) is not a real image.
const MAX_ITEMS = 100_000;

/** An Error whose message is one sentence saying the file is damaged and why. */
export function damaged(reason) {
  return new Error(`This DICOM file is damaged: ${reason}.`);
}

/** How an unsupported image's sentence ends: the file itself is still there to save. */
export const SAVE_IT = "save it to open it in your imaging software";

/** An `unsupported` Error saying what this page cannot show ("This image stores …"). */
export function cannotShow(what) {
  return unsupported(`${what}, which this page cannot show; ${SAVE_IT}.`);
}

/** An Error for something valid that this page does not show, marked `unsupported`. */
export function unsupported(message) {
  const error = new Error(message);
  error.unsupported = true;
  return error;
}

/**
 * How a run of bytes is encoded: `little` endian or not, `explicit` VR or not.
 * @param {Uint8Array} bytes
 */
export function encoding(bytes, little, explicit) {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), little, explicit };
}

const isUpper = (byte) => byte >= 0x41 && byte <= 0x5a;

function tagAt(enc, pos) {
  const group = enc.view.getUint16(pos, enc.little);
  return ((group << 16) | enc.view.getUint16(pos + 2, enc.little)) >>> 0;
}

/** The tag, VR (null when implicit) and length of the element at `pos`, and where its value starts. */
function headerAt(enc, pos, end) {
  if (end - pos < 8) throw damaged("an element's header runs past the end of the file");
  const tag = tagAt(enc, pos);
  const a = enc.bytes[pos + 4];
  const b = enc.bytes[pos + 5];
  // Some writers drop into implicit VR mid-file; an element without letters for a VR is one.
  if (enc.explicit && isUpper(a) && isUpper(b) && tag >>> 16 !== 0xfffe) {
    const vr = String.fromCharCode(a, b);
    if (LONG_VRS.has(vr)) {
      if (end - pos < 12) throw damaged("an element's header runs past the end of the file");
      return { tag, vr, length: enc.view.getUint32(pos + 8, enc.little), start: pos + 12 };
    }
    return { tag, vr, length: enc.view.getUint16(pos + 6, enc.little), start: pos + 8 };
  }
  return { tag, vr: null, length: enc.view.getUint32(pos + 4, enc.little), start: pos + 8 };
}

/**
 * Walks the elements from `pos` to `end` and returns the wanted ones as a Map from tag to
 * {vr, offset, length} (plus `items` for sequences, `fragments` for encapsulated pixel
 * data), and where the walk stopped. `stopAtPixels` stops before the top-level Pixel Data.
 * @returns {{elements: Map<number, object>, end: number}}
 */
export function readElements(enc, pos, end, { stopAtPixels = false } = {}) {
  return walk(enc, pos, end, 0, false, true, stopAtPixels);
}

function walk(enc, pos, end, depth, untilItemEnd, keep, stopAtPixels) {
  const elements = new Map();
  while (pos < end) {
    const { tag, vr, length, start } = headerAt(enc, pos, end);
    if (tag === ITEM_END || tag === SEQUENCE_END) {
      if (untilItemEnd && tag === ITEM_END) return { elements, end: start };
      pos = start;
      continue;
    }
    if (stopAtPixels && depth === 0 && tag === TAG.pixelData) return { elements, end: pos };
    const wanted = keep && WANTED.has(tag);
    let element;
    if (length === UNDEFINED) {
      if (tag === TAG.pixelData) {
        element = readFragments(enc, start, end);
      } else if (vr === "SQ" || vr === null || vr === "UN") {
        // An undefined-length UN is a sequence written in implicit VR little endian.
        const inner = vr === "UN" ? encoding(enc.bytes, true, false) : enc;
        element = readItems(inner, start, end, depth + 1, true, wanted && SEQUENCES.has(tag));
      } else {
        throw damaged("an element that needs a length has none");
      }
      pos = element.end;
    } else {
      if (length > end - start) throw damaged("an element's length runs past the end of the file");
      const valueEnd = start + length;
      if (vr === "SQ" || (vr === null && SEQUENCES.has(tag))) {
        element = readItems(enc, start, valueEnd, depth + 1, false, wanted && SEQUENCES.has(tag));
      } else {
        element = {};
      }
      pos = valueEnd;
    }
    if (wanted && (depth === 0 || tag !== TAG.pixelData)) {
      elements.set(tag, { ...element, vr, offset: start, length: length === UNDEFINED ? 0 : length });
    }
  }
  if (untilItemEnd) throw damaged("the file ends inside a sequence");
  return { elements, end: pos };
}

function readItems(enc, pos, end, depth, undefinedLength, keep) {
  if (depth > MAX_DEPTH) throw damaged("its sequences are nested deeper than any real file's");
  const items = [];
  for (;;) {
    if (pos >= end) {
      if (undefinedLength) throw damaged("the file ends inside a sequence");
      return { items, end: pos };
    }
    if (end - pos < 8) throw damaged("an item's header runs past the end of the file");
    const tag = tagAt(enc, pos);
    const length = enc.view.getUint32(pos + 4, enc.little);
    if (tag === SEQUENCE_END) {
      if (undefinedLength) return { items, end: pos + 8 };
      pos += 8;
      continue;
    }
    if (tag !== ITEM) throw damaged("a sequence holds something that is not an item");
    let item;
    if (length === UNDEFINED) {
      item = walk(enc, pos + 8, end, depth, true, keep, false);
      pos = item.end;
    } else {
      if (length > end - pos - 8) throw damaged("an item's length runs past the end of the file");
      item = walk(enc, pos + 8, pos + 8 + length, depth, false, keep, false);
      pos += 8 + length;
    }
    if (keep) {
      if (items.length >= MAX_ITEMS) throw cannotShow("This DICOM file holds more than 100000 frames");
      items.push(item.elements);
    }
  }
}

/**
 * The items of encapsulated pixel data: the Basic Offset Table (first item) and each
 * fragment, as {offset, length, position}, position being where its item starts counted
 * from the first fragment's item (the origin of the offset tables).
 */
function readFragments(enc, pos, end) {
  let offsetTable = null;
  const fragments = [];
  let origin = 0;
  for (;;) {
    if (end - pos < 8) throw damaged("the file ends inside its compressed pixel data");
    const tag = tagAt(enc, pos);
    const length = enc.view.getUint32(pos + 4, enc.little);
    if (tag === SEQUENCE_END) return { encapsulated: true, offsetTable, fragments, end: pos + 8 };
    if (tag !== ITEM) throw damaged("its compressed pixel data holds something that is not a fragment");
    if (length === UNDEFINED || length > end - pos - 8) {
      throw damaged("a fragment of its compressed pixel data runs past the end of the file");
    }
    if (offsetTable === null) {
      offsetTable = { offset: pos + 8, length };
      origin = pos + 8 + length;
    } else {
      fragments.push({ offset: pos + 8, length, position: pos - origin });
    }
    pos += 8 + length;
  }
}

/**
 * The file meta information (group 0002, always explicit VR little endian) from `pos`:
 * its wanted elements and where the data set begins.
 * @returns {{elements: Map<number, object>, end: number}}
 */
export function readMeta(bytes, pos) {
  const enc = encoding(bytes, true, true);
  const elements = new Map();
  while (bytes.length - pos >= 8 && enc.view.getUint16(pos, true) === 0x0002) {
    const { tag, vr, length, start } = headerAt(enc, pos, bytes.length);
    if (length === UNDEFINED || length > bytes.length - start) {
      throw damaged("its file meta information runs past the end of the file");
    }
    if (WANTED.has(tag)) elements.set(tag, { vr, offset: start, length });
    pos = start + length;
  }
  return { elements, end: pos };
}

const latin1 = new TextDecoder("windows-1252");
const utf8 = new TextDecoder("utf-8");

/** The text of an element, without the padding DICOM adds; "" when absent. */
export function text(enc, element, charset = "") {
  if (!element || element.length === 0) return "";
  const raw = enc.bytes.subarray(element.offset, element.offset + element.length);
  const decoder = charset.includes("ISO_IR 192") ? utf8 : latin1;
  return decoder.decode(raw).replace(/[\0 ]+$/, "").replace(/^ +/, "");
}

/** The numbers of a DS or IS element (values that are not numbers are left out). */
export function numbers(enc, element) {
  return text(enc, element)
    .split("\\")
    .map((part) => (part.trim() === "" ? Number.NaN : Number(part.trim())))
    .filter(Number.isFinite);
}

/** The first `count` 16-bit values of a US or SS element (`signed` for SS). */
export function shorts(enc, element, count, signed = false) {
  if (!element) return [];
  const values = [];
  for (let i = 0; i + 2 <= element.length && values.length < count; i += 2) {
    const at = element.offset + i;
    values.push(signed ? enc.view.getInt16(at, enc.little) : enc.view.getUint16(at, enc.little));
  }
  return values;
}

/** The 64-bit values of an OV element as numbers (offsets inside one file fit). */
export function longs(enc, element) {
  if (!element) return [];
  const values = [];
  for (let i = 0; i + 8 <= element.length; i += 8) {
    values.push(Number(enc.view.getBigUint64(element.offset + i, enc.little)));
  }
  return values;
}

/**
 * Which fragments make each frame of encapsulated pixel data: by the Extended Offset Table
 * (`extendedOffsets`, numbers) or the Basic Offset Table when they name every frame, else
 * one fragment per frame when the counts agree, else all fragments for a single frame, else
 * frames ending where a fragment ends with the end-of-image marker (FFD9, which JPEG,
 * JPEG-LS and JPEG 2000 share).
 * @param {Uint8Array} bytes the bytes the fragments' offsets point into
 * @param {{offsetTable: {offset: number, length: number},
 *   fragments: Array<{offset: number, length: number, position: number}>}} encapsulated
 * @param {number} frameCount
 * @param {number[] | null} extendedOffsets
 * @returns {Array<Array<{offset: number, length: number, position: number}>>} one list of fragments per frame
 */
export function splitFrames(bytes, encapsulated, frameCount, extendedOffsets = null) {
  const { offsetTable, fragments } = encapsulated;
  if (fragments.length === 0) throw damaged("its compressed pixel data holds no fragments");
  if (extendedOffsets && extendedOffsets.length === frameCount) {
    const frames = framesAt(fragments, extendedOffsets);
    if (frames) return frames;
  }
  if (offsetTable && offsetTable.length === frameCount * 4) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offsetTable.offset, offsetTable.length);
    const starts = Array.from({ length: frameCount }, (_, i) => view.getUint32(i * 4, true));
    const frames = framesAt(fragments, starts);
    if (frames) return frames;
  }
  if (fragments.length === frameCount) return fragments.map((fragment) => [fragment]);
  if (frameCount === 1) return [fragments];
  const frames = [];
  let current = [];
  for (const fragment of fragments) {
    current.push(fragment);
    if (endsImage(bytes, fragment)) {
      frames.push(current);
      current = [];
    }
  }
  if (current.length > 0) frames.push(current);
  if (frames.length !== frameCount) throw damaged("its compressed frames cannot be told apart");
  return frames;
}

// Frames starting at the given fragment positions, or null when a start is not a fragment's.
function framesAt(fragments, starts) {
  const frames = [];
  let next = 0;
  for (let i = 0; i < starts.length; i += 1) {
    while (next < fragments.length && fragments[next].position < starts[i]) next += 1;
    if (next >= fragments.length || fragments[next].position !== starts[i]) return null;
    const first = next;
    const until = i + 1 < starts.length ? starts[i + 1] : Infinity;
    while (next < fragments.length && fragments[next].position < until) next += 1;
    if (next === first) return null;
    frames.push(fragments.slice(first, next));
  }
  return frames;
}

function endsImage(bytes, fragment) {
  let end = fragment.offset + fragment.length;
  if (end > fragment.offset && bytes[end - 1] === 0) end -= 1; // fragments are padded to even
  return end - fragment.offset >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9;
}

/**
 * The encoded bytes of one frame: a view when it is one fragment, else the fragments joined.
 * @param {Uint8Array} bytes
 * @param {Array<{offset: number, length: number}>} fragments
 */
export function joinFragments(bytes, fragments) {
  if (fragments.length === 1) {
    const [{ offset, length }] = fragments;
    return bytes.subarray(offset, offset + length);
  }
  const joined = new Uint8Array(fragments.reduce((sum, fragment) => sum + fragment.length, 0));
  let at = 0;
  for (const { offset, length } of fragments) {
    joined.set(bytes.subarray(offset, offset + length), at);
    at += length;
  }
  return joined;
}
