// Writes every C2SP CCTV age vector from the cctv-age package to <dir>/<vector name>.
// The folder is emptied first so a vector dropped by a package update cannot linger.
import * as vectors from "cctv-age";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node dump_cctv.mjs <output dir>");
  process.exit(2);
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const names = Object.keys(vectors);
for (const name of names) {
  writeFileSync(join(dir, name), vectors[name]);
}
console.log(`wrote ${names.length} CCTV vectors to ${dir}`);
