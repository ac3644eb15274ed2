// The page's second worker: it seals the payload of a file being sealed, and opens the
// payload of a file being opened, on the machine's other core, while the first worker
// (service.js) reads, hashes and packs the records in Python, or hashes and keeps them.
// Python's age code still makes every nonce, decides which chunk is final and says why
// a payload does not open (orthoshare.age.stream, orthoshare.age.plan_payload); this
// worker only applies ChaCha20-Poly1305 to what it is told, in order. It keeps the
// sealed file (spools.js) until the first worker asks for it.
//
// The page starts it from the same script as the first worker, named CIPHER; once it
// says {kind: "listening"} (a message sent before would be lost: the site's worker
// imports its code after it starts), the page hands the two workers the ends of one
// MessageChannel ({kind: "cipher-port", port}). On that port the first worker sends,
// in order:
//   {op: "begin"}                                   answered {op: "begun"} or {op: "failed"}
//   {op: "append", bytes}                           bytes written as they are
//   {op: "seal", key, nonces, plaintext, size}      chacha20poly1305SealEach, then written
//   {op: "finish", type}                            answered {op: "finished", file} or {op: "failed"}
//   {op: "discard"}
// (bytes and plaintext are transferred ArrayBuffers). Nothing is answered before
// "finish": a failure while writing is kept and answered then. To open:
//   {op: "decrypt", file, key, batches, chunk}      each batch [offset, length, nonces]:
//       chacha20poly1305OpenEach(key, nonces, bytes offset to offset + length of file,
//       chunk); answered {op: "plaintext", batch, bytes} for each in order, then
//       {op: "decrypted"}, or {op: "failed", batch} for the first that does not open
//   {op: "fed"}                                     one plaintext taken: send another
//   {op: "stop"}                                    the first worker gave up
// At most AHEAD batches are sent and not yet taken, so memory stays bounded however
// fast this worker runs ahead of Python.

import { SealingSpool, sealedSpool } from "./spools.js";

/** The name the page gives this worker (new Worker(url, {name})). */
export const CIPHER = "orthoshare-cipher";

const AHEAD = 8;

// Each read of a Blob costs about half a millisecond whatever its size (Chromium), so
// the file is read BLOCK bytes at a time and each batch cut from the block it lies in.
const BLOCK = 8 * 1024 * 1024;

function blockReader(file) {
  const reader = new FileReaderSync();
  let start = 0;
  let block = new Uint8Array();
  return (offset, length) => {
    if (offset < start || offset + length > start + block.length) {
      start = offset;
      block = new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + Math.max(length, BLOCK))));
    }
    return block.subarray(offset - start, offset - start + length);
  };
}

function failed(error) {
  return { op: "failed", message: String(error?.message ?? error) };
}

/** Answer the first worker on the port the page hands over, with `crypto` (crypto.js). */
export function serveCipher(crypto) {
  addEventListener("message", async ({ data }) => {
    if (data?.kind !== "cipher-port") return;
    const port = data.port;
    await crypto.ready();
    let spool = null;
    let failure = null;
    // Jobs run one after another in the order sent, though beginning and finishing wait
    // for the private file system.
    let queue = Promise.resolve();
    // What the payload being opened has sent and not yet seen taken; answered out of the
    // queue, which the opening holds until it ends.
    const opening = { ahead: 0, taken: null, stopped: false };
    const took = (stopped) => {
      opening.ahead = Math.max(0, opening.ahead - 1);
      opening.stopped ||= stopped;
      opening.taken?.();
    };
    const jobs = {
      async begin() {
        failure = null;
        try {
          spool = new SealingSpool(await sealedSpool(), crypto);
          port.postMessage({ op: "begun" });
        } catch (error) {
          port.postMessage(failed(error));
        }
      },
      append({ bytes }) {
        spool.append(new Uint8Array(bytes));
      },
      seal({ key, nonces, plaintext, size }) {
        spool.sealEach(key, nonces, new Uint8Array(plaintext), size);
      },
      async finish({ type }) {
        try {
          if (failure) throw failure;
          port.postMessage({ op: "finished", file: await spool.finish(type) });
        } catch (error) {
          port.postMessage(failed(error));
          await spool.discard().catch(() => {});
        }
        spool = null;
      },
      async discard() {
        await spool?.discard().catch(() => {});
        spool = null;
      },
      async decrypt({ file, key, batches, chunk }) {
        const read = blockReader(file);
        for (const [index, [offset, length, nonces]] of batches.entries()) {
          while (opening.ahead >= AHEAD && !opening.stopped) await new Promise((resolve) => (opening.taken = resolve));
          if (opening.stopped) return;
          let plaintext = null;
          try {
            plaintext = crypto.chacha20poly1305OpenEach(key, nonces, read(offset, length), chunk);
          } catch {
            // Unreadable, or cut short since it was planned: Python reads it again, and says why.
          }
          if (plaintext === null) return port.postMessage({ op: "failed", batch: index });
          opening.ahead += 1;
          port.postMessage({ op: "plaintext", batch: index, bytes: plaintext.buffer }, [plaintext.buffer]);
        }
        port.postMessage({ op: "decrypted" });
      },
    };
    port.onmessage = ({ data: job }) => {
      if (job.op === "fed" || job.op === "stop") return took(job.op === "stop");
      if (job.op === "decrypt") Object.assign(opening, { ahead: 0, taken: null, stopped: false });
      queue = queue.then(async () => {
        if (failure && (job.op === "append" || job.op === "seal")) return;
        try {
          await jobs[job.op](job);
        } catch (error) {
          failure ??= error;
        }
      });
    };
    port.postMessage({ op: "ready" });
  });
  postMessage({ kind: "listening" });
}
