// The page's DICOM reader (web/dicom-image.js, web/dicom-parse.js) against pydicom's
// reading of the same files:
//   node --test tests/js/
// Every image pydicom ships in a transfer syntax stored as is (implicit and explicit little
// endian, big endian, deflated), plus files made here with pydicom where it ships none
// (16- and 32-bit and planar RGB, YBR_FULL, MONOCHROME1, 12 bits stored of 16, enhanced
// multi-frame in three encodings, no preamble, no meta), is read by both; the sizes,
// geometry and every pixel of the first and last frame must agree. The references come
// from a Python step run at test time (the venv's python, or $PYTHON), never from here.
// Damaged and foreign files must be refused with one plain sentence, without hanging.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";

import {
  NATIVE_TRANSFER_SYNTAXES,
  checkFramesFit,
  decodeFrame,
  parseHeaderOnly,
  parseImage,
} from "../../web/dicom-image.js";
import { joinFragments, splitFrames } from "../../web/dicom-parse.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
// A hang guard for each test, not a claim about speed.
const HANG_GUARD = { timeout: 60_000 };

// Writes references.json (and one raw file per reference frame) into the folder it is given.
const REFERENCES = String.raw`
import json, os, sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_color_lut, convert_color_space
from pydicom.uid import generate_uid

out = sys.argv[1]
SHIPPED = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"}
EXPLICIT_LE, IMPLICIT_LE, BIG = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"


def shipped(name):
    return os.path.join(SHIPPED, name)


def save(ds, name, syntax=EXPLICIT_LE):
    ds.file_meta.TransferSyntaxUID = syntax
    path = os.path.join(out, name)
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def meta(ds):
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


def native_copy(name, made):
    ds = pydicom.dcmread(shipped(name))
    ds.decompress()
    return save(ds, made)


def made_files():
    paths = [native_copy(n, f"made-native-{n}") for n in ("SC_rgb_rle.dcm", "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_rle_32bit_2frame.dcm")]
    ds = pydicom.dcmread(shipped("SC_rgb_rle_2frame.dcm"))
    ds.decompress()
    ds.PixelData = ds.pixel_array.transpose(0, 3, 1, 2).tobytes()
    ds.PlanarConfiguration = 1
    paths.append(save(ds, "made-planar-SC_rgb_2frame.dcm"))
    ds = pydicom.dcmread(shipped("SC_rgb_rle.dcm"))
    ds.decompress()
    ds.PixelData = convert_color_space(ds.pixel_array, "RGB", "YBR_FULL").tobytes()
    ds.PhotometricInterpretation = "YBR_FULL"
    paths.append(save(ds, "made-ybr-full-SC_rgb.dcm"))
    ds = pydicom.dcmread(shipped("MR_small.dcm"))
    ds.PhotometricInterpretation = "MONOCHROME1"
    paths.append(save(ds, "made-monochrome1-MR_small.dcm"))
    ds = pydicom.dcmread(shipped("MR_small.dcm"))
    stored = (ds.pixel_array.astype(np.int32) & 0x0FFF) | 0xA000  # noise above Bits Stored
    ds.PixelData = stored.astype("<u2").tobytes()
    ds.BitsStored, ds.HighBit = 12, 11
    paths.append(save(ds, "made-signed12-MR_small.dcm"))
    ds.PixelData = stored.astype(">u2").tobytes()  # pydicom writes pixel bytes as given
    paths.append(save(ds, "made-signed12-MR_small-big.dcm", BIG))
    for syntax, label in ((EXPLICIT_LE, "explicit"), (IMPLICIT_LE, "implicit"), (BIG, "big")):
        paths.append(save(enhanced(">i2" if syntax == BIG else "<i2"), f"made-enhanced-ct-{label}.dcm", syntax))
    raw = open(shipped("MR_small.dcm"), "rb").read()
    paths.append(write("made-no-preamble-MR_small.dcm", raw[132:]))
    for name in ("MR_small.dcm", "MR_small_implicit.dcm"):
        raw = open(shipped(name), "rb").read()
        group_length = int.from_bytes(raw[140:144], "little")
        paths.append(write(f"made-no-meta-{name}", raw[144 + group_length:]))
    return paths


def write(name, data):
    path = os.path.join(out, name)
    open(path, "wb").write(data)
    return path


def item(**sequences):
    ds = Dataset()
    for keyword, content in sequences.items():
        inner = Dataset()
        for key, value in content.items():
            setattr(inner, key, value)
        setattr(ds, keyword, [inner])
    return ds


def enhanced(dtype):
    frames, rows, columns = 5, 12, 16
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"
    ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.SeriesDescription = "Enhanced volume"
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, columns, frames
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.SharedFunctionalGroupsSequence = [item(
        PixelMeasuresSequence={"PixelSpacing": [0.4, 0.5], "SliceThickness": 1.25},
        PlaneOrientationSequence={"ImageOrientationPatient": [1, 0, 0, 0, 0.8, -0.6]},
        FrameVOILUTSequence={"WindowCenter": 40, "WindowWidth": 400},
    )]
    ds.PerFrameFunctionalGroupsSequence = [item(
        PlanePositionSequence={"ImagePositionPatient": [-10, -20.5, 2.5 * i]},
        PixelValueTransformationSequence={"RescaleIntercept": -1024 + i, "RescaleSlope": 1 + i / 2, "RescaleType": "HU"},
    ) for i in range(frames)]
    ds.PixelData = np.random.default_rng(14).integers(-2000, 3000, (frames, rows, columns), dtype="i2").astype(dtype).tobytes()
    return meta(ds)


def encapsulated_pdf():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.104.1"
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "DOC"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = b"%PDF-1.4\n%%EOF\n"
    return save(meta(ds), "made-encapsulated-pdf.dcm")


def numbers(value):
    return None if value is None else [float(v) for v in value]


def geometry(ds, frames):
    shared = ds.get("SharedFunctionalGroupsSequence", [None])[0]
    per = ds.get("PerFrameFunctionalGroupsSequence")

    def macro(index, keyword):
        for source in (per[index] if per and index < len(per) else None, shared):
            if source is not None and keyword in source:
                return source[keyword][0]
        return None

    spacing, source = None, None
    if "PixelSpacing" in ds:
        spacing, source = numbers(ds.PixelSpacing), "patient"
    elif "ImagerPixelSpacing" in ds:
        spacing, source = numbers(ds.ImagerPixelSpacing), "detector"
    elif macro(0, "PixelMeasuresSequence") is not None:
        spacing, source = numbers(macro(0, "PixelMeasuresSequence").PixelSpacing), "patient"
    measures = macro(0, "PixelMeasuresSequence")
    thickness = ds.get("SliceThickness", measures.get("SliceThickness") if measures else None)
    orientation = ds.get("ImageOrientationPatient") or (macro(0, "PlaneOrientationSequence") or {}).get("ImageOrientationPatient")
    if per is not None or shared is not None:
        positions = [numbers(macro(i, "PlanePositionSequence").ImagePositionPatient) for i in range(frames)]
        transformations = [macro(i, "PixelValueTransformationSequence") or ds for i in range(frames)]
        rescales = [[float(t.get("RescaleSlope", 1)), float(t.get("RescaleIntercept", 0))] for t in transformations]
        voi = macro(0, "FrameVOILUTSequence")
    else:
        position = numbers(ds.get("ImagePositionPatient"))
        positions = None
        if position and frames == 1:
            positions = [position]
        elif position and "GridFrameOffsetVector" in ds:
            normal = np.cross(numbers(ds.ImageOrientationPatient)[:3], numbers(ds.ImageOrientationPatient)[3:])
            positions = [list(np.array(position) + float(o) * normal) for o in ds.GridFrameOffsetVector]
        rescales = [[float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))]] * frames
        voi = ds
    centers, widths = (voi or {}).get("WindowCenter"), (voi or {}).get("WindowWidth")
    windows = []
    if centers is not None and widths is not None:
        centers = centers if isinstance(centers, pydicom.multival.MultiValue) else [centers]
        widths = widths if isinstance(widths, pydicom.multival.MultiValue) else [widths]
        windows = [{"center": float(c), "width": float(w)} for c, w in zip(centers, widths)]
    return {
        "pixelSpacing": spacing, "spacingSource": source, "positions": positions, "rescales": rescales,
        "orientation": numbers(orientation), "sliceThickness": None if thickness is None else float(thickness),
        "windows": windows,
    }


def reference(path, name):
    ds = pydicom.dcmread(path, force=True)
    if "TransferSyntaxUID" not in ds.file_meta:  # a bare data set, read by its first element
        implicit, little = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = IMPLICIT_LE if implicit else EXPLICIT_LE if little else BIG
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    arr = ds.pixel_array
    if frames == 1:
        arr = arr[np.newaxis]
    entry = {
        "name": name, "path": path, "transferSyntax": str(ds.file_meta.get("TransferSyntaxUID", "")),
        "rows": ds.Rows, "columns": ds.Columns, "frameCount": frames, "photometric": ds.PhotometricInterpretation,
        "samplesPerPixel": ds.SamplesPerPixel, "modality": ds.get("Modality"), "seriesUID": ds.get("SeriesInstanceUID"),
        **geometry(ds, frames), "frames": {},
    }
    photometric = ds.PhotometricInterpretation
    entry["bitsAllocated"] = ds.BitsAllocated
    for index in sorted({0, frames - 1}) if ds.BitsAllocated > 1 else ():
        frame = arr[index]
        if photometric == "PALETTE COLOR":
            rgb = apply_color_lut(frame, ds)
            if ds.RedPaletteColorLookupTableDescriptor[2] == 16 and rgb.max() > 255:
                rgb = rgb >> 8
            kind, data = "rgb", rgb.astype("u1")
        elif ds.SamplesPerPixel == 3:
            kind, data = "rgb", (frame >> max(0, ds.BitsStored - 8)).astype("u1")
        else:
            kind, data = "gray", frame.astype("<f8")
        file = os.path.join(out, f"{name}.{index}.raw")
        data.tofile(file)
        entry["frames"][str(index)] = {"kind": kind, "file": file}
    return entry


def main():
    images, non_images, skipped = [], [], []
    candidates = [(shipped(n), n) for n in sorted(os.listdir(SHIPPED)) if n.endswith(".dcm")]
    candidates += [(p, os.path.basename(p)) for p in made_files()]
    for path, name in candidates:
        try:
            ds = pydicom.dcmread(path, force=name.startswith("made-"))
        except Exception as error:
            skipped.append(f"{name}: pydicom cannot read it ({error})")
            continue
        syntax = str(ds.file_meta.get("TransferSyntaxUID", ""))
        if "PixelData" not in ds:
            if "SOPClassUID" in ds:  # written again, so that a truncated one is whole
                copy = os.path.join(out, f"non-image-{name}")
                pydicom.dcmwrite(copy, ds, enforce_file_format=True)
                non_images.append({"name": name, "path": copy, "sopClass": str(ds.SOPClassUID)})
            continue
        if syntax and syntax not in NATIVE:
            continue
        try:
            images.append(reference(path, name))
        except Exception as error:
            skipped.append(f"{name}: pydicom cannot decode it ({error})")
    non_images.append({"name": "made-encapsulated-pdf.dcm", "path": encapsulated_pdf(), "sopClass": "1.2.840.10008.5.1.4.1.1.104.1"})
    json.dump({"images": images, "nonImages": non_images, "skipped": skipped}, open(os.path.join(out, "references.json"), "w"))


main()
`;

