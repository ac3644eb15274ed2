// The DICOM viewer's codecs, run on the BUNDLED dist/web/codecs.js, the very file the
// page loads:
//   node --test tests/js/
// ORTHOSHARE_DIST names a built site to test; without it this file builds one into a
// temporary folder with build.py. ORTHOSHARE_PYDICOM_FILES may name pydicom's test files;
// without it they are found through the Python that has pydicom.
//
// The references come from outside the codecs: a small Python step cuts frame 0 out of
// every compressed file pydicom ships (and of files dcmtk compresses here), and reads
// the samples that dcmtk's decompressors (dcmdrle, dcmdjpeg, dcmdjpls) write, or those
// of an uncompressed sibling file, with pydicom. Lossless frames must match exactly.
// Baseline JPEG is decoded by the browser and is tested in a page.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYTHON = process.env.PYTHON ?? path.join(REPO, ".venv", "bin", "python");

const RLE = "1.2.840.10008.1.2.5";
const JPEG_BASELINE = "1.2.840.10008.1.2.4.50";
const JPEG_EXTENDED = "1.2.840.10008.1.2.4.51";
const JPEG_LOSSLESS = "1.2.840.10008.1.2.4.57";
const JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70";
const JPEG_LS = "1.2.840.10008.1.2.4.80";
const JPEG_LS_NEAR = "1.2.840.10008.1.2.4.81";
const JPEG_2000 = "1.2.840.10008.1.2.4.90";

// Writes, into the folder given as argv[1], frame 0 of each case, its reference samples
// (when one exists outside the codecs) and manifest.json describing them.
const MAKE_CASES = String.raw`
import json, os, subprocess, sys
import numpy as np
import pydicom
from pydicom.encaps import generate_frames

out = sys.argv[1]
files = os.environ.get("ORTHOSHARE_PYDICOM_FILES") or os.path.join(
    os.path.dirname(pydicom.__file__), "data", "test_files")
DECOMPRESSORS = {"1.2.840.10008.1.2.5": "dcmdrle", "1.2.840.10008.1.2.4.57": "dcmdjpeg",
                 "1.2.840.10008.1.2.4.70": "dcmdjpeg", "1.2.840.10008.1.2.4.80": "dcmdjpls",
                 "1.2.840.10008.1.2.4.81": "dcmdjpls"}
SIBLINGS = {"MR_small_jp2klossless.dcm": "MR_small.dcm"}

def first_frame(ds):
    array = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    return array[0] if frames > 1 else array

def samples_of(ds):
    array = first_frame(ds)
    dtype = {8: "u1", 16: "i2" if ds.PixelRepresentation else "u2"}[ds.BitsAllocated]
    return np.ascontiguousarray(array).astype("<" + dtype).tobytes()

def add(cases, name, path, reference):
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    frame = next(generate_frames(ds.PixelData, number_of_frames=frames))
    stem = os.path.join(out, name)
    with open(stem + ".frame", "wb") as f:
        f.write(frame)
    if reference is not None and ds.BitsAllocated in (8, 16):
        with open(stem + ".reference", "wb") as f:
            f.write(samples_of(pydicom.dcmread(reference)))
        reference = stem + ".reference"
    else:
        reference = None
    cases.append({
        "name": name, "uid": str(ds.file_meta.TransferSyntaxUID), "frame": stem + ".frame",
        "reference": reference,
        "info": {"rows": ds.Rows, "columns": ds.Columns, "samplesPerPixel": ds.SamplesPerPixel,
                 "bitsAllocated": ds.BitsAllocated, "bitsStored": ds.BitsStored,
                 "pixelRepresentation": ds.PixelRepresentation,
                 "photometric": ds.PhotometricInterpretation,
                 "planarConfiguration": int(ds.get("PlanarConfiguration", 0))}})

def decompressed(tool, path, name):
    target = os.path.join(out, name + ".native.dcm")
    subprocess.run([tool, path, target], check=True, capture_output=True)
    return target

cases = []
for entry in sorted(os.listdir(files)):
    path = os.path.join(files, entry)
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        syntax = ds.file_meta.TransferSyntaxUID
    except Exception:
        continue
    if not syntax.is_compressed or syntax.is_deflated or "PixelData" not in pydicom.dcmread(path):
        continue
    reference = None
    if entry in SIBLINGS:
        reference = os.path.join(files, SIBLINGS[entry])
    elif syntax in DECOMPRESSORS:
        reference = decompressed(DECOMPRESSORS[syntax], path, entry)
    add(cases, entry, path, reference)

# Cases pydicom does not ship, compressed here by dcmtk from its uncompressed files:
# 16-bit signed CT and 8-bit colour in every lossless syntax dcmtk writes, JPEG-LS
# colour in each interleave mode, and a 512x512 16-bit frame to time.
ENCODINGS = {"rle": ["dcmcrle"], "jpeg-lossless": ["dcmcjpeg", "+el"],
             "jpeg-lossless-sv1": ["dcmcjpeg", "+e1"], "jpeg-ls": ["dcmcjpls"],
             "jpeg-ls-near": ["dcmcjpls", "+en"], "jpeg-ls-planes": ["dcmcjpls", "+in"],
             "jpeg-ls-samples": ["dcmcjpls", "+is"]}
big = pydicom.dcmread(os.path.join(files, "CT_small.dcm"))
tile = np.kron(big.pixel_array, np.ones((4, 4), dtype=big.pixel_array.dtype))
big.PixelData = (tile + np.arange(512, dtype=tile.dtype)[None, :] % 7).astype("<i2").tobytes()
big.Rows, big.Columns = tile.shape
big_path = os.path.join(out, "CT_512.dcm")
big.save_as(big_path)
for source in ("CT_small.dcm", "examples_rgb_color.dcm", "CT_512.dcm"):
    path = big_path if source == "CT_512.dcm" else os.path.join(files, source)
    signed = pydicom.dcmread(path, stop_before_pixels=True).PixelRepresentation == 1
    for encoding, command in ENCODINGS.items():
        if encoding == "jpeg-ls-near" and signed:
            continue  # dcmtk writes near-lossless JPEG-LS for unsigned samples only
        name = source.replace(".dcm", "") + "-" + encoding + ".dcm"
        target = os.path.join(out, name)
        subprocess.run([*command, path, target], check=True, capture_output=True)
        near = encoding == "jpeg-ls-near"
        add(cases, name, target, decompressed("dcmdjpls", target, name) if near else path)

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(cases, f)
`;

