// The error results of expected failures: wrong passphrase or key, truncated, not age,
// not a bundle, bad requests, unreadable inputs.

import { randomBytes } from "node:crypto";

import { js } from "./boot.mjs";
import { expectError, HeldOutput, openSealed, sealToBuffer, sealWith } from "./bundles.mjs";
import { FakeFile, plainBytes, readSlice } from "./fake_files.mjs";
import { check, test } from "./harness.mjs";

/** Each failure gives its error kind, a message and a hint, and writes nothing. */
export async function checkErrors({ browser, checks, files, passphrase, alice, byPassphrase, byKey }) {
  await test("errors: wrong passphrase, wrong key, key vs passphrase", () => {
    const wrong = expectError(
      openSealed(browser, "x", byPassphrase.sealed, { passphrase: `${passphrase}x` }),
      "WrongPassphraseError",
      "wrong passphrase",
    );
    check(wrong.hint.includes("passphrase"), `hint: ${wrong.hint}`);
    const carol = js(browser.keygen());
    expectError(openSealed(browser, "k", byKey.sealed, { identities: carol.identity_file }), "NoIdentityMatchError", "wrong key");
    expectError(openSealed(browser, "k", byKey.sealed, { passphrase }), "NoIdentityMatchError", "passphrase for a key file");
    expectError(openSealed(browser, "x", byPassphrase.sealed, { identities: alice.identity_file }), "NoIdentityMatchError", "key for a passphrase file");
    expectError(openSealed(browser, "k", byKey.sealed, { identities: "AGE-SECRET-KEY-1XYZ" }), "KeyFormatError", "bad identity file");
    expectError(openSealed(browser, "k", byKey.sealed, {}), "NoIdentityMatchError", "nothing given");
  });

  await test("errors: truncated, altered, not age, not a bundle", () => {
    const sealed = byKey.sealed;
    const binary = sealToBuffer(browser, files.slice(0, 2), { recipients: [alice.public_key] }).sealed;
    const key = { identities: alice.identity_file };
    expectError(openSealed(browser, "t", binary.subarray(0, binary.length - 17), key), "PayloadError", "truncated payload");
    expectError(openSealed(browser, "t", binary.subarray(0, 40), key), "HeaderError", "truncated header");
    const altered = Buffer.from(binary);
    altered[altered.length - 100] ^= 1;
    const damaged = expectError(openSealed(browser, "a", altered, key), "PayloadError", "altered payload");
    check(damaged.hint.includes("send it again"), damaged.hint);
    const armoredCut = Buffer.from(sealed.toString().replace(/\n(.{10})/, "\n$1\n"));
    expectError(openSealed(browser, "a", armoredCut, key), "ArmorError", "re-wrapped armor");
    const pdf = files[1].data;
    expectError(openSealed(browser, "p", pdf, key), "HeaderError", "a PDF");
    expectError(js(browser.inspect(new FakeFile("p.pdf", pdf), readSlice)), "HeaderError", "inspect a PDF");
    expectError(openSealed(browser, "e", Buffer.alloc(0), key), "HeaderError", "an empty file");
    const notBundle = js(checks.encrypt_for(plainBytes(randomBytes(1000)), alice.public_key));
    check(notBundle instanceof Uint8Array, "encrypt_for did not give bytes");
    const manifest = expectError(openSealed(browser, "n", Buffer.from(notBundle), key), "ManifestError", "not a bundle");
    check(manifest.hint.includes("seal the records again"), manifest.hint);
  });

  await test("errors: bad seal requests write nothing", () => {
    const cases = [
      [{ recipients: [] }, "KeyFormatError", "no recipients"],
      [{ passphrase, recipients: [alice.public_key] }, "KeyFormatError", "passphrase and key"],
      [{ passphrase: "" }, "KeyFormatError", "empty passphrase"],
      [{ recipients: ["age1notakey"] }, "KeyFormatError", "bad key"],
      [{ recipients: [alice.public_key], annotations: [{ view: "XX99" }, null] }, "InputError", "bad view"],
      [{ recipients: [alice.public_key], annotations: [{ kind: "toy" }, null] }, "InputError", "bad kind"],
      [{ recipients: [alice.public_key], annotations: [null] }, "RequestError", "annotation count"],
      [{ recipients: [alice.public_key], details: { patient: { birth_date: "17/05/2010" } } }, "InputError", "bad date"],
      [{ recipients: [alice.public_key], details: { patient: { birthdate: "2010-05-17" } } }, "RequestError", "unknown key"],
      [{ recipients: [alice.public_key], armor: "yes" }, "RequestError", "armor not a bool"],
    ];
    for (const [request, kind, what] of cases) {
      const output = new HeldOutput();
      expectError(sealWith(browser, files.slice(0, 2), request, output), kind, what);
      check(output.pieces.length === 0, `${what}: ${output.pieces.length} pieces written`);
    }
    const bad = js(browser.seal(files, "{not json", readSlice, new HeldOutput(), undefined));
    expectError(bad, "RequestError", "not JSON");
    expectError(sealWith(browser, [], { recipients: [alice.public_key] }, new HeldOutput()), "NoInputsError", "no files");
  });

  await test("errors: an input that cannot be read", () => {
    const gone = new FakeFile("moved.jpg", Buffer.alloc(5000, 1));
    gone.unreadable = true;
    const sealed = sealWith(browser, [files[1], gone], { recipients: [alice.public_key] }, new HeldOutput());
    const error = expectError(sealed, "InputError", "unreadable input");
    check(error.message.includes("moved.jpg"), error.message);
    const described = js(browser.describe([files[0], gone], readSlice));
    check(!described[0].error && described[1].error?.kind === "InputError", JSON.stringify(described));
    expectError(js(browser.inspect(gone, readSlice)), "InputError", "inspect unreadable");
    expectError(openSealed(browser, "x", byPassphrase.sealed, { passphrase: 1 }), "RequestError", "passphrase type");
  });
}