let scratch;
let references;
before(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "orthoshare-dicom-"));
  const python = process.env.PYTHON ?? path.join(REPO, ".venv", "bin", "python");
  const result = spawnSync(python, ["-c", REFERENCES, scratch], { encoding: "utf8" });
  assert.equal(result.status, 0, `the pydicom reference step failed: ${result.stderr}`);
  references = JSON.parse(readFileSync(path.join(scratch, "references.json"), "utf8"));
});

after(() => rmSync(scratch, { recursive: true, force: true }));

const bytesOf = (file) => new Uint8Array(readFileSync(file));

test("the references cover every kind of native image the reader must handle", HANG_GUARD, () => {
  const names = references.images.map((image) => image.name);
  for (const needed of [
    "CT_small.dcm", "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "ExplVR_BigEnd.dcm",
    "SC_rgb_small_odd_big_endian.dcm", "SC_ybr_full_422_uncompressed.dcm", "examples_palette.dcm",
    "image_dfl.dcm", "rtdose.dcm", "rtdose_expb.dcm", "made-native-SC_rgb_rle_16bit_2frame.dcm",
    "made-native-SC_rgb_rle_32bit_2frame.dcm", "made-planar-SC_rgb_2frame.dcm", "made-ybr-full-SC_rgb.dcm",
    "made-monochrome1-MR_small.dcm", "made-signed12-MR_small-big.dcm", "made-enhanced-ct-implicit.dcm",
    "made-enhanced-ct-big.dcm", "made-no-preamble-MR_small.dcm", "made-no-meta-MR_small_implicit.dcm",
  ]) {
    assert.ok(names.includes(needed), `pydicom gave no reference for ${needed}: ${references.skipped.join("; ")}`);
  }
  const syntaxes = new Set(references.images.map((image) => image.transferSyntax));
  for (const syntax of NATIVE_TRANSFER_SYNTAXES) assert.ok(syntaxes.has(syntax), syntax);
});

