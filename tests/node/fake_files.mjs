// File-like objects and read_slice: the page's Files and Blobs as run.mjs hands them to
// Python, and what Python read of them.

import { randomBytes } from "node:crypto";

export const MiB = 1 << 20;

/** A File as Python reads it: a name, a size, a folder path, and its bytes in `data`. */
export class FakeFile {
  constructor(name, data, webkitRelativePath = "") {
    this.name = name;
    this.size = data.length;
    this.webkitRelativePath = webkitRelativePath;
    this.data = data;
  }
}

/** What readSlice was asked for: calls, the largest slice, and calls per File or Blob. */
export const reads = { calls: 0, largest: 0, of: new Map() };

/** The read_slice Python is given: bytes `start` to `end` of a FakeFile. */
export function readSlice(file, start, end) {
  reads.calls += 1;
  reads.largest = Math.max(reads.largest, end - start);
  reads.of.set(file, (reads.of.get(file) ?? 0) + 1);
  if (file.unreadable) throw new DOMException("the file changed", "NotReadableError");
  return plainBytes(file.data.subarray(start, end));
}

/** Pyodide converts typed arrays by constructor name and knows no Buffer: pass plain views. */
export function plainBytes(buffer) {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Where open_ keeps the decrypted ZIP (the worker's spools.js, in the page): appended
 * Uint8Arrays, read back in slices. It counts its reads, and `blob()` gives a real Blob
 * of its bytes, which the checks slice and read as the page does.
 */
export class HeldRecords {
  parts = [];
  reads = 0;
  #whole = null;

  append(bytes) {
    if (this.#whole) throw new Error("appended after reading began");
    this.parts.push(Buffer.from(bytes));
  }

  read(start, end) {
    this.reads += 1;
    this.#whole ??= Buffer.concat(this.parts);
    return plainBytes(this.#whole.subarray(start, end));
  }

  blob() {
    return new Blob(this.#whole ? [this.#whole] : this.parts);
  }
}

/** Bytes `start` to `end` of a Blob, read as the page reads them. */
export async function blobBytes(blob, start = 0, end = blob.size) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

/** A photo, a letter, a scan in a folder, a large file and an empty one. */
export function sampleFiles() {
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