let scratch = null;
let codecs;
let cases;

function builtSite() {
  if (process.env.ORTHOSHARE_DIST) {
    return path.resolve(process.env.ORTHOSHARE_DIST);
  }
  const out = path.join(scratch, "dist");
  const build = [path.join(REPO, "build.py"), "--out", out];
  const result = spawnSync(PYTHON, build, { encoding: "utf8" });
  assert.equal(result.status, 0, `build.py failed: ${result.stderr}`);
  return out;
}

before(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), "orthoshare-codecs-"));
  const folder = path.join(scratch, "cases");
  mkdirSync(folder);
  const made = spawnSync(PYTHON, ["-c", MAKE_CASES, folder], { encoding: "utf8" });
  assert.equal(made.status, 0, `making the cases failed: ${made.stderr}`);
  cases = JSON.parse(readFileSync(path.join(folder, "manifest.json"), "utf8"));
  // The codecs' WebAssembly loaders take a Node-only branch, which reads files with
  // require("fs"), whenever they see Node; the page never runs it, so the test lets
  // them take the branch the page takes, where the WebAssembly is handed to them.
  process.type = "renderer";
  codecs = await import(pathToFileURL(path.join(builtSite(), "web", "codecs.js")).href);
});

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const one = (name) => {
  const found = cases.find((c) => c.name === name);
  assert.ok(found, `no case ${name}`);
  return { ...found, bytes: new Uint8Array(readFileSync(found.frame)) };
};

