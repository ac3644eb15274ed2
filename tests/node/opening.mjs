// Opening as the page does with its cipher worker (web/cipher.js): Python plans the
// payload (begin_opening), the page's crypto module opens each batch as planned, Python
// takes the plaintext in order (Opening.feed) and verifies it (finish), or says why a
// batch did not open (failed). The result and every error must be open_'s.

import { js } from "./boot.mjs";
import { checkOpened, openSealed, sealToBuffer } from "./bundles.mjs";
import { FakeFile, HeldRecords, readSlice } from "./fake_files.mjs";
import { check, test } from "./harness.mjs";

const ENCRYPTED_CHUNK = 65536 + 16;

/** Open `sealed` as the page's two workers do; {begun} when it cannot be planned. */
function openAsPlanned(browser, crypto, sealed, request) {
  const records = new HeldRecords();
  const file = new FakeFile("planned.zip.age", sealed);
  const begun = js(browser.begin_opening(file, JSON.stringify(request), readSlice, records));
  if (begun.error || !begun.opening) return { begun };
  const { opening, key, batches, chunk } = begun;
  try {
    for (const [index, [offset, length, nonces]] of batches.entries()) {
      const plaintext = crypto.chacha20poly1305OpenEach(key, nonces, sealed.subarray(offset, offset + length), chunk);
      if (plaintext === null) return { result: js(opening.failed(index)), batches };
      opening.feed(plaintext, index);
    }
    const result = js(opening.finish());
    return { result: result.error ? result : { ...result, bundle: records.blob() }, batches };
  } finally {
    opening.close();
    opening.destroy();
  }
}

function flipped(bytes, at) {
  const copy = Buffer.from(bytes);
  copy[at] ^= 1;
  return copy;
}

export async function checkOpeningAsPlanned({ browser, crypto, files, alice }) {
  const request = { identities: alice.identity_file };
  const { result: sealedResult, sealed } = sealToBuffer(browser, files, { recipients: [alice.public_key] });
  check(!sealedResult.error, JSON.stringify(sealedResult.error));

  await test("opening as planned gives open_'s result, batch by batch", async () => {
    const { result, batches, begun } = openAsPlanned(browser, crypto, sealed, request);
    check(!begun, `not planned: ${JSON.stringify(begun)}`);
    check(batches.length > 2 && batches.every(([, length]) => length <= 8 * ENCRYPTED_CHUNK), `${batches.length} batches`);
    const alone = openSealed(browser, "alone.zip.age", sealed, request);
    check(JSON.stringify(result.entries) === JSON.stringify(alone.entries), "entries differ from open_'s");
    check(JSON.stringify(result.layout) === JSON.stringify(alone.layout), "layout differs from open_'s");
    await checkOpened(result, files);
    return `${batches.length} batches`;
  });

  await test("a payload damaged or cut short fails as planned with open_'s error", () => {
    const last = sealed.length - 1;
    const damaged = {
      "a byte of the third batch": flipped(sealed, sealed.length - 3 * 8 * ENCRYPTED_CHUNK),
      "the last byte": flipped(sealed, last),
      "cut short": sealed.subarray(0, last - 100),
      "a byte more": Buffer.concat([sealed, Buffer.alloc(1)]),
    };
    for (const [what, bytes] of Object.entries(damaged)) {
      const { result } = openAsPlanned(browser, crypto, bytes, request);
      const alone = openSealed(browser, "alone.zip.age", bytes, request);
      check(result?.error?.kind === "PayloadError", `${what}: ${JSON.stringify(result?.error)}`);
      check(result.error.message === alone.error.message, `${what}: "${result.error.message}", not "${alone.error.message}"`);
    }
  });

  await test("what cannot be planned is left to open_: armor, a last chunk only trying tells", () => {
    const armored = sealToBuffer(browser, files.slice(0, 2), { recipients: [alice.public_key], armor: true }).sealed;
    const payload = sealed.length - (sealed.indexOf("\n--- ") + 5 + 43 + 1 + 16);
    const atAChunk = sealed.subarray(0, sealed.length - (payload % ENCRYPTED_CHUNK));
    for (const [what, bytes] of [["armored", armored], ["cut after a full chunk", atAChunk]]) {
      const { begun } = openAsPlanned(browser, crypto, bytes, request);
      check(begun && !begun.error && !begun.opening, `${what}: ${JSON.stringify(begun)}`);
    }
    const wrongKey = openAsPlanned(browser, crypto, sealed, { passphrase: "not the key" }).begun;
    check(wrongKey?.error?.kind === "NoIdentityMatchError", `a wrong secret: ${JSON.stringify(wrongKey)}`);
  });
}
