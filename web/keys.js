// The keys view ("My key"): make a key pair, copy the public key, save the identity file,
// protected by a passphrase unless the user chooses otherwise.

import { $, download, passphraseFields, setState, showError } from "./dom.js";

// The identity file to save, held only in this page's memory, never in its storage.
let identityFile = null;

async function generate(api, passphrase) {
  const message = $("key-message");
  message.textContent = "";
  setState("working", "Generating a key…");
  try {
    const key = passphrase === null ? await api.call("keygen") : await api.call("protectedKeygen", [passphrase]);
    identityFile = { text: key.identity_file, name: passphrase === null ? "orthoshare-identity.txt" : "orthoshare-identity.age" };
    $("public-key").value = key.public_key;
    $("public-key-words").textContent = key.check_words;
    $("key-result").hidden = false;
    // The passphrase is shown once: from now on only the user has it.
    for (const id of ["key-passphrase", "key-passphrase-again"]) {
      $(id).value = "";
      $(id).type = "password";
    }
    $("key-passphrase-strength").textContent = "";
    const protection = passphrase === null ? "without a passphrase" : "protected by your passphrase";
    message.textContent = `New key generated. Save your identity file (${protection}) now.`;
    setState("done", "New key generated. Save your identity file now.");
  } catch (error) {
    showError(message, error);
  }
}

/** Wire the keys view's buttons to `api`, the page's requests to its worker (api.js). */
export function setUpKeys(api) {
  // A generated passphrase is shown only until the key is made (see generate).
  passphraseFields(api, "key-passphrase", "generate-key-passphrase");

  $("keygen-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const passphrase = $("key-passphrase").value;
    if (!passphrase) {
      showError($("key-message"), { message: "type or generate a passphrase for your identity file" });
      return $("key-passphrase").focus();
    }
    if (passphrase !== $("key-passphrase-again").value) {
      showError($("key-message"), { message: "the two passphrases differ" });
      return $("key-passphrase-again").focus();
    }
    generate(api, passphrase);
  });

  $("keygen-unprotected").addEventListener("click", () => generate(api, null));

  $("copy-public-key").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("public-key").value);
    } catch {
      // No clipboard API on plain-http intranet pages: select for Ctrl+C instead.
      $("public-key").select();
    }
  });

  $("save-identity").addEventListener("click", () => {
    download(new Blob([identityFile.text], { type: "text/plain" }), identityFile.name);
  });
}
