"""The Open view's viewers in Firefox and WebKit on the site, and the single file from
file:// in WebKit and Chromium.

Each cell boots the page once, opens records_to_view with its identity, opens every
group of the chart and every series of its studies, and waits until every preview
has settled. Then, per kind: the generated CT volume and photos are shown; the scans
are shown where the engine offers WebGL and otherwise said to be unsupported; the
PDF is shown where the engine has a PDF viewer and otherwise said to be unsupported;
the letter is shown as its text; the file only named like a PDF is an error; and each
of pydicom's shipped images is shown unless its sentence gives the documented reason
it cannot be (12-bit lossy JPEG). Which group and series hold which input is read from
the sealed file's own manifest, grouped as the page groups it. Every request stays on
the page's origin, and a screenshot of each cell is kept.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from engines import page
from engines.drivers import Chromium, Engine, Firefox, WebKit
from engines.origin import Origins, serving

from orthoshare import age
from orthoshare.bundle.manifest import MANIFEST_NAME, Manifest
from orthoshare.chart import Group, chart

from .conftest import SCREENSHOTS, _serve_module
from .records_to_view import CT_VOLUME, LETTER, PHOTO_VIEWS, SHIPPED_IMAGES, RecordsToView
from .test_every_engine import assert_stayed_on

#: The engine and the build of each cell.
CELLS = (
    ("firefox", "site"),
    ("webkit", "site"),
    ("webkit", "single file"),
    ("chromium", "single file"),
)
#: How long every preview may take to settle once its group or series is open (each
#: engine settles them all in a few seconds).
SETTLE_SECONDS = 60
#: The one reason a shipped image may go unshown: the engines decode no 12-bit lossy JPEG.
DOCUMENTED_UNSUPPORTED = "12-bit lossy JPEG"

#: Where Chromium's own PDF viewer loads itself from when it shows the PDF: an extension
#: built into the browser and its resources, never the network. Firefox and WebKit load
#: theirs without a request their tests' server could see.
BROWSERS_PDF_VIEWER = (
    "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/",
    "chrome://resources/",
)

#: Opens every group of the chart, then every series of its studies; each waits for the
#: content its toggle event makes. Returns how many groups and series were opened.
OPEN_EVERYTHING = """async () => {
  const made = async (sections) => {
    for (let tries = 0; tries < 200; tries += 1) {
      if (sections.every((section) => section.childElementCount > 1)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const groups = [...document.querySelectorAll("#open-chart > details")];
  for (const group of groups) group.open = true;
  await made(groups);
  const series = [...document.querySelectorAll("#open-chart details[data-series]")];
  for (const one of series) one.open = true;
  await made(series);
  return { groups: groups.length, series: series.length };
}"""

#: Every preview of the chart: where it is, its kind, its state and what it says.
PREVIEWS = """() => {
  const groups = [...document.querySelectorAll("#open-chart > details")];
  const sentences = ".viewer-status, .viewer-note, .preview-note, .scan-message, .scan-problem";
  return [...document.querySelectorAll("#open-chart .preview")].map((preview) => {
    const group = preview.closest("#open-chart > details");
    const series = preview.closest("details[data-series]");
    const said = [...preview.querySelectorAll(sentences)].map((node) => node.textContent.trim());
    return {
      group: groups.indexOf(group),
      groupKind: group.dataset.groupKind,
      groupSummary: group.querySelector(":scope > summary").textContent,
      series: series ? Number(series.dataset.series) : null,
      kind: preview.dataset.previewKind ?? null,
      state: preview.dataset.preview ?? null,
      sentence: said.filter(Boolean).join(" ") || preview.textContent.trim(),
      photoCells: preview.querySelectorAll("figure.photo-cell:not(.photo-empty)").length,
      images: [...preview.querySelectorAll("img[data-preview]")].map((img) => img.dataset.preview),
      frames: preview.querySelectorAll("iframe").length,
      text: preview.querySelector("pre")?.textContent ?? null,
      path: preview.dataset.path ?? null,
      canvases: preview.querySelectorAll("canvas").length,
    };
  });
}"""

#: The fields of a preview that say where it is, not what it shows.
WHERE = ("group", "groupKind", "groupSummary", "series")

SCROLL_TO_GROUP = """(index) =>
  document.querySelectorAll("#open-chart > details")[index].scrollIntoView()"""

#: What the engine offers the page: WebGL (2 or 1) and a PDF viewer.
OFFERS = """() => ({
  webgl2: Boolean(document.createElement("canvas").getContext("webgl2")),
  webgl: Boolean(document.createElement("canvas").getContext("webgl")),
  pdfViewer: navigator.pdfViewerEnabled === true,
  userAgent: navigator.userAgent,
})"""


@dataclass(frozen=True)
class Place:
    """Where the page shows an input: its group's index in the chart and, for a DICOM
    object, the number of its series (as ``data-series`` says it)."""

    group: int
    series: int | None = None


@dataclass(frozen=True)
class Layout:
    """The sealed records grouped as the page groups them, and where each input is."""

    groups: tuple[Group, ...]
    places: dict[str, Place]  # by the input's path in records_to_view.inputs
    paths: dict[str, str]  # the same inputs' paths in the bundle

    def place(self, name: str) -> Place:
        return self.places[name]

    def describe(self, preview: dict[str, Any]) -> str:
        """What a preview shows, for a person reading the outcomes: its inputs' names."""
        where = Place(preview["group"], preview["series"])
        names = [name for name, place in self.places.items() if place == where]
        if preview["series"] is None or not names:
            group = self.groups[preview["group"]]
            named = (
                f"{group.title}, series {preview['series']}" if preview["series"] else group.title
            )
        else:
            named = names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "")
        return f"{named} ({preview['kind']})"


@pytest.fixture(scope="module")
def layout(records_to_view: RecordsToView) -> Layout:
    """Read the sealed file's manifest with the command line's code and group it as the
    page will (orthoshare.chart runs in the page too)."""
    key = age.X25519Identity.parse(records_to_view.identity)
    opened = age.decrypt_bytes(records_to_view.sealed.read_bytes(), [key])
    with zipfile.ZipFile(io.BytesIO(opened)) as archive:
        manifest = Manifest.from_json(archive.read(MANIFEST_NAME))
    # An input's original name is its path under the sealed folder, "records/…".
    inputs = {
        entry.path: "/".join(PurePosixPath(entry.original_name).parts[1:])
        for entry in manifest.entries
        if entry.derived_from is None and entry.original_name
    }
    groups = chart(manifest)
    places: dict[str, Place] = {}
    for index, group in enumerate(groups):
        for path in group.paths:
            if path in inputs and not group.series:
                places[inputs[path]] = Place(index)
        for number, series in enumerate(group.series, 1):
            for path in series.paths:
                if path in inputs:
                    places[inputs[path]] = Place(index, number)
    assert set(records_to_view.inputs) <= set(places), "an input is not in the chart"
    return Layout(groups, places, {name: path for path, name in inputs.items()})


@pytest.fixture(scope="module")
def origins(dist: Path) -> Iterator[Origins]:
    with serving(dist, _serve_module().Handler) as served:
        yield served


@pytest.fixture(params=CELLS, ids=lambda cell: f"{cell[0]}-{cell[1].replace(' ', '-')}")
def cell(request: pytest.FixtureRequest, origins: Origins) -> Iterator[tuple[Engine, str]]:
    name, build = request.param
    started: Engine
    if name == "chromium":
        started = Chromium(request.getfixturevalue("browser"))
    elif name == "firefox":
        started = Firefox(origins)
    else:
        started = WebKit(origins)
    try:
        yield started, build
    finally:
        started.close()


def settled_previews(engine: Engine, seconds: float = SETTLE_SECONDS) -> list[dict[str, Any]]:
    """Poll the chart until every preview has its ``data-preview``, for at most
    ``seconds``; return the previews as they are then."""
    deadline = time.monotonic() + seconds
    while True:
        previews: list[dict[str, Any]] = engine.run(PREVIEWS)
        settled = previews and all(preview["state"] is not None for preview in previews)
        if settled or time.monotonic() > deadline:
            return previews
        time.sleep(0.5)


def only(previews: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    """The one preview whose fields are ``where``."""
    found = [p for p in previews if all(p[key] == value for key, value in where.items())]
    assert len(found) == 1, f"{len(found)} previews where {where}: {previews}"
    return found[0]


def shipped_outcomes(previews: list[dict[str, Any]], layout: Layout) -> dict[str, dict[str, Any]]:
    """The series viewer of each of pydicom's shipped images, by the image's file name."""
    outcomes = {}
    for name in SHIPPED_IMAGES:
        where = layout.place(f"dicom/{name}")
        outcomes[name] = only(previews, group=where.group, series=where.series)
    return outcomes


def viewer_problems(
    previews: list[dict[str, Any]], layout: Layout, offers: dict[str, Any]
) -> list[str]:
    """How each viewer's outcome differs from what the engine can show, if it does."""
    problems: list[str] = []

    def expect(ok: bool, what: str, preview: dict[str, Any]) -> None:
        if not ok:
            shown = {key: value for key, value in preview.items() if key not in WHERE}
            problems.append(f"{what}: {layout.describe(preview)} shows {shown}")

    for preview in previews:
        expect(preview["state"] is not None, f"not settled in {SETTLE_SECONDS} s", preview)

    # The generated CT volume, in the study the page calls CBCT.
    cbct = layout.place("cbct/slice000.dcm")
    volume = only(previews, group=cbct.group, series=cbct.series)
    expect(volume["kind"] == "dicom" and volume["state"] == "shown", "CT volume", volume)
    expect(str(CT_VOLUME.slices) in volume["sentence"], "CT volume's count", volume)

    # The photos' composite: every photo of the records drawn.
    photos = only(previews, group=layout.place(next(iter(PHOTO_VIEWS))).group, kind="photos")
    expect(photos["state"] == "shown", "photos", photos)
    expect(photos["photoCells"] == len(PHOTO_VIEWS), "a cell per photo", photos)
    expect(photos["images"] == ["shown"] * len(PHOTO_VIEWS), "every photo drawn", photos)

    # The scans, in 3-D where the engine offers WebGL 2 (what three.js draws with),
    # else said plainly.
    scans = only(previews, group=layout.place("scans/upper.stl").group, kind="scan")
    if offers["webgl2"]:
        expect(scans["state"] == "shown" and scans["canvases"] == 1, "scans with WebGL", scans)
    else:
        expect(scans["state"] == "unsupported", "scans without WebGL", scans)
        expect(scans["canvases"] == 0, "no canvas without WebGL", scans)
        expect("3-D" in scans["sentence"] and "save" in scans["sentence"], "its words", scans)

    # The PDF, in the engine's own PDF viewer where it has one, else said plainly.
    referral = only(previews, group=layout.place("documents/referral.pdf").group, kind="pdf")
    if offers["pdfViewer"]:
        shown = (referral["state"], referral["frames"]) == ("shown", 1)
        expect(shown, "PDF with a PDF viewer", referral)
    else:
        not_shown = (referral["state"], referral["frames"]) == ("unsupported", 0)
        expect(not_shown, "PDF without a PDF viewer", referral)
        said = "PDF" in referral["sentence"] and "save" in referral["sentence"]
        expect(said, "its words", referral)

    # The letter as its text; a file only named like a PDF, an error that says so.
    # The README beside the DICOMDIR is text too, in the same group: the letter is found by path.
    letter = only(previews, kind="text", path=layout.paths["documents/letter.txt"])
    expect(letter["group"] == layout.place("documents/letter.txt").group, "its group", letter)
    expect((letter["state"], letter["text"]) == ("shown", LETTER), "the letter", letter)
    fake = only(previews, group=layout.place("documents/not-a-pdf.pdf").group, kind="pdf")
    expect((fake["state"], fake["frames"]) == ("error", 0), "not a PDF", fake)
    said = "not" in fake["sentence"] and "PDF" in fake["sentence"]
    expect(said, "its words", fake)

    # pydicom's shipped images: each shown, unless it is of the documented kind no
    # engine decodes, which its viewer then says.
    for name, outcome in shipped_outcomes(previews, layout).items():
        documented = (
            outcome["state"] == "unsupported" and DOCUMENTED_UNSUPPORTED in outcome["sentence"]
        )
        expect(outcome["kind"] == "dicom", name, outcome)
        expect(outcome["state"] == "shown" or documented, name, outcome)
    return problems


def test_every_viewer_settles_as_the_engine_can_show_it_in_both_builds(
    cell: tuple[Engine, str],
    origins: Origins,
    single_file: Path,
    records_to_view: RecordsToView,
    layout: Layout,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine, build = cell
    url = origins.local if build == "site" else single_file.as_uri()
    started = time.monotonic()
    booted = page.boot(engine, url)
    sealed = page.Download(records_to_view.sealed.name, records_to_view.sealed.read_bytes())
    opened = page.open_large_sealed(engine, sealed, records_to_view.identity)
    assert opened["state"] == "done", opened["openMessage"]
    opened_at = time.monotonic()

    counts = engine.run(OPEN_EVERYTHING)
    assert counts == {
        "groups": len(layout.groups),
        "series": sum(len(group.series) for group in layout.groups),
    }
    previews = settled_previews(engine)
    settled_at = time.monotonic()
    offers = engine.run(OFFERS)
    cbct = layout.place("cbct/slice000.dcm")
    if engine.name != "chromium":
        # WebKit's screenshot is of the window: the CT volume's viewer is brought into it.
        engine.run(SCROLL_TO_GROUP, cbct.group)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    engine.screenshot(SCREENSHOTS / f"engine-{engine.name}-{build.replace(' ', '-')}-viewers.png")
    with capsys.disabled():
        print(
            f"\n{engine.name}, {build}: booted in {booted:.1f} s, opened in "
            f"{opened_at - started - booted:.1f} s, viewers settled in "
            f"{settled_at - opened_at:.1f} s, {time.monotonic() - started:.1f} s in all; "
            f"WebGL 2 {offers['webgl2']}, WebGL {offers['webgl']}, "
            f"PDF viewer {offers['pdfViewer']}"
        )
        for preview in previews:
            print(f"  {layout.describe(preview)}: {preview['state']} {preview['sentence'][:120]!r}")

    # The chart is the manifest's, as the command line groups it.
    summaries = {preview["group"]: preview["groupSummary"] for preview in previews}
    for index, group in enumerate(layout.groups):
        assert summaries[index].startswith(
            f"Study {group.title}:" if group.kind == "study" else f"{group.title}:"
        ), summaries[index]
    assert "CBCT" in summaries[cbct.group]
    # pydicom's shipped images are every series but the CT volume's and those made of
    # the photos, scans and PDF (a study named by the sender's note).
    shipped = {layout.place(f"dicom/{name}") for name in SHIPPED_IMAGES}
    assert shipped == {
        Place(index, number)
        for index, group in enumerate(layout.groups)
        if index != cbct.group and not group.title.endswith("Records to view")
        for number in range(1, len(group.series) + 1)
    }
    # Every viewer is judged, so that one run of a cell names all that went wrong.
    problems = viewer_problems(previews, layout, offers)
    assert not problems, "\n".join(problems)

    origin = "file://" if build == "single file" else url.rstrip("/")
    requests = [seen for seen in engine.requests() if not seen.startswith(BROWSERS_PDF_VIEWER)]
    assert_stayed_on(origin, requests)