const close = (actual, expected, what) => {
  if (expected === null) return assert.equal(actual, null, what);
  assert.equal(actual?.length, expected.length, what);
  expected.forEach((value, i) => assert.ok(Math.abs(actual[i] - value) < 1e-6, `${what}: ${actual} != ${expected}`));
};

test("every native image is described as pydicom reads it", HANG_GUARD, async () => {
  for (const expected of references.images) {
    const image = await parseImage(bytesOf(expected.path));
    const what = expected.name;
    for (const field of ["rows", "columns", "frameCount", "photometric", "samplesPerPixel", "modality", "seriesUID"]) {
      assert.equal(image[field], expected[field], `${what}: ${field}`);
    }
    assert.equal(image.transferSyntax, expected.transferSyntax || image.transferSyntax, `${what}: transfer syntax`);
    close(image.pixelSpacing, expected.pixelSpacing, `${what}: pixel spacing`);
    assert.equal(image.spacingSource, expected.spacingSource, `${what}: spacing source`);
    close(image.orientation, expected.orientation, `${what}: orientation`);
    assert.equal(image.positions?.length ?? null, expected.positions?.length ?? null, `${what}: positions`);
    expected.positions?.forEach((position, i) => close(image.positions[i], position, `${what}: position ${i}`));
    assert.equal(image.sliceThickness, expected.sliceThickness, `${what}: slice thickness`);
    assert.deepEqual(image.windows, expected.windows, `${what}: windows`);
    const header = await parseHeaderOnly(bytesOf(expected.path));
    for (const field of ["rows", "columns", "frameCount", "photometric", "seriesUID", "instanceNumber"]) {
      assert.deepEqual(header[field], image[field], `${what}: header-only ${field}`);
    }
    close(header.positions?.flat() ?? null, image.positions?.flat() ?? null, `${what}: header-only positions`);
  }
});