const decodable = (c) =>
  codecs.TRANSFER_SYNTAXES.some((s) => s.uid === c.uid) &&
  ![JPEG_BASELINE, JPEG_EXTENDED].includes(c.uid) &&
  [8, 16].includes(c.info.bitsAllocated);

// One sentence a clinician can read: a capital, no sentence break, a full stop.
function assertPlainSentence(error) {
  assert.ok(error instanceof Error, `not an Error: ${error}`);
  assert.match(error.message, /^[A-Z][^\n]*\.$/);
  assert.doesNotMatch(error.message.slice(0, -1), /\.\s|undefined|NaN|null|\[object/);
  return true;
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assertPlainSentence(error);
    return error;
  }
  assert.fail("decoding succeeded");
}

test("lists the transfer syntaxes it decodes, each with a name", () => {
  const uids = codecs.TRANSFER_SYNTAXES.map((s) => s.uid);
  for (const uid of [RLE, JPEG_BASELINE, JPEG_LOSSLESS_SV1, JPEG_LS, JPEG_2000]) {
    assert.ok(uids.includes(uid), uid);
  }
  for (const { uid, name } of codecs.TRANSFER_SYNTAXES) {
    assert.match(uid, /^1\.2\.840\.10008\.1\.2\.[\d.]+$/);
    assert.ok(name.length > 0, uid);
  }
});

test("every lossless frame decodes to exactly the samples its reference holds", async () => {
  const compared = [];
  for (const c of cases.filter((c) => c.reference !== null && decodable(c))) {
    const { pixels } = await codecs.decodeFrame(c.uid, one(c.name).bytes, c.info);
    const expected = new Uint8Array(readFileSync(c.reference));
    const got = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
    assert.equal(pixels.length, c.info.rows * c.info.columns * c.info.samplesPerPixel, c.name);
    const signed = c.info.pixelRepresentation === 1;
    const kind = c.info.bitsAllocated === 8 ? "Uint8" : signed ? "Int16" : "Uint16";
    assert.equal(pixels.constructor.name, `${kind}Array`, c.name);
    assert.ok(Buffer.from(got).equals(Buffer.from(expected)), `${c.name} differs`);
    compared.push(c.name);
  }
  // Every syntax of every library is covered: RLE (8/16-bit, grey/colour), JPEG lossless
  // (both UIDs), JPEG-LS (lossless, near-lossless, each interleave mode), JPEG 2000.
  const syntaxes = new Set(cases.filter((c) => compared.includes(c.name)).map((c) => c.uid));
  const expected = [RLE, JPEG_LOSSLESS, JPEG_LOSSLESS_SV1, JPEG_LS, JPEG_LS_NEAR, JPEG_2000];
  assert.deepEqual([...syntaxes].sort(), expected.sort());
  assert.ok(compared.length >= 30, compared.join(" "));
});

// pydicom's frame whose JPEG 2000 header was overwritten to hold a DICOM delimiter's
// bytes: its codestream declares an image 3,722,445,056 samples wide.
const OVERWRITTEN = "JPEG2000-embedded-sequence-delimiter.dcm";

test("every other frame of a decodable kind decodes to the size its header declares", async () => {
  const others = cases.filter((c) => c.reference === null && decodable(c));
  for (const c of others.filter((c) => c.name !== OVERWRITTEN)) {
    const { pixels, photometric } = await codecs.decodeFrame(c.uid, one(c.name).bytes, c.info);
    assert.equal(pixels.length, c.info.rows * c.info.columns * c.info.samplesPerPixel, c.name);
    const transformed = ["YBR_RCT", "YBR_ICT"].includes(c.info.photometric);
    assert.equal(photometric, transformed ? "RGB" : c.info.photometric, c.name);
  }
});

test("a JPEG 2000 header declaring an absurd width is reported as damaged", async () => {
  const c = one(OVERWRITTEN);
  const error = await rejection(codecs.decodeFrame(c.uid, c.bytes, c.info));
  assert.notEqual(error.unsupported, true);
});

