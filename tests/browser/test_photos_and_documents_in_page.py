"""The photo composite and the documents, as web/photos.js and web/documents.js show them.

First in the site, with records_to_view opened: its photo series (ADA-1100 views for
the eight slots of the records composite, one taken in a mirror and not corrected,
others corrected, one without a view), its PDF and its letter. Then what those records
do not hold (a slot given twice, a view with no slot, a horizontal mirror, photos that
cannot be drawn, a PDF that is not one, a long text, destroy()) in a page of their own
under the site's policy, given items as the Open view gives them: JPEGs made by
Chromium's own encoder, with slot, flip and meaning from orthoshare.chart. Every
object URL that page makes is counted, so one left alive would be seen.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
from playwright.sync_api import Browser, Locator, Page
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import UID, ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Annotation, Details
from orthoshare.chart import placement, view_meaning
from orthoshare.records import Patient
from orthoshare.request import SealRequest
from orthoshare.views import view

from .conftest import REPO, SCREENSHOTS, _serve_module, open_page, open_with_identity
from .records_to_view import LETTER, PHOTO_VIEWS, jpeg_from_shipped
from .records_to_view import pdf as referral_pdf
from .records_to_view import photo as photo_png

#: The site's policy, with the frame a PDF is shown in.
POLICY = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; "
    "connect-src 'self'; img-src blob:; style-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-src blob:"
)
MODULES = (
    *("photos.js", "documents.js", "dom.js", "api.js", "style.css", "photos.css"),
    # What photos.js reads a DICOM photograph with.
    *("dicom-image.js", "dicom-parse.js", "dicom-inflate.js", "dicom-pixels.js", "viewer-draw.js"),
)
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Photos and documents</title>
<link rel="stylesheet" href="style.css"><link rel="stylesheet" href="photos.css">
<script type="module" src="mount.js"></script></head>
<body><h2>Photos</h2><div id="photos"></div><h2>Documents</h2>
<div id="doc-pdf"></div><div id="doc-fake"></div><div id="doc-text"></div><div id="doc-long"></div>
</body></html>
"""
MOUNT = """import { mountPhotoComposite } from "./photos.js";
import { mountDocument } from "./documents.js";
globalThis.mounts = { mountPhotoComposite, mountDocument };
document.body.dataset.state = "ready";
"""
#: Counts object URLs alive, before any module of the page runs.
COUNT_URLS = """
globalThis.liveUrls = new Set();
const create = URL.createObjectURL.bind(URL);
const revoke = URL.revokeObjectURL.bind(URL);
URL.createObjectURL = (blob) => { const url = create(blob); liveUrls.add(url); return url; };
URL.revokeObjectURL = (url) => { liveUrls.delete(url); revoke(url); };
"""
#: Makes a JPEG per photo with Chromium's encoder (an arrow pointing up and right, so a
#: flip shows) and mounts them in #photos; returns nothing, the page keeps the handle.
MOUNT_PHOTOS = """async (photos) => {
  const items = [];
  for (const [index, photo] of photos.entries()) {
    const canvas = new OffscreenCanvas(640, 480);
    const draw = canvas.getContext("2d");
    draw.fillStyle = `hsl(${index * 37} 55% 45%)`;
    draw.fillRect(0, 0, 640, 480);
    draw.fillStyle = "#fff";
    draw.font = "bold 64px sans-serif";
    draw.fillText(`${index + 1} R ↗`, 40, 120);
    const bytes = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.8 });
    items.push({ ...photo, path: `ORIGINAL/${photo.name}`, blob: bytes, mediaType: "image/jpeg" });
  }
  globalThis.photos = mounts.mountPhotoComposite(document.getElementById("photos"), items,
    { title: "Photos of the patient" });
}"""
MOUNT_DOCUMENT = """([target, name, mediaType, bytes]) => {
  const blob = new Blob([new Uint8Array(bytes)]);
  globalThis.documents ??= {};
  documents[target] = mounts.mountDocument(document.getElementById(target),
    { name, path: `ORIGINAL/${name}`, blob, mediaType });
}"""
#: The share of a PNG's pixels that are near white, counted in the page.
WHITE_SHARE = """async (bytes) => {
  const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const draw = canvas.getContext("2d");
  draw.drawImage(bitmap, 0, 0);
  const { data } = draw.getImageData(0, 0, bitmap.width, bitmap.height);
  let white = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] > 240 && data[i + 1] > 240 && data[i + 2] > 240) white += 1;
  }
  return white / (data.length / 4);
}"""
FLIP_WORDS = "(shown flipped back: taken in a mirror)"
CODE = re.compile(r"\b[EI]V\d{2}\b")
#: The eight slots filled, one of them twice (IV01); a 45° profile, which has no slot;
#: IV24 and IV19 taken in a mirror, IV03 and IV27 taken in one but corrected.
VIEWS = {
    "face-side.jpg": "EV03",
    "face-rest.jpg": "EV17",
    "face-smile.jpg": "EV19",
    "upper.jpg": "IV24",
    "lower.jpg": "IV27",
    "right.jpg": "IV03",
    "front.jpg": "IV07",
    "left.jpg": "IV19",
    "right-again.jpg": "IV01",
    "face-45.jpg": "EV08",
    "no-view.jpg": None,
}


