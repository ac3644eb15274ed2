"""The viewers' bad-input table (tests/badinput/viewer_cases.py) in the page's Open view.

One bundle holds the good records of records_to_view and every hostile file of the
table, each listed in the manifest so that it verifies and lands in its viewer: a
DICOM object as a series of its own in an existing study, a scan among the scans, a
"PDF" among the documents, a "photo" among the photos. The site boots once; the good
records are opened first and every group and series expanded, so that what each good
item settles as is known in this browser; then the hostile bundle is opened, every
group and series expanded at once, and the page watched until every preview has
settled:

- each hostile item ends in its case's outcome, said in the page;
- every good item settles exactly as it did in the good records;
- no request leaves the page's origin, none names what a hostile file pointed at,
  and no script of the bundle runs (each tries to set a global of the page, post it a
  message and request a URL of its origin);
- a timer in the page never waits more than a few seconds, and the JavaScript heap
  grows far less than what the hostile files declare.

What happened to each case, and what was measured, is written to
``build/reports/bad-input-viewers.md``.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from badinput.viewer_cases import (
    CASES,
    HOSTILE_HOST,
    SENTINEL,
    ViewerCase,
    hostile_bundle,
)
from playwright.sync_api import Browser, CDPSession, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from orthoshare import age
from orthoshare.bundle.manifest import MANIFEST_NAME, Manifest
from orthoshare.chart import Group, chart

from .conftest import REPO, open_page, open_with_identity, screenshot
from .records_to_view import RecordsToView

REPORT = REPO / "build" / "reports" / "bad-input-viewers.md"
#: How long every preview of one opening may take to settle, on a shared machine.
SETTLE_SECONDS = 120
#: The longest one hostile item may take to settle once its group is open.
ITEM_SECONDS = 30
#: The longest a timer of the page may wait while the viewers work.
MAX_GAP_MS = 5_000
#: The most the JavaScript heap may grow: the 65535 x 65535 image would be 8 GiB.
MAX_HEAP_GROWTH = 1 << 30
MIB = 1 << 20
#: Names of the chart.js document previews: which files of a group get one.
DOCUMENT_NAME = re.compile(r"\.(pdf|txt|csv|md|json|xml)$", re.IGNORECASE)
#: Where Chromium's own PDF viewer loads itself from (an extension built into the
#: browser and its resources): never the network, and not the bundle's doing.
BROWSERS_PDF_VIEWER = (
    "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/",
    "chrome://resources/",
)
#: What the hostile files name, none of which may be requested.
NAMED_BY_HOSTILE_FILES = (SENTINEL, HOSTILE_HOST, "passwd", "shadow", "steal.png", "normal.png")

#: Installed in every frame before the page's scripts: a heartbeat (a 20 ms timer that
#: keeps the largest gap between its ticks once started), when each preview or photo
#: first settled (seconds after the start), and every message posted to the window
#: that names the sentinel.
WATCH = """
(() => {
  const watch = { largest: 0, last: performance.now(), started: 0, running: false, messages: [] };
  const settled = new WeakMap();
  const tick = () => {
    const now = performance.now();
    if (watch.running) watch.largest = Math.max(watch.largest, now - watch.last);
    watch.last = now;
    setTimeout(tick, 20);
  };
  setTimeout(tick, 20);
  addEventListener("message", ({ data }) => {
    const said = String(typeof data === "string" ? data : JSON.stringify(data ?? null));
    if (said.includes("SENTINEL")) watch.messages.push(said.slice(0, 200));
  });
  new MutationObserver((changes) => {
    for (const { target } of changes) {
      if (target.dataset.preview && !settled.has(target)) {
        settled.set(target, (performance.now() - watch.started) / 1000);
      }
    }
  }).observe(document, { attributes: true, attributeFilter: ["data-preview"], subtree: true });
  watch.settledAfter = (node) => settled.get(node) ?? null;
  watch.start = () => {
    watch.largest = 0;
    watch.last = watch.started = performance.now();
    watch.running = true;
  };
  Object.defineProperty(window, "viewerWatch", { value: watch });
})();
""".replace("SENTINEL", SENTINEL)

#: Opens every group, then every series of the studies once the groups have made them
#: (the files lists stay closed); resolves to how many series it opened.
EXPAND = """async () => {
  const groups = [...document.querySelectorAll("#open-chart > details")];
  for (const group of groups) group.open = true;
  for (let round = 0; round < 100; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (groups.some((group) => group.childElementCount < 2)) continue;
    const series = [...document.querySelectorAll("#open-chart details[data-series]")];
    for (const one of series) one.open = true;
    return series.length;
  }
  throw new Error("the chart's groups did not open");
}"""

#: Whether every preview, and every photo of the composites, has settled.
SETTLED = """() => {
  const series = document.querySelectorAll("#open-chart details[data-series]");
  if (![...series].every((one) => one.open && one.querySelector(".preview"))) return false;
  const previews = [...document.querySelectorAll("#open-chart .preview")];
  const cells = [...document.querySelectorAll("#open-chart .photo-cell[data-preview-kind]")];
  return previews.length > 0 && [...previews, ...cells].every((node) => node.dataset.preview);
}"""

#: Every preview as it settled: where it is (group, series), its kind, state, what it
#: said and when; a composite's photos; the scan viewer's legend; what document a PDF
#: frame holds (its type, and whether it has elements that could run a script).
SNAPSHOT = """() => {
  const words = (node) => (node?.textContent ?? "").replace(/\\s+/g, " ").trim().slice(0, 300);
  const said = (preview) =>
    words(preview.querySelector(".viewer-status, .preview-note, .scan-message") ?? preview);
  const inFrame = (frame) => {
    try {
      const inside = frame.contentDocument;
      if (!inside) return null;
      const active = inside.querySelectorAll("script, img, iframe, object, svg, [onerror]");
      return { contentType: inside.contentType, active: active.length };
    } catch {
      return { crossOrigin: true };
    }
  };
  const found = [];
  const groups = [...document.querySelectorAll("#open-chart > details")];
  groups.forEach((group, index) => {
    let order = 0;
    for (const preview of group.querySelectorAll(".preview")) {
      const series = preview.closest("details[data-series]");
      const frame = preview.querySelector("iframe");
      found.push({
        group: index,
        series: series ? Number(series.dataset.series) : null,
        order: series ? null : order++,
        kind: preview.dataset.previewKind ?? null,
        state: preview.dataset.preview ?? null,
        text: said(preview),
        seconds: viewerWatch.settledAfter(preview),
        frame: frame ? { title: frame.title, document: inFrame(frame) } : null,
        photos: [...preview.querySelectorAll(".photo-cell[data-preview-kind]")].map((cell) => ({
          name: cell.title,
          state: cell.dataset.preview ?? null,
          text: words(cell.querySelector(".preview-note")),
          seconds: viewerWatch.settledAfter(cell),
        })),
        scans: [...preview.querySelectorAll(".scan-legend > li")].map((entry) => ({
          problem: entry.classList.contains("scan-problem"),
          name: entry.querySelector(".scan-name")?.textContent ?? null,
          text: words(entry),
        })),
      });
    }
  });
  return found;
}"""


@dataclass
class Measures:
    """What was measured while the hostile records' viewers worked."""

    heap_before: int = 0
    heap_peak: int = 0
    heap_after: int = 0
    largest_gap_ms: float = 0.0
    settle_seconds: float | None = None
    good_settle_seconds: float | None = None
    requests: int = 0
    foreign: int = 0
    pointed_at: int = 0
    scripts_ran: int = 0
    pdf_viewer: bool = False


