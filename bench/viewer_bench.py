"""The DICOM viewer on a CBCT-sized series in a real browser (a benchmark, not a test).

How to run (after scripts/test has installed everything, Debian's chromium included)::

    .venv/bin/python bench/viewer_bench.py [--slices 500] [--dist build/bench/dist]

It writes a series of 512 x 512 16-bit CT slices (a phantom: a water cylinder, a
bone sphere and two rods, with Image Position/Orientation, Pixel Spacing, Window and
Rescale) into ``build/bench/viewer-<slices>/``, seals it with the command line's code
to a fresh X25519 key, builds the site (unless ``--dist`` names a build), serves it on
127.0.0.1 and opens the sealed file in Debian's headless Chromium as a receiver would;
then opens the series' viewer and prints:

- the seconds from clicking Open to the records verified and charted;
- from opening the series to its first image drawn, and within that the time spent
  reading every file's header;
- until the two reconstructed planes are shown (every slice read once more);
- the time per scroll step (a key press on the acquired plane until the next image is
  drawn, timed in the page), median and 95th percentile over 200 steps, while the
  volume is still being built and again once it is;
- the page's JS heap (Chromium's ``performance.memory``, precise) and the browser's
  memory (the Pss of its processes) while scrolling.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pydicom

# bench/page/: importable because Python puts the script's own folder first on sys.path.
from page.driver import BOOT_TIMEOUT_MS, CHROMIUM_ARGS, WORK_TIMEOUT_MS, wait_for_state
from page.machine import BENCH, CHROMIUM, machine_facts
from page.memory import browser_memory, watching
from page.results import note
from page.site import build_site, serving
from playwright.sync_api import Page, sync_playwright
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Details
from orthoshare.records import Patient
from orthoshare.request import SealRequest

SIDE = 512
SPACING = 0.4  # mm, in-plane and between slices: an isotropic CBCT
SCROLL_STEPS = 200
MIB = 1024**2

# Open the series and time it in the page: from the click on its summary to the first
# image drawn, when the viewer said it was reading headers, first and last, and (left
# in window.planesShown) when the reconstructed planes appear.
OPEN_SERIES = """async () => {
  const details = document.querySelector("#open-chart details[data-series='1']");
  const pause = () => new Promise((resolve) => setTimeout(resolve, 2));
  const started = performance.now();
  let reading = null;
  let read = null;
  details.querySelector("summary").click();
  let viewer = null;
  while (!viewer?.dataset.preview) {
    await pause();
    viewer = details.querySelector("[data-preview-kind='dicom']");
    if (viewer?.textContent.includes("Reading")) {
      reading ??= performance.now() - started;
      read = performance.now() - started;
    }
  }
  const first = performance.now() - started;
  (async () => {
    while (!viewer.querySelector(".viewer-planes[data-planes='3']")) await pause();
    window.planesShown = performance.now() - started;
  })();
  return { state: viewer.dataset.preview, reading, read, first };
}"""

# Step the acquired plane `steps` times with the down arrow from image `from`; each
# step's milliseconds until the viewer says the new image is drawn.
SCROLL = """async ([from, steps]) => {
  const viewport = document.querySelector("[data-preview-kind='dicom'] figure .viewer-viewport");
  const drawn = (index) => new Promise((resolve) => {
    if (viewport.dataset.index === String(index)) return resolve();
    const watch = new MutationObserver(() => {
      if (viewport.dataset.index === String(index)) {
        watch.disconnect();
        resolve();
      }
    });
    watch.observe(viewport, { attributes: true, attributeFilter: ["data-index"] });
  });
  const press = (key) =>
    viewport.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
  press("Home");
  for (let i = 0; i < from; i += 1) press("ArrowDown");
  await drawn(from);
  const times = [];
  for (let i = 1; i <= steps; i += 1) {
    const started = performance.now();
    press("ArrowDown");
    await drawn(from + i);
    times.push(performance.now() - started);
  }
  return times;
}"""

HEAP = "() => performance.memory.usedJSHeapSize"
PLANES_SHOWN = "() => window.planesShown ?? null"


def phantom_slice(z: float) -> np.ndarray:
    """One axial slice of the phantom in HU at height ``z`` (mm), centred on the axis."""
    axis = (np.arange(SIDE) - (SIDE - 1) / 2) * SPACING
    x, y = np.meshgrid(axis, axis)
    hu = np.full((SIDE, SIDE), -1000, dtype=np.int16)
    hu[x**2 + y**2 <= 90**2] = 0
    hu[x**2 + y**2 + z**2 <= 40**2] = 1000
    hu[(x - 60) ** 2 + y**2 <= 5**2] = 1500
    hu[x**2 + (y + 60) ** 2 <= 4**2] = 1500
    return hu


def write_series(folder: Path, slices: int) -> list[Path]:
    """The series' files in ``folder``, written once and kept for the next run."""
    paths = [folder / f"slice{k:04d}.dcm" for k in range(slices)]
    if all(path.exists() for path in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    study, series, frame = (generate_uid(entropy_srcs=["viewer bench", part]) for part in "ssf")
    for k, path in enumerate(paths):
        z = (k - (slices - 1) / 2) * SPACING
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["viewer bench", str(k)])
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID = "BENCH^VIEWER", "BENCH-2"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyDate, ds.StudyTime, ds.StudyDescription = "20260101", "090000", "Viewer bench"
        ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 1, k + 1
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        corner = -(SIDE - 1) / 2 * SPACING
        ds.ImagePositionPatient = [corner, corner, round(z, 3)]
        ds.SliceThickness, ds.PixelSpacing = SPACING, [SPACING, SPACING]
        ds.Rows = ds.Columns = SIDE
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = 40, 400
        ds.PixelData = (phantom_slice(z).astype(np.int32) + 1024).astype("<u2").tobytes()
        pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return paths


