// The site's module worker: loads everything from this site (the Pyodide core, our
// wheel as listed in build-info.json, the bundled crypto primitives) and leaves the
// rest to service.js, which the single file's worker shares. Started under the name
// CIPHER, it is the page's cipher worker instead (cipher.js).

import { loadPyodide } from "../pyodide/pyodide.mjs";
import { CIPHER, serveCipher } from "./cipher.js";
import * as crypto from "./crypto.js";
import { serve, wheelsIn } from "./service.js";

const SITE = new URL("../", import.meta.url);

if (self.name === CIPHER) serveCipher(crypto);
else serve({
  loadPyodide: () => loadPyodide({ indexURL: new URL("pyodide/", SITE).href }),
  async wheelUrls() {
    const info = await (await fetch(new URL("build-info.json", SITE))).json();
    const { boot, later } = wheelsIn(info.files.map((file) => file.path));
    const url = (path) => new URL(path, SITE).href;
    return { boot: boot.map(url), later: later.map(url) };
  },
  crypto: async () => crypto,
});