def heap_used(cdp: CDPSession) -> int:
    """The page's JavaScript heap in use, with the ArrayBuffers it holds where V8 says."""
    usage = cdp.send("Runtime.getHeapUsage")
    return int(usage["usedSize"]) + int(usage.get("backingStorageSize", 0))


def expand_and_settle(page: Page, cdp: CDPSession | None, measures: Measures) -> float | None:
    """Open every group and series and wait, at most :data:`SETTLE_SECONDS`, until every
    preview has settled, sampling the heap meanwhile; return the seconds it took, or
    None if some never settled."""
    started = time.monotonic()
    page.evaluate("viewerWatch.start()")
    page.evaluate(EXPAND)
    while True:
        if cdp is not None:
            measures.heap_peak = max(measures.heap_peak, heap_used(cdp))
        try:
            page.wait_for_function(SETTLED, timeout=1_000, polling=200)
            return time.monotonic() - started
        except PlaywrightTimeoutError:
            if time.monotonic() - started > SETTLE_SECONDS:
                return None


def collapse(page: Page) -> None:
    """Close every group, which releases its viewers."""
    page.evaluate(
        """() => {
          const groups = document.querySelectorAll("#open-chart > details");
          for (const group of groups) group.open = false;
        }"""
    )


# --- Where each item's outcome is read ---------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a file's outcome shows: a study's series, a document preview, a photo, a scan."""

    kind: str
    group: int
    at: int | str  # series number, document preview order, or file name


