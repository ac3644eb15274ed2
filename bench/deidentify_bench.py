"""Sealing de-identified beside sealing as it is, on CPython (a benchmark).

How to run (after scripts/test has installed everything)::

    .venv/bin/python bench/deidentify_bench.py [--slices 300] [--frames 2000] [--runs 2]

It writes two kinds of records into a temporary folder and seals each as it is and
de-identified (the defaults of ``--deidentify``, objects that may show identity
in their pixels sent knowingly), each in a fresh process, ``--runs`` times:

- a CT series: pydicom's ``CT_small.dcm`` as ``--slices`` slices of one series,
  each with its own SOP Instance UID (many small headers: the profile's cost);
- one multi-frame object of ``--frames`` 512 by 512 16-bit frames (2000: 1 GB), the
  pixel data copied as it is read.

It prints the machine's facts, then for each run the seconds and the process's peak
resident memory, and how many times as long de-identified sealing takes (best runs).

With ``--page`` it seals the CT series in the page instead (the site built by
``build.py``, in Debian's headless Chromium, a fresh page for each seal), as it is
and de-identified, and prints the seconds from the click on Seal to the download,
how long the page's status showed "de-identifying", and how long the list of files
that need a choice took to appear: Pyodide's cost per slice.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pydicom
from page.driver import Browsing, click_seal, fresh_page, pick_files
from page.machine import CHROMIUM, WORK, version_of
from page.results import Timed
from page.site import build_site, serving
from playwright.sync_api import sync_playwright
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from orthoshare import age

CT = Path(pydicom.__file__).parent / "data" / "test_files" / "CT_small.dcm"
# One sealing in a process of its own, so that each peak memory is its own.
_SEAL = """
import resource, sys, time, warnings
warnings.simplefilter("ignore")
from orthoshare import age, pipeline
from orthoshare.records import DeidentifyChoices
from orthoshare.request import SealRequest
inputs = pipeline.collect_inputs([sys.argv[1]])
choices = DeidentifyChoices("Case 12", send_burned_in=True) if sys.argv[2] == "yes" else None
request = SealRequest([age.X25519Identity.generate().recipient], deidentify=choices)
start = time.perf_counter()
pipeline.seal(inputs, request, sys.argv[3])
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def ct_series(folder: Path, slices: int) -> Path:
    dataset = pydicom.dcmread(CT)
    dataset.SeriesInstanceUID = generate_uid()
    for index in range(slices):
        dataset.SOPInstanceUID = generate_uid()
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        dataset.InstanceNumber = index + 1
        dataset.save_as(folder / f"{index:04d}.dcm")
    return folder