@pytest.fixture(scope="module")
def mount_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The two modules and what they import, with a page that mounts them, served on
    127.0.0.1 with the policy in the page alone (as a server that sends none)."""
    folder = tmp_path_factory.mktemp("mount")
    for name in MODULES:
        shutil.copyfile(REPO / "web" / name, folder / name)
    (folder / "index.html").write_text(PAGE)
    (folder / "mount.js").write_text(MOUNT)
    with _serve_module().in_background(folder, send_policy=False) as url:
        yield url


def open_mounts(page: Page, url: str) -> None:
    page.add_init_script(COUNT_URLS)
    page.goto(url)
    page.wait_for_selector('body[data-state="ready"]', state="attached")


def mount_photos(page: Page, photos: dict[str, str | None]) -> Locator:
    items = []
    for name, code in photos.items():
        where = placement(code)
        items.append(
            {"name": name, "view": code, "viewMeaning": view_meaning(code),
             "slot": where.slot, "flip": where.flip}
        )  # fmt: skip
    page.evaluate(MOUNT_PHOTOS, items)
    composite = page.locator('#photos[data-preview-kind="photos"]')
    page.wait_for_selector('#photos[data-preview="shown"]', state="attached")
    return composite


def mount_document(page: Page, target: str, name: str, media_type: str, data: bytes) -> Locator:
    page.evaluate(MOUNT_DOCUMENT, [target, name, media_type, list(data)])
    page.wait_for_selector(f"#{target}[data-preview]", state="attached")
    return page.locator(f"#{target}")


def screenshot_of(part: Locator, name: str) -> None:
    """Keep a picture of ``part`` of the page for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    part.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def live_urls(page: Page) -> list[str]:
    return list(page.evaluate("[...liveUrls]"))


def cell_of(composite: Locator, name: str) -> Locator:
    return composite.locator(f'figure[title="{name}"]')


def opened_group(page: Page, kind: str) -> Locator:
    """The chart's group of ``kind``, opened."""
    group = page.locator(f'#open-chart > details[data-group-kind="{kind}"]')
    if not group.evaluate("details => details.open"):
        group.locator(":scope > summary").click()
    return group


def records_composite(page: Page) -> Locator:
    composite = opened_group(page, "photo").locator('[data-preview-kind="photos"]')
    composite.and_(page.locator('[data-preview="shown"]')).wait_for(state="attached")
    return composite