test("JPEG 2000 colour comes back as RGB, its colour transform undone", async () => {
  const c = one("examples_jpeg2k.dcm");
  assert.equal(c.info.photometric, "YBR_RCT");
  const { pixels, photometric } = await codecs.decodeFrame(c.uid, c.bytes, c.info);
  assert.equal(photometric, "RGB");
  // The transform's chroma planes centre on zero; undone, the three channels of this
  // photograph share their means within a fraction of the range.
  const means = [0, 0, 0];
  pixels.forEach((value, i) => {
    means[i % 3] += value / (pixels.length / 3);
  });
  assert.ok(Math.max(...means) - Math.min(...means) < 64, means.join(" "));
});

test("a JPEG 2000 frame stored as a JP2 file decodes like its bare codestream", async () => {
  const c = one("MR_small_jp2klossless.dcm");
  const box = (type, body) => {
    const bytes = new Uint8Array(8 + body.length);
    new DataView(bytes.buffer).setUint32(0, bytes.length);
    bytes.set(Buffer.from(type, "latin1"), 4);
    bytes.set(body, 8);
    return bytes;
  };
  const jp2 = Buffer.concat([
    box("jP  ", Uint8Array.of(0x0d, 0x0a, 0x87, 0x0a)),
    box("ftyp", Buffer.from("jp2 \0\0\0\0jp2 ", "latin1")),
    box("jp2c", c.bytes),
  ]);
  const bare = await codecs.decodeFrame(c.uid, c.bytes, c.info);
  const wrapped = await codecs.decodeFrame(c.uid, new Uint8Array(jp2), c.info);
  assert.deepEqual(wrapped.pixels, bare.pixels);
});

test("12-bit lossy JPEG is reported as unsupported, naming its depth", async () => {
  const c = one("JPGExtended.dcm");
  const error = await rejection(codecs.decodeFrame(c.uid, c.bytes, c.info));
  assert.equal(error.unsupported, true);
  assert.match(error.message, /12-bit lossy JPEG/);
});

test("8-bit JPEG is unsupported where there is no browser decoder", async () => {
  const c = one("SC_rgb_jpeg_dcmtk.dcm");
  const error = await rejection(codecs.decodeFrame(c.uid, c.bytes, c.info));
  assert.equal(error.unsupported, true);
});

test("a syntax or depth it cannot decode is unsupported, not damaged", async () => {
  const mr = one("MR_small_RLE.dcm");
  const mpeg = await rejection(codecs.decodeFrame("1.2.840.10008.1.2.4.100", mr.bytes, mr.info));
  assert.equal(mpeg.unsupported, true);
  const dose = one("rtdose_rle_1frame.dcm");
  const deep = await rejection(codecs.decodeFrame(dose.uid, dose.bytes, dose.info));
  assert.equal(deep.unsupported, true);
  assert.match(deep.message, /32-bit/);
});

test("a frame too large to allocate is refused before decoding", async () => {
  const mr = one("MR_small_RLE.dcm");
  const started = performance.now();
  const huge = { ...mr.info, rows: 65535, columns: 65535 };
  const error = await rejection(codecs.decodeFrame(mr.uid, mr.bytes, huge));
  assert.equal(error.unsupported, true);
  assert.ok(performance.now() - started < 1000);
});

// A decoder that loops on damaged data fails here instead of hanging the test run.
const QUICK = { timeout: 10000 };
const SLOW = { timeout: 60000 };

// Damaged frames: each must reject with a sentence, quickly, and not as "unsupported".
const DAMAGES = {
  "cut in half": (bytes) => bytes.slice(0, bytes.length >> 1),
  "cut to a few bytes": (bytes) => bytes.slice(0, 3),
  "empty": () => new Uint8Array(0),
  "random bytes": (bytes) => Uint8Array.from(bytes, (_, i) => (i * 2654435761) >>> 24),
};

const DAMAGED = [
  "MR_small_RLE.dcm",
  "SC_rgb_rle_16bit.dcm",
  "MR_small_jpeg_ls_lossless.dcm",
  "examples_rgb_color-jpeg-ls-planes.dcm",
  "MR_small_jp2klossless.dcm",
  "CT_small-jpeg-lossless-sv1.dcm",
  "examples_rgb_color-jpeg-lossless.dcm",
];

