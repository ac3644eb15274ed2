// Where the workers keep a file they write once, in order, and then hand to the page: the
// sealed file as it is made (cipher.js, or service.js without a cipher worker), and the
// decrypted records as they are opened (service.js; Python also reads them back, to
// verify them, before the page may show any of it).
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
// Chromium keeps Blobs in memory (2.3 GB of them, opening 1 GB, measured) and never
// moves them to disk in incognito windows; that is what BlobSpool is left with, where
// there is no private file system (a file:// page, an opaque origin; a
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

  /** `readSlice(blob, start, end)` reads a Blob synchronously (service.js's); a spool
   * made without one is never read. */
  constructor(readSlice = null) {
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

/**
 * A sealed file as Python writes it (orthoshare.browser.jsio.SealedOutput): plain bytes
 * appended to `spool` as they come, the payload's chunks sealed with `crypto`
 * (crypto.js) first. The cipher worker seals into one; so does the first worker, where
 * there is no cipher worker.
 */
export class SealingSpool {
  #spool;
  #crypto;

  constructor(spool, crypto) {
    this.#spool = spool;
    this.#crypto = crypto;
  }

  append(bytes) {
    this.#spool.append(bytes);
  }

  sealEach(key, nonces, plaintext, size) {
    this.#spool.append(this.#crypto.chacha20poly1305SealEach(key, nonces, plaintext, size));
  }

  finish(type) {
    return this.#spool.finish(type);
  }

  discard() {
    return this.#spool.discard();
  }
}

/** The origin's private file system, or null where this page has none. */
async function privateFolder() {
  try {
    return await navigator.storage.getDirectory();
  } catch {
    return null;
  }
}

async function privateFileSpool(folder, name) {
  const handle = await folder.getFileHandle(name, { create: true });
  return new PrivateFileSpool(folder, name, handle, await handle.createSyncAccessHandle());
}

// A sealed file is ciphertext under a name that says nothing. It must outlive its
// download, so it is removed when this worker seals again, and any left for an hour (a
// tab closed, a worker cancelled) when a worker boots or seals; another tab's recent one
// is left alone.
//
// Opened records are plaintext: they stay only while a page shows them. The page holds
// a Web Lock named as their file (open.js) from before it asks for them until it shows
// others or closes; a worker removes every opened file whose lock no page holds when it
// boots and before it opens, so that no records stay on disk past the next start of the
// page, nor for a page that was closed or cancelled.
const SEALING = "sealing-";
const OPENED = "opened-";
const LEFT_FOR = 60 * 60 * 1000;
let lastSealed = null;

async function removeSealed(folder) {
  for await (const [name, handle] of folder.entries()) {
    if (!name.startsWith(SEALING)) continue;
    try {
      const old = Date.now() - (await handle.getFile()).lastModified > LEFT_FOR;
      if (name === lastSealed || old) await folder.removeEntry(name);
    } catch {
      // Being written by another tab's worker: that one is not ours to remove.
    }
  }
}

async function removeUnshown(folder) {
  if (!navigator.locks) return;
  const { held = [] } = await navigator.locks.query();
  const shown = new Set(held.map((lock) => lock.name));
  for await (const name of folder.keys()) {
    if (!name.startsWith(OPENED) || shown.has(name)) continue;
    try {
      await folder.removeEntry(name);
    } catch {
      // Still open in a worker whose page let go of it: removed at the next start.
    }
  }
}

/** Remove the sealed files and opened records that workers cancelled or closed left. */
export async function removeLeftovers() {
  const folder = await privateFolder();
  if (!folder) return;
  await removeSealed(folder);
  await removeUnshown(folder);
}

/** A new spool for a file being sealed. */
export async function sealedSpool() {
  const folder = await privateFolder();
  if (!folder) return new BlobSpool();
  await removeSealed(folder);
  const name = `${SEALING}${Date.now()}-${Math.random().toString(36).slice(2)}`;
  lastSealed = name;
  return privateFileSpool(folder, name);
}

/**
 * A new spool for records being opened. `shownAs` is the name the page holds a lock on
 * while it shows them ("" where it has no Web Locks); `asBytes`, whether this worker
 * reads only bytes (WebKit's of a file:// page); `readSlice`, how it reads a Blob.
 */
export async function openedSpool(shownAs, asBytes, readSlice) {
  if (asBytes) return new BytesSpool();
  const folder = await privateFolder();
  if (!folder || !navigator.locks || !shownAs.startsWith(OPENED)) return new BlobSpool(readSlice);
  await removeUnshown(folder);
  return privateFileSpool(folder, shownAs);
}

