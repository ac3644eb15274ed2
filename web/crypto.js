// The cryptographic primitives the page lends to Python's age layer
// (orthoshare.age.primitives: ChaCha20-Poly1305, X25519, scrypt and ML-KEM-768).
//
// Why these libraries:
// - libsodium-wrappers (libsodium compiled to wasm) for ChaCha20-Poly1305, X25519 and
//   ML-KEM-768 (FIPS 203, the post-quantum half of age's mlkem768x25519 keys; libsodium
//   1.0.21's, which derives the same keys from a seed as OpenSSL: tests/js checks it):
//   it is libsodium's own constant-time code, fast in the page (bench/primitives.py
//   prints its throughput there; docs/performance.md quotes a run), and its ESM
//   build carries the wasm inline, so the bundle stays one file that needs no fetch.
// - @noble/hashes for scrypt: Python calls the primitives synchronously, and noble's
//   `scrypt` is a plain synchronous function. hash-wasm's scrypt is faster but exists
//   only as an async function (it compiles its wasm on first use and has no public
//   synchronous entry point), and Python inside Pyodide cannot wait for a promise there.
//   Measured in Node 20 on a 2-core machine, logN 18 (N = 262144, r = 8, p = 1),
//   twelve calls each (the spread comes from other load on the machine):
//     @noble/hashes 2.4.0 scrypt (sync)   typically 0.87 s (0.84-1.45 s)
//     hash-wasm 4.13.0 scrypt (async)     typically 0.55 s (0.52-1.20 s)
//   Both give the same bytes. It is one derivation per file, so 0.3 s does not matter.
// - No crypto.subtle: WebCrypto exists only in secure contexts and an intranet page over
//   plain http:// has none. (libsodium's ESM build insists on crypto.getRandomValues
//   when it loads; that one exists everywhere, Node included. ML-KEM encapsulation draws
//   its 32 random bytes from it, as Pyodide's os.urandom does; everything else takes its
//   randomness from Python.)
//
// Every input and output is a Uint8Array. Wrong lengths and types throw, because they
// are programming errors; a forged ciphertext is an expected event and gives `null`
// (except ML-KEM's, which FIPS 203 turns into an unrelated shared secret).

import sodium from "libsodium-wrappers";
import { scrypt as nobleScrypt } from "@noble/hashes/scrypt.js";

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const X25519_BYTES = 32;
// scrypt's block size factor and parallelism, fixed by age (C2SP age.md, scrypt stanza).
const SCRYPT_R = 8;
const SCRYPT_P = 1;
// The largest work factor accepted here. At logN 22 scrypt's table is 4 GiB, the most
// some engines allow in one typed array; age readers stop there or earlier (orthoshare's
// Python refuses more than 22 when decrypting, typage more than 20).
const SCRYPT_MAX_LOG_N = 22;
// FIPS 203's ML-KEM-768 sizes: the seed d || z, the encapsulation key, the ciphertext.
const MLKEM768_SEED_BYTES = 64;
const MLKEM768_PUBLIC_KEY_BYTES = 1184;
const MLKEM768_CIPHERTEXT_BYTES = 1088;

// The exact messages libsodium-wrappers 0.8.4 throws for the two outcomes that are data,
// not bugs. tests/js checks both, so a libsodium upgrade that rewords them fails there.
const SODIUM_FORGED = "ciphertext cannot be decrypted using that key";
const SODIUM_WEAK_POINT = "weak public key";
// libsodium refuses an ML-KEM encapsulation key that fails FIPS 203's modulus check (a
// bad key someone pasted, not a bug) with its one generic message; the size is checked
// before, so nothing else gives it there.
const SODIUM_BAD_PUBLIC_KEY = "invalid usage";

/**
 * Resolve once libsodium's wasm is compiled and initialised; call (and await) it
 * before any other function of this module.
 */
export async function ready() {
  await sodium.ready;
}

