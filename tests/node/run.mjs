// orthoshare.browser under Node: the page's Python code, in the page's Pyodide, with the
// page's crypto module, driven the way the worker drives it.
//
//   node tests/node/run.mjs [--crypto FILE] [--exchange DIR]
//
// 1. Boots Pyodide from node_modules/pyodide and copies the package (py/orthoshare) into
//    Pyodide's file system. Copying, rather than building a wheel and loadPackage()-ing it,
//    tests exactly the working tree, needs no build step (a setuptools build would write
//    build/ and *.egg-info into py/) and takes milliseconds. The wheel itself is the page
//    build's business, tested with the page.
// 2. Imports the crypto module: --crypto FILE (e.g. a built dist/web/crypto.js), else the
//    source web/crypto.js (Node resolves its imports from node_modules), and calls
//    orthoshare.browser.boot() with it.
// 3. Runs every C2SP CCTV vector (build/cctv, written by tests/tools/dump_cctv.mjs) through
//    the age layer on that backend. The post-quantum vectors need ML-KEM-768, which the JS
//    backend lacks: they must be refused with a KeyFormatError saying so, counted apart.
// 4. seal -> inspect -> open_ round trips through the browser API with File-like objects
//    backed by Buffers (passphrase at the default work factor 18; X25519 keys, armored),
//    comparing every file's bytes at the offsets open_ returns, sliced from the Blob it
//    returns as the page slices it.
// 5. The error dicts for expected failures: wrong passphrase or key, truncated, not age,
//    not a bundle, bad requests, unreadable inputs.
// 6. With --exchange DIR (used by test_pyodide_node.py): opens DIR/cpython.zip.age, sealed
//    by CPython, and leaves files sealed here for CPython to open.
//
// Prints one line per check and a summary; exits 1 if anything failed.

import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// dist/web/crypto.js and web/crypto.js are ES modules in a package without "type":
// Node detects that and says so on every import; nothing to act on here.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.code !== "MODULE_TYPELESS_PACKAGE_JSON") console.warn(warning);
});

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MiB = 1 << 20;

function option(name) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

// --- a tiny harness ----------------------------------------------------------------------

const results = [];