def test_the_opened_records_photos_fill_the_composite_by_view_meaning_and_mirror(
    records_page: Page,
) -> None:
    composite = records_composite(records_page)
    images = composite.locator("img")
    assert images.count() == len(PHOTO_VIEWS)
    assert set(images.evaluate_all("all => all.map((image) => image.dataset.preview)")) == {"shown"}
    assert all(image.evaluate("i => i.naturalWidth") > 0 for image in images.all())
    for path, code in PHOTO_VIEWS.items():
        name = path.rsplit("/", 1)[-1]
        slot = placement(code).slot
        if slot is None:
            cell = composite.locator(".photo-more > figure", has_text=name)
            assert cell.get_attribute("title") == name
            continue
        cell = composite.locator(f'.photo-grid > figure[data-slot="{slot}"]')
        assert cell.get_attribute("title") == name, slot
        assert cell.locator(".photo-view").text_content() == view_meaning(code)
    assert CODE.findall(str(composite.text_content())) == []

    mirrored = composite.locator('figure[data-slot="upper-occlusal"]')  # IV24
    assert mirrored.locator("img").evaluate("i => getComputedStyle(i).transform") == (
        "matrix(1, 0, 0, -1, 0, 0)"
    )
    assert FLIP_WORDS in str(mirrored.locator("figcaption").text_content())
    corrected = composite.locator('figure[data-slot="right-buccal"]')  # IV03
    assert corrected.locator("img").evaluate("i => getComputedStyle(i).transform") == "none"
    assert FLIP_WORDS not in str(corrected.locator("figcaption").text_content())
    screenshot_of(opened_group(records_page, "photo"), "34-photo-composite")


def test_an_opened_photo_shows_full_size_by_keyboard_and_escape_returns_focus(
    records_page: Page,
) -> None:
    composite = records_composite(records_page)
    opener = composite.locator('figure[data-slot="upper-occlusal"] button')
    opener.focus()
    records_page.keyboard.press("Enter")
    dialog = records_page.locator("dialog.photo-dialog[open]")
    dialog.wait_for()
    caption = str(dialog.locator(".photo-dialog-caption").text_content())
    assert "upper-occlusal.png" in caption and str(view_meaning("IV24")) in caption
    assert dialog.locator("img").evaluate("i => getComputedStyle(i).transform") == (
        "matrix(1, 0, 0, -1, 0, 0)"
    )
    records_page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert opener.evaluate("button => document.activeElement === button")


def test_the_opened_records_composite_fits_a_phone_screen(records_page: Page) -> None:
    composite = records_composite(records_page)
    records_page.set_viewport_size({"width": 390, "height": 844})
    try:
        records_page.wait_for_function("innerWidth === 390")
        # Nothing of the composite reaches past the screen's edge, nor scrolls inside it.
        widest = composite.evaluate(
            """composite => Math.max(...[composite, ...composite.querySelectorAll("*")]
                 .map((node) => node.getBoundingClientRect().right))"""
        )
        assert widest <= 390
        assert composite.evaluate("c => c.scrollWidth <= c.clientWidth")
        columns = composite.locator(".photo-grid").evaluate(
            "grid => getComputedStyle(grid).gridTemplateColumns.split(' ').length"
        )
        assert columns == 2
        # Chromium paints a picture once it has been near the screen: pass them all.
        composite.locator("figure").last.scroll_into_view_if_needed()
        records_page.wait_for_timeout(300)
        screenshot_of(opened_group(records_page, "photo"), "35-photo-composite-390px")
    finally:
        records_page.set_viewport_size({"width": 1280, "height": 900})


def test_the_opened_records_letter_shows_as_text(records_page: Page) -> None:
    # Text has no signature, so the letter is not sniffed as a document: it is among
    # the other files (beside the README of the DICOM media), and shown as text there.
    text = opened_group(records_page, "other").locator(
        '[data-preview-kind="text"][data-path$="/letter.txt"]'
    )
    text.and_(records_page.locator('[data-preview="shown"]')).wait_for(state="attached")
    assert text.locator("pre").text_content() == LETTER


def test_the_opened_records_pdf_shows_in_the_browsers_viewer_or_says_it_cannot(
    records_page: Page,
) -> None:
    documents = opened_group(records_page, "document")
    pdf = documents.locator('[data-preview-kind="pdf"]')
    pdf.and_(records_page.locator("[data-preview]")).wait_for(state="attached")
    if records_page.evaluate("navigator.pdfViewerEnabled") is True:
        assert pdf.get_attribute("data-preview") == "shown"
        frame = pdf.locator("iframe")
        assert frame.get_attribute("title") == "PDF: referral.pdf"
        assert frame.get_attribute("sandbox") is None
        assert frame.evaluate("f => f.getBoundingClientRect().height") >= 400
        assert viewer_drew_a_page(records_page, frame)
    else:
        assert pdf.get_attribute("data-preview") == "unsupported"
        assert pdf.text_content() == (
            "This browser cannot show PDFs inside the page; save the file to read it."
        )
    screenshot_of(documents, "36-pdf")


