"""The page in a real browser beside typage and the age CLI (a benchmark, not a test).

How to run (after scripts/test has installed everything, Debian's chromium included)::

    .venv/bin/python bench/page_bench.py [--sizes 256,1024] [--quick] [--incognito]

It builds the site (``build.py --out build/bench/dist``), serves it on 127.0.0.1 and
drives Debian's headless Chromium through Playwright as a person would. Every page
opens in a new regular Chromium profile (nothing cached), as in a person's window,
for which Chromium may keep large Blobs on disk; ``--incognito`` opens them in
incognito contexts of one browser instead, for which it never does.
It prints one table and writes it with the details to ``build/bench/page-bench.json``:

- boot: navigation until ``<body data-state="ready">``, for the site over http and
  for the single file (``orthoshare.html``) over file://; median of 3 fresh loads;
- seal and open throughput of the page, for each size, on mixed records generated
  once (seeded, so every run sees the same bytes) into ``build/bench/data-<size>/``:
  a CT series (512 x 512, 16-bit, noise), binary STL scans, baseline JPEG photos
  padded with comment segments, PDFs of a scanned page; sealed to an X25519 key
  so that scrypt does not distort it. Seal: click to "done" (the sealed Blob is
  complete then); open: click to "done" (every file verified);
- typage (npm age-encryption, the reference TypeScript age) in the same Chromium, on
  a bench page of its own (bench/page/): encrypting the concatenation of the same
  files, streamed, to the same key, keeping the output as the page does; and
  decrypting the age CLI's file of the same bytes (its own file's size and format),
  streamed from disk, as the page reads its file; timed inside the page;
- the native ``age`` CLI on the same concatenated bytes: encrypt and decrypt, best
  of 3 (file to file);
- scrypt at work factor 18: the page seals and opens a tiny file with a passphrase;
  opening it is about one scrypt. typage decrypts the same file for comparison;
- peak browser memory during each seal and open: the sum of Pss of Chromium's
  processes, sampled every 100 ms, as the peak above the idle page and absolute
  (the age CLI: its peak RSS). Each seal and open runs once more for this: reading
  /proc that often slows the browser, so the timed runs are not sampled.

Correctness is checked, not assumed: the page's sealed file is decrypted with
``age -d``, tested with ``unzip -t``, and every input must be in the ZIP byte for
byte (``ORIGINAL/<name>``, DICOM under ``DICOM/``); typage's and the CLI's files
must decrypt with ``age -d`` to the concatenation's sha256. Any mismatch or failure
makes the exit status non-zero; a file of typage's that the browser could not save is
a note, not a failure.

``--quick`` runs the 256 MB size only, with one run where there would be three.
The inputs are deleted and made again whenever bench/page/records.py changes.
Units: MB is 10**6 bytes, MB/s is input bytes per second.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

# bench/page/: importable because Python puts the script's own folder first on sys.path.
from page import records
from page.driver import Browsing
from page.machine import AGE, BENCH, CHROMIUM, REPO, UNZIP, WORK, machine_facts
from page.measurements import Bench, Keys, bench_boot, bench_scrypt, bench_size
from page.records import Inputs
from page.report import report
from page.results import Results, note
from page.site import build_site, serving, single_file_alone
from page.typage import build_typage_page
from playwright.sync_api import sync_playwright

DEFAULT_SIZES = "256,1024"
REPEAT = 3


def inputs_for(size_mb: int) -> Inputs:
    """The records of this size: made once into build/bench/data-<size>/, then reused."""
    folder = BENCH / f"data-{size_mb}"
    found = records.existing(folder, size_mb)
    if found:
        return found
    note(f"generating {size_mb} MB of records into {folder.relative_to(REPO)}/")
    return records.make(folder, size_mb)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", help=f"input sizes in MB, comma-separated (default {DEFAULT_SIZES})"
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
    every_inputs = [inputs_for(size) for size in args.sizes]
    results = Results()
    facts = machine_facts(args.incognito)
    with serving(dist) as site, serving(typage_page) as typage, sync_playwright() as playwright:
        browsing = Browsing(playwright, args.incognito)
        bench = Bench(browsing, site, typage, Keys.generate(), runs, results)
        bench_boot(bench, single_file)
        bench_scrypt(bench)
        for inputs in every_inputs:
            bench_size(bench, inputs)
        browsing.close()
    report(facts, results, args.sizes, runs)
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