def seal(folder: Path, target: Path) -> str:
    """Seal ``folder`` to a fresh key with the command line's code; the identity."""
    identity = age.X25519Identity.generate()
    target.unlink(missing_ok=True)  # sealed to the last run's key
    request = SealRequest(
        [identity.recipient],
        details=Details(patient=Patient(name="BENCH^VIEWER", id="BENCH-2"), note="viewer bench"),
    )
    pipeline.seal(pipeline.collect_inputs([folder]), request, target)
    return str(identity)


def open_records(page: Page, url: str, sealed: Path, identity: str) -> float:
    """Open the site and the sealed file; the seconds from clicking Open to the chart."""
    page.goto(url)
    assert wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS) == "ready"
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.wait_for_selector("#identity-text", state="visible")
    page.fill("#identity-text", identity)
    started = time.perf_counter()
    page.click("#open-button")
    if wait_for_state(page, "done", "error") != "done":
        sys.exit(f"the page could not open the records: {page.text_content('#open-message')}")
    page.wait_for_selector("#open-chart details")
    return time.perf_counter() - started


def spread(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.1f} ms, 95th percentile {p95:.1f} ms"


def run(url: str, sealed: Path, identity: str, slices: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--enable-precise-memory-info"]
        )
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(WORK_TIMEOUT_MS)
        opened = open_records(page, url, sealed, identity)
        print(f"open (click Open to the chart, {slices} slices verified): {opened:.2f} s")
        page.click("#open-chart > details[data-group-kind=study] > summary")
        page.wait_for_selector("#open-chart details[data-series='1']")
        timing: dict[str, Any] = page.evaluate(OPEN_SERIES)
        reading = timing["read"] - timing["reading"] if timing["reading"] is not None else 0.0
        first = timing["first"] / 1000
        print(f"series opened to first image drawn: {first:.2f} s ({timing['state']})")
        print(f"  of which reading {slices} headers: {reading / 1000:.2f} s")
        during = page.evaluate(SCROLL, [slices // 4, SCROLL_STEPS])
        planes = page.evaluate(PLANES_SHOWN)
        when = "while the volume is built" if planes is None else "(the volume was built during it)"
        print(f"scroll step {when}: {spread(during)}")
        page.wait_for_selector(".viewer-planes[data-planes='3']", state="attached")
        planes = page.evaluate(PLANES_SHOWN)
        print(f"series opened to the three planes shown: {planes / 1000:.2f} s")
        with watching() as peak:
            after = page.evaluate(SCROLL, [slices // 4, SCROLL_STEPS])
            heap = page.evaluate(HEAP)
        print(f"scroll step once the volume is built: {spread(after)}")
        print(
            f"memory while scrolling: JS heap {heap / MIB:.0f} MiB; browser Pss peak"
            f" {peak.peak / MIB:.0f} MiB ({peak.above_idle / MIB:.0f} MiB above the idle page),"
            f" now {browser_memory() / MIB:.0f} MiB"
        )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slices", type=int, default=500)
    parser.add_argument("--dist", type=Path, help="a site already built by build.py")
    args = parser.parse_args()
    note(f"writing {args.slices} slices of {SIDE} x {SIDE}")
    folder = BENCH / f"viewer-{args.slices}"
    write_series(folder, args.slices)
    note("sealing them with the command line's code")
    sealed = BENCH / f"viewer-{args.slices}.zip.age"
    identity = seal(folder, sealed)
    dist = args.dist or build_site()
    facts = machine_facts(incognito=False)
    for name in ("date", "cpu", "cores", "memory", "chromium", "load average"):
        print(f"{name}: {facts[name]}")
    with serving(dist) as url:
        run(url, sealed, identity, args.slices)


if __name__ == "__main__":
    main()