// Where the two differ, by how much: the first differing sample, for the message.
function firstDifference(actual, expected, tolerance) {
  if (actual.length !== expected.length) return `lengths ${actual.length} and ${expected.length}`;
  for (let i = 0; i < expected.length; i += 1) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) return `sample ${i}: ${actual[i]} != ${expected[i]}`;
  }
  return null;
}

test("the first and last frame of every native image decode to pydicom's pixels", HANG_GUARD, async () => {
  let compared = 0;
  for (const expected of references.images) {
    const image = await parseImage(bytesOf(expected.path));
    if (expected.bitsAllocated === 1) {
      await assert.rejects(decodeFrame(image, 0), (error) => error.unsupported === true, expected.name);
      continue;
    }
    for (const [index, reference] of Object.entries(expected.frames)) {
      const frame = await decodeFrame(image, Number(index));
      const what = `${expected.name} frame ${index}`;
      assert.equal(frame.kind, reference.kind, what);
      assert.equal(frame.width, expected.columns, what);
      assert.equal(frame.height, expected.rows, what);
      const raw = readFileSync(reference.file);
      if (reference.kind === "gray") {
        const values = new Float64Array(raw.buffer, raw.byteOffset, raw.length / 8);
        assert.equal(firstDifference(frame.values, values, 0), null, what);
        assert.deepEqual([frame.slope, frame.intercept], expected.rescales[Number(index)], `${what}: rescale`);
        assert.equal(frame.invert, expected.photometric === "MONOCHROME1", `${what}: invert`);
      } else {
        const rgb = frame.rgba.filter((_, i) => i % 4 !== 3);
        assert.ok(frame.rgba.every((value, i) => i % 4 !== 3 || value === 255), `${what}: opaque`);
        // YCbCr to RGB rounds: pydicom and the page may land on either side of a half.
        const tolerance = expected.photometric.startsWith("YBR") ? 1 : 0;
        assert.equal(firstDifference(rgb, new Uint8Array(raw), tolerance), null, what);
      }
      compared += 1;
    }
  }
  assert.ok(compared >= references.images.length, `${compared} frames compared`);
});

