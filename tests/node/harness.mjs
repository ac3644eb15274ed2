// A tiny harness for run.mjs: each check prints one line, and the results are kept for
// the summary and the exit code.

import { createHash } from "node:crypto";

/** Every check run so far: {name, ok, ms}. */
export const results = [];

/**
 * Run the check `body` and print its outcome, with the note it returns if any; a
 * failure is recorded and printed, not thrown.
 */
export async function test(name, body) {
  const started = performance.now();
  try {
    const note = await body();
    const ms = performance.now() - started;
    results.push({ name, ok: true, ms });
    console.log(`ok    ${name} (${(ms / 1000).toFixed(2)} s)${note ? ` — ${note}` : ""}`);
  } catch (error) {
    results.push({ name, ok: false, ms: performance.now() - started });
    console.log(`FAIL  ${name}\n      ${String(error?.stack ?? error).replaceAll("\n", "\n      ")}`);
  }
}

/** Throw `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Whether a typed array holds the same bytes as a Buffer. */
export function equalBytes(a, b) {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b)) === 0;
}

/** The hex sha256 of some bytes. */
export const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