def viewer_drew_a_page(page: Page, frame: Locator) -> bool:
    """Whether the browser's PDF viewer in ``frame`` drew a page: its white sheet fills
    part of its grey panel (an empty viewer stays grey)."""
    for _ in range(40):
        if page.evaluate(WHITE_SHARE, list(frame.screenshot())) > 0.05:
            return True
        page.wait_for_timeout(250)
    return False


def test_each_photo_fills_the_slot_of_its_view_captioned_by_meaning_and_flipped_back_if_mirrored(
    page: Page, mount_site: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    open_mounts(page, mount_site)
    composite = mount_photos(page, VIEWS)

    images = composite.locator("img")
    assert images.count() == len(VIEWS)
    assert set(images.evaluate_all("all => all.map((image) => image.dataset.preview)")) == {"shown"}
    assert all(image.evaluate("i => i.naturalWidth") == 640 for image in images.all())
    # Each URL went once its picture had loaded.
    assert live_urls(page) == []

    # The grid: every slot holds the first photo whose view maps there, in three rows.
    grid = composite.locator(".photo-grid > figure")
    slots = grid.evaluate_all("all => all.map((cell) => [cell.dataset.slot, cell.dataset.row])")
    assert [row for _, row in slots] == ["1", "1", "1", "2", "2", "3", "3", "3"]
    first_in_slot: dict[str, str] = {}
    for name, code in VIEWS.items():
        slot = placement(code).slot
        if slot is not None:
            first_in_slot.setdefault(slot, name)
    assert {slot for slot, _ in slots} == set(first_in_slot)
    for slot, name in first_in_slot.items():
        cell = composite.locator(f'.photo-grid > figure[data-slot="{slot}"]')
        assert cell.get_attribute("title") == name
        assert cell.locator(".photo-view").text_content() == view_meaning(VIEWS[name])

    # After the grid: the second photo of a slot and the view without a slot, by
    # meaning, then the photo without a view, by its file name.
    more = composite.locator(".photo-more > figure")
    assert more.evaluate_all("all => all.map((cell) => cell.title)") == [
        "right-again.jpg", "face-45.jpg", "no-view.jpg",
    ]  # fmt: skip
    assert more.locator(".photo-view").all_text_contents() == [
        str(view_meaning("IV01")), str(view_meaning("EV08")), "no-view.jpg",
    ]  # fmt: skip

    # Meanings, never codes.
    assert CODE.findall(str(composite.text_content())) == []

    # Taken in a mirror and not corrected: flipped back, and the caption says so.
    upper, left = cell_of(composite, "upper.jpg"), cell_of(composite, "left.jpg")
    assert upper.locator("img").evaluate("i => getComputedStyle(i).transform") == (
        "matrix(1, 0, 0, -1, 0, 0)"
    )
    assert left.locator("img").evaluate("i => getComputedStyle(i).transform") == (
        "matrix(-1, 0, 0, 1, 0, 0)"
    )
    for cell in (upper, left):
        assert FLIP_WORDS in str(cell.locator("figcaption").text_content())
    # Corrected by the camera: shown as taken, without the words.
    for name in ("right.jpg", "lower.jpg", "front.jpg"):
        cell = cell_of(composite, name)
        assert cell.locator("img").evaluate("i => getComputedStyle(i).transform") == "none"
        assert FLIP_WORDS not in str(cell.locator("figcaption").text_content())


def test_a_photo_opens_full_size_by_keyboard_and_closes_back_to_where_it_was(
    page: Page, mount_site: str
) -> None:
    open_mounts(page, mount_site)
    composite = mount_photos(page, VIEWS)
    opener = cell_of(composite, "upper.jpg").locator("button")
    dialog = page.locator("dialog.photo-dialog")

    opener.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog.photo-dialog[open]")
    page.wait_for_function("document.querySelector('dialog.photo-dialog img').complete")
    caption = str(dialog.locator(".photo-dialog-caption").text_content())
    assert "upper.jpg" in caption and str(view_meaning("IV24")) in caption
    assert FLIP_WORDS in caption and CODE.findall(caption) == []
    image = dialog.locator("img")
    assert image.evaluate("i => i.naturalWidth") == 640
    assert image.evaluate("i => getComputedStyle(i).transform") == "matrix(1, 0, 0, -1, 0, 0)"
    assert len(live_urls(page)) == 1  # the full-size picture's, while it is shown
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog.photo-dialog:not([open])", state="attached")
    assert opener.evaluate("button => document.activeElement === button")
    assert live_urls(page) == []

    # Space opens another; its Close button closes it.
    other = cell_of(composite, "front.jpg").locator("button")
    other.focus()
    page.keyboard.press(" ")
    page.wait_for_selector("dialog.photo-dialog[open]")
    assert FLIP_WORDS not in str(dialog.locator(".photo-dialog-caption").text_content())
    assert dialog.locator("button", has_text="Close").evaluate(
        "button => document.activeElement === button"
    )
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog.photo-dialog:not([open])", state="attached")
    assert other.evaluate("button => document.activeElement === button")

    # destroy() takes away the grid, the dialog and every URL.
    page.evaluate("photos.destroy()")
    assert page.locator("#photos").evaluate("e => e.childElementCount") == 0
    assert page.locator("dialog").count() == 0
    assert live_urls(page) == []


def test_the_composite_fits_a_phone_screen(page: Page, mount_site: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_mounts(page, mount_site)
    composite = mount_photos(page, VIEWS)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    columns = composite.locator(".photo-grid").evaluate(
        "grid => getComputedStyle(grid).gridTemplateColumns.split(' ').length"
    )
    assert columns == 2
    # Each photo still wide enough to make out: over a third of the screen.
    widths = composite.locator("img").evaluate_all(
        "all => all.map((image) => image.getBoundingClientRect().width)"
    )
    assert min(widths) > 390 / 3


def test_empty_slots_stay_framed_and_undrawable_or_broken_photos_say_so(
    page: Page, mount_site: str
) -> None:
    open_mounts(page, mount_site)
    page.evaluate(
        """() => {
      const jpeg = (bytes) => new Blob([new Uint8Array(bytes)]);
      globalThis.photos = mounts.mountPhotoComposite(document.getElementById("photos"), [
        { name: "scan.tif", path: "ORIGINAL/scan.tif", blob: jpeg([73, 73, 42, 0]),
          mediaType: "image/tiff", view: null, viewMeaning: null, slot: null, flip: null },
        { name: "broken.jpg", path: "ORIGINAL/broken.jpg", blob: jpeg([255, 216, 255, 0, 1, 2]),
          mediaType: "image/jpeg", view: null, viewMeaning: null, slot: "profile", flip: null },
        // A DICOM photograph whose data set breaks off in its first element.
        { name: "broken.dcm", path: "DICOM/broken.dcm",
          blob: jpeg([...new Array(128).fill(0), 68, 73, 67, 77, 2, 0, 16, 0, 85, 73, 200, 0]),
          mediaType: "application/dicom", view: "IV01", viewMeaning: "Right buccal",
          slot: "right-buccal", flip: null },
      ]);
    }"""
    )
    page.wait_for_selector('#photos[data-preview="shown"]', state="attached")
    composite = page.locator("#photos")
    empty = composite.locator(".photo-grid > figure.photo-empty")
    assert empty.count() == 6
    assert "Left buccal" in empty.all_text_contents()
    assert all(cell.evaluate("c => c.getBoundingClientRect().height") > 50 for cell in empty.all())
    broken = cell_of(composite, "broken.jpg")
    assert broken.get_attribute("data-slot") == "profile"
    assert broken.locator("img").get_attribute("data-preview") == "error"
    assert "This photo could not be shown; it can still be saved." in str(broken.text_content())
    dicom = cell_of(composite, "broken.dcm")
    assert dicom.get_attribute("data-slot") == "right-buccal"
    assert dicom.get_attribute("data-preview") == "error"
    assert "This photo could not be shown; it can still be saved." in str(dicom.text_content())
    tiff = cell_of(composite, "scan.tif")
    assert tiff.get_attribute("data-preview") == "unsupported"
    assert tiff.locator("img").count() == 0
    assert "image/tiff; save it to view it." in str(tiff.text_content())
    assert live_urls(page) == []


def test_a_pdf_shows_in_the_browsers_viewer_or_says_it_cannot_and_a_fake_one_is_refused(
    page: Page, mount_site: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    open_mounts(page, mount_site)
    pdf = mount_document(page, "doc-pdf", "referral letter.pdf", "application/pdf", referral_pdf())
    assert pdf.get_attribute("data-preview-kind") == "pdf"
    if page.evaluate("navigator.pdfViewerEnabled") is True:
        assert pdf.get_attribute("data-preview") == "shown"
        frame = pdf.locator("iframe")
        assert frame.get_attribute("title") == "PDF: referral letter.pdf"
        assert frame.get_attribute("sandbox") is None
        assert str(frame.get_attribute("src")).startswith("blob:")
        assert frame.evaluate("f => f.getBoundingClientRect().height") >= 400
        assert viewer_drew_a_page(page, frame)
    else:
        assert pdf.get_attribute("data-preview") == "unsupported"
        assert pdf.locator("iframe").count() == 0
        assert pdf.text_content() == (
            "This browser cannot show PDFs inside the page; save the file to read it."
        )

    fake = mount_document(page, "doc-fake", "invoice.pdf", "application/octet-stream",
                          b"PK\x03\x04 not a PDF at all" + bytes(2000))  # fmt: skip
    assert fake.get_attribute("data-preview-kind") == "pdf"
    assert fake.get_attribute("data-preview") == "error"
    assert fake.text_content() == (
        "This file is named like a PDF but is not one; it can still be saved."
    )
    page.evaluate("documents['doc-pdf'].destroy()")
    assert pdf.evaluate("e => e.childElementCount") == 0
    assert live_urls(page) == []


def test_a_text_file_shows_as_text_never_as_markup_and_a_long_one_is_cut_at_a_megabyte(
    page: Page, mount_site: str
) -> None:
    open_mounts(page, mount_site)
    letter = "Überweisung: Klasse II/1, ½ Prämolar\n<b>not bold</b><script>no</script>\n"
    text = mount_document(page, "doc-text", "letter.txt", "text/plain", letter.encode())
    assert text.get_attribute("data-preview-kind") == "text"
    assert text.get_attribute("data-preview") == "shown"
    assert text.locator("pre").text_content() == letter
    assert text.locator("pre *").count() == 0

    # 2.5 MB of text whose megabyte boundary splits a two-byte character.
    long = ("a" * 999_999 + "é" + "b" * 1_499_999).encode()
    cut = mount_document(page, "doc-long", "notes.csv", "", long)
    assert cut.get_attribute("data-preview") == "shown"
    shown: Any = cut.locator("pre").evaluate("pre => pre.textContent")
    assert shown == "a" * 999_999
    assert cut.locator(".preview-note").text_content() == (
        f"Showing the first 1 MB of {len(long) / 1e6:.1f} MB; save the file to read all of it."
    )


#: DICOM photographs a sender adds, each naming its view in View Code Sequence: the
#: JPEG baseline one is shown by its frame as it is, the native RGB one decoded.
DICOM_PHOTOS = {"smile.dcm": "EV19", "front.dcm": "IV07"}
VL_PHOTOGRAPHIC_IMAGE = "1.2.840.10008.5.1.4.1.1.77.1.4"
#: The native photograph's size, which its picture must have once decoded.
NATIVE_SIZE = (48, 32)


def vl_photograph(code: str, *, jpeg: bytes | None = None) -> bytes:
    """A VL Photographic Image of view ``code``, coded by its ADA-1100 code item as
    orthoshare codes one: ``jpeg`` encapsulated as it is, or else 48 x 32 RGB pixels."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(VL_PHOTOGRAPHIC_IMAGE)
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = JPEGBaseline8Bit if jpeg is not None else ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = VL_PHOTOGRAPHIC_IMAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "XC"
    ds.PatientName = "Pérez^Ana"
    ds.PatientID = "P-17"
    coded = view(code).dicom.ada_view_code
    item = Dataset()
    item.CodeValue = coded.value
    item.CodingSchemeDesignator = coded.scheme
    item.CodeMeaning = coded.meaning
    ds.ViewCodeSequence = Sequence([item])
    ds.SamplesPerPixel = 3
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if jpeg is not None:
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.Rows = ds.Columns = 100  # the shipped JPEG's size
        ds.PixelData = encapsulate([jpeg])
        ds["PixelData"].VR = "OB"
    else:
        width, height = NATIVE_SIZE
        ds.PhotometricInterpretation = "RGB"
        ds.Rows, ds.Columns = height, width
        ds.PixelData = np.full((height, width, 3), (200, 60, 40), dtype=np.uint8).tobytes()
    encoded = BytesIO()
    pydicom.dcmwrite(encoded, ds, enforce_file_format=True)
    return encoded.getvalue()


@contextmanager
def opened_dicom_photos(
    browser: Browser, site: str, folder: Path, *, with_a_photo: bool
) -> Iterator[Page]:
    """The site with records of its own opened: two DICOM photographs whose views the
    sender did not pick, and a photo if ``with_a_photo``, sealed by the command line's
    code."""
    inputs = {
        "face.png": photo_png(3),
        "smile.dcm": vl_photograph(DICOM_PHOTOS["smile.dcm"], jpeg=jpeg_from_shipped()),
        "front.dcm": vl_photograph(DICOM_PHOTOS["front.dcm"]),
    }
    if not with_a_photo:
        del inputs["face.png"]
    for name, data in inputs.items():
        (folder / name).write_bytes(data)
    identity = age.X25519Identity.generate()
    views = {"face.png": Annotation(view="EV03")}
    request = SealRequest(
        [identity.recipient],
        details=Details(patient=Patient(name="Pérez^Ana", id="P-17")),
        annotations=[views.get(name, Annotation()) for name in inputs],
    )
    collected = pipeline.collect_inputs([folder / name for name in inputs])
    sealed = pipeline.seal(collected, request, folder / "dicom-photos.zip.age")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        open_page(page, site)
        open_with_identity(page, sealed.path, str(identity))
        page.wait_for_selector("#open-chart details")
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def dicom_photos_page(
    browser: Browser, site: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Page]:
    """A photo and two DICOM photographs, opened."""
    folder = tmp_path_factory.mktemp("dicom-photos")
    with opened_dicom_photos(browser, site, folder, with_a_photo=True) as page:
        yield page


def test_dicom_photographs_naming_their_view_fill_its_slot_in_the_composite(
    dicom_photos_page: Page,
) -> None:
    page = dicom_photos_page
    composite = records_composite(page)
    for name, code in {"face.png": "EV03", **DICOM_PHOTOS}.items():
        cell = composite.locator(f'.photo-grid > figure[data-slot="{placement(code).slot}"]')
        assert cell.get_attribute("title") == name
        assert cell.get_attribute("data-preview") == "shown"
        assert cell.locator(".photo-view").text_content() == view_meaning(code)
        assert cell.locator("img").evaluate("i => i.naturalWidth") > 0
    # The JPEG frame as it is; the native pixels decoded to a picture of their size.
    smile = composite.locator('figure[title="smile.dcm"] img')
    assert smile.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [100, 100]
    front = composite.locator('figure[title="front.dcm"] img')
    assert front.evaluate("i => [i.naturalWidth, i.naturalHeight]") == list(NATIVE_SIZE)
    # Still in their study, as imaging software lists them.
    studies = page.locator('#open-chart > details[data-group-kind="study"] > summary')
    assert studies.filter(has_text="Study XC: 2 series, 2 images").count() == 1
    screenshot_of(opened_group(page, "photo"), "37-photo-composite-with-dicom-photos")


def test_dicom_photographs_alone_still_make_a_composite_after_the_studies(
    browser: Browser, site: str, tmp_path: Path
) -> None:
    with opened_dicom_photos(browser, site, tmp_path, with_a_photo=False) as page:
        kinds = page.locator("#open-chart > details").evaluate_all(
            "all => all.map((group) => group.dataset.groupKind)"
        )
        assert kinds == ["study", "photo"]
        composite = records_composite(page)
        for name, code in DICOM_PHOTOS.items():
            cell = composite.locator(f'.photo-grid > figure[data-slot="{placement(code).slot}"]')
            assert cell.get_attribute("title") == name
            assert cell.get_attribute("data-preview") == "shown"
        assert composite.locator("figure[data-preview-kind='photo']").count() == len(DICOM_PHOTOS)