test("objects that hold no image are refused as what they are", HANG_GUARD, async () => {
  assert.ok(references.nonImages.length >= 3);
  for (const { name, path: file, sopClass } of references.nonImages) {
    for (const parse of [parseImage, parseHeaderOnly]) {
      await assert.rejects(parse(bytesOf(file)), (error) => {
        assert.equal(error.unsupported, true, `${name}: ${error.message}`);
        assert.match(error.message, /^This DICOM object holds .*\.$/, name);
        if (sopClass === "1.2.840.10008.5.1.4.1.1.104.1") assert.match(error.message, /encapsulated PDF/);
        return true;
      });
    }
  }
});

// --- Damaged and foreign files ------------------------------------------------------

// A Part 10 file with the given transfer syntax whose data set is `elements`, each
// [group, element, vr, value bytes | {length, bytes}] in explicit VR little endian.
function part10(elements, syntax = "1.2.840.10008.1.2.1") {
  const chunks = [new Uint8Array(128), new TextEncoder().encode("DICM")];
  const uid = new TextEncoder().encode(syntax.length % 2 ? `${syntax}\0` : syntax);
  chunks.push(element(0x0002, 0x0010, "UI", uid));
  for (const [group, number, vr, value] of elements) chunks.push(element(group, number, vr, value));
  return concat(chunks);
}

const LONG = new Set(["OB", "OW", "SQ", "UN", "UT"]);
function element(group, number, vr, value) {
  const bytes = value instanceof Uint8Array ? value : value.bytes;
  const length = value instanceof Uint8Array ? bytes.length : value.length;
  const header = new DataView(new ArrayBuffer(LONG.has(vr) ? 12 : 8));
  header.setUint16(0, group, true);
  header.setUint16(2, number, true);
  header.setUint8(4, vr.charCodeAt(0));
  header.setUint8(5, vr.charCodeAt(1));
  if (LONG.has(vr)) header.setUint32(8, length, true);
  else header.setUint16(6, length, true);
  return concat([new Uint8Array(header.buffer), bytes]);
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const us = (value) => new Uint8Array(new Uint16Array([value]).buffer);
const text = (value) => new TextEncoder().encode(value.length % 2 ? `${value} ` : value);
const tag = (group, number, length = 0xffffffff) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint16(0, group, true);
  view.setUint16(2, number, true);
  view.setUint32(4, length, true);
  return new Uint8Array(view.buffer);
};
const imageHeader = (rows, columns, frames = "1") => [
  [0x0028, 0x0002, "US", us(1)], [0x0028, 0x0004, "CS", text("MONOCHROME2")], [0x0028, 0x0008, "IS", text(frames)],
  [0x0028, 0x0010, "US", us(rows)], [0x0028, 0x0011, "US", us(columns)], [0x0028, 0x0100, "US", us(16)],
  [0x0028, 0x0101, "US", us(16)], [0x0028, 0x0103, "US", us(0)],
];

