"""DICOM sealed in the page: the pydicom the build ships makes the DICOM/ file-set in Chromium.

The inputs are two files pydicom's wheel carries (a CT and an MR, copied from the
installed package, never fetched) and a letter. They are sealed in the page, the
download is opened with the command line's code, and then opened in the page again.
Both builds are tried: the site, and the single file from file://, whose worker
loads pydicom's wheel from memory.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import NamedTuple

import pydicom
import pytest
from playwright.sync_api import Locator, Page
from pydicom.encaps import generate_frames
from pydicom.fileset import FileSet

from orthoshare import age, pipeline

from .conftest import WORK_TIMEOUT_MS, open_page, screenshot, wait_for_state
from .test_page import PASSPHRASE, add_records, assert_same_origin, seal_in_page

SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"
DICOM_FILES = ("CT_small.dcm", "MR_small.dcm")
LETTER = "letter.txt"


@pytest.fixture
def records(tmp_path: Path) -> dict[str, bytes]:
    """The CT, the MR and a letter, in tmp_path/records/."""
    folder = tmp_path / "records"
    folder.mkdir()
    for name in DICOM_FILES:
        shutil.copyfile(SHIPPED / name, folder / name)
    (folder / LETTER).write_text("For the surgeon: CT and MR before the osteotomy.\n")
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


class Build(NamedTuple):
    """Which build the page comes from, its address, and the origin its requests keep to."""

    name: str
    url: str
    origin: str


@pytest.fixture(params=["site", "single file"])
def build(request: pytest.FixtureRequest, site: str, single_file: Path) -> Build:
    """The served site, or the single file alone in a folder opened from file://."""
    if request.param == "site":
        return Build("site", site, site.rstrip("/"))
    return Build("single file", single_file.as_uri(), "file://")


