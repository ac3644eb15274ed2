// The keys view ("My key"): make a key pair, copy the public key, save the identity file.

import { $, download, setState } from "./dom.js";

let identityFile = "";

/** Wire the keys view's buttons to `api`, the page's requests to its worker (api.js). */
export function setUpKeys(api) {
  $("keygen").addEventListener("click", async () => {
    const key = await api.call("keygen");
    identityFile = key.identity_file;
    $("public-key").value = key.public_key;
    $("key-result").hidden = false;
    setState("done", "New key generated. Save your identity file now.");
  });

  $("copy-public-key").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("public-key").value);
    } catch {
      // No clipboard API on plain-http intranet pages: select for Ctrl+C instead.
      $("public-key").select();
    }
  });

  $("save-identity").addEventListener("click", () => {
    download(new Blob([identityFile], { type: "text/plain" }), "orthoshare-identity.txt");
  });
}