def places(groups: tuple[Group, ...], manifest: Manifest) -> dict[str, Place]:
    """The place of every file that gets one, by path, as chart.js lays the chart out."""
    media = {entry.path: entry.media_type for entry in manifest.entries}
    found: dict[str, Place] = {}
    for index, group in enumerate(groups):
        if group.kind == "study":
            for number, series in enumerate(group.series, 1):
                for path in series.paths:
                    found[path] = Place("series", index, number)
        elif group.kind in ("photo", "scan"):
            for path in group.paths:
                found[path] = Place(group.kind, index, path.rsplit("/", 1)[-1])
        else:
            shown = [
                path
                for path in group.paths
                if media[path] == "application/pdf" or DOCUMENT_NAME.search(path.rsplit("/", 1)[-1])
            ]
            for order, path in enumerate(shown):
                found[path] = Place("document", index, order)
    return found


@dataclass(frozen=True)
class Seen:
    """One item's outcome, what the page said about it, and how long after the groups
    were opened it settled."""

    outcome: str
    said: str
    seconds: float | None


def seen_at(place: Place, previews: list[dict[str, Any]]) -> Seen:
    """What the page shows at ``place`` (for a scan or photo, its own entry in the viewer);
    ``unsettled`` when it had not settled in time."""
    in_group = [
        {**p, "state": p["state"] or "unsettled", "seconds": p["seconds"] if p["state"] else None}
        for p in previews
        if p["group"] == place.group
    ]
    if place.kind == "series":
        (preview,) = [p for p in in_group if p["series"] == place.at]
        return Seen(str(preview["state"]), preview["text"], preview["seconds"])
    if place.kind == "document":
        (preview,) = [p for p in in_group if p["order"] == place.at]
        state, frame = str(preview["state"]), preview["frame"]
        if state == "shown" and frame is not None:
            inside = frame["document"] or {}
            # The PDF viewer's document is of type application/pdf, with nothing of the
            # file's own in it; an HTML renderer's would be text/html, with its elements.
            viewer = inside.get("contentType") == "application/pdf" and inside.get("active") == 0
            said = f"{frame['title']}: a document of type {inside.get('contentType')}"
            return Seen("pdf-viewer" if viewer else "rendered", said, preview["seconds"])
        return Seen(state, preview["text"], preview["seconds"])
    (preview,) = in_group
    if place.kind == "photo":
        (cell,) = [c for c in preview["photos"] if c["name"] == place.at]
        return Seen(str(cell["state"] or "unsettled"), cell["text"], cell["seconds"])
    if preview["state"] != "shown":
        return Seen(str(preview["state"]), preview["text"], preview["seconds"])
    for entry in preview["scans"]:
        if entry["problem"] and entry["text"].startswith(f"{place.at} "):
            return Seen("error", entry["text"], preview["seconds"])
        if entry["name"] == place.at:
            return Seen("shown", entry["text"], preview["seconds"])
    return Seen("part", "", preview["seconds"])  # an MTL or a texture: part of a scan


def outcome_of(case: ViewerCase, seen: Seen) -> str:
    """The case's outcome: for the OBJ, ``left-out`` when it shows and says that each
    texture its MTL names outside the records is left out."""
    said_left_out = all(f"texture {n} is not in the records" in seen.said for n in LEFT_OUT)
    if case.expected == "left-out" and seen.outcome == "shown" and said_left_out:
        return "left-out"
    return seen.outcome


#: The textures the hostile MTL names, by the file name the scan viewer says.
LEFT_OUT = ("steal.png", "passwd", "shadow", "normal.png")


def expected_of(case: ViewerCase, pdf_viewer: bool) -> str:
    if case.expected == "pdf-viewer" and not pdf_viewer:
        return "unsupported"
    return case.expected


# --- The report ----------------------------------------------------------------------------


