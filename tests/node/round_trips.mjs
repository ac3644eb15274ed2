// seal -> inspect -> open_ round trips through the browser API, the spool open_ keeps the
// records in and reads back, and files exchanged with CPython.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { js, venvPackage } from "./boot.mjs";
import { checkOpened, DETAILS, expectError, isOriginal, openSealed, sealToBuffer } from "./bundles.mjs";
import { blobBytes, FakeFile, HeldRecords, MiB, readSlice, reads } from "./fake_files.mjs";
import { check, equalBytes, sha256, test } from "./harness.mjs";

/**
 * Seal the sample files with `passphrase`, inspect the sealed file and open it; return
 * what sealToBuffer gave.
 */
export async function checkPassphraseRoundTrip({ browser, files, passphrase }) {
  let byPassphrase;
  const totalInput = files.reduce((sum, f) => sum + f.size, 0);

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
    const { result, output, steps, sealed } = byPassphrase;
    check(!result.error, JSON.stringify(result.error));
    check(/^orthoshare-\d{8}-[A-Z2-9]{6}\.zip\.age$/.test(result.name), `name ${result.name}`);
    check(result.size === sealed.length, "size differs from the bytes written");
    // The header is appended once, before the payload; the payload goes to be sealed in
    // whole chunks, many a call, but for the final one.
    check(output.appends === 1, `the plain bytes came in ${output.appends} pieces`);
    check(output.sealings.slice(0, -1).every((n) => n > 0 && n % 65536 === 0), `sealed ${output.sealings}`);
    const payloadChunks = Math.ceil(output.sealings.reduce((sum, n) => sum + n, 0) / 65536);
    check(output.sealings.length * 4 < payloadChunks, `${output.sealings.length} calls for ${payloadChunks} chunks`);
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
    return `${(sealed.length / 1e6).toFixed(1)} MB, ${output.sealings.length} calls to seal, ${reads.calls} slices, ` +
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

  return byPassphrase;
}

/**
 * Make two keys (keygen, parse_recipient), seal to both and open with each, seal and
 * open DICOM inputs, and time 16 MiB; return the first key and what sealToBuffer gave
 * for both keys.
 */
export async function checkKeyRoundTrips({ browser, files }) {
  const alice = js(browser.keygen());
  const bob = js(browser.keygen());
  let byKey;
  await test("keygen and parse_recipient", () => {
    check(alice.identity_file.includes("AGE-SECRET-KEY-1"), "identity file");
    check(alice.identity_file.includes(`# public key: ${alice.public_key}`), "public key comment");
    check(/^age1[02-9ac-hj-np-z]{58}$/.test(alice.public_key), alice.public_key);
    const parsed = js(browser.parse_recipient(` ${alice.public_key}\n`));
    check(parsed.key === alice.public_key && /^([a-z]+ ){5}[a-z]+$/.test(parsed.check_words), JSON.stringify(parsed));
    expectError(js(browser.parse_recipient(alice.public_key.slice(0, -1))), "KeyFormatError", "cut key");
    expectError(js(browser.parse_recipient("AGE-SECRET-KEY-1")), "KeyFormatError", "a secret key");
  });

  await test("seal to two X25519 keys, armored; inspect; open with each", async () => {
    const request = { details: DETAILS, annotations: null, passphrase: null, recipients: [alice.public_key, bob.public_key], armor: true };
    byKey = sealToBuffer(browser, files.slice(0, 3), request);
    check(!byKey.result.error, JSON.stringify(byKey.result.error));
    check(byKey.sealed.subarray(0, 34).toString() === "-----BEGIN AGE ENCRYPTED FILE-----", "armor");
    // Armored, the payload is sealed in Python and written through the armor.
    check(byKey.output.sealings.length === 0 && byKey.output.appends > 0, "armored output");
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
    check(opened.records.reads === 1, `the decrypted ZIP was read in ${opened.records.reads} slices`);
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

  return { alice, byKey };
}

/** The spool open_ writes the decrypted ZIP to, kept by the worker's store and read back. */
export async function checkSpool({ pyodide, checks }) {
  await test("the spool appends to its store, seeks and reads back", async () => {
    const cases = [[], [1, 65536, 3], [65552, 65552, 7], [300_000, 900_000, 5, 5], Array(50).fill(1000), [4096, 0, 4096]];
    for (const sizes of cases) {
      const what = `writes ${sizes}`;
      const records = new HeldRecords();
      const pySizes = pyodide.toPy(sizes);
      const [problem, digest] = js(checks.spool_round_trip(pySizes, records));
      pySizes.destroy();
      check(problem === "", `${what}: ${problem}`);
      // Every write reached the store as it came, none empty.
      const written = sizes.filter((size) => size > 0);
      check(records.parts.length === written.length, `${what}: ${records.parts.length} appends, not ${written.length}`);
      check(sha256(await blobBytes(records.blob())) === digest, `${what}: the store's bytes differ`);
    }
  });
}

/**
 * Open cpython.zip.age in the folder `exchange`, sealed by CPython, and leave there the
 * files sealed here, their passphrase and key, and each original's sha256, for CPython.
 */
export async function checkExchange({ browser, files, passphrase, exchange, alice, byPassphrase, byKey }) {
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
