// Sealing and opening through orthoshare.browser as the worker does, and what every
// opened bundle or error result must hold.

import { js } from "./boot.mjs";
import { blobBytes, FakeFile, HeldRecords, readSlice } from "./fake_files.mjs";
import { check, equalBytes, sha256 } from "./harness.mjs";

/** The details of every sample seal. */
export const DETAILS = {
  patient: { name: "Test Patient", id: "P-0001", birth_date: "2010-05-17", sex: "F" },
  sender: { name: "Dr Sender", organization: "Ortho Clinic", contact: "sender@example.org" },
  recipient: { name: "Dr Surgeon" },
  note: "Pre-surgical records",
  consent: "verbal, recorded in chart",
};

// The crypto module an output seals with, as the worker's does: run.mjs sets it once.
let cipher = null;
export function sealWithCipher(crypto) {
  cipher = crypto;
}

/**
 * Where seal writes the sealed file, as the worker's SealingSpool (spools.js) does: plain
 * bytes appended as they come, the payload's chunks sealed here with the page's crypto
 * module. `appends` counts the plain pieces, `sealings` the plaintext of each sealEach.
 */
export class HeldOutput {
  pieces = [];
  appends = 0;
  sealings = [];

  append(bytes) {
    check(bytes instanceof Uint8Array, "append was given no Uint8Array");
    this.appends += 1;
    this.pieces.push(Buffer.from(bytes));
  }

  sealEach(key, nonces, plaintext, size) {
    this.sealings.push(plaintext.length);
    this.pieces.push(Buffer.from(cipher.chacha20poly1305SealEach(key, nonces, plaintext, size)));
  }

  get sealed() {
    return Buffer.concat(this.pieces);
  }
}

/** Seal `files` with `request` into `output`; return seal's result as a JS object. */
export function sealWith(browser, files, request, output, progress) {
  return js(browser.seal(files, JSON.stringify(request), readSlice, output, progress));
}

/** Seals and returns {result, sealed (Buffer), output (HeldOutput), steps (progress calls)}. */
export function sealToBuffer(browser, files, request) {
  const output = new HeldOutput();
  const steps = [];
  const result = sealWith(browser, files, request, output, (...a) => steps.push(a));
  return { result, output, steps, sealed: output.sealed };
}

/**
 * Open the bytes `sealed` as a file named `name`; return open_'s result as a JS object,
 * with the records it kept as `bundle` (a Blob, as the worker gives the page) and
 * `records` (the HeldRecords), unless it is an error.
 */
export function openSealed(browser, name, sealed, request, progress) {
  const file = new FakeFile(name, sealed);
  const records = new HeldRecords();
  const opened = js(browser.open_(file, JSON.stringify(request), readSlice, records, progress));
  return opened.error ? opened : { ...opened, bundle: records.blob(), records };
}

/** Whether a bundle's entry is one of the files sealed, not a DICOM object made of one. */
export const isOriginal = (entry) => entry.path.startsWith("ORIGINAL/");

/** Every file's bytes at the offsets open_ returned, against the originals and the manifest. */
export async function checkOpened(opened, files) {
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

/** Check that `result` is an error of `kind` with a message and a hint; return the error. */
export function expectError(result, kind, what) {
  check(result?.error, `${what}: expected ${kind}, got success`);
  check(result.error.kind === kind, `${what}: expected ${kind}, got ${result.error.kind}: ${result.error.message}`);
  check(typeof result.error.message === "string" && result.error.message, `${what}: no message`);
  check(typeof result.error.hint === "string", `${what}: no hint`);
  return result.error;
}
