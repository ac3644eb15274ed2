"""Turning a camera photo upright, losslessly, on CPython and in Pyodide (a benchmark).

How to run (after scripts/test has installed everything: libjpeg-turbo's ``cjpeg``, node
and Pyodide from node_modules)::

    .venv/bin/python bench/upright_bench.py [--width 4032 --height 3024 --quality 90]

It draws a photo-sized picture (gradients, squares and noise), encodes it with
``cjpeg`` (4:2:0, the camera default), and times
:func:`orthoshare.dicom.jpegtran.upright` for EXIF orientations 6 (a camera held
upright) and 3 (upside down), three runs each, on CPython and in Pyodide under Node
(the page's Python, without the browser around it). It prints the seconds of each
run and the JPEG's size before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "py"))

from orthoshare.dicom.jpegtran import upright  # noqa: E402

ORIENTATIONS = (6, 3)
RUNS = 3
_PYODIDE = """
import { readFileSync } from "node:fs";
import { bootPyodide } from "%(boot)s";
const pyodide = await bootPyodide();
pyodide.FS.writeFile("/photo.jpg", readFileSync(process.argv[2]));
console.log(pyodide.runPython(`
import json, time
from orthoshare.dicom.jpegtran import upright
data = open("/photo.jpg", "rb").read()
runs = {}
for orientation in %(orientations)s:
    runs[orientation] = []
    for _ in range(%(runs)d):
        start = time.perf_counter()
        upright(data, orientation)
        runs[orientation].append(round(time.perf_counter() - start, 2))
json.dumps(runs)
`));
"""


def photo(width: int, height: int, quality: int, folder: Path) -> bytes:
    """A photo-sized JPEG made by cjpeg from a drawn picture."""
    noise = os.urandom(width * 3)
    rows = bytearray(b"P6\n%d %d\n255\n" % (width, height))
    for y in range(height):
        row = bytearray(width * 3)
        for x in range(width):
            square = 96 if (x // 600 + y // 600) % 2 else 0
            row[3 * x : 3 * x + 3] = bytes(
                (x * 255 // width, y * 255 // height, noise[3 * x] // 4 + square)
            )
        rows += row
    (folder / "photo.ppm").write_bytes(rows)
    encoded = subprocess.run(
        ["cjpeg", "-quality", str(quality), str(folder / "photo.ppm")],
        capture_output=True,
        check=True,
    )
    return encoded.stdout


def cpython_runs(data: bytes) -> dict[int, list[float]]:
    runs: dict[int, list[float]] = {}
    for orientation in ORIENTATIONS:
        runs[orientation] = []
        for _ in range(RUNS):
            start = time.perf_counter()
            upright(data, orientation)
            runs[orientation].append(round(time.perf_counter() - start, 2))
    return runs


def pyodide_runs(jpeg: Path, folder: Path) -> dict[int, list[float]]:
    script = folder / "upright.mjs"
    boot = (REPO / "tests" / "node" / "boot.mjs").as_uri()
    values = {"boot": boot, "orientations": ORIENTATIONS, "runs": RUNS}
    script.write_text(_PYODIDE % values)
    done = subprocess.run(["node", str(script), str(jpeg)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pyodide run failed: {done.stderr}")
    return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--width", type=int, default=4032)
    parser.add_argument("--height", type=int, default=3024)
    parser.add_argument("--quality", type=int, default=90)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        data = photo(args.width, args.height, args.quality, folder)
        (folder / "photo.jpg").write_bytes(data)
        turned = {o: len(upright(data, o).jpeg) for o in ORIENTATIONS}
        print(f"photo {args.width}x{args.height}, cjpeg -quality {args.quality}: {len(data)} bytes")
        for where, runs in (
            ("CPython", cpython_runs(data)),
            ("Pyodide (node)", pyodide_runs(folder / "photo.jpg", folder)),
        ):
            for orientation, seconds in runs.items():
                print(
                    f"{where:<15} orientation {orientation}: {seconds} s"
                    f" (out {turned[orientation]} bytes)"
                )


if __name__ == "__main__":
    main()
