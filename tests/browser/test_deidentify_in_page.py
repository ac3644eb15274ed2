"""Records sealed de-identified in the page: what leaves it names no one.

The inputs are made here, in a folder named after the patient as a practice keeps
it: pydicom's shipped CT and MR (two made-up patients, so the sender confirms
sending them together), a photo whose EXIF holds a camera serial, a GPS position
and a date, and a PDF letter. The page says before sealing which files need a
choice (the PDF cannot be cleaned, the photo may show the face); the sealed file
is opened with the command line's code, and every byte of every file in it is
searched for what identified the patient. The page shares one boot across the
module's tests: each test sets the choices it needs.
"""

from __future__ import annotations

import re
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import cast

import pydicom
import pytest
from playwright.sync_api import Browser, Page

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import Manifest

from .conftest import open_page, screenshot, wait_for_state
from .records_to_view import pdf
from .test_accessibility import violations
from .test_dicom_in_page import shipped_jpeg
from .test_page import PASSPHRASE, seal_in_page

SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"
FOLDER = "Doe^Jane records"
PSEUDONYM = "Case 12"
CT, MR, PHOTO, LETTER = "CT_small.dcm", "MR_small.dcm", "smile.jpg", "referral.pdf"
#: What the sender types of the patient: it is used to clean the records, never sent.
TYPED = {"#patient-name": "Jane Doe", "#patient-id": "JD-4242", "#patient-birth-date": "1981-03-14"}
SERIAL = b"SN-PLANTED-4242"
MAP_DATUM = b"WGS-84-PLANTED"
TAKEN = b"2023:07:14 09:41:07"

# TIFF field types, as EXIF uses them.
ASCII, LONG, RATIONAL = 2, 4, 5


