// The reference TypeScript age (npm age-encryption, "typage") on the same files as the
// orthoshare page, in the same Chromium, for bench/page_bench.py. The bench picks the
// files with #files and calls window.typageBench; every timing is taken here, with
// performance.now(), so it excludes the bench's own round trips.
//
// The output is kept as the orthoshare worker keeps its sealed file (web/service.js):
// its chunks become a Blob every FOLD bytes, and those Blobs one Blob at the end, so
// both pay the same for holding a large result in the browser.

import { Decrypter, Encrypter } from "age-encryption";

const FOLD = 32 * 1024 * 1024;
const input = document.getElementById("files");
let sealed = null;

function seconds(startedAt) {
  return (performance.now() - startedAt) / 1000;
}

async function collectAsBlob(stream) {
  const blobs = [];
  let pending = [];
  let pendingSize = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done || pendingSize >= FOLD) {
      blobs.push(new Blob(pending));
      [pending, pendingSize] = [[], 0];
    }
    if (done) return new Blob(blobs, { type: "application/octet-stream" });
    pending.push(value);
    pendingSize += value.byteLength;
  }
}

async function countBytes(stream) {
  let bytes = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

/** Encrypt the concatenation of the picked files, streamed, to `recipient` (age1…). */
async function encrypt(recipient) {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const startedAt = performance.now();
  const stream = await encrypter.encrypt(new Blob([...input.files]).stream());
  sealed = await collectAsBlob(stream);
  return { seconds: seconds(startedAt), bytes: sealed.size };
}

/**
 * Download what encrypt() made, under `name`. The URL is not revoked on a timer, which
 * could end a download that starts late: it ends with the page, which the bench closes.
 */
function download(name) {
  const url = URL.createObjectURL(sealed);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

/** Decrypt the picked file, streamed, with `identity` (AGE-SECRET-KEY-1…), reading all of it. */
async function decrypt(identity) {
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity);
  const startedAt = performance.now();
  const bytes = await countBytes(await decrypter.decrypt(input.files[0].stream()));
  return { seconds: seconds(startedAt), bytes };
}

/** Decrypt the picked (small) file with a passphrase: one scrypt, then the payload. */
async function decryptWithPassphrase(passphrase) {
  const ciphertext = new Uint8Array(await input.files[0].arrayBuffer());
  const decrypter = new Decrypter();
  decrypter.addPassphrase(passphrase);
  const startedAt = performance.now();
  const plaintext = await decrypter.decrypt(ciphertext);
  return { seconds: seconds(startedAt), bytes: plaintext.length };
}

window.typageBench = { encrypt, download, decrypt, decryptWithPassphrase };
document.body.dataset.state = "ready";
