"""The hardware limit of the page's work, measured on this machine in the same Chromium.

The page's cipher is libsodium's ChaCha20-Poly1305 (web/crypto.js as build.py bundles
it) and its SHA-256 is Python's hashlib in Pyodide, both in its one worker. A bench page
of its own (limits-bench.html, limits-bench.js, limits-worker.js) runs each alone on one
core, in one module worker, on data made in the worker, with the site's own files:
whatever the page does besides, it cannot seal or open faster than both of these one
after the other.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .driver import Browsing, fresh_page
from .machine import BENCH, REPO
from .records import MB

LIMIT_BYTES = 256 * MB  # each of the cipher and the hash, every run
PAGE_FILES = (
    "limits-bench.js",
    "limits-worker.js",
    "bare-pyodide.js",
    "bare-pyodide-worker.js",
)
#: The bare Pyodide page, beside the limits page: boot's floor (see report.boot_rows).
BARE_PYODIDE = "bare-pyodide.html"


def build_limits_page(dist: Path) -> Path:
    """The bench pages (the limits, a bare Pyodide page) beside the built site's crypto.js
    and Pyodide, to be served alone."""
    folder = BENCH / "limits"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = REPO / "bench" / "page"
    shutil.copyfile(source / "limits-bench.html", folder / "index.html")
    shutil.copyfile(source / BARE_PYODIDE, folder / BARE_PYODIDE)
    for name in PAGE_FILES:
        shutil.copyfile(source / name, folder / name)
    shutil.copyfile(dist / "web" / "crypto.js", folder / "crypto.js")
    # Relative, so that the folder keeps working wherever the repository is.
    (folder / "pyodide").symlink_to(os.path.relpath(dist / "pyodide", folder))
    return folder


@dataclass(frozen=True)
class Limits:
    """Throughputs in MB/s of input, the best of the runs (the least disturbed)."""

    chacha20poly1305: float
    sha256: float


def limits_in_page(browsing: Browsing, url: str, runs: int) -> Limits:
    with fresh_page(browsing, url) as (page, _):
        measured = [
            page.evaluate("bytes => limitsBench.run(bytes)", LIMIT_BYTES) for _ in range(runs)
        ]

    def fastest(name: str) -> float:
        return max(float(run[name]["bytes"]) / MB / float(run[name]["seconds"]) for run in measured)

    return Limits(fastest("chacha20poly1305"), fastest("sha256"))