def tiff_ifd(start: int, entries: list[tuple[int, int, bytes]], next_ifd: int = 0) -> bytes:
    """A little-endian TIFF directory at offset ``start`` of ``(tag, type, value)``
    entries (sorted by tag), its values longer than four bytes placed right after it."""
    sizes = {ASCII: 1, LONG: 4, RATIONAL: 8}
    data_at = start + 2 + 12 * len(entries) + 4
    head = bytearray(struct.pack("<H", len(entries)))
    data = bytearray()
    for tag, kind, value in entries:
        head += struct.pack("<HHI", tag, kind, len(value) // sizes[kind])
        if len(value) <= 4:
            head += value.ljust(4, b"\0")
        else:
            head += struct.pack("<I", data_at + len(data))
            data += value + b"\0" * (len(value) % 2)
    return bytes(head + struct.pack("<I", next_ifd) + data)


def exif_segment() -> bytes:
    """An APP1 Exif segment as a phone writes one: the camera, when the photo was taken,
    the camera's serial number and where (GPS)."""

    def ascii(text: bytes) -> bytes:
        return text + b"\0"

    def rationals(*pairs: tuple[int, int]) -> bytes:
        return b"".join(struct.pack("<II", *pair) for pair in pairs)

    exif = [(0x9003, ASCII, ascii(TAKEN)), (0xA431, ASCII, ascii(SERIAL))]
    gps = [
        (0x0001, ASCII, b"N\0"),
        (0x0002, RATIONAL, rationals((48, 1), (51, 1), (2959, 100))),
        (0x0012, ASCII, ascii(MAP_DATUM)),
        (0x001D, ASCII, ascii(TAKEN[:10])),
    ]

    def first(exif_at: int, gps_at: int) -> bytes:
        return tiff_ifd(
            8,
            [
                (0x010F, ASCII, ascii(b"PlantedCam")),
                (0x0132, ASCII, ascii(TAKEN)),
                (0x8769, LONG, struct.pack("<I", exif_at)),
                (0x8825, LONG, struct.pack("<I", gps_at)),
            ],
        )

    exif_at = 8 + len(first(0, 0))
    gps_at = exif_at + len(tiff_ifd(exif_at, exif))
    tiff = (
        b"II*\0"
        + struct.pack("<I", 8)
        + first(exif_at, gps_at)
        + tiff_ifd(exif_at, exif)
        + tiff_ifd(gps_at, gps)
    )
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The patient's folder: the CT, the MR, a photo with EXIF and a PDF letter."""
    where = tmp_path_factory.mktemp("practice") / FOLDER
    where.mkdir()
    for name in (CT, MR):
        shutil.copyfile(SHIPPED / name, where / name)
    jpeg = shipped_jpeg()
    photo = jpeg[:2] + exif_segment() + jpeg[2:]
    assert SERIAL in photo and MAP_DATUM in photo
    (where / PHOTO).write_bytes(photo)
    (where / LETTER).write_bytes(pdf())
    return where


def original(name: str) -> pydicom.Dataset:
    return pydicom.dcmread(SHIPPED / name)


def identifying() -> list[bytes]:
    """Every value that identifies the patient or the originals, as bytes to search for."""
    return in_the_inputs() + typed_or_named()


def typed_or_named() -> list[bytes]:
    """What the sender typed of the patient, the folder's name, and the photo's date,
    in the forms records may hold them (DICOM writes dates as YYYYMMDD)."""
    named = [FOLDER.encode(), b"Doe^Jane", b"Jane Doe", b"Doe, Jane", b"19810314"]
    return named + [value.encode() for value in TYPED.values()] + [b"20230714"]


def in_the_inputs() -> list[bytes]:
    """What the inputs themselves hold that identifies the patient, the originals and
    the camera."""
    found = [SERIAL, MAP_DATUM, TAKEN, TAKEN[:10], b"PlantedCam"]
    for name in (CT, MR):
        dataset = original(name)
        found += [str(dataset.PatientName).encode(), str(dataset.PatientID).encode()]
        found += [str(dataset.StudyDate).encode()]
        if dataset.get("PatientBirthDate"):
            found.append(str(dataset.PatientBirthDate).encode())
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
            found.append(str(dataset[keyword].value).encode())
    return [*found, b"CompressedSamples", b"JFK IMAGING CENTER"]


#: Keeps the paths of the files each review request to the worker asks about.
RECORD_REVIEWS = """
window.reviewsAsked = [];
const post = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (message, ...rest) {
  if (message?.op === "reviewDeidentification") {
    window.reviewsAsked.push(message.args[0].map((entry) => entry.path));
  }
  return post.call(this, message, ...rest);
};
"""


@pytest.fixture(scope="module")
def send_page(browser: Browser, site: str, folder: Path) -> Iterator[Page]:
    """The Send form with the patient's folder added, sending de-identified as "Case 12"."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_REVIEWS)
    page = context.new_page()
    open_page(page, site)
    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_selector("#send-files tbody tr:nth-child(4)")
    wait_for_state(page, "ready")
    for field, value in TYPED.items():
        page.fill(field, value)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    assert page.is_hidden("#deidentify-options")
    page.check("#deidentify")
    page.wait_for_selector('#deidentify-review[aria-busy="false"]', state="attached")
    page.fill("#pseudonym", PSEUDONYM)
    yield page
    context.close()


def review(page: Page) -> dict[str, tuple[str, str, str]]:
    """The files the page says need a choice: path -> (why, outcome, what it says)."""
    lines = page.locator("#deidentify-review li")
    said = {}
    for index in range(lines.count()):
        line = lines.nth(index)
        text = str(line.text_content())
        reasons, outcome = line.get_attribute("data-reasons"), line.get_attribute("data-outcome")
        said[text.split(": ", 1)[0]] = (str(reasons), str(outcome), text)
    return said


def seal_deidentified(page: Page, tmp_path: Path) -> Path:
    """Seal as the form stands, confirming, as asked, that the CT and MR go together."""
    page.click("#tab-send")
    page.click("#seal")
    assert wait_for_state(page, "error", "done") == "error"
    assert "more than one patient" in str(page.text_content("#send-message"))
    page.check("#allow-mixed")
    return seal_in_page(page, tmp_path)


def opened(sealed: Path, out: Path) -> tuple[Manifest, dict[str, bytes]]:
    """The sealed file opened by the command line's code: its manifest, and every file
    written (the manifest, cover sheet, DICOMDIR and README.TXT included) by path."""
    manifest = pipeline.open_(sealed, [age.ScryptIdentity(PASSPHRASE)], out)
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return manifest, files


def test_sealed_de_identified_in_the_page_nothing_in_the_file_names_the_patient(
    send_page: Page, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = send_page
    page.click("#tab-send")
    page.set_checked("#send-uncleanable", False)
    page.set_checked("#leave-out-face", False)

    # Before sealing: the PDF cannot be cleaned and is left out; the photo, with no
    # view, may show the face and is sent.
    summary = str(page.text_content("#deidentify-review-summary"))
    assert summary == "2 files can be cleaned. These need your choice:", summary
    said = review(page)
    letter, photo = f"{FOLDER}/{LETTER}", f"{FOLDER}/{PHOTO}"
    assert set(said) == {letter, photo}, said
    assert said[letter][:2] == ("uncleanable", "left out"), said
    assert said[letter][2].endswith("cannot be cleaned with certainty. Left out."), said
    assert said[photo][:2] == ("face", "sent"), said
    assert said[photo][2].endswith("may show the face. Sent."), said
    assert page.is_visible("#patient-deidentified-note")
    # The control: each value searched for below is in the inputs as they were picked.
    picked = [path.read_bytes() for path in folder.iterdir()]
    assert [value for value in in_the_inputs() if not any(value in data for data in picked)] == []
    screenshot(page, "30-send-deidentified")

    started = time.monotonic()
    sealed = seal_deidentified(page, tmp_path)
    sealing = time.monotonic() - started
    message = str(page.text_content("#send-message"))
    days = int(str(page.get_attribute("#date-offset", "data-days")))
    assert days < 0
    assert f"moved back by {-days} days" in message, message
    assert "This number is not in the file" in message
    assert re.search(r"Left out: [^.]*cannot be removed with certainty: 1", message), message

    manifest, files = opened(sealed, tmp_path / "out")
    assert manifest.deidentified is True
    assert manifest.deidentification is not None
    assert manifest.deidentification.pseudonym == PSEUDONYM
    assert manifest.patient.name == PSEUDONYM and manifest.patient.id == PSEUDONYM
    assert manifest.deidentification.left_out
    assert [sent.how for sent in manifest.deidentification.sent_anyway] == [
        "a photo without a view may show the face"
    ]

    # The PDF is not in it, under any name.
    assert not [path for path, data in files.items() if data.startswith(b"%PDF")]
    assert not [e for e in manifest.entries if e.media_type == "application/pdf"]
    # Every file is searched: the manifest, the cover sheet, the DICOMDIR (the
    # de-identified objects are indexed) and README.TXT, with the rest.
    assert {"ORTHOSHARE.json", "INDEX.HTM", "DICOMDIR", "README.TXT"} <= set(files), sorted(files)

    # Not one byte of any file names the patient, the folder, the originals or the camera.
    found = {
        (value.decode(), path)
        for value in identifying()
        for path, data in files.items()
        if value in data
    }
    assert found == set()

    # The CT's Study Date moved back by exactly the days the page showed.
    datasets = [
        pydicom.dcmread(tmp_path / "out" / path)
        for path, data in files.items()
        if data[128:132] == b"DICM" and path != "DICOMDIR"
    ]
    (ct,) = [d for d in datasets if d.Modality == "CT"]
    shifted = datetime.strptime(ct.StudyDate, "%Y%m%d").date()
    assert (shifted - date(2004, 1, 19)).days == days
    assert ct.PatientName == PSEUDONYM and ct.PatientID == PSEUDONYM

    # The receiver is told, as text, how the records were de-identified.
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.fill("#open-passphrase", PASSPHRASE)
    page.click("#open-button")
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")
    told = str(page.text_content("#cover-deidentified"))
    assert page.is_visible("#cover-deidentified")
    assert f"De-identified: the patient is called {PSEUDONYM}." in told
    assert "Basic Application Level Confidentiality Profile" in told
    assert "Retain Longitudinal Temporal Information with Modified Dates" in told
    assert "a photo without a view may show the face" in told
    assert "cannot be removed with certainty: 1" in told
    assert page.text_content("#cover-title") == f"Records of {PSEUDONYM}"
    screenshot(page, "31-open-deidentified")
    with capsys.disabled():
        print(f"\nsealed a CT, an MR, a photo and a PDF de-identified in {sealing:.1f} s")


def test_a_file_that_cannot_be_cleaned_is_sent_when_the_sender_chooses_it_knowingly(
    send_page: Page, tmp_path: Path
) -> None:
    page = send_page
    page.click("#tab-send")
    page.set_checked("#leave-out-face", False)
    page.set_checked("#send-uncleanable", True)
    assert review(page)[f"{FOLDER}/{LETTER}"][:2] == ("uncleanable", "sent")

    sealed = seal_deidentified(page, tmp_path)
    manifest, files = opened(sealed, tmp_path / "out")
    assert manifest.deidentification is not None
    anyway = {sent.name: sent.how for sent in manifest.deidentification.sent_anyway}
    (letter,) = [name for name, how in anyway.items() if "cannot be cleaned" in how]
    assert letter.endswith(".pdf") and FOLDER not in letter
    assert pdf() in files.values()
    assert not manifest.deidentification.left_out
    assert "Left out" not in str(page.text_content("#send-message"))
    page.set_checked("#send-uncleanable", False)


def test_the_choices_for_sending_de_identified_are_labelled_and_shown_only_when_ticked(
    send_page: Page,
) -> None:
    page = send_page
    page.click("#tab-send")
    for control in (
        "pseudonym", "retain-dates", "clean-descriptors", "retain-characteristics",
        "send-burned-in", "send-uncleanable", "leave-out-face",
    ):  # fmt: skip
        assert page.locator(f"label[for={control}]").count() == 1, control
        assert page.is_visible(f"#{control}"), control
    assert page.get_attribute("#pseudonym", "placeholder") == PSEUDONYM
    assert page.evaluate("() => document.getElementById('pseudonym').required") is True
    assert violations(page, "#send") == []
    page.uncheck("#deidentify")
    assert page.is_hidden("#deidentify-options") and page.is_hidden("#patient-deidentified-note")
    page.check("#deidentify")
    page.wait_for_selector('#deidentify-review[aria-busy="false"]', state="attached")
    assert page.is_visible("#pseudonym")


def reviewed_after(page: Page, change: Callable[[], object]) -> list[list[str]]:
    """What the review requests made after ``change`` asked about, once the list shows
    the answer."""
    page.evaluate("() => (window.reviewsAsked.length = 0)")
    change()
    page.wait_for_selector('#deidentify-review[aria-busy="false"]', state="attached")
    return cast(list[list[str]], page.evaluate("() => window.reviewsAsked"))


def test_a_change_of_view_asks_python_about_that_photo_alone_and_the_review_follows_it(
    send_page: Page,
) -> None:
    page = send_page
    page.click("#tab-send")
    page.set_checked("#leave-out-face", False)
    photo = f"{FOLDER}/{PHOTO}"
    view = f'[aria-label="ADA-1100 view of {photo}"]'
    assert review(page)[photo][0] == "face"

    # An intraoral view does not show the face: the photo needs no choice any more.
    assert reviewed_after(page, lambda: page.select_option(view, "IV06")) == [[photo]]
    assert photo not in review(page)
    assert f"{FOLDER}/{LETTER}" in review(page)

    # An extraoral one does, and says which.
    assert reviewed_after(page, lambda: page.select_option(view, "EV08")) == [[photo]]
    assert review(page)[photo][0] == "face"
    assert "an extraoral photo (EV08) shows the face. Sent." in review(page)[photo][2]

    # Ticking "send de-identified" again asks nothing: every answer still stands.
    def tick_again() -> None:
        page.uncheck("#deidentify")
        page.check("#deidentify")

    assert reviewed_after(page, tick_again) == []
    assert set(review(page)) == {photo, f"{FOLDER}/{LETTER}"}

    assert reviewed_after(page, lambda: page.select_option(view, "")) == [[photo]]
    assert "a photo without a view may show the face" in review(page)[photo][2]
