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

/** The read_slice Python is given: bytes `start` to `end` of a FakeFile or HeldBlob. */
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
 * open_ spools the decrypted ZIP into Blobs and reads it back with read_slice. The worker
 * reads a Blob synchronously with FileReaderSync; Node can read one only asynchronously
 * (blob.arrayBuffer()), which Python cannot wait for. So here open_ gets this makeBlob:
 * its Blobs are real ones, which the checks slice and read as the page does, that also
 * hold their bytes in `data`, which readSlice reads (as for a FakeFile). `parts` counts
 * what each was made of.
 */
export class HeldBlob extends Blob {
  constructor(parts) {
    super(parts);
    this.parts = parts.length;
    this.data = Buffer.concat(parts.map((part) => (part instanceof HeldBlob ? part.data : part)));
  }
}

/** The make_blob open_ is given: a HeldBlob of `parts`. */
export const makeBlob = (parts) => new HeldBlob(parts);

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
