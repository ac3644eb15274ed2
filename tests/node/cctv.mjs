// The C2SP CCTV age vectors through the age layer on the page's JS backend.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { js, ROOT } from "./boot.mjs";
import { plainBytes } from "./fake_files.mjs";
import { check, test } from "./harness.mjs";

/**
 * Run every vector of build/cctv (written by tests/tools/dump_cctv.mjs) through
 * pyodide_checks.check; return the counts: passed, of them post-quantum, failures.
 */
export async function checkCctvVectors(checks) {
  const cctv = { pass: 0, hybrid: 0, fail: [] };
  await test("CCTV vectors with the JS backend", () => {
    const dir = join(ROOT, "build/cctv");
    check(
      existsSync(dir) && readdirSync(dir).length,
      "no CCTV vectors in build/cctv: run `node tests/tools/dump_cctv.mjs build/cctv` (scripts/test does)",
    );
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const vector = readFileSync(join(dir, name));
      const { result, detail } = js(checks.check(plainBytes(vector)));
      if (result !== "pass") {
        cctv.fail.push(`${name}: ${detail}`);
        continue;
      }
      cctv.pass += 1;
      if (vector.includes("identity: AGE-SECRET-KEY-PQ-")) cctv.hybrid += 1;
    }
    check(cctv.fail.length === 0, `failed:\n${cctv.fail.join("\n")}`);
    check(names.length === 143, `${names.length} vectors, not 143`);
    check(cctv.pass === 143, `${cctv.pass} vectors passed, not 143`);
    check(cctv.hybrid === 19, `${cctv.hybrid} post-quantum vectors passed, not 19`);
    return `${cctv.pass} passed, ${cctv.hybrid} of them post-quantum, of ${names.length}`;
  });

  return cctv;
}
