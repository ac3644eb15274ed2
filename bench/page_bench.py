"""The page in a real browser beside typage and the age CLI (a benchmark, not a test).

How to run (after scripts/test has installed everything, Debian's chromium included)::

    .venv/bin/python bench/page_bench.py [--sizes 256,1024] [--workloads mixed,large]
                                         [--quick] [--incognito]

It builds the site (``build.py --out build/bench/dist``), serves it on 127.0.0.1 and
drives Debian's headless Chromium through Playwright as a person would. Every page
opens in a new regular Chromium profile (nothing cached), as in a person's window,
for which Chromium may keep large Blobs on disk; ``--incognito`` opens them in
incognito contexts of one browser instead, for which it never does.
It prints one table and writes it with the details to ``build/bench/page-bench.json``:

- boot: navigation until ``<body data-state="ready">``, for the site over http and
  for the single file (``orthoshare.html``) over file://; median of 3 fresh loads;
  beside them a bare Pyodide page (bench/page/bare-pyodide.html: a worker that loads
  the site's Pyodide and imports hashlib, io, json, zipfile and zlib), over http, and
  each boot as a ratio to it: the seconds move between machines, the ratios less;
- seal and open throughput of the page, for each workload and size, on inputs
  generated once (seeded, so every run sees the same bytes) and sealed to an X25519
  key so that scrypt does not distort it. Seal: click to "done" (the sealed Blob is
  complete then); open: click to "done" (every file verified). The workloads:

  - ``mixed``, mixed records, in ``build/bench/data-<size>/``: a CT series (512 x 512,
    16-bit, noise), binary STL scans, baseline JPEG photos padded with comment
    segments, PDFs of a scanned page;
  - ``large``, one large file, in ``build/bench/data-large-<size>/``: a scanner's
    export, a ZIP of one stored member of noise, which the page keeps as an original
    only (a ZIP is kind "other": no DICOM object is made of it);

- typage (npm age-encryption, the reference TypeScript age) in the same Chromium, on
  a bench page of its own (bench/page/): encrypting the concatenation of the same
  files, streamed, to the same key, keeping the output as the page does; and
  decrypting the age CLI's file of the same bytes (its own file's size and format),
  streamed from disk, as the page reads its file; timed inside the page;
- the native ``age`` CLI on the same concatenated bytes: encrypt and decrypt, best
  of 3 (file to file);
- scrypt at work factor 18: the page seals and opens a tiny file with a passphrase;
  opening it is about one scrypt. typage decrypts the same file for comparison;
- the hardware limit, on a bench page of its own in the same Chromium: the page's
  ChaCha20-Poly1305 (the built site's web/crypto.js, libsodium) and its SHA-256
  (Python's hashlib in the site's Pyodide), 256 MB each, one after the other in one
  worker, so on one core; and both one after the other, the most the page could seal
  a large file at on one core; best of 3;
- peak browser memory during each seal and open, and while saving what was opened
  with "Save all" until the browser has written the file: the sum of Pss of
  Chromium's processes, sampled every 100 ms, as the peak above the idle page and
  absolute (the age CLI: its peak RSS). Each seal and open runs once more for this:
  reading /proc that often slows the browser, so the timed runs are not sampled.

Correctness is checked, not assumed: the page's sealed file is decrypted with
``age -d``, tested with ``unzip -t``, and every input must be in the ZIP byte for
byte (``ORIGINAL/<name>``, DICOM under ``DICOM/``); the ZIP that "Save all" gave must
be as large as the one ``age -d`` made; typage's and the CLI's files must decrypt
with ``age -d`` to the concatenation's sha256. Any mismatch or failure makes the exit
status non-zero; a file of typage's that the browser could not save is a note, not a
failure.

``--quick`` runs the 256 MB size only, of each workload, with one run where there
would be three. The inputs of a workload are deleted and made again whenever
bench/page/records.py or the workload's generator (bench/page/mixed.py,
bench/page/large_file.py) changes.
Units: MB is 10**6 bytes, MB/s is input bytes per second.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
from pathlib import Path

# bench/page/: importable because Python puts the script's own folder first on sys.path.
from page import large_file, mixed, records
from page.driver import Browsing
from page.limits import build_limits_page
from page.machine import AGE, BENCH, CHROMIUM, REPO, UNZIP, WORK, machine_facts
from page.measurements import Bench, Keys, bench_boot, bench_inputs, bench_limits, bench_scrypt
from page.records import Inputs, Workload
from page.report import report
from page.results import Results, note
from page.site import build_site, serving, single_file_alone
from page.typage import build_typage_page
from playwright.sync_api import sync_playwright

DEFAULT_SIZES = "256,1024"
WORKLOADS = {workload.name: workload for workload in (mixed.WORKLOAD, large_file.WORKLOAD)}
REPEAT = 3


def inputs_for(workload: Workload, size_mb: int) -> Inputs:
    """The workload's inputs of this size: made once into build/bench/, then reused."""
    folder = BENCH / f"{workload.folder_prefix}{size_mb}"
    found = records.existing(workload, folder, size_mb)
    if found:
        return found
    note(f"generating {size_mb} MB, {workload.label}, into {folder.relative_to(REPO)}/")
    return records.make(workload, folder, size_mb)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", help=f"input sizes in MB, comma-separated (default {DEFAULT_SIZES})"
    )
    parser.add_argument(
        "--workloads",
        default=",".join(WORKLOADS),
        help=f"what to seal, comma-separated, of {', '.join(WORKLOADS)} (default all)",
    )
    parser.add_argument("--quick", action="store_true", help="256 MB only, one run of everything")
    parser.add_argument(
        "--incognito", action="store_true", help="pages in incognito contexts, not regular profiles"
    )
    args = parser.parse_args()
    text = args.sizes or ("256" if args.quick else DEFAULT_SIZES)
    try:
        args.sizes = [int(size) for size in text.split(",")]
    except ValueError:
        parser.error("--sizes takes whole numbers of MB, e.g. 256,1024")
    if min(args.sizes) < 1:
        parser.error("--sizes must be at least 1 MB")
    names = list(dict.fromkeys(args.workloads.split(",")))  # each once, in the order given
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        parser.error(
            f"--workloads: no workload {', '.join(unknown)}; there are {', '.join(WORKLOADS)}"
        )
    args.workloads = [WORKLOADS[name] for name in names]
    return args


def main() -> int:
    args = parse_args()
    missing = [tool for tool in (CHROMIUM, AGE, UNZIP) if not Path(tool).exists()]
    if missing:
        print(
            f"missing: {', '.join(missing)}; run scripts/test, which installs them", file=sys.stderr
        )
        return 2
    runs = 1 if args.quick else REPEAT
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    dist = build_site()
    single_file = single_file_alone(dist)
    typage_page = build_typage_page()
    limits_page = build_limits_page(dist)
    every_inputs = [
        inputs_for(workload, size) for workload in args.workloads for size in args.sizes
    ]
    results = Results()
    facts = machine_facts(args.incognito)
    with contextlib.ExitStack() as stack:
        site, typage, limits = (
            stack.enter_context(serving(folder)) for folder in (dist, typage_page, limits_page)
        )
        browsing = Browsing(stack.enter_context(sync_playwright()), args.incognito)
        stack.callback(browsing.close)
        bench = Bench(browsing, site, typage, limits, Keys.generate(), runs, results)
        bench_boot(bench, single_file)
        bench_scrypt(bench)
        bench_limits(bench)
        for inputs in every_inputs:
            bench_inputs(bench, inputs)
    report(facts, results, every_inputs, runs)
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
