// Where the worker keeps a file it writes once, in order, and then hands to the page: the
// sealed file as it is made, and the decrypted records as they are opened (which Python
// also reads back, to verify them, before the page may show any of it).
//
// Every spool has the same four methods:
//   append(bytes)      keep a Uint8Array, after everything kept before;
//   read(start, end)   bytes start to end of what was kept, as a Uint8Array (after the
//                      last append: reading may close the spool to appends);
//   finish(type)       (async) all of it as one Blob of that type, for the page;
//   discard()          (async) forget it.
//
// In the origin's private file system (PrivateFileSpool) the bytes go to disk as they
// come, through a synchronous access handle (workers only), and the page gets a File
// that reads them from disk: a gigabyte of records costs the browser little memory.
// Chromium keeps Blobs in memory up to about a fifth of the machine's memory before it
// moves any to disk, and never does in incognito windows; that is what BlobSpool is left
// with, where there is no private file system (a file:// page, an opaque origin; a
// plain-http intranet page, not a secure context). BytesSpool is for the one worker
// that cannot read Blobs at all (WebKit's, of a file:// page).

// The arrays kept in memory before they become one Blob: a worker never holds more.
const FOLD = 32 * 1024 * 1024;

export class BlobSpool {
  #blobs = [];
  #pending = [];
  #pendingSize = 0;
  #whole = null;
  #readSlice;

  /** `readSlice(blob, start, end)` reads a Blob synchronously (service.js's). */
  constructor(readSlice) {
    this.#readSlice = readSlice;
  }

  append(bytes) {
    this.#pending.push(bytes);
    this.#pendingSize += bytes.byteLength;
    if (this.#pendingSize >= FOLD) this.#fold();
  }

  #fold() {
    if (this.#pending.length) this.#blobs.push(new Blob(this.#pending));
    this.#pending = [];
    this.#pendingSize = 0;
  }

  #joined() {
    if (!this.#whole) {
      this.#fold();
      this.#whole = new Blob(this.#blobs);
      this.#blobs = [];
    }
    return this.#whole;
  }

  read(start, end) {
    return this.#readSlice(this.#joined(), start, end);
  }

  async finish(type) {
    const whole = this.#joined();
    return whole.slice(0, whole.size, type);
  }

  async discard() {
    this.#blobs = [];
    this.#pending = [];
    this.#whole = null;
  }
}

export class BytesSpool {
  #parts = [];
  #whole = null;

  append(bytes) {
    this.#parts.push(bytes);
  }

  #joined() {
    if (!this.#whole) {
      this.#whole = new Uint8Array(this.#parts.reduce((total, part) => total + part.byteLength, 0));
      let at = 0;
      for (const part of this.#parts) {
        this.#whole.set(part, at);
        at += part.byteLength;
      }
      this.#parts = [];
    }
    return this.#whole;
  }

  read(start, end) {
    return this.#joined().subarray(start, end);
  }

  async finish(type) {
    return new Blob([this.#joined()], { type });
  }

  async discard() {
    this.#parts = [];
    this.#whole = null;
  }
}

class PrivateFileSpool {
  #folder;
  #name;
  #handle;
  #access;
  #size = 0;

  constructor(folder, name, handle, access) {
    this.#folder = folder;
    this.#name = name;
    this.#handle = handle;
    this.#access = access;
  }

  append(bytes) {
    this.#size += this.#access.write(bytes, { at: this.#size });
  }

  read(start, end) {
    const bytes = new Uint8Array(Math.max(0, Math.min(end, this.#size) - start));
    const count = this.#access.read(bytes, { at: start });
    return bytes.subarray(0, count);
  }

  async finish(type) {
    this.#access.close();
    const file = await this.#handle.getFile();
    return file.slice(0, file.size, type);
  }

  async discard() {
    this.#access.close();
    await this.#folder.removeEntry(this.#name);
  }
}

/** The origin's private file system, or null where this page has none. */
export async function privateFolder() {
  try {
    return await navigator.storage.getDirectory();
  } catch {
    return null;
  }
}

/** A new file `name` in `folder`, written and read through a synchronous access handle. */
export async function privateFileSpool(folder, name) {
  const handle = await folder.getFileHandle(name, { create: true });
  return new PrivateFileSpool(folder, name, handle, await handle.createSyncAccessHandle());
}