function checkBytes(value, name, length) {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, not ${value.length}`);
  }
}

/**
 * ChaCha20-Poly1305 (IETF: 12-byte nonce), no associated data.
 * Returns ciphertext || 16-byte tag.
 */
export function chacha20poly1305Seal(key, nonce, plaintext) {
  checkBytes(key, "key", KEY_BYTES);
  checkBytes(nonce, "nonce", NONCE_BYTES);
  checkBytes(plaintext, "plaintext");
  return sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext, null, null, nonce, key);
}

/**
 * Open ciphertext || tag sealed by chacha20poly1305Seal.
 * Returns the plaintext, or null when it does not authenticate (never throws for that).
 */
export function chacha20poly1305Open(key, nonce, ciphertext) {
  checkBytes(key, "key", KEY_BYTES);
  checkBytes(nonce, "nonce", NONCE_BYTES);
  checkBytes(ciphertext, "ciphertext");
  // Too short to hold a tag: no key could have sealed it, exactly like a wrong tag.
  if (ciphertext.length < TAG_BYTES) {
    return null;
  }
  try {
    return sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext, null, nonce, key);
  } catch (error) {
    if (error instanceof Error && error.message === SODIUM_FORGED) {
      return null;
    }
    throw error;
  }
}

// The messages of a …Each call: message i is bytes i * size to (i + 1) * size of `data`
// (the last may be shorter, or empty) under the i-th 12-byte nonce of `nonces`.
function messages(nonces, data, size) {
  checkBytes(nonces, "nonces");
  checkBytes(data, "data");
  const count = nonces.length / NONCE_BYTES;
  // The last message may be empty: age's final chunk is, when the whole payload is.
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(count) || !((count - 1) * size <= data.length && data.length <= count * size)) {
    throw new RangeError(`${nonces.length} bytes of nonces do not fit ${data.length} bytes in ${size}`);
  }
  return Array.from({ length: count }, (_, i) => [nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES), data.subarray(i * size, (i + 1) * size)]);
}

/**
 * chacha20poly1305Seal of many messages in one call (see messages): each sealed message,
 * one after the other. Python makes the nonces (age's STREAM); one call instead of one a
 * chunk is what this saves, each call across the Python–JS boundary being dear.
 */
export function chacha20poly1305SealEach(key, nonces, plaintext, size) {
  checkBytes(key, "key", KEY_BYTES);
  const each = messages(nonces, plaintext, size);
  const sealed = new Uint8Array(plaintext.length + each.length * TAG_BYTES);
  let at = 0;
  for (const [nonce, message] of each) {
    sealed.set(sodium.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key), at);
    at += message.length + TAG_BYTES;
  }
  return sealed;
}

/**
 * chacha20poly1305Open of many messages in one call (see messages): the plaintexts, one
 * after the other, or null when any message does not authenticate.
 */
export function chacha20poly1305OpenEach(key, nonces, ciphertext, size) {
  checkBytes(key, "key", KEY_BYTES);
  const each = messages(nonces, ciphertext, size);
  const opened = new Uint8Array(Math.max(0, ciphertext.length - each.length * TAG_BYTES));
  let at = 0;
  for (const [nonce, message] of each) {
    const plaintext = chacha20poly1305Open(key, nonce, message);
    if (plaintext === null) return null;
    opened.set(plaintext, at);
    at += plaintext.length;
  }
  return opened;
}

/**
 * X25519 (RFC 7748): the u-coordinate of scalar * point, 32 bytes.
 * For a low-order point the true result is all zeros; libsodium refuses to compute it
 * and throws, so that case returns 32 zero bytes and age's own check rejects it.
 */
export function x25519(scalar, point) {
  checkBytes(scalar, "scalar", X25519_BYTES);
  checkBytes(point, "point", X25519_BYTES);
  try {
    return sodium.crypto_scalarmult(scalar, point);
  } catch (error) {
    if (error instanceof Error && error.message === SODIUM_WEAK_POINT) {
      return new Uint8Array(X25519_BYTES);
    }
    throw error;
  }
}

/**
 * scrypt (RFC 7914) with N = 2**logN, r = 8, p = 1: 32 bytes. Synchronous on purpose:
 * Python calls it from Pyodide without a way to await a promise.
 */
export function scrypt(passphrase, salt, logN) {
  checkBytes(passphrase, "passphrase");
  checkBytes(salt, "salt");
  if (!Number.isInteger(logN) || logN < 1 || logN > SCRYPT_MAX_LOG_N) {
    throw new RangeError(`logN must be an integer from 1 to ${SCRYPT_MAX_LOG_N}`);
  }
  const N = 2 ** logN;
  // noble refuses more than 1 GiB by default (logN 20), but the work factor a file may
  // ask for is the caller's decision, so allow exactly what this call needs:
  // 128 * r * (N + p + 1) bytes, noble's own accounting. If the browser cannot
  // allocate it, the RangeError reaches Python as an exception.
  const maxmem = 128 * SCRYPT_R * (N + SCRYPT_P + 1);
  return nobleScrypt(passphrase, salt, { N, r: SCRYPT_R, p: SCRYPT_P, dkLen: 32, maxmem });
}

/**
 * ML-KEM-768 (FIPS 203): the 1184-byte encapsulation key of a 64-byte seed d || z, the
 * form in which age's mlkem768x25519 keys hold it.
 */
export function mlkem768PublicKey(seed) {
  checkBytes(seed, "seed", MLKEM768_SEED_BYTES);
  const { publicKey, privateKey } = sodium.crypto_kem_mlkem768_seed_keypair(seed);
  privateKey.fill(0); // not needed here: leave no copy of it behind
  return publicKey;
}

/**
 * ML-KEM-768 encapsulation to a 1184-byte encapsulation key, with fresh randomness:
 * `{ sharedSecret, ciphertext }`, 32 and 1088 bytes, or null when the key fails
 * FIPS 203's modulus check.
 */
export function mlkem768Encapsulate(publicKey) {
  checkBytes(publicKey, "publicKey", MLKEM768_PUBLIC_KEY_BYTES);
  try {
    const { sharedSecret, ciphertext } = sodium.crypto_kem_mlkem768_enc(publicKey);
    return { sharedSecret, ciphertext };
  } catch (error) {
    if (error instanceof Error && error.message === SODIUM_BAD_PUBLIC_KEY) {
      return null;
    }
    throw error;
  }
}

/**
 * ML-KEM-768 decapsulation of a 1088-byte ciphertext with the key of a 64-byte seed:
 * the 32-byte shared secret. A forged ciphertext gives an unrelated secret, not an
 * error (FIPS 203's implicit rejection), so the file key it wraps does not open.
 */
export function mlkem768Decapsulate(seed, ciphertext) {
  checkBytes(seed, "seed", MLKEM768_SEED_BYTES);
  checkBytes(ciphertext, "ciphertext", MLKEM768_CIPHERTEXT_BYTES);
  const { privateKey } = sodium.crypto_kem_mlkem768_seed_keypair(seed);
  try {
    return sodium.crypto_kem_mlkem768_dec(ciphertext, privateKey);
  } finally {
    // The expanded secret key exists only for this call; leave no copy of it behind.
    privateKey.fill(0);
  }
}