for (const name of DAMAGED) {
  for (const [damage, apply] of Object.entries(DAMAGES)) {
    test(`${name} ${damage} is reported as damaged`, QUICK, async () => {
      const c = one(name);
      const error = await rejection(codecs.decodeFrame(c.uid, apply(c.bytes), c.info));
      assert.notEqual(error.unsupported, true);
    });
  }
  test(`${name} in another size than its header's is reported as damaged`, QUICK, async () => {
    const c = one(name);
    const { rows, columns, samplesPerPixel } = c.info;
    const others = [
      { rows: rows + 1 },
      { columns: columns - 1 },
      { samplesPerPixel: 4 - samplesPerPixel },
    ];
    for (const other of others) {
      const info = { ...c.info, ...other };
      await rejection(codecs.decodeFrame(c.uid, c.bytes, info));
    }
  });
}

test("an RLE header whose offsets point past the end is reported as damaged", async () => {
  const c = one("SC_rgb_rle.dcm");
  const bytes = c.bytes.slice();
  new DataView(bytes.buffer).setUint32(8, bytes.length + 100, true);
  const error = await rejection(codecs.decodeFrame(c.uid, bytes, c.info));
  assert.match(error.message, /past its own end/);
});

test("an RLE header with the wrong number of segments is reported as damaged", async () => {
  const c = one("SC_rgb_rle.dcm");
  const bytes = c.bytes.slice();
  new DataView(bytes.buffer).setUint32(0, 15, true);
  await rejection(codecs.decodeFrame(c.uid, bytes, c.info));
});

test("flipped bits inside a compressed stream never hang a decoder", SLOW, async () => {
  const streams = [
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_jp2klossless.dcm",
    "CT_small-jpeg-lossless.dcm",
    "MR_small_RLE.dcm",
  ];
  for (const name of streams) {
    const c = one(name);
    for (let k = 1; k <= 8; k += 1) {
      const bytes = c.bytes.slice();
      for (let i = 200 + k; i < bytes.length - 4; i += 97 * k) {
        bytes[i] ^= 0x5a;
      }
      try {
        const { pixels } = await codecs.decodeFrame(c.uid, bytes, c.info);
        assert.equal(pixels.length, c.info.rows * c.info.columns);
      } catch (error) {
        assertPlainSentence(error);
      }
    }
  }
});

test("a frame decodes correctly after a damaged one failed in the same codec", async () => {
  for (const name of ["MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm"]) {
    const c = one(name);
    const before = await codecs.decodeFrame(c.uid, c.bytes, c.info);
    await rejection(codecs.decodeFrame(c.uid, DAMAGES["random bytes"](c.bytes), c.info));
    const bytes = c.bytes.slice();
    bytes.fill(0x33, 100, bytes.length - 8);
    await codecs.decodeFrame(c.uid, bytes, c.info).catch(assertPlainSentence);
    const after = await codecs.decodeFrame(c.uid, c.bytes, c.info);
    assert.deepEqual(after.pixels, before.pixels, name);
  }
});

test("a 512x512 16-bit frame decodes in well under a second", async (t) => {
  const frames = [
    "CT_512-jpeg-ls.dcm",
    "CT_512-jpeg-lossless-sv1.dcm",
    "CT_512-rle.dcm",
    "J2K_pixelrep_mismatch.dcm",
  ];
  for (const name of frames) {
    const c = one(name);
    assert.equal(c.info.rows * c.info.columns, 512 * 512);
    await codecs.decodeFrame(c.uid, c.bytes, c.info);
    const started = performance.now();
    await codecs.decodeFrame(c.uid, c.bytes, c.info);
    const took = performance.now() - started;
    t.diagnostic(`${name}: ${took.toFixed(1)} ms`);
    assert.ok(took < 1000, `${name} took ${took} ms`);
  }
});
