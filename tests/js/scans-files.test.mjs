// What the scan viewer (web/scans.js) decides before three.js sees a byte: whether an
// STL's triangles or a PLY's vertices and faces fit in its file (a header may claim any
// count, and the loaders would allocate or loop for it), and which files of the records
// are scans and which are parts of one.
//   node --test tests/js/

import { test } from "node:test";
import assert from "node:assert/strict";

import { inspectPly, inspectStl, mtlNames, planScans } from "../../web/scans.js";

// The first 84 bytes of a binary STL whose header says `triangles`, its text `words`.
function binaryHead(triangles, words = "made by a scanner") {
  const head = new Uint8Array(84);
  head.set(new TextEncoder().encode(words));
  new DataView(head.buffer).setUint32(80, triangles, true);
  return head;
}

test("a binary STL whose triangles exactly fill the file is binary with that count", () => {
  assert.deepEqual(inspectStl(binaryHead(1000), 84 + 50 * 1000), { format: "binary", triangles: 1000 });
});

test("a binary STL that declares more triangles than its size holds is damaged", () => {
  assert.deepEqual(inspectStl(binaryHead(1_000_000), 84 + 50 * 10), { problem: "declares-more" });
  assert.deepEqual(inspectStl(binaryHead(0xffffffff), 84 + 50 * 10), { problem: "declares-more" });
});

test("a binary STL with bytes after its triangles draws the triangles it declares", () => {
  assert.deepEqual(inspectStl(binaryHead(10), 84 + 50 * 10 + 7), { format: "binary", triangles: 10 });
});

test("a binary STL whose header begins with 'solid' is still binary when its size says so", () => {
  assert.deepEqual(inspectStl(binaryHead(3, "solid part"), 84 + 150), { format: "binary", triangles: 3 });
});

test("a file beginning with 'solid' whose size does not fit a binary count is ASCII", () => {
  const text = new TextEncoder().encode(`solid arch\n${"facet normal 0 0 1\n".repeat(10)}`);
  assert.deepEqual(inspectStl(text.subarray(0, 84), text.length), { format: "ascii" });
  const short = new TextEncoder().encode("  solid x\nendsolid x\n");
  assert.deepEqual(inspectStl(short, short.length), { format: "ascii" });
});

test("a binary STL shorter than its header, or with no triangles, is damaged", () => {
  assert.deepEqual(inspectStl(new Uint8Array(40), 40), { problem: "short" });
  assert.deepEqual(inspectStl(binaryHead(0), 84), { problem: "empty" });
});

test("STL, OBJ and PLY files are scans; MTLs and pictures are parts of one; others cannot be drawn", () => {
  const item = (name) => ({ name, path: `SCANS/${name}`, blob: null, mediaType: "" });
  const { scans, byName } = planScans(["Upper.STL", "bite.obj", "bite.mtl", "Tex.PNG", "arch.ply", "notes.3mf"].map(item));
  assert.deepEqual(
    scans.map((scan) => [scan.item.name, scan.format]),
    [["Upper.STL", "stl"], ["bite.obj", "obj"], ["arch.ply", "ply"], ["notes.3mf", "other"]],
  );
  assert.deepEqual([...byName.keys()], ["upper.stl", "bite.obj", "bite.mtl", "tex.png", "arch.ply", "notes.3mf"]);
});

test("an OBJ's MTL is the file its mtllib names, by file name only, else one beside it", () => {
  assert.deepEqual(mtlNames("# x\nmtllib ..\\\\exports/Colour.mtl  \nv 0 0 0\n", "scan.obj"), ["colour.mtl", "scan.mtl"]);
  assert.deepEqual(mtlNames("v 0 0 0\n", "Lower Arch.obj"), ["lower arch.mtl"]);
});

// A PLY file: its header lines, then `body` (bytes or text).
function ply(lines, body = "") {
  const header = new TextEncoder().encode(`ply\n${lines.join("\n")}\nend_header\n`);
  const rest = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const bytes = new Uint8Array(header.length + rest.length);
  bytes.set(header);
  bytes.set(rest, header.length);
  return bytes;
}

const TRIANGLE_HEADER = (format, vertices, faces) => [
  `format ${format} 1.0`,
  "comment made by a scanner",
  `element vertex ${vertices}`,
  "property float x",
  "property float y",
  "property float z",
  `element face ${faces}`,
  "property list uchar int vertex_indices",
];

test("a binary PLY whose vertices and faces fit in the file is binary with its face count", () => {
  const bytes = ply(TRIANGLE_HEADER("binary_little_endian", 3, 1), new Uint8Array(3 * 12 + 1 + 3 * 4));
  assert.deepEqual(inspectPly(bytes, bytes.length), { format: "binary", faces: 1 });
});

test("a PLY that declares more vertices or faces than its bytes hold is damaged", () => {
  const binary = ply(TRIANGLE_HEADER("binary_little_endian", 3_000_000, 1), new Uint8Array(49));
  assert.deepEqual(inspectPly(binary, binary.length), { problem: "declares-more" });
  const ascii = ply(TRIANGLE_HEADER("ascii", 3, 1_000_000), "0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n");
  assert.deepEqual(inspectPly(ascii, ascii.length), { problem: "declares-more" });
});

test("an ASCII PLY whose values fit in it is ASCII", () => {
  const ascii = ply(TRIANGLE_HEADER("ascii", 3, 1), "0 0 0\n1 0 0\n0 1 0\n3 0 1 2");
  assert.deepEqual(inspectPly(ascii, ascii.length), { format: "ascii", faces: 1 });
});

test("a PLY header that never ends, names no format, an unknown type or an element without values is refused", () => {
  const endless = new TextEncoder().encode(`ply\nformat ascii 1.0\n${"comment x\n".repeat(10_000)}`);
  assert.deepEqual(inspectPly(endless, endless.length), { problem: "header" });
  for (const lines of [
    TRIANGLE_HEADER("ascii", 3, 1).slice(1),
    ["format ascii 1.0", "element vertex 3", "property quaternion x"],
    ["format binary_little_endian 1.0", "element nothing 4294967295", "element vertex 0", "property float x"],
  ]) {
    const bytes = ply(lines, "0 0 0");
    assert.deepEqual(inspectPly(bytes, bytes.length), { problem: "header" }, lines.join(" / "));
  }
});
