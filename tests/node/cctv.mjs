// The C2SP CCTV age vectors through the age layer on the page's JS backend.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { js, ROOT } from "./boot.mjs";
import { plainBytes } from "./fake_files.mjs";
import { check, test } from "./harness.mjs";

/**
 * Run every vector of build/cctv (written by tests/tools/dump_cctv.mjs) through
 * pyodide_checks.check; return the counts: passed, post-quantum refused, failures.
 */
export async function checkCctvVectors(checks) {
  const cctv = { pass: 0, hybridRefused: 0, fail: [] };
  await test("CCTV vectors with the JS backend", () => {
    const dir = join(ROOT, "build/cctv");
    check(
      existsSync(dir) && readdirSync(dir).length,
      "no CCTV vectors in build/cctv: run `node tests/tools/dump_cctv.mjs build/cctv` (scripts/test does)",
    );
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const { result, detail } = js(checks.check(plainBytes(readFileSync(join(dir, name)))));
      if (result === "pass") cctv.pass += 1;
      else if (result === "hybrid-refused") cctv.hybridRefused += 1;
      else cctv.fail.push(`${name}: ${detail}`);
    }
    check(cctv.fail.length === 0, `failed:\n${cctv.fail.join("\n")}`);
    check(names.length === 143, `${names.length} vectors, not 143`);
    check(cctv.hybridRefused === 19, `${cctv.hybridRefused} post-quantum vectors refused, not 19`);
    return `${cctv.pass} passed, ${cctv.hybridRefused} post-quantum refused (no ML-KEM), of ${names.length}`;
  });

  return cctv;
}