// One plain sentence: a capital, no line break, one full stop at the end.
const plainSentence = (error) => {
  assert.ok(error instanceof Error, String(error));
  assert.match(error.message, /^[A-Z][^\n]*\.$/, error.message);
  assert.doesNotMatch(error.message, /\.\s+[A-Z]/, error.message);
  return true;
};

const hostile = {
  "a zero-length file": () => new Uint8Array(0),
  "a ZIP archive": () => concat([new TextEncoder().encode("PK\x03\x04"), new Uint8Array(300)]),
  "a JPEG photo": () => concat([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]), new TextEncoder().encode("JFIF"), new Uint8Array(300)]),
  "an element whose length runs past the end": () =>
    part10([[0x0008, 0x0060, "LO", { length: 0xfff0, bytes: text("CT") }]]),
  "a header cut in the middle of an element": () => part10([[0x0008, 0x0060, "CS", text("CT")]]).slice(0, -3),
  "a truncated frame": () => {
    const whole = part10([...imageHeader(64, 64), [0x7fe0, 0x0010, "OW", new Uint8Array(64 * 64 * 2)]]);
    return whole.slice(0, whole.length - 100);
  },
  "pixel data shorter than rows × columns × frames": () =>
    part10([...imageHeader(64, 64, "1000"), [0x7fe0, 0x0010, "OW", new Uint8Array(64 * 64 * 2)]]),
  "an absurd image size": () => part10([...imageHeader(65535, 65535), [0x7fe0, 0x0010, "OW", new Uint8Array(16)]]),
  "an absurd compressed image size": () =>
    part10([...imageHeader(65535, 65535, "3"), [0x7fe0, 0x0010, "OB", { length: 0xffffffff, bytes: concat([tag(0xfffe, 0xe000, 0), tag(0xfffe, 0xe000, 2), new Uint8Array(2), tag(0xfffe, 0xe0dd, 0)]) }]], "1.2.840.10008.1.2.4.50"),
  "a fragment whose length runs past the end": () =>
    part10([...imageHeader(8, 8), [0x7fe0, 0x0010, "OB", { length: 0xffffffff, bytes: concat([tag(0xfffe, 0xe000, 0), tag(0xfffe, 0xe000, 5000), new Uint8Array(4)]) }]], "1.2.840.10008.1.2.4.50"),
  "a sequence nested without end": () => {
    const level = concat([element(0x0008, 0x1115, "SQ", { length: 0xffffffff, bytes: new Uint8Array(0) }), tag(0xfffe, 0xe000)]);
    return concat([part10([]), ...Array.from({ length: 5000 }, () => level)]);
  },
  "a sequence that never ends": () =>
    concat([part10([]), element(0x0008, 0x1115, "SQ", { length: 0xffffffff, bytes: new Uint8Array(0) }), tag(0xfffe, 0xe000, 0)]),
  "a deflated data set that is not deflate": () =>
    part10([[0x0008, 0x0060, "CS", text("CT")]], "1.2.840.10008.1.2.1.99"),
  "a deflated data set inflating to a lie": () =>
    concat([part10([], "1.2.840.10008.1.2.1.99"), deflateRawSync(element(0x0008, 0x0060, "LO", { length: 9000, bytes: text("CT") }))]),
};

for (const [what, make] of Object.entries(hostile)) {
  test(`${what} is refused with one plain sentence`, HANG_GUARD, async () => {
    const bytes = make();
    await assert.rejects(parseImage(bytes), plainSentence);
    await assert.rejects(async () => {
      const header = await parseHeaderOnly(bytes);
      const image = await parseImage(bytes);
      await decodeFrame(image, 0);
      return header;
    }, plainSentence);
  });
}