def test_dicom_sealed_in_the_page_comes_back_byte_exact_in_a_dicom_file_set(
    page: Page,
    build: Build,
    tmp_path: Path,
    records: dict[str, bytes],
    requests_seen: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    open_page(page, build.url)
    ready = time.monotonic() - started
    add_records(page, tmp_path, records)
    kinds = dict(
        zip(
            page.locator("#send-files tbody tr td:nth-child(2)").all_text_contents(),
            page.locator("#send-files tbody tr td:nth-child(3)").all_text_contents(),
            strict=True,
        )
    )
    assert {name: kinds[name] for name in DICOM_FILES} == dict.fromkeys(DICOM_FILES, "dicom")
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    # pydicom's CT and MR samples belong to two made-up patients: the page refuses
    # until the sender confirms, and nothing is downloaded before that.
    page.click("#seal")
    assert wait_for_state(page, "error", "done") == "error"
    assert "more than one patient" in str(page.text_content("#send-message"))
    page.check("#allow-mixed")
    started = time.monotonic()
    sealed = seal_in_page(page, tmp_path)
    sealing = time.monotonic() - started

    # Opened by the command line's code: every file verified, the DICOM ones in the set.
    out = tmp_path / "out"
    manifest = pipeline.open_(sealed, [age.ScryptIdentity(PASSPHRASE)], out)
    by_name = {entry.original_name: entry for entry in manifest.entries}
    in_set = {}
    for name in DICOM_FILES:
        entry = by_name[name]
        assert entry.kind == "dicom" and entry.path.startswith("DICOM/"), entry
        assert (out / entry.path).read_bytes() == records[name], name
        assert entry.dicom is not None
        assert entry.dicom.sop_instance_uid == pydicom.dcmread(SHIPPED / name).SOPInstanceUID
        in_set[entry.dicom.sop_instance_uid] = entry.path
    assert by_name[LETTER].path == f"ORIGINAL/{LETTER}"
    assert (out / "ORIGINAL" / LETTER).read_bytes() == records[LETTER]
    assert "DICOMDIR" in {entry.path for entry in manifest.entries}
    file_set = FileSet(pydicom.dcmread(out / "DICOMDIR"))
    indexed = {str(instance.SOPInstanceUID): Path(instance.path) for instance in file_set}
    assert {uid: path.relative_to(out).as_posix() for uid, path in indexed.items()} == in_set

    # Opened in the page: every file listed with the kind the manifest gives it.
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    started = time.monotonic()
    page.click("#open-button")
    state = wait_for_state(page, "done", "error", timeout=WORK_TIMEOUT_MS)
    assert state == "done", page.text_content("#open-message")
    opening = time.monotonic() - started
    rows = page.locator("#open-files tbody tr")
    shown = {
        rows.nth(index).locator("td:nth-child(2)").text_content(): rows.nth(index)
        .locator("td:nth-child(3)")
        .text_content()
        for index in range(rows.count())
    }
    assert shown == {entry.path: entry.kind for entry in manifest.entries}
    assert [shown[by_name[name].path] for name in DICOM_FILES] == ["dicom", "dicom"]
    assert shown["DICOMDIR"] == "dicom"
    screenshot(page, f"21-dicom-opened-{build.name.replace(' ', '-')}")
    assert_same_origin(requests_seen, build.origin)
    with capsys.disabled():
        print(
            f"\n{build.name}: ready in {ready:.1f} s, sealed the CT, the MR and a letter "
            f"in {sealing:.1f} s, opened in {opening:.1f} s"
        )


def shipped_jpeg() -> bytes:
    """A real baseline JPEG: the frame inside one of pydicom's own test files."""
    dataset = pydicom.dcmread(SHIPPED / "SC_rgb_jpeg_dcmtk.dcm")
    frame = next(generate_frames(dataset.PixelData, number_of_frames=1))
    return frame[: frame.rindex(b"\xff\xd9") + 2]


def row_of(page: Page, path: str) -> Locator:
    return page.locator("#send-files tbody tr", has_text=path)


def test_the_page_prefills_the_patient_picks_views_marks_radiographs_and_shows_studies(
    page: Page, site: str, tmp_path: Path
) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    shutil.copyfile(SHIPPED / "CT_small.dcm", folder / "CT_small.dcm")
    (folder / "smile.jpg").write_bytes(shipped_jpeg())
    (folder / "pano.jpg").write_bytes(shipped_jpeg())
    open_page(page, site)
    page.set_input_files("#pick-files", [str(folder / name) for name in ("CT_small.dcm",)])
    wait_for_state(page, "ready")

    # The CT names one patient and the form was empty: it is filled from the CT.
    assert page.input_value("#patient-id") == "1CT1"
    assert page.input_value("#patient-name") == "CT1 CompressedSamples"
    assert page.input_value("#patient-sex") == "O"
    assert "from the DICOM files" in str(page.text_content("#patient-source"))
    assert "CT · 2004-01-19" in str(row_of(page, "CT_small.dcm").text_content())
    assert page.is_hidden("#patient-warning")

    # Another patient typed in: the page says so before anything is sealed.
    page.fill("#patient-id", "P-17")
    page.dispatch_event("#patient-id", "change")
    page.wait_for_selector("#patient-warning:not([hidden])")
    assert "P-17" in str(page.text_content("#patient-conflicts"))
    page.fill("#patient-id", "1CT1")
    page.dispatch_event("#patient-id", "change")
    page.wait_for_selector("#patient-warning[hidden]", state="attached")

    page.set_input_files("#pick-files", [str(folder / n) for n in ("smile.jpg", "pano.jpg")])
    page.wait_for_selector("#send-files tbody tr:nth-child(3)")
    wait_for_state(page, "ready")
    page.select_option('[aria-label="ADA-1100 view of smile.jpg"]', "EV08")
    page.select_option('[aria-label="What pano.jpg is"]', "panoramic")
    assert page.is_hidden('[aria-label="ADA-1100 view of pano.jpg"]')
    assert row_of(page, "pano.jpg").locator("td:nth-child(3)").text_content() == "radiograph"
    screenshot(page, "20-send-prefilled-views-radiographs")
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)

    manifest = pipeline.list_(sealed, [age.ScryptIdentity(PASSPHRASE)])
    assert manifest.patient.id == "1CT1"
    by_name = {(e.original_name, e.derived_from is not None): e for e in manifest.entries}
    assert by_name[("smile.jpg", False)].view == "EV08"
    assert by_name[("pano.jpg", False)].kind == "radiograph"
    made = {e.original_name: e.dicom for e in manifest.entries if e.derived_from is not None}
    assert made["smile.jpg"] is not None and made["smile.jpg"].modality == "XC"
    assert made["pano.jpg"] is not None and made["pano.jpg"].modality == "PX"

    # The receiver sees each DICOM object's study, and the sender's view, in the list.
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")
    about = {
        row.locator("td:nth-child(2)").text_content(): row.locator("td:nth-child(4)").text_content()
        for row in page.locator("#open-files tbody tr").all()
    }
    assert str(about[by_name[("CT_small.dcm", False)].path]).startswith("CT · 2004-01-19")
    # A view is shown by its meaning, not its code.
    assert about[by_name[("smile.jpg", False)].path] == (
        "Extraoral photo, right profile 45, lips relaxed, centric occlusion"
    )
    assert "PX" in str(about[by_name[("pano.jpg", True)].path])
    screenshot(page, "22-dicom-study-in-the-list")

    # And as a chart: each study with its series, then the originals by kind.
    groups = page.locator("#open-chart > details").all()
    assert [g.get_attribute("data-group-kind") for g in groups] == [
        "study", "study", "photo", "radiograph", "other",
    ]  # fmt: skip
    summaries = [str(g.locator(":scope > summary").text_content()) for g in groups]
    assert summaries[0].startswith("Study CT · 2004-01-19"), summaries
    assert ": 1 series, 1 image," in summaries[0], summaries
    # The objects made of the photo and the radiograph: one study, a series for each.
    assert ": 2 series, 2 images," in summaries[1], summaries
    assert summaries[2].startswith("Photos: 1 file,"), summaries
    photos = groups[2]
    listed = photos.locator(".chart-files li")
    assert listed.count() == 0  # a group opens to its files when asked
    photos.locator(":scope > summary").click()
    composite = photos.locator("[data-preview-kind='photos']")
    composite.wait_for()  # made once its module has loaded
    assert composite.count() == 1
    photos.locator("details[data-files] > summary").click()
    assert "right profile 45" in str(listed.text_content())
    assert listed.locator("img").count() == 1
    with page.expect_download() as saved:
        photos.get_by_role("button", name="Save smile.jpg (Photos)").click()
    assert saved.value.suggested_filename == "smile.jpg"
    screenshot(page, "23-records-as-a-chart")