def multiframe(folder: Path, frames: int) -> Path:
    rows = columns = 512
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.7.3")
    dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.SOPClassUID = dataset.file_meta.MediaStorageSOPClassUID
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID
    dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
    dataset.PatientName, dataset.PatientID, dataset.PatientBirthDate = (
        "Doe^Jane",
        "JD-1",
        "19700314",
    )
    dataset.StudyDate, dataset.StudyTime, dataset.StudyID = "20240301", "101010", "1"
    dataset.Modality, dataset.SeriesNumber, dataset.InstanceNumber = "CT", 1, 1
    dataset.NumberOfFrames, dataset.Rows, dataset.Columns = frames, rows, columns
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 16, 15
    dataset.PixelRepresentation = 0
    frame = bytes(range(256)) * (rows * columns * 2 // 256)
    with (folder / "volume.dcm").open("wb") as file:
        pydicom.dcmwrite(file, dataset, enforce_file_format=True)
        file.write(struct.pack("<HH2s2xI", 0x7FE0, 0x0010, b"OW", frames * len(frame)))
        for _ in range(frames):
            file.write(frame)
    return folder


def seal(records: Path, deidentified: bool, work: Path) -> tuple[float, float]:
    """Seconds and peak resident megabytes of sealing ``records`` in a fresh process."""
    out = Path(tempfile.mkdtemp(dir=work))
    answer = subprocess.run(
        [sys.executable, "-c", _SEAL, str(records), "yes" if deidentified else "no", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for sealed in out.iterdir():
        sealed.unlink()
    out.rmdir()
    seconds, peak_kb = answer.stdout.split()
    return float(seconds), int(peak_kb) / 1024


def seal_in_page(
    browsing: Browsing, site: str, records: Path, deidentified: bool
) -> tuple[Timed, float]:
    """The click on Seal to the download of ``records`` sealed in a fresh page, and the
    seconds the page took to list what needs the sender's choice (when de-identified)."""
    recipient = str(age.X25519Identity.generate().recipient)
    with fresh_page(browsing, site) as (page, _):
        pick_files(page, sorted(str(path) for path in records.iterdir()))
        page.check("#protect-keys")
        page.fill("#recipient-keys", recipient)
        page.wait_for_selector("#recipient-keys-status:has-text('1 valid key')")
        reviewing = 0.0
        if deidentified:
            started = time.perf_counter()
            page.check("#deidentify")
            page.wait_for_selector('#deidentify-review[aria-busy="false"]', state="attached")
            reviewing = time.perf_counter() - started
            page.fill("#pseudonym", "Case 12")
            page.check("#send-burned-in")
        WORK.mkdir(parents=True, exist_ok=True)
        target = WORK / "deidentify-bench.age"
        timed = click_seal(page, target, sampled=False)
        target.unlink()
        return timed, reviewing


def in_the_page(slices: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        records = ct_series(Path(folder), slices)
        size = sum(path.stat().st_size for path in records.iterdir())
        browsing = Browsing(playwright, incognito=True)
        with serving(build_site()) as site:
            best: dict[bool, float] = {}
            for deidentified in (False, True):
                label = "de-identified" if deidentified else "as it is"
                for _ in range(runs):
                    timed, reviewing = seal_in_page(browsing, site, records, deidentified)
                    best[deidentified] = min(best.get(deidentified, timed.seconds), timed.seconds)
                    shown = [span for step, span in timed.steps.items() if "de-identifying" in step]
                    first, last = shown[0] if shown else (0.0, 0.0)
                    what = f"page, CT series, {slices} slices ({size / 1e6:.1f} MB), {label}"
                    steps = (
                        f", of which de-identifying {last - first:.2f} s; review before "
                        f"{reviewing:.2f} s"
                        if deidentified
                        else ""
                    )
                    print(f"{what}: {timed.seconds:.2f} s{steps}")
        browsing.close()
    print(f"page, CT series: de-identified takes {best[True] / best[False]:.1f} times as long, "
          f"{(best[True] - best[False]) / slices * 1000:.0f} ms more per slice")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--page", action="store_true", help="seal the CT series in the page")
    args = parser.parse_args()
    print(f"date:         {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}")
    cpu = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line]
    print(f"cpu:          {cpu[0].split(':', 1)[1].strip() if cpu else platform.processor()}")
    print(f"cores:        {os.cpu_count()}")
    print(f"python:       {platform.python_version()}, pydicom {pydicom.__version__}")
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    if args.page:
        print(f"chromium:     {version_of(CHROMIUM)}")
        in_the_page(args.slices, args.runs)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "ct").mkdir()
        (work / "volume").mkdir()
        cases = (
            (f"CT series, {args.slices} slices", ct_series(work / "ct", args.slices)),
            (f"one object of {args.frames} frames", multiframe(work / "volume", args.frames)),
        )
        for what, records in cases:
            size = sum(path.stat().st_size for path in records.iterdir())
            best: dict[bool, float] = {}
            for deidentified in (False, True):
                label = "de-identified" if deidentified else "as it is"
                for _ in range(args.runs):
                    seconds, peak = seal(records, deidentified, work)
                    best[deidentified] = min(best.get(deidentified, seconds), seconds)
                    print(f"{what} ({size / 1e6:.1f} MB), {label}: {seconds:.2f} s, "
                          f"peak {peak:.0f} MB")  # fmt: skip
            print(f"{what}: de-identified takes {best[True] / best[False]:.1f} times as long")
    return 0


if __name__ == "__main__":
    sys.exit(main())
