// Known answers for the page's primitives, run on the BUNDLED dist/web/crypto.js, the
// very file the page loads (so a bundling mistake fails here too):
//   node --test tests/js/
// ORTHOSHARE_DIST names a built site to test; without it this file builds one into a
// temporary folder with build.py, so it never tests a stale bundle.
//
// The answers come from outside libsodium and noble: the RFCs where they have vectors
// that fit (X25519: RFC 7748; scrypt: RFC 7914), and otherwise values computed with
// Python's `cryptography` (OpenSSL), pasted as hex or, for ML-KEM-768, kept in
// mlkem768-known-answers.json beside this file. RFC 8439's AEAD vector cannot be
// used as is because it has associated data and age uses none.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const hex = (text) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
const toHex = (bytes) => Buffer.from(bytes).toString("hex");
const ascii = (text) => new TextEncoder().encode(text);
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

// The temporary folder this file built the site in, removed at the end.
let scratch = null;

function builtSite() {
  if (process.env.ORTHOSHARE_DIST) {
    return path.resolve(process.env.ORTHOSHARE_DIST);
  }
  scratch = mkdtempSync(path.join(tmpdir(), "orthoshare-dist-"));
  const out = path.join(scratch, "dist");
  const python = process.env.PYTHON ?? path.join(REPO, ".venv", "bin", "python");
  const result = spawnSync(python, [path.join(REPO, "build.py"), "--out", out], {
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `build.py failed: ${result.stderr}`);
  return out;
}

let crypto;
before(async () => {
  crypto = await import(pathToFileURL(path.join(builtSite(), "web", "crypto.js")).href);
  await crypto.ready();
});

after(() => {
  if (scratch !== null) {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test("exports exactly the ten functions Python uses", () => {
  assert.deepEqual(Object.keys(crypto).sort(), [
    "chacha20poly1305Open",
    "chacha20poly1305OpenEach",
    "chacha20poly1305Seal",
    "chacha20poly1305SealEach",
    "mlkem768Decapsulate",
    "mlkem768Encapsulate",
    "mlkem768PublicKey",
    "ready",
    "scrypt",
    "x25519",
  ]);
});

// --- ChaCha20-Poly1305 (IETF, 12-byte nonce, no associated data) ---------------------

// RFC 8439 §2.8.2's key, nonce and plaintext WITHOUT its associated data; the ciphertext
// is the RFC's, the tag is OpenSSL's (via Python's cryptography) for empty AAD.
const RFC8439_KEY = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const RFC8439_NONCE = hex("070000004041424344454647");
const RFC8439_PLAINTEXT = ascii(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the " +
    "future, sunscreen would be it.",
);
const RFC8439_SEALED = hex(`
  d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca967128
  2fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fa
  b324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116
  6a23a4681fd59456aea1d29f82477216`);

// One full 64 KiB age chunk, the size the STREAM layer seals: bytes i*7 mod 256 under
// key 00..1f, nonce = 11 zero bytes + the "last chunk" flag 01 (cryptography's output).
const CHUNK_KEY = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const CHUNK_NONCE = hex("000000000000000000000001");
const CHUNK_PLAINTEXT = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7) & 0xff);
const CHUNK_SEALED_SHA256 = "4efa3226f5a2c36203fb6734901b67d45e31d59d5696839be851bacf0fb8fc3c";
const CHUNK_SEALED_TAG = "b0e97564dd36d4b91b7294c39b3781d5";

test("ChaCha20-Poly1305 seals the RFC 8439 text (no AAD) like OpenSSL", () => {
  const sealed = crypto.chacha20poly1305Seal(RFC8439_KEY, RFC8439_NONCE, RFC8439_PLAINTEXT);
  assert.ok(sealed instanceof Uint8Array);
  assert.equal(toHex(sealed), toHex(RFC8439_SEALED));
  const opened = crypto.chacha20poly1305Open(RFC8439_KEY, RFC8439_NONCE, RFC8439_SEALED);
  assert.equal(toHex(opened), toHex(RFC8439_PLAINTEXT));
});

test("ChaCha20-Poly1305 of an empty plaintext is the tag alone", () => {
  const sealed = crypto.chacha20poly1305Seal(new Uint8Array(32), new Uint8Array(12), new Uint8Array());
  assert.equal(toHex(sealed), "4eb972c9a8fb3a1b382bb4d36f5ffad1");
  const opened = crypto.chacha20poly1305Open(new Uint8Array(32), new Uint8Array(12), sealed);
  assert.equal(opened.length, 0);
});

test("ChaCha20-Poly1305 seals and opens a full 64 KiB age chunk", () => {
  const sealed = crypto.chacha20poly1305Seal(CHUNK_KEY, CHUNK_NONCE, CHUNK_PLAINTEXT);
  assert.equal(sealed.length, 65536 + 16);
  assert.equal(sha256(sealed), CHUNK_SEALED_SHA256);
  assert.equal(toHex(sealed.subarray(65536)), CHUNK_SEALED_TAG);
  const opened = crypto.chacha20poly1305Open(CHUNK_KEY, CHUNK_NONCE, sealed);
  assert.equal(sha256(opened), sha256(CHUNK_PLAINTEXT));
});

test("ChaCha20-Poly1305 open returns null for anything forged, and never throws for it", () => {
  const flipped = (bytes, index) => {
    const copy = bytes.slice();
    copy[index] ^= 0x01;
    return copy;
  };
  const last = RFC8439_SEALED.length - 1;
  const forgeries = {
    "a flipped ciphertext byte": [RFC8439_KEY, RFC8439_NONCE, flipped(RFC8439_SEALED, 0)],
    "a flipped tag byte": [RFC8439_KEY, RFC8439_NONCE, flipped(RFC8439_SEALED, last)],
    "another key": [flipped(RFC8439_KEY, 31), RFC8439_NONCE, RFC8439_SEALED],
    "another nonce (the last-chunk flag)": [RFC8439_KEY, flipped(RFC8439_NONCE, 11), RFC8439_SEALED],
    "a truncated message": [RFC8439_KEY, RFC8439_NONCE, RFC8439_SEALED.subarray(0, last)],
    "an appended byte": [RFC8439_KEY, RFC8439_NONCE, Uint8Array.from([...RFC8439_SEALED, 0])],
    "a part of a tag": [RFC8439_KEY, RFC8439_NONCE, RFC8439_SEALED.subarray(0, 15)],
    "nothing at all": [RFC8439_KEY, RFC8439_NONCE, new Uint8Array()],
  };
  for (const [name, args] of Object.entries(forgeries)) {
    assert.equal(crypto.chacha20poly1305Open(...args), null, name);
  }
});

// Three STREAM-like nonces (counters 0, 1, 2; the last flagged final) and messages of
// 100, 100 and 37 bytes: what a …Each call gives must be what one call a message gives.
const EACH_SIZE = 100;
const EACH_PLAINTEXT = Uint8Array.from({ length: 2 * EACH_SIZE + 37 }, (_, i) => (i * 13) & 0xff);
const EACH_NONCES = hex("000000000000000000000000" + "000000000000000000000100" + "000000000000000000000201");

function oneByOne(seal, key, nonces, data, size) {
  const parts = [];
  for (let i = 0; i * 12 < nonces.length; i++) {
    parts.push(seal(key, nonces.subarray(i * 12, i * 12 + 12), data.subarray(i * size, (i + 1) * size)));
  }
  return Buffer.concat(parts);
}

test("ChaCha20-Poly1305 seals and opens many messages in one call as one call each would", () => {
  const sealed = crypto.chacha20poly1305SealEach(CHUNK_KEY, EACH_NONCES, EACH_PLAINTEXT, EACH_SIZE);
  const expected = oneByOne(crypto.chacha20poly1305Seal, CHUNK_KEY, EACH_NONCES, EACH_PLAINTEXT, EACH_SIZE);
  assert.equal(toHex(sealed), toHex(expected));
  assert.equal(sealed.length, EACH_PLAINTEXT.length + 3 * 16);
  const opened = crypto.chacha20poly1305OpenEach(CHUNK_KEY, EACH_NONCES, sealed, EACH_SIZE + 16);
  assert.equal(toHex(opened), toHex(EACH_PLAINTEXT));
  assert.equal(crypto.chacha20poly1305OpenEach(CHUNK_KEY, new Uint8Array(), new Uint8Array(), 116).length, 0);
});

test("ChaCha20-Poly1305 of many messages takes an empty last one (age's empty final chunk)", () => {
  const data = EACH_PLAINTEXT.subarray(0, 2 * EACH_SIZE);
  const sealed = crypto.chacha20poly1305SealEach(CHUNK_KEY, EACH_NONCES, data, EACH_SIZE);
  assert.equal(toHex(sealed), toHex(oneByOne(crypto.chacha20poly1305Seal, CHUNK_KEY, EACH_NONCES, data, EACH_SIZE)));
  assert.equal(sealed.length, 2 * EACH_SIZE + 3 * 16);
  assert.equal(toHex(crypto.chacha20poly1305OpenEach(CHUNK_KEY, EACH_NONCES, sealed, EACH_SIZE + 16)), toHex(data));
});

test("ChaCha20-Poly1305 opening many messages gives null if any one is forged", () => {
  const sealed = crypto.chacha20poly1305SealEach(CHUNK_KEY, EACH_NONCES, EACH_PLAINTEXT, EACH_SIZE);
  for (const index of [0, EACH_SIZE + 16 + 5, sealed.length - 1]) {
    const forged = sealed.slice();
    forged[index] ^= 1;
    assert.equal(crypto.chacha20poly1305OpenEach(CHUNK_KEY, EACH_NONCES, forged, EACH_SIZE + 16), null, `byte ${index}`);
  }
  // Messages swapped: each under the other's nonce.
  const swapped = Buffer.concat([sealed.subarray(116, 232), sealed.subarray(0, 116), sealed.subarray(232)]);
  assert.equal(crypto.chacha20poly1305OpenEach(CHUNK_KEY, EACH_NONCES, swapped, EACH_SIZE + 16), null);
});

test("ChaCha20-Poly1305 of many messages throws when the nonces do not fit the data", () => {
  const seal = (nonces, data, size) => () => crypto.chacha20poly1305SealEach(CHUNK_KEY, nonces, data, size);
  assert.throws(seal(EACH_NONCES.subarray(0, 24), EACH_PLAINTEXT, EACH_SIZE), RangeError); // too few nonces
  assert.throws(seal(EACH_NONCES, EACH_PLAINTEXT.subarray(0, 199), EACH_SIZE), RangeError); // too many
  assert.throws(seal(EACH_NONCES.subarray(0, 30), EACH_PLAINTEXT, EACH_SIZE), RangeError); // not whole nonces
  assert.throws(seal(EACH_NONCES, EACH_PLAINTEXT, 0), RangeError);
  assert.throws(seal(EACH_NONCES, [1, 2, 3], EACH_SIZE), TypeError);
});

test("ChaCha20-Poly1305 throws for a wrong argument (a bug, not a forgery)", () => {
  const plaintext = new Uint8Array(4);
  assert.throws(() => crypto.chacha20poly1305Seal(new Uint8Array(16), RFC8439_NONCE, plaintext), RangeError);
  assert.throws(() => crypto.chacha20poly1305Seal(RFC8439_KEY, new Uint8Array(8), plaintext), RangeError);
  assert.throws(() => crypto.chacha20poly1305Open(RFC8439_KEY, new Uint8Array(24), RFC8439_SEALED), RangeError);
  assert.throws(() => crypto.chacha20poly1305Seal(RFC8439_KEY, RFC8439_NONCE, "text"), TypeError);
  assert.throws(() => crypto.chacha20poly1305Open([...RFC8439_KEY], RFC8439_NONCE, RFC8439_SEALED), TypeError);
});

// --- X25519 --------------------------------------------------------------------------

test("X25519 gives the RFC 7748 §5.2 answers (the second point has its top bit set)", () => {
  const vectors = [
    [
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ],
    [
      "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ],
  ];
  for (const [scalar, point, expected] of vectors) {
    assert.equal(toHex(crypto.x25519(hex(scalar), hex(point))), expected);
  }
});

test("X25519 iterated 1 and 1000 times gives the RFC 7748 §5.2 answers", () => {
  let k = hex("09".padEnd(64, "0"));
  let u = k;
  for (let i = 1; i <= 1000; i++) {
    [k, u] = [crypto.x25519(k, u), k];
    if (i === 1) {
      assert.equal(toHex(k), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  assert.equal(toHex(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
});

test("X25519 performs the RFC 7748 §6.1 Diffie-Hellman", () => {
  const basepoint = hex("09".padEnd(64, "0"));
  const alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bob = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const alicePublic = crypto.x25519(alice, basepoint);
  const bobPublic = crypto.x25519(bob, basepoint);
  assert.equal(toHex(alicePublic), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  assert.equal(toHex(bobPublic), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  assert.equal(toHex(crypto.x25519(alice, bobPublic)), shared);
  assert.equal(toHex(crypto.x25519(bob, alicePublic)), shared);
});

test("X25519 with a low-order point gives 32 zero bytes instead of throwing", () => {
  // The points of order 1, 2, 4 and 8 and the non-canonical encodings p-1, p, p+1.
  const lowOrder = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ];
  const scalar = hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
  for (const point of lowOrder) {
    const result = crypto.x25519(scalar, hex(point));
    assert.ok(result instanceof Uint8Array, point);
    assert.equal(toHex(result), "00".repeat(32), point);
  }
});

test("X25519 throws for a wrong argument", () => {
  assert.throws(() => crypto.x25519(new Uint8Array(31), new Uint8Array(32)), RangeError);
  assert.throws(() => crypto.x25519(new Uint8Array(32), new Uint8Array(33)), RangeError);
  assert.throws(() => crypto.x25519(new Uint8Array(32), "9"), TypeError);
});

// --- scrypt --------------------------------------------------------------------------

test("scrypt gives the RFC 7914 §12 answer (N = 16384, r = 8, p = 1), synchronously", () => {
  const derived = crypto.scrypt(ascii("pleaseletmein"), ascii("SodiumChloride"), 14);
  assert.ok(derived instanceof Uint8Array, "a value, not a Promise: Python cannot await");
  // The RFC's 64-byte output, first 32 bytes (dkLen only truncates PBKDF2's output).
  assert.equal(toHex(derived), "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2");
});

test("scrypt with an age-style salt matches OpenSSL", () => {
  const salt = Uint8Array.from([...ascii("age-encryption.org/v1/scrypt"), ...Array(16).keys()]);
  const derived = crypto.scrypt(ascii("correct horse battery staple"), salt, 10);
  assert.equal(toHex(derived), "39c53f3f8d2ecada70aa0eac1cb082d1666f41caa7734470ad19c5706e719ec6");
  const empty = crypto.scrypt(new Uint8Array(), new Uint8Array(), 1);
  assert.equal(toHex(empty), "ec57b472d742138d12501bc49372377b3b96d6a2ff9f6a53e769a63c429a1792");
});

test("scrypt throws for a work factor it cannot compute, and for wrong types", () => {
  for (const logN of [0, -1, 1.5, 23, "18"]) {
    assert.throws(() => crypto.scrypt(ascii("p"), ascii("s"), logN), RangeError, String(logN));
  }
  assert.throws(() => crypto.scrypt("p", ascii("s"), 10), TypeError);
});

// --- ML-KEM-768 ----------------------------------------------------------------------

const MLKEM = JSON.parse(readFileSync(new URL("mlkem768-known-answers.json", import.meta.url), "utf8"));

const flipFirstByte = (bytes) => Uint8Array.from(bytes, (byte, i) => (i === 0 ? byte ^ 1 : byte));

test("ML-KEM-768 derives OpenSSL's encapsulation key from a seed d || z", () => {
  assert.ok(MLKEM.cases.length >= 2);
  for (const { seed, publicKeySha256 } of MLKEM.cases) {
    const publicKey = crypto.mlkem768PublicKey(hex(seed));
    assert.ok(publicKey instanceof Uint8Array);
    assert.equal(publicKey.length, 1184);
    assert.equal(sha256(publicKey), publicKeySha256, seed);
  }
});

test("ML-KEM-768 decapsulates OpenSSL's ciphertext to OpenSSL's shared secret", () => {
  for (const { seed, ciphertext, sharedSecret } of MLKEM.cases) {
    assert.equal(toHex(crypto.mlkem768Decapsulate(hex(seed), hex(ciphertext))), sharedSecret, seed);
  }
});

test("ML-KEM-768 turns a forged ciphertext into OpenSSL's implicit-rejection secret, not an error", () => {
  for (const { seed, ciphertext, sharedSecret, forgedSharedSecret } of MLKEM.cases) {
    const secret = toHex(crypto.mlkem768Decapsulate(hex(seed), flipFirstByte(hex(ciphertext))));
    assert.notEqual(secret, sharedSecret, seed);
    assert.equal(secret, forgedSharedSecret, seed);
  }
});

test("ML-KEM-768 encapsulates to a key so that its seed decapsulates the same secret", () => {
  const seed = hex(MLKEM.cases[0].seed);
  const publicKey = crypto.mlkem768PublicKey(seed);
  const first = crypto.mlkem768Encapsulate(publicKey);
  const second = crypto.mlkem768Encapsulate(publicKey);
  for (const { sharedSecret, ciphertext } of [first, second]) {
    assert.ok(sharedSecret instanceof Uint8Array && ciphertext instanceof Uint8Array);
    assert.equal(sharedSecret.length, 32);
    assert.equal(ciphertext.length, 1088);
    assert.equal(toHex(crypto.mlkem768Decapsulate(seed, ciphertext)), toHex(sharedSecret));
  }
  // Fresh randomness each time: the same secret twice would be a broken random source.
  assert.notEqual(toHex(first.sharedSecret), toHex(second.sharedSecret));
  assert.notEqual(toHex(first.ciphertext), toHex(second.ciphertext));
  const other = hex(MLKEM.cases[1].seed);
  assert.notEqual(toHex(crypto.mlkem768Decapsulate(other, first.ciphertext)), toHex(first.sharedSecret));
});

test("ML-KEM-768 encapsulation to a key that fails the FIPS 203 modulus check gives null", () => {
  const publicKey = crypto.mlkem768PublicKey(hex(MLKEM.cases[0].seed));
  // The first 12-bit coefficient becomes 0xFFF, above ML-KEM's modulus 3329.
  const bad = Uint8Array.from(publicKey, (byte, i) => (i === 0 ? 0xff : i === 1 ? byte | 0x0f : byte));
  assert.equal(crypto.mlkem768Encapsulate(bad), null);
});

test("ML-KEM-768 throws for a wrong argument", () => {
  const seed = hex(MLKEM.cases[0].seed);
  const ciphertext = hex(MLKEM.cases[0].ciphertext);
  const publicKey = crypto.mlkem768PublicKey(seed);
  assert.throws(() => crypto.mlkem768PublicKey(seed.subarray(0, 32)), RangeError);
  assert.throws(() => crypto.mlkem768PublicKey([...seed]), TypeError);
  assert.throws(() => crypto.mlkem768Encapsulate(publicKey.subarray(0, 1183)), RangeError);
  assert.throws(() => crypto.mlkem768Encapsulate(Uint8Array.from([...publicKey, 0])), RangeError);
  assert.throws(() => crypto.mlkem768Encapsulate("age1pq1"), TypeError);
  assert.throws(() => crypto.mlkem768Decapsulate(seed, ciphertext.subarray(1)), RangeError);
  assert.throws(() => crypto.mlkem768Decapsulate(seed.subarray(1), ciphertext), RangeError);
  assert.throws(() => crypto.mlkem768Decapsulate(seed, [...ciphertext]), TypeError);
});