test("a header can be read from a file whose pixel data is cut short", HANG_GUARD, async () => {
  const whole = part10([[0x0020, 0x0013, "IS", text("7")], ...imageHeader(64, 64), [0x7fe0, 0x0010, "OW", new Uint8Array(64 * 64 * 2)]]);
  const cut = whole.slice(0, whole.length - 4000);
  const header = await parseHeaderOnly(cut);
  assert.deepEqual([header.rows, header.columns, header.instanceNumber, header.pixelData], [64, 64, 7, null]);
  await assert.rejects(parseImage(cut), plainSentence);
  await assert.rejects(decodeFrame(header, 0), plainSentence);
});

test("a frame that is not there is refused", HANG_GUARD, async () => {
  const image = await parseImage(part10([...imageHeader(2, 2, "2"), [0x7fe0, 0x0010, "OW", new Uint8Array(16)]]));
  for (const index of [-1, 2, 0.5]) await assert.rejects(decodeFrame(image, index), plainSentence);
  assert.equal((await decodeFrame(image, 1)).values.length, 4);
});

// --- Frames cut out of encapsulated pixel data ----------------------------------------

// Encapsulated pixel data in a buffer: each fragment's bytes, and the offset table given.
function encapsulated(fragmentBytes, offsetTable = []) {
  const table = new Uint8Array(new Uint32Array(offsetTable).buffer);
  const chunks = [tag(0xfffe, 0xe000, table.length), table];
  const fragments = [];
  let at = 8 + table.length;
  const origin = at;
  for (const data of fragmentBytes) {
    chunks.push(tag(0xfffe, 0xe000, data.length), data);
    fragments.push({ offset: at + 8, length: data.length, position: at - origin });
    at += 8 + data.length;
  }
  return { bytes: concat(chunks), pixels: { offsetTable: { offset: 8, length: table.length }, fragments } };
}

const jpeg = (marker, size = 6) => {
  const data = new Uint8Array(size).fill(marker);
  data.set([0xff, 0xd8]);
  data.set([0xff, 0xd9], size - 2);
  return data;
};
const framesOf = (bytes, frames) => frames.map((fragments) => Array.from(joinFragments(bytes, fragments)));

test("frames are cut by the basic offset table, across fragments", HANG_GUARD, () => {
  const parts = [jpeg(1).slice(0, 3), jpeg(1).slice(3), jpeg(2), jpeg(3).slice(0, 2), jpeg(3).slice(2)];
  const { bytes, pixels } = encapsulated(parts, [0, 8 + 3 + 8 + 3, 8 + 3 + 8 + 3 + 8 + 6]);
  assert.deepEqual(framesOf(bytes, splitFrames(bytes, pixels, 3)), [jpeg(1), jpeg(2), jpeg(3)].map((f) => Array.from(f)));
});

test("frames are cut by the extended offset table when there is one", HANG_GUARD, () => {
  const { bytes, pixels } = encapsulated([jpeg(1), jpeg(2), jpeg(3)], [0, 1, 2]);
  const frames = splitFrames(bytes, pixels, 3, [0, 14, 28]);
  assert.deepEqual(framesOf(bytes, frames), [jpeg(1), jpeg(2), jpeg(3)].map((f) => Array.from(f)));
});

test("without an offset table, one fragment is one frame when the counts agree", HANG_GUARD, () => {
  const { bytes, pixels } = encapsulated([new Uint8Array([1, 2]), new Uint8Array([3, 4])]);
  assert.deepEqual(framesOf(bytes, splitFrames(bytes, pixels, 2)), [[1, 2], [3, 4]]);
});

test("a single frame is every fragment joined", HANG_GUARD, () => {
  const { bytes, pixels } = encapsulated([jpeg(1).slice(0, 2), jpeg(1).slice(2, 5), jpeg(1).slice(5)]);
  assert.deepEqual(framesOf(bytes, splitFrames(bytes, pixels, 1)), [Array.from(jpeg(1))]);
});