def write_report(
    rows: list[tuple[ViewerCase, str, Seen]], good: dict[str, tuple[Seen, Seen]], m: Measures
) -> None:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")[:240]

    def took(seconds: float | None) -> str:
        return f"not within {SETTLE_SECONDS} s" if seconds is None else f"in {seconds:.1f} s"

    def seconds(seen: Seen) -> str:
        return "?" if seen.seconds is None else f"{seen.seconds:.1f} s"

    lines = [
        "# Bad input in the viewers",
        "",
        "`tests/browser/test_bad_input_in_viewers.py`: the cases of "
        "`tests/badinput/viewer_cases.py`, in one hostile bundle opened in Chromium "
        "with every group and series expanded at once. *Settled* is the time from "
        "expanding to the item's outcome.",
        "",
        "| case | from | what | viewer | must end in | ended in | settled | the page said |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case, expected, seen in rows:
        ended = outcome_of(case, seen)
        mark = "" if ended == expected else " **(wrong)**"
        slow = "" if (seen.seconds or 0) <= ITEM_SECONDS else " **(slow)**"
        lines.append(
            f"| `{case.id}` | {case.source} | {cell(case.what)} | {case.viewer} | {expected} "
            f"| {ended}{mark} | {seconds(seen)}{slow} | {cell(seen.said)} |"
        )
    changed = [
        f"`{path}` {before.outcome} → {after.outcome}"
        for path, (before, after) in good.items()
        if after.outcome != before.outcome
    ]
    shown = sum(1 for before, _ in good.values() if before.outcome == "shown")
    lines += [
        "",
        "## Measured",
        "",
        f"- Good items: {len(good)} ({shown} shown in the good records); "
        f"{len(good) - len(changed)} settled as in the good records"
        + (f"; otherwise: {', '.join(changed)}." if changed else "."),
        f"- Largest gap of a 20 ms timer in the page while the viewers worked: "
        f"{m.largest_gap_ms:.0f} ms (bound {MAX_GAP_MS} ms).",
        f"- JavaScript heap (CDP `Runtime.getHeapUsage`, with ArrayBuffers where given): "
        f"{m.heap_before / MIB:.1f} MiB before expanding, peak {m.heap_peak / MIB:.1f} MiB, "
        f"{m.heap_after / MIB:.1f} MiB once settled (bound: growth under "
        f"{MAX_HEAP_GROWTH // MIB} MiB).",
        f"- Every preview settled {took(m.settle_seconds)} after expanding "
        f"(good records: {took(m.good_settle_seconds)}); bound per hostile item "
        f"{ITEM_SECONDS} s.",
        f"- Requests: {m.requests}; to another origin: {m.foreign}; to what a hostile file "
        f"names: {m.pointed_at}. Scripts of the bundle that ran: {m.scripts_ran}. "
        f"The browser's PDF viewer: {'enabled' if m.pdf_viewer else 'absent'}.",
        "",
    ]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines))


# --- The tests -------------------------------------------------------------------------------


def test_the_hostile_bundle_verifies_so_every_hostile_file_reaches_its_viewer(
    records_to_view: RecordsToView,
) -> None:
    """The cases test the viewers only if the bundle opens: every file is stored and
    matches its manifest entry, and each hostile item has a place of its own (a DICOM
    object a series alone) in the viewer its case names."""
    sealed = hostile_bundle(records_to_view.sealed.read_bytes(), records_to_view.identity)
    key = age.X25519Identity.parse(records_to_view.identity)
    with zipfile.ZipFile(io.BytesIO(age.decrypt_bytes(sealed, [key]))) as archive:
        manifest = Manifest.from_json(archive.read(MANIFEST_NAME))
        for entry in manifest.entries:
            info = archive.getinfo(entry.path)
            assert info.compress_type == zipfile.ZIP_STORED
            data = archive.read(entry.path)
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry.size, entry.sha256)
    groups = chart(manifest)
    where = places(groups, manifest)
    viewers = {"dicom": "series", "pdf": "document"}
    for case in CASES:
        place = where[case.item.path]
        assert place.kind == viewers.get(case.viewer, case.viewer), case.id
        if case.viewer == "dicom":
            (series,) = [s for s in groups[place.group].series if case.item.path in s.paths]
            assert series.paths == (case.item.path,), f"{case.id} shares its series"


