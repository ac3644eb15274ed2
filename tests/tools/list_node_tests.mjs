// Lists the tests that node:test files define, without running any of them.
//
//   node tests/tools/list_node_tests.mjs FILE...
//
// Each file is imported with node:test replaced by a recorder: test() notes its name and
// nothing else (no body, no before or after hook runs), so tests defined in loops are
// counted as the runner counts them, and without the work their hooks do. Prints a JSON
// object: each file as given, with the names of the tests it defines, in order. A file
// using a part of node:test the recorder lacks fails to import, loudly, rather than
// being miscounted.

import { register } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const RECORDER = `
export function test(name) { globalThis.definedTests.push(String(name)); }
export function before() {}
export function after() {}
export function beforeEach() {}
export function afterEach() {}
`;
const HOOKS = `
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "node:test") {
    return { url: ${JSON.stringify(`data:text/javascript,${encodeURIComponent(RECORDER)}`)}, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);

const defined = {};
for (const file of process.argv.slice(2)) {
  globalThis.definedTests = [];
  await import(pathToFileURL(resolve(file)).href);
  defined[file] = globalThis.definedTests;
}
console.log(JSON.stringify(defined));
