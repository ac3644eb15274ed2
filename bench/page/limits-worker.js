// The hardware limit of the orthoshare page's work, one core: the page's cipher and the
// page's SHA-256, each alone and one after the other in this one module worker, as the
// page's own worker runs them. Every timing is taken here, around the work alone.

import { loadPyodide } from "./pyodide/pyodide.mjs";
import * as pageCrypto from "./crypto.js";

const BLOCK = 1 << 20; // what the page's worker seals, opens and hashes a call
const CHUNK = 64 * 1024; // age's STREAM chunk
const CHUNKS = BLOCK / CHUNK;
const NONCE_BYTES = 12;
// The data cycles through this many blocks, more than a core's caches hold, as the
// page's data streams through them.
const SOURCE_BLOCKS = 16;
const RANDOM_MOST = 65536; // the most crypto.getRandomValues gives in one call

// Python source with no data in it: sizes and data are passed as arguments.
const HASHING = `
import hashlib
import random


def make_source(size):
    return memoryview(random.Random(0).randbytes(size))


def hash_blocks(source, block_size, blocks):
    digest = hashlib.sha256()
    count = len(source) // block_size
    for block in range(blocks):
        at = block % count * block_size
        digest.update(source[at : at + block_size])
    return digest.hexdigest()
`;

let pyodide = null;

function seconds(startedAt) {
  return (performance.now() - startedAt) / 1000;
}

function randomBytes(size) {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += RANDOM_MOST) crypto.getRandomValues(bytes.subarray(at, at + RANDOM_MOST));
  return bytes;
}

/** chacha20poly1305SealEach over `blocks` blocks, as age's STREAM numbers its chunks. */
async function seal(blocks) {
  await pageCrypto.ready();
  const key = randomBytes(32);
  const source = randomBytes(SOURCE_BLOCKS * BLOCK);
  const nonces = new Uint8Array(CHUNKS * NONCE_BYTES);
  const counters = new DataView(nonces.buffer);
  const sealBlock = (block) => {
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      counters.setUint32(chunk * NONCE_BYTES + 7, block * CHUNKS + chunk);
    }
    const at = (block % SOURCE_BLOCKS) * BLOCK;
    return pageCrypto.chacha20poly1305SealEach(key, nonces, source.subarray(at, at + BLOCK), CHUNK);
  };
  // Once through the source untimed: the engine compiles the wasm's hot code in the
  // background, and the page runs long enough that it always has.
  for (let block = 0; block < SOURCE_BLOCKS; block++) sealBlock(block);
  const startedAt = performance.now();
  for (let block = 0; block < blocks; block++) sealBlock(block);
  return { seconds: seconds(startedAt), bytes: blocks * BLOCK };
}

/** Python's hashlib.sha256 in Pyodide, updated a block at a time over `blocks` blocks. */
async function hash(blocks) {
  if (pyodide === null) {
    pyodide = await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
    pyodide.runPython(HASHING);
  }
  const makeSource = pyodide.globals.get("make_source");
  const hashBlocks = pyodide.globals.get("hash_blocks");
  const source = makeSource(SOURCE_BLOCKS * BLOCK);
  hashBlocks(source, BLOCK, SOURCE_BLOCKS); // once through the source untimed, as for the cipher
  const startedAt = performance.now();
  hashBlocks(source, BLOCK, blocks);
  const timed = { seconds: seconds(startedAt), bytes: blocks * BLOCK };
  for (const proxy of [source, hashBlocks, makeSource]) proxy.destroy();
  return timed;
}

self.onmessage = async ({ data: bytes }) => {
  const blocks = Math.ceil(bytes / BLOCK);
  try {
    postMessage({ chacha20poly1305: await seal(blocks), sha256: await hash(blocks) });
  } catch (error) {
    postMessage({ error: `the limits could not be measured: ${error.message}` });
  }
};