def test_hostile_files_end_in_error_or_unsupported_and_the_good_records_stay_usable(
    browser: Browser, site: str, records_to_view: RecordsToView, tmp_path: Path
) -> None:
    sealed = tmp_path / "hostile-records.zip.age"
    sealed.write_bytes(
        hostile_bundle(records_to_view.sealed.read_bytes(), records_to_view.identity)
    )
    key = age.X25519Identity.parse(records_to_view.identity)
    with zipfile.ZipFile(io.BytesIO(age.decrypt_bytes(sealed.read_bytes(), [key]))) as archive:
        manifest = Manifest.from_json(archive.read(MANIFEST_NAME))
    where = places(chart(manifest), manifest)
    hostile_paths = {member.path for case in CASES for member in case.members}

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.add_init_script(WATCH)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    m = Measures()
    rows: list[tuple[ViewerCase, str, Seen]] = []
    good: dict[str, tuple[Seen, Seen]] = {}
    origin = site.rstrip("/")
    try:
        open_page(page, site)
        m.pdf_viewer = page.evaluate("navigator.pdfViewerEnabled") is True

        # The good records first: what each of their items settles as in this browser.
        open_with_identity(page, records_to_view.sealed, records_to_view.identity)
        page.wait_for_selector("#open-chart details")
        m.good_settle_seconds = expand_and_settle(page, None, m)
        assert m.good_settle_seconds is not None, "the good records' previews did not settle"
        before = page.evaluate(SNAPSHOT)
        collapse(page)

        # The hostile records: every group and series opened at once, the page watched.
        open_with_identity(page, sealed, records_to_view.identity)
        page.wait_for_selector("#open-chart details")
        m.heap_before = m.heap_peak = heap_used(cdp)
        m.settle_seconds = expand_and_settle(page, cdp, m)
        m.largest_gap_ms = float(page.evaluate("viewerWatch.largest"))
        m.heap_after = heap_used(cdp)
        m.heap_peak = max(m.heap_peak, m.heap_after)
        after = page.evaluate(SNAPSHOT)
        screenshot(page, "bad-input-in-viewers")

        for case in CASES:
            expected = expected_of(case, m.pdf_viewer)
            rows.append((case, expected, seen_at(where[case.item.path], after)))
        for path, place in where.items():
            if path not in hostile_paths:
                good[path] = (seen_at(place, before), seen_at(place, after))
        ran = page.evaluate(f"window.{SENTINEL.replace('-', '_')} ?? []")
        messages = page.evaluate("viewerWatch.messages")
        m.scripts_ran = len(ran) + len(messages)
        m.requests = len(requests)
        foreign = [
            url
            for url in requests
            if not url.startswith(("blob:", "data:", *BROWSERS_PDF_VIEWER))
            and f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" != origin
        ]
        pointed_at = [url for url in requests if any(n in url for n in NAMED_BY_HOSTILE_FILES)]
        m.foreign, m.pointed_at = len(foreign), len(pointed_at)
    finally:
        write_report(rows, good, m)
        context.close()

    problems = [
        f"{case.id}: ended in {outcome_of(case, seen)}, not {expected}"
        for case, expected, seen in rows
        if outcome_of(case, seen) != expected
    ]
    problems += [f"{case.id}: the page said nothing" for case, _, seen in rows if not seen.said]
    problems += [
        f"{case.id}: settled {'never' if seen.seconds is None else f'after {seen.seconds:.0f} s'}"
        for case, _, seen in rows
        if seen.seconds is None or seen.seconds > ITEM_SECONDS
    ]
    problems += [
        f"good {path}: {before.outcome} in the good records, {after.outcome} here"
        for path, (before, after) in good.items()
        if after.outcome != before.outcome
    ]
    if m.settle_seconds is None:
        problems.append(f"previews unsettled after {SETTLE_SECONDS} s")
    if ran or messages:
        problems.append(f"a script from the bundle ran: {ran} {messages}")
    if foreign:
        problems.append(f"requests left the page's origin: {foreign[:5]}")
    if pointed_at:
        problems.append(f"requests went where a hostile file pointed: {pointed_at[:5]}")
    if m.largest_gap_ms >= MAX_GAP_MS:
        problems.append(f"the page's main thread stalled {m.largest_gap_ms / 1000:.1f} s")
    if m.heap_peak - m.heap_before >= MAX_HEAP_GROWTH:
        growth = (m.heap_peak - m.heap_before) / MIB
        problems.append(f"the JavaScript heap grew {growth:.0f} MiB")
    assert any(before.outcome == "shown" for before, _ in good.values())
    assert problems == [], "see build/reports/bad-input-viewers.md"
