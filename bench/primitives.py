"""The page's primitives alone, in its own wasm: what they do per second on this machine.

How to run (after scripts/test has installed everything, Debian's chromium included)::

    .venv/bin/python bench/primitives.py [--runs 3]

It builds the site, serves the page bench's limits page (bench/page/limits-bench.html:
the built site's web/crypto.js and the site's Pyodide, in one module worker) on
127.0.0.1, opens it in Debian's headless Chromium and prints, with the machine's facts,
the best of ``--runs`` runs of:

- ChaCha20-Poly1305: libsodium as web/crypto.js bundles it, 256 MB sealed 1 MiB a call
  in age's 64 KiB chunks (``chacha20poly1305SealEach``);
- SHA-256: Python's hashlib in Pyodide, 256 MB updated 1 MiB at a time;
- both one after the other, on one core: the most the page could seal or open at on
  one core, whatever else it did.

These are the figures the project quotes for its primitives: quote them with the
machine and date printed. ``bench/page_bench.py`` prints the same rows beside the
page and typage, as ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

# bench/page/: importable because Python puts the script's own folder first on sys.path.
from page.driver import Browsing
from page.limits import LIMIT_BYTES, build_limits_page, limits_in_page
from page.machine import WORK, machine_facts
from page.records import MB
from page.site import build_site, serving
from playwright.sync_api import sync_playwright


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each; the best is kept")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    facts = machine_facts(incognito=False)
    limits_page = build_limits_page(build_site())
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(serving(limits_page))
        browsing = Browsing(stack.enter_context(sync_playwright()), incognito=False)
        stack.callback(browsing.close)
        found = limits_in_page(browsing, url, args.runs)
    for name, value in facts.items():
        print(f"{name + ':':<14}{value}")
    print(
        f"runs:         {args.runs}, the best kept; {LIMIT_BYTES / MB:.0f} MB each; MB = 10^6 bytes"
    )
    both = 1 / (1 / found.chacha20poly1305 + 1 / found.sha256)
    for what, throughput in (
        ("ChaCha20-Poly1305 (libsodium, web/crypto.js)", found.chacha20poly1305),
        ("SHA-256 (hashlib in Pyodide)", found.sha256),
        ("both, one after the other, one core", both),
    ):
        print(f"{what:<48}{throughput:8.1f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