async function test(name, body) {
  const started = performance.now();
  try {
    const note = await body();
    const ms = performance.now() - started;
    results.push({ name, ok: true, ms });
    console.log(`ok    ${name} (${(ms / 1000).toFixed(2)} s)${note ? ` — ${note}` : ""}`);
  } catch (error) {
    results.push({ name, ok: false, ms: performance.now() - started });
    console.log(`FAIL  ${name}\n      ${String(error?.stack ?? error).replaceAll("\n", "\n      ")}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function equalBytes(a, b) {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b)) === 0;
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

// --- Pyodide, the package, the crypto module ---------------------------------------------

async function bootPyodide() {
  const { loadPyodide } = await import(
    pathToFileURL(join(ROOT, "node_modules/pyodide/pyodide.mjs")).href
  );
  const pyodide = await loadPyodide({ indexURL: join(ROOT, "node_modules/pyodide/") });
  check(existsSync(join(ROOT, "py/orthoshare/__init__.py")), "py/orthoshare is missing");
  copyTree(pyodide, join(ROOT, "py/orthoshare"), "/orthoshare/py/orthoshare");
  // pydicom (pure Python) from the venv scripts/install made, as the page loads its wheel;
  // its test files are not needed here.
  copyTree(pyodide, venvPackage("pydicom"), "/orthoshare/py/pydicom", ["test_files"]);
  const metadata = venvPackage((name) => name.startsWith("pydicom-") && name.endsWith(".dist-info"));
  copyTree(pyodide, metadata, `/orthoshare/py/${basename(metadata)}`); // pydicom reads its version
  pyodide.FS.mkdirTree("/orthoshare/tests");
  pyodide.FS.writeFile(
    "/orthoshare/tests/pyodide_checks.py",
    readFileSync(join(ROOT, "tests/node/pyodide_checks.py")),
  );
  const sys = pyodide.pyimport("sys");
  sys.path.insert(0, "/orthoshare/py");
  sys.path.insert(0, "/orthoshare/tests");
  sys.destroy();
  return pyodide;
}

// The folder in .venv's site-packages named `name` (or the first whose name passes it).
function venvPackage(name) {
  const lib = join(ROOT, ".venv", "lib");
  const python = readdirSync(lib).find((entry) => entry.startsWith("python"));
  const sitePackages = join(lib, python ?? "python3", "site-packages");
  const found = readdirSync(sitePackages).find((entry) =>
    typeof name === "function" ? name(entry) : entry === name,
  );
  check(found !== undefined, `${name} is not in .venv: run scripts/install (scripts/test does)`);
  return join(sitePackages, found);
}

function copyTree(pyodide, hostDir, fsDir, skip = []) {
  pyodide.FS.mkdirTree(fsDir);
  for (const entry of readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || skip.includes(entry.name)) continue;
    const host = join(hostDir, entry.name);
    if (entry.isDirectory()) copyTree(pyodide, host, `${fsDir}/${entry.name}`, skip);
    else if (entry.isFile() && !entry.name.endsWith(".pyc")) {
      pyodide.FS.writeFile(`${fsDir}/${entry.name}`, readFileSync(host));
    }
  }
}

function cryptoModulePath() {
  const given = option("--crypto");
  if (given) return resolve(given);
  return join(ROOT, "web", "crypto.js");
}

async function importCrypto(path) {
  const crypto = await import(pathToFileURL(path).href);
  await crypto.ready(); // libsodium compiles its wasm
  return crypto;
}

// Python results are PyProxies of dicts and lists: convert as the worker does, then free.
function js(proxy) {
  if (!proxy?.toJs) return proxy;
  const value = proxy.toJs({ dict_converter: Object.fromEntries });
  proxy.destroy();
  return value;
}

// --- File-like objects and read_slice ----------------------------------------------------

class FakeFile {
  constructor(name, data, webkitRelativePath = "") {
    this.name = name;
    this.size = data.length;
    this.webkitRelativePath = webkitRelativePath;
    this.data = data;
  }
}

// What readSlice was asked for: calls, the largest slice, and calls per File or Blob.
const reads = { calls: 0, largest: 0, of: new Map() };

function readSlice(file, start, end) {
  reads.calls += 1;
  reads.largest = Math.max(reads.largest, end - start);
  reads.of.set(file, (reads.of.get(file) ?? 0) + 1);
  if (file.unreadable) throw new DOMException("the file changed", "NotReadableError");
  return plainBytes(file.data.subarray(start, end));
}

// Pyodide converts typed arrays by constructor name and knows no Buffer: pass plain views.
function plainBytes(buffer) {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

// open_ spools the decrypted ZIP into Blobs and reads it back with read_slice. The worker
// reads a Blob synchronously with FileReaderSync; Node can read one only asynchronously
// (blob.arrayBuffer()), which Python cannot wait for. So here open_ gets this makeBlob:
// its Blobs are real ones, which the checks slice and read as the page does, that also
// hold their bytes in `data`, which readSlice reads (as for a FakeFile). `parts` counts
// what each was made of.
class HeldBlob extends Blob {
  constructor(parts) {
    super(parts);
    this.parts = parts.length;
    this.data = Buffer.concat(parts.map((part) => (part instanceof HeldBlob ? part.data : part)));
  }
}

const makeBlob = (parts) => new HeldBlob(parts);

async function blobBytes(blob, start = 0, end = blob.size) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

function sampleFiles() {
  const count = 3;
  const stl = Buffer.alloc(84 + 50 * count);
  stl.write("solid exported by a scanner", 0);
  stl.writeUInt32LE(count, 80);
  return [
    new FakeFile("smile.jpg", Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(200_000)])),
    new FakeFile("referral.pdf", Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(5_000)])),
    new FakeFile("jaw.stl", stl, "scans/upper/jaw.stl"),
    // Large enough for many 1 MiB slices and 64 KiB chunks, not a multiple of either.
    new FakeFile("cbct.bin", randomBytes(16 * MiB + 12_345)),
    new FakeFile("empty.txt", Buffer.alloc(0)),
  ];
}

const DETAILS = {
  patient: { name: "Test Patient", id: "P-0001", birth_date: "2010-05-17", sex: "F" },
  sender: { name: "Dr Sender", organization: "Ortho Clinic", contact: "sender@example.org" },
  recipient: { name: "Dr Surgeon" },
  note: "Pre-surgical records",
  consent: "verbal, recorded in chart",
  deidentified: false,
};

function sealWith(browser, files, request, writeChunk, progress) {
  return js(browser.seal(files, JSON.stringify(request), readSlice, writeChunk, progress));
}

// Seals and returns {result, sealed (Buffer), chunks (lengths), steps (progress calls)}.
function sealToBuffer(browser, files, request) {
  const chunks = [];
  const steps = [];
  const result = sealWith(browser, files, request, (chunk) => chunks.push(chunk), (...a) => steps.push(a));
  return { result, chunks, steps, sealed: Buffer.concat(chunks) };
}

function openSealed(browser, name, sealed, request, progress) {
  const file = new FakeFile(name, sealed);
  return js(browser.open_(file, JSON.stringify(request), readSlice, progress, makeBlob));
}

const isOriginal = (entry) => entry.path.startsWith("ORIGINAL/");

// Every file's bytes at the offsets open_ returned, against the originals and the manifest.
async function checkOpened(opened, files) {
  check(!opened.error, `open_ failed: ${JSON.stringify(opened.error)}`);
  check(opened.bundle instanceof Blob, "bundle is not a Blob");
  const { manifest, bundle, entries } = opened;
  // DICOM objects made from the originals come as extra entries under DICOM/.
  const originals = manifest.entries.filter((entry) => isOriginal(entry));
  check(originals.length === files.length, `${originals.length} originals for ${files.length} files`);
  const byName = new Map(files.map((f) => [f.webkitRelativePath || f.name, f]));
  for (const [i, entry] of manifest.entries.entries()) {
    const given = entries[i];
    check(given.path === entry.path && given.size === entry.size, `entry ${i} differs from the manifest`);
    check(given.kind === entry.kind && given.media_type === entry.media_type, `entry ${i} kind/type`);
    const bytes = await blobBytes(bundle, given.offset, given.offset + given.size);
    check(sha256(bytes) === entry.sha256, `${entry.path}: sha256 differs from the manifest`);
    if (!isOriginal(entry)) continue;
    const original = byName.get(entry.original_name);
    check(original, `no input named ${entry.original_name}`);
    check(equalBytes(bytes, original.data), `${entry.path}: bytes at the offset differ`);
  }
  const cover = await blobBytes(bundle, opened.cover.offset, opened.cover.offset + opened.cover.size);
  check(sha256(cover) === manifest.cover.sha256, "the cover sheet at its offset differs");
  check(Buffer.from(cover).toString("utf8").includes("<html"), "the cover sheet is not HTML");
  // The ZIP ends with its end-of-central-directory record.
  const tail = Buffer.from(await blobBytes(bundle, bundle.size - 22, bundle.size - 18));
  check(tail.equals(Buffer.from("PK\x05\x06", "latin1")), "the bundle does not end like a ZIP");
}

function expectError(result, kind, what) {
  check(result?.error, `${what}: expected ${kind}, got success`);
  check(result.error.kind === kind, `${what}: expected ${kind}, got ${result.error.kind}: ${result.error.message}`);
  check(typeof result.error.message === "string" && result.error.message, `${what}: no message`);
  check(typeof result.error.hint === "string", `${what}: no hint`);
  return result.error;
}

// --- the checks --------------------------------------------------------------------------

async function main() {
  const started = performance.now();
  const cryptoPath = cryptoModulePath();
  const crypto = await importCrypto(cryptoPath);
  const pyodide = await bootPyodide();
  const bootSeconds = (performance.now() - started) / 1000;
  const browser = pyodide.pyimport("orthoshare.browser");
  const checks = pyodide.pyimport("pyodide_checks");
  const info = js(browser.boot(crypto));
  console.log(
    `orthoshare ${info.version} on Python ${info.python} in Pyodide ${pyodide.version}, ` +
      `backend ${info.backend} from ${relative(ROOT, cryptoPath)}; ready in ${bootSeconds.toFixed(1)} s`,
  );

  const cctv = { pass: 0, hybridRefused: 0, fail: [] };
  await test("CCTV vectors with the JS backend", () => {
    const dir = join(ROOT, "build/cctv");
    check(
      existsSync(dir) && readdirSync(dir).length,
      "no CCTV vectors in build/cctv: run `node tests/tools/dump_cctv.mjs build/cctv` (scripts/test does)",
    );
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const { result, detail } = js(checks.check(plainBytes(readFileSync(join(dir, name)))));
      if (result === "pass") cctv.pass += 1;
      else if (result === "hybrid-refused") cctv.hybridRefused += 1;
      else cctv.fail.push(`${name}: ${detail}`);
    }
    check(cctv.fail.length === 0, `failed:\n${cctv.fail.join("\n")}`);
    check(names.length === 143, `${names.length} vectors, not 143`);
    check(cctv.hybridRefused === 19, `${cctv.hybridRefused} post-quantum vectors refused, not 19`);
    return `${cctv.pass} passed, ${cctv.hybridRefused} post-quantum refused (no ML-KEM), of ${names.length}`;
  });

  const files = sampleFiles();
  const passphrase = js(browser.generate_passphrase()).passphrase;
  let byPassphrase;
  const totalInput = files.reduce((sum, f) => sum + f.size, 0);

  await test("describe sniffs kinds from content", () => {
    const described = js(browser.describe(files, readSlice));
    const kinds = described.map((d) => d.kind).join(",");
    check(kinds === "photo,document,scan,other,other", `kinds ${kinds}`);
    check(described[2].path === "scans/upper/jaw.stl" && described[2].name === "jaw.stl", "folder path");
    check(described[0].media_type === "image/jpeg" && described[0].format === "jpeg", "jpeg");
    check(described[3].size === files[3].size, "size");
  });

  await test("describe reads what DICOM files say; patients prefills and finds conflicts", () => {
    const shipped = join(venvPackage("pydicom"), "data", "test_files");
    const dicom = ["CT_small.dcm", "MR_small.dcm"].map((name) => new FakeFile(name, readFileSync(join(shipped, name))));
    const truncated = new FakeFile("cut.dcm", dicom[0].data.subarray(0, 1000));
    const described = js(browser.describe([...dicom, truncated], readSlice));
    const [ct, mr, cut] = described;
    check(ct.kind === "dicom" && ct.dicom.modality === "CT" && ct.dicom.patient_name_dicom === "CompressedSamples^CT1", `CT ${JSON.stringify(ct.dicom)}`);
    check(ct.dicom.study_date === "2004-01-19" && ct.dicom.patient_id === "1CT1", `CT study ${JSON.stringify(ct.dicom)}`);
    check(mr.dicom.modality === "MR" && !mr.error, `MR ${JSON.stringify(mr)}`);
    check(cut.error?.kind === "InputError" && !cut.dicom, `truncated DICOM: ${JSON.stringify(cut)}`);
    const found = (items) => items.map((d) => ({ path: d.path, dicom: d.dicom }));
    const blank = { name: "", id: "", birth_date: "", sex: "" };
    const one = js(browser.patients(JSON.stringify({ found: found([ct]), entered: blank })));
    check(one.suggested.id === "1CT1" && one.suggested.name === "CT1 CompressedSamples", `suggested ${JSON.stringify(one)}`);
    check(one.conflicts.length === 0, `conflicts ${one.conflicts}`);
    const two = js(browser.patients(JSON.stringify({ found: found([ct, mr]), entered: blank })));
    check(two.suggested === undefined && two.conflicts.length > 0, `two patients ${JSON.stringify(two)}`);
    const other = js(browser.patients(JSON.stringify({ found: found([ct]), entered: { ...blank, id: "P-9" } })));
    check(other.conflicts.some((text) => text.includes("P-9")), `entered patient ${JSON.stringify(other)}`);
    expectError(js(browser.patients(JSON.stringify({ found: [{ path: "x", dicom: { colour: "red" } }] }))), "RequestError", "bad identity");
  });

  await test("views lists the 73 photo and 9 3-D ADA-1100 views", () => {
    const views = js(browser.views());
    check(views.filter((v) => v.kind === "photo").length === 73, "photo views");
    check(views.filter((v) => v.kind === "3d").length === 9, "3-D views");
    check(views[0].code === "EV01" && views[0].meaning.length > 0, `first ${JSON.stringify(views[0])}`);
  });

  await test("seal with a passphrase (work factor 18)", () => {
    reads.calls = 0;
    reads.largest = 0;
    const t0 = performance.now();
    const request = {
      details: DETAILS,
      annotations: [{ label: "Frontal smile", view: "EV01", kind: null }, null, { kind: "scan" }, null, null],
      passphrase,
      recipients: [],
      armor: false,
    };
    byPassphrase = sealToBuffer(browser, files, request);
    const seconds = (performance.now() - t0) / 1000;
    const { result, chunks, steps, sealed } = byPassphrase;
    check(!result.error, JSON.stringify(result.error));
    check(/^orthoshare-\d{8}-[A-Z2-9]{6}\.zip\.age$/.test(result.name), `name ${result.name}`);
    check(result.size === sealed.length, "size differs from the bytes written");
    check(chunks.slice(0, -1).every((c) => c.length >= MiB), "a chunk before the last is under 1 MiB");
    check(chunks.every((c) => c instanceof Uint8Array), "chunks are not Uint8Array");
    check(reads.largest <= 8 * MiB, `a slice of ${reads.largest} bytes`);
    const sealing = steps.filter((step) => step[0] === "sealing").at(-1);
    check(sealing[1] === totalInput && sealing[2] === totalInput, `sealing progress ${sealing}`);
    // The photo, the letter and the scan become DICOM objects, written after every input.
    const last = steps.at(-1);
    check(last[0] === "making DICOM objects" && last[1] === last[2] && last[2] > 0, `progress ${last}`);
    check(steps.length < 200, `${steps.length} progress calls (throttled?)`);
    const m = result.manifest;
    check(m.patient.name === "Test Patient", "patient");
    check(m.entries.filter((entry) => isOriginal(entry)).length === files.length, "originals");
    check(m.entries[0].view === "EV01" && m.entries[0].label === "Frontal smile", "annotation");
    return `${(sealed.length / 1e6).toFixed(1)} MB in ${chunks.length} chunks, ${reads.calls} slices, ` +
      `${(totalInput / 1e6 / seconds).toFixed(0)} MB/s including scrypt`;
  });

  await test("inspect a passphrase file", () => {
    const about = js(browser.inspect(new FakeFile("x.zip.age", byPassphrase.sealed), readSlice));
    check(!about.error, JSON.stringify(about.error));
    check(about.needs === "passphrase" && about.armored === false, JSON.stringify(about));
    check(about.recipients.length === 1 && about.recipients[0].includes("work factor 18"), about.recipients);
  });

  await test("open with the passphrase: bytes equal at the entry offsets", async () => {
    const steps = [];
    const t0 = performance.now();
    const opened = openSealed(browser, "x.zip.age", byPassphrase.sealed, { passphrase }, (...a) => steps.push(a));
    const seconds = (performance.now() - t0) / 1000;
    await checkOpened(opened, files);
    const decrypting = steps.filter((s) => s[0] === "decrypting").at(-1);
    const verifying = steps.filter((s) => s[0] === "verifying").at(-1);
    check(decrypting && decrypting[1] === decrypting[2], `decrypting progress ${decrypting}`);
    check(verifying && verifying[1] === verifying[2], `verifying progress ${verifying}`);
    check(steps.findIndex((s) => s[0] === "verifying") > steps.findIndex((s) => s[0] === "decrypting"), "order");
    return `${(byPassphrase.sealed.length / 1e6 / seconds).toFixed(0)} MB/s including scrypt`;
  });

  const alice = js(browser.keygen());
  const bob = js(browser.keygen());
  let byKey;
  await test("keygen and parse_recipient", () => {
    check(alice.identity_file.includes("AGE-SECRET-KEY-1"), "identity file");
    check(alice.identity_file.includes(`# public key: ${alice.public_key}`), "public key comment");
    check(/^age1[02-9ac-hj-np-z]{58}$/.test(alice.public_key), alice.public_key);
    check(js(browser.parse_recipient(` ${alice.public_key}\n`)).ok === true, "a valid key");
    expectError(js(browser.parse_recipient(alice.public_key.slice(0, -1))), "KeyFormatError", "cut key");
    expectError(js(browser.parse_recipient("AGE-SECRET-KEY-1")), "KeyFormatError", "a secret key");
  });

  await test("seal to two X25519 keys, armored; inspect; open with each", async () => {
    const request = { details: DETAILS, annotations: null, passphrase: null, recipients: [alice.public_key, bob.public_key], armor: true };
    byKey = sealToBuffer(browser, files.slice(0, 3), request);
    check(!byKey.result.error, JSON.stringify(byKey.result.error));
    check(byKey.sealed.subarray(0, 34).toString() === "-----BEGIN AGE ENCRYPTED FILE-----", "armor");
    const about = js(browser.inspect(new FakeFile("k.zip.age", byKey.sealed), readSlice));
    check(about.needs === "key" && about.armored === true && about.recipients.length === 2, JSON.stringify(about));
    await checkOpened(openSealed(browser, "k.zip.age", byKey.sealed, { identities: alice.identity_file }), files.slice(0, 3));
    await checkOpened(openSealed(browser, "k.zip.age", byKey.sealed, { identities: bob.identity_file }), files.slice(0, 3));
  });

  await test("seal DICOM inputs, each read once, and open them, the ZIP read back once", async () => {
    const shipped = join(venvPackage("pydicom"), "data", "test_files");
    const [ct, mr] = ["CT_small.dcm", "MR_small.dcm"].map((name) => new FakeFile(name, readFileSync(join(shipped, name))));
    reads.of.clear();
    const request = { recipients: [alice.public_key], allow_mixed_patients: true };
    const { result, sealed } = sealToBuffer(browser, [ct, mr], request);
    check(!result.error, JSON.stringify(result.error));
    // Sniffing, the header (patient check, directory records) and storing: one slice each.
    check(reads.of.get(ct) === 1 && reads.of.get(mr) === 1, `slices read: CT ${reads.of.get(ct)}, MR ${reads.of.get(mr)}`);
    reads.of.clear();
    const opened = openSealed(browser, "d.zip.age", sealed, { identities: alice.identity_file });
    check(!opened.error, JSON.stringify(opened.error));
    // The decrypted ZIP (one block) is read once: verifying it also finds every file's offset.
    const spoolReads = [...reads.of].filter(([blob]) => !(blob instanceof FakeFile)).map(([, calls]) => calls);
    check(spoolReads.length === 1 && spoolReads[0] === 1, `the decrypted ZIP was read in ${spoolReads} slices`);
    const at = opened.manifest.entries.findIndex((entry) => entry.original_name === ct.name);
    check(at >= 0 && opened.entries[at].path.startsWith("DICOM/"), `no DICOM entry for ${ct.name}`);
    const { offset, size } = opened.entries[at];
    check(equalBytes(await blobBytes(opened.bundle, offset, offset + size), ct.data), "the DICOM input differs");
  });

  await test("throughput: 16 MiB sealed to a key and opened", async () => {
    const big = [files[3]];
    let t0 = performance.now();
    const { result, sealed } = sealToBuffer(browser, big, { recipients: [alice.public_key] });
    const sealSeconds = (performance.now() - t0) / 1000;
    check(!result.error, JSON.stringify(result.error));
    t0 = performance.now();
    const opened = openSealed(browser, "big.zip.age", sealed, { identities: alice.identity_file });
    const openSeconds = (performance.now() - t0) / 1000;
    await checkOpened(opened, big);
    const mb = big[0].size / 1e6;
    return `seal ${(mb / sealSeconds).toFixed(0)} MB/s, open (decrypt + verify) ${(mb / openSeconds).toFixed(0)} MB/s`;
  });

  await test("errors: wrong passphrase, wrong key, key vs passphrase", () => {
    const wrong = expectError(
      openSealed(browser, "x", byPassphrase.sealed, { passphrase: `${passphrase}x` }),
      "WrongPassphraseError",
      "wrong passphrase",
    );
    check(wrong.hint.includes("passphrase"), `hint: ${wrong.hint}`);
    const carol = js(browser.keygen());
    expectError(openSealed(browser, "k", byKey.sealed, { identities: carol.identity_file }), "NoIdentityMatchError", "wrong key");
    expectError(openSealed(browser, "k", byKey.sealed, { passphrase }), "NoIdentityMatchError", "passphrase for a key file");
    expectError(openSealed(browser, "x", byPassphrase.sealed, { identities: alice.identity_file }), "NoIdentityMatchError", "key for a passphrase file");
    expectError(openSealed(browser, "k", byKey.sealed, { identities: "AGE-SECRET-KEY-1XYZ" }), "KeyFormatError", "bad identity file");
    expectError(openSealed(browser, "k", byKey.sealed, {}), "NoIdentityMatchError", "nothing given");
  });

  await test("errors: truncated, altered, not age, not a bundle", () => {
    const sealed = byKey.sealed;
    const binary = sealToBuffer(browser, files.slice(0, 2), { recipients: [alice.public_key] }).sealed;
    const key = { identities: alice.identity_file };
    expectError(openSealed(browser, "t", binary.subarray(0, binary.length - 17), key), "PayloadError", "truncated payload");
    expectError(openSealed(browser, "t", binary.subarray(0, 40), key), "HeaderError", "truncated header");
    const altered = Buffer.from(binary);
    altered[altered.length - 100] ^= 1;
    const damaged = expectError(openSealed(browser, "a", altered, key), "PayloadError", "altered payload");
    check(damaged.hint.includes("send it again"), damaged.hint);
    const armoredCut = Buffer.from(sealed.toString().replace(/\n(.{10})/, "\n$1\n"));
    expectError(openSealed(browser, "a", armoredCut, key), "ArmorError", "re-wrapped armor");
    const pdf = files[1].data;
    expectError(openSealed(browser, "p", pdf, key), "HeaderError", "a PDF");
    expectError(js(browser.inspect(new FakeFile("p.pdf", pdf), readSlice)), "HeaderError", "inspect a PDF");
    expectError(openSealed(browser, "e", Buffer.alloc(0), key), "HeaderError", "an empty file");
    const notBundle = js(checks.encrypt_for(plainBytes(randomBytes(1000)), alice.public_key));
    check(notBundle instanceof Uint8Array, "encrypt_for did not give bytes");
    const manifest = expectError(openSealed(browser, "n", Buffer.from(notBundle), key), "ManifestError", "not a bundle");
    check(manifest.hint.includes("seal the records again"), manifest.hint);
  });

  await test("errors: bad seal requests write nothing", () => {
    const cases = [
      [{ recipients: [] }, "KeyFormatError", "no recipients"],
      [{ passphrase, recipients: [alice.public_key] }, "KeyFormatError", "passphrase and key"],
      [{ passphrase: "" }, "KeyFormatError", "empty passphrase"],
      [{ recipients: ["age1notakey"] }, "KeyFormatError", "bad key"],
      [{ recipients: [alice.public_key], annotations: [{ view: "XX99" }, null] }, "InputError", "bad view"],
      [{ recipients: [alice.public_key], annotations: [{ kind: "toy" }, null] }, "InputError", "bad kind"],
      [{ recipients: [alice.public_key], annotations: [null] }, "RequestError", "annotation count"],
      [{ recipients: [alice.public_key], details: { patient: { birth_date: "17/05/2010" } } }, "InputError", "bad date"],
      [{ recipients: [alice.public_key], details: { patient: { birthdate: "2010-05-17" } } }, "RequestError", "unknown key"],
      [{ recipients: [alice.public_key], armor: "yes" }, "RequestError", "armor not a bool"],
    ];
    for (const [request, kind, what] of cases) {
      const chunks = [];
      expectError(sealWith(browser, files.slice(0, 2), request, (c) => chunks.push(c)), kind, what);
      check(chunks.length === 0, `${what}: ${chunks.length} chunks written`);
    }
    const bad = js(browser.seal(files, "{not json", readSlice, () => {}, undefined));
    expectError(bad, "RequestError", "not JSON");
    expectError(sealWith(browser, [], { recipients: [alice.public_key] }, () => {}), "NoInputsError", "no files");
  });

  await test("errors: an input that cannot be read", () => {
    const gone = new FakeFile("moved.jpg", Buffer.alloc(5000, 1));
    gone.unreadable = true;
    const sealed = sealWith(browser, [files[1], gone], { recipients: [alice.public_key] }, () => {});
    const error = expectError(sealed, "InputError", "unreadable input");
    check(error.message.includes("moved.jpg"), error.message);
    const described = js(browser.describe([files[0], gone], readSlice));
    check(!described[0].error && described[1].error?.kind === "InputError", JSON.stringify(described));
    expectError(js(browser.inspect(gone, readSlice)), "InputError", "inspect unreadable");
    expectError(openSealed(browser, "x", byPassphrase.sealed, { passphrase: 1 }), "RequestError", "passphrase type");
  });

  await test("the Blob spool folds, seals, seeks and reads back", async () => {
    const cases = [
      [10, []],
      [1000, [1, 65536, 3]],
      [100_000, [65552, 65552, 7]],
      [MiB, [300_000, 900_000, 5, 5]],
      [4096, Array(50).fill(1000)],
      [4096, [4096, 4096, 0, 4096]],
    ];
    for (const [fold, sizes] of cases) {
      const what = `fold ${fold}, writes ${sizes}`;
      const pySizes = pyodide.toPy(sizes);
      const [problem, blob, digest] = js(checks.spool_round_trip(pySizes, fold, makeBlob, readSlice));
      pySizes.destroy();
      check(problem === "", `${what}: ${problem}`);
      // Every `fold` bytes became a Blob, and the Blob read back is made of those.
      const folded = Math.ceil(sizes.reduce((sum, size) => sum + size, 0) / fold);
      check(blob instanceof HeldBlob && blob.parts === folded, `${what}: made of ${blob.parts} Blobs, not ${folded}`);
      check(sha256(await blobBytes(blob)) === digest, `${what}: the Blob's bytes differ`);
    }
  });

  await test("passphrase helpers", () => {
    check(/^([a-z2-9]{5}-){4}[a-z2-9]{5}$/.test(passphrase), passphrase);
    const weak = js(browser.passphrase_strength("molar"));
    const strong = js(browser.passphrase_strength(passphrase));
    check(weak.verdict === "weak" && strong.verdict === "strong" && strong.bits > 100, JSON.stringify([weak, strong]));
  });

  const exchange = option("--exchange");
  if (exchange) {
    await test("exchange with CPython: open its file, seal files for it", async () => {
      const theirs = readFileSync(join(exchange, "cpython.zip.age"));
      const identities = readFileSync(join(exchange, "cpython-identity.txt"), "utf8");
      const expected = JSON.parse(readFileSync(join(exchange, "cpython-expected.json"), "utf8"));
      const opened = openSealed(browser, "cpython.zip.age", theirs, { identities });
      check(!opened.error, JSON.stringify(opened.error));
      const originals = opened.entries.filter((entry) => isOriginal(entry));
      for (const entry of originals) {
        const original = opened.manifest.entries.find((e) => e.path === entry.path).original_name;
        const bytes = await blobBytes(opened.bundle, entry.offset, entry.offset + entry.size);
        check(sha256(bytes) === expected[original], original);
      }
      check(originals.length === Object.keys(expected).length, "entry count");
      mkdirSync(exchange, { recursive: true });
      writeFileSync(join(exchange, "pyodide-passphrase.zip.age"), byPassphrase.sealed);
      writeFileSync(join(exchange, "pyodide-passphrase.txt"), passphrase);
      writeFileSync(join(exchange, "pyodide-key.zip.age"), byKey.sealed);
      writeFileSync(join(exchange, "pyodide-identity.txt"), alice.identity_file);
      const sums = Object.fromEntries(files.map((f) => [f.webkitRelativePath || f.name, sha256(f.data)]));
      writeFileSync(join(exchange, "pyodide-expected.json"), JSON.stringify(sums));
    });
  }

  browser.destroy();
  checks.destroy();
  const failed = results.filter((r) => !r.ok);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\n${results.length - failed.length} of ${results.length} checks passed in ${seconds.toFixed(1)} s; ` +
      `CCTV: ${cctv.pass} passed, ${cctv.hybridRefused} post-quantum refused, ${cctv.fail.length} failed`,
  );
  process.exitCode = failed.length ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