test("without an offset table, frames end at the end-of-image marker, padding allowed", HANG_GUARD, () => {
  const padded = concat([jpeg(2), new Uint8Array([0])]);
  const parts = [jpeg(1).slice(0, 4), jpeg(1).slice(4), padded.slice(0, 3), padded.slice(3)];
  const { bytes, pixels } = encapsulated(parts);
  assert.deepEqual(framesOf(bytes, splitFrames(bytes, pixels, 2)), [Array.from(jpeg(1)), Array.from(padded)]);
});

test("an offset table that names no fragment's start is not believed", HANG_GUARD, () => {
  const { bytes, pixels } = encapsulated([jpeg(1), jpeg(2)], [0, 5]);
  assert.deepEqual(framesOf(bytes, splitFrames(bytes, pixels, 2)), [jpeg(1), jpeg(2)].map((f) => Array.from(f)));
});

test("frames that cannot be told apart are refused with one plain sentence", HANG_GUARD, () => {
  const { bytes, pixels } = encapsulated([new Uint8Array([1, 2]), new Uint8Array([3, 4]), new Uint8Array([5, 6])]);
  assert.throws(() => splitFrames(bytes, pixels, 2), plainSentence);
  assert.throws(() => splitFrames(bytes, { offsetTable: pixels.offsetTable, fragments: [] }, 1), plainSentence);
});

test("a sequence written as UN of undefined length is read in implicit VR and stepped over", HANG_GUARD, async () => {
  // Inside: one item holding (0009,0010) in implicit VR, whose 4-byte length ("BB\0\0")
  // an explicit reading would take for a VR and a length of 0.
  const inner = concat([tag(0x0009, 0x0010, 0x4242), new Uint8Array(0x4242).fill(0x20), tag(0xfffe, 0xe00d, 0)]);
  const un = concat([tag(0xfffe, 0xe000), inner, tag(0xfffe, 0xe0dd, 0)]);
  const bytes = part10([
    [0x0009, 0x1010, "UN", { length: 0xffffffff, bytes: un }],
    [0x0020, 0x0013, "IS", text("3")],
    ...imageHeader(2, 2),
    [0x7fe0, 0x0010, "OW", new Uint8Array([1, 0, 2, 0, 3, 0, 4, 0])],
  ]);
  const image = await parseImage(bytes);
  assert.equal(image.instanceNumber, 3);
  assert.deepEqual(Array.from((await decodeFrame(image, 0)).values), [1, 2, 3, 4]);
});

test("a header declaring more frames than its file can hold is refused before any frame is made", () => {
  const native = {
    transferSyntax: NATIVE_TRANSFER_SYNTAXES[0], rows: 64, columns: 64, samplesPerPixel: 1,
    bitsAllocated: 16, photometric: "MONOCHROME2",
  };
  const frame = 64 * 64 * 2;
  checkFramesFit({ ...native, frameCount: 10 }, 10 * frame + 1000);
  assert.throws(() => checkFramesFit({ ...native, frameCount: 50_000_000 }, 10_500), {
    message: /damaged: the frames it declares need more bytes than the file holds/,
  });
  // A deflated file holds what its bytes could inflate to: pydicom's image_dfl.dcm is a
  // 256 KiB frame in 4.6 KB.
  const deflated = { ...native, transferSyntax: "1.2.840.10008.1.2.1.99", rows: 512, columns: 512, bitsAllocated: 8 };
  checkFramesFit({ ...deflated, frameCount: 1 }, 4637);
  assert.throws(() => checkFramesFit({ ...deflated, frameCount: 100_000 }, 4637), {
    message: /need more bytes than the file holds/,
  });
  const compressed = { ...native, transferSyntax: "1.2.840.10008.1.2.5" };
  checkFramesFit({ ...compressed, frameCount: 100 }, 100 * 8);
  assert.throws(() => checkFramesFit({ ...compressed, frameCount: 10_000 }, 10_500), {
    message: /need more bytes than the file holds/,
  });
});