def test_the_page_says_before_sealing_which_files_stay_out_of_dicom_and_what_no_patient_id_means(
    page: Page, site: str, tmp_path: Path
) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    jpeg = shipped_jpeg()
    at = jpeg.index(b"\xff\xc0")
    (folder / "smile.jpg").write_bytes(jpeg)
    (folder / "layers.jpg").write_bytes(jpeg[:at] + b"\xff\xc2" + jpeg[at + 2 :])  # progressive
    (folder / "notes.txt").write_text("plain text\n")
    shutil.copyfile(SHIPPED / "693_J2KI.dcm", folder / "no-study-date.dcm")
    open_page(page, site)
    page.set_input_files(
        "#pick-files", [str(folder / n) for n in ("smile.jpg", "layers.jpg", "notes.txt")]
    )
    wait_for_state(page, "ready")

    notes = {
        name: row_of(page, name).locator(".file-note").all_text_contents()
        for name in ("smile.jpg", "layers.jpg", "notes.txt")
    }
    assert notes["smile.jpg"] == []
    assert notes["layers.jpg"] == [
        "No DICOM object: the JPEG image is progressive; only baseline and extended sequential "
        "JPEG go into DICOM unchanged, so this image is kept as an original only."
    ]
    assert notes["notes.txt"] == ["No DICOM object: DICOM has no object for this kind of file."]

    # The photo will become a DICOM object, and no patient ID is given: the page says what follows.
    note = page.locator("#patient-id-note")
    assert note.is_visible()
    assert "DICOM copies of 1 file will carry a made-up ID" in str(note.text_content())
    page.fill("#patient-id", "P-17")
    assert note.is_hidden()
    page.fill("#patient-id", "")
    assert note.is_visible()

    page.set_input_files("#pick-files", [str(folder / "no-study-date.dcm")])
    page.wait_for_selector("#send-files tbody tr:nth-child(4)")
    wait_for_state(page, "ready")
    assert row_of(page, "no-study-date.dcm").locator(".file-note").all_text_contents() == [
        "Not in the DICOMDIR: a DICOMDIR study record needs the Study Date, which this file "
        "leaves empty."
    ]
    # Left out again, and the ID it filled in cleared: the photo's copy gets a made-up one.
    page.click('[aria-label="Remove no-study-date.dcm"]')
    page.fill("#patient-id", "")
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)
    manifest = pipeline.list_(sealed, [age.ScryptIdentity(PASSPHRASE)])
    noted = {e.original_name for e in manifest.entries if e.dicom_note}
    assert noted == {"layers.jpg", "notes.txt"}
    assert manifest.made_up_patient_id.startswith("ORTHOSHARE-"), manifest

    # The receiver is told the same, beside each file.
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error", timeout=WORK_TIMEOUT_MS) == "done"
    row = page.locator("#open-files tbody tr", has_text="notes.txt")
    assert "no DICOM object: DICOM has no object for this kind of file" in str(row.text_content())
    facts = str(page.text_content("#cover-facts"))
    assert re.search(
        r"none given; the DICOM copies carry the made-up ID ORTHOSHARE-[0-9A-F]{10}", facts
    )
