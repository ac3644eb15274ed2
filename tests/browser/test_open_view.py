"""The Open view as a receiver uses it: the records as a chart, and saving all of them,
to a folder where the browser has a folder picker and as one ZIP everywhere."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from playwright.sync_api import Page

from orthoshare import age

from .conftest import WORK_TIMEOUT_MS, open_with_identity, screenshot, wait_for_state
from .records_to_view import RecordsToView


def decrypted_zip(records: RecordsToView) -> bytes:
    identity = age.X25519Identity.parse(records.identity)
    return age.decrypt_bytes(records.sealed.read_bytes(), [identity])


def decrypted_members(records: RecordsToView) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(decrypted_zip(records))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_chart_lists_each_study_then_the_photos_scans_documents_and_other_files(
    records_page: Page,
) -> None:
    groups = records_page.locator("#open-chart > details")
    kinds = [groups.nth(i).get_attribute("data-group-kind") for i in range(groups.count())]
    assert kinds[-4:] == ["photo", "scan", "document", "other"]
    assert set(kinds[:-4]) == {"study"}
    summaries = records_page.locator("#open-chart > details > summary").all_text_contents()
    (volume,) = [s for s in summaries if "CBCT" in s]
    assert ": 1 series, 200 images," in volume


def test_save_all_gives_the_verified_zip_byte_for_byte(
    records_page: Page, records_to_view: RecordsToView, tmp_path: Path
) -> None:
    with records_page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        records_page.click("#save-all")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "records-to-view.zip"
    assert saved.read_bytes() == decrypted_zip(records_to_view)


# The folder picker is the browser's own dialog, which a test cannot click: the page is
# handed the origin's private folder in its place when the button is clicked, and the
# test reads the files back.
PICK_PRIVATE_FOLDER = """() => {
  window.showDirectoryPicker = async () => navigator.storage.getDirectory();
}"""

SAID_HOW_SAVING_ENDED = """() =>
  /Saved|stopped/.test(document.getElementById("open-message").textContent)"""

DIGESTS_OF_FOLDER = """async (name) => {
  const hex = (buffer) =>
    [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const found = {};
  async function walk(folder, prefix) {
    for await (const [entry, handle] of folder.entries()) {
      if (handle.kind === "directory") await walk(handle, `${prefix}${entry}/`);
      else {
        const bytes = await (await handle.getFile()).arrayBuffer();
        found[`${prefix}${entry}`] = hex(await crypto.subtle.digest("SHA-256", bytes));
      }
    }
  }
  await walk(await (await navigator.storage.getDirectory()).getDirectoryHandle(name), "");
  return found;
}"""


def test_save_to_a_folder_writes_every_file_of_the_records_in_their_folders(
    records_page: Page, records_to_view: RecordsToView
) -> None:
    assert records_page.is_visible("#save-folder")  # Chromium has a folder picker
    records_page.evaluate(PICK_PRIVATE_FOLDER)
    records_page.click("#save-folder")
    records_page.wait_for_function(SAID_HOW_SAVING_ENDED, timeout=WORK_TIMEOUT_MS)
    assert wait_for_state(records_page, "done", "error") == "done"
    assert records_page.text_content("#open-message") == (
        f"Saved {len(decrypted_members(records_to_view))} files in the folder records-to-view."
    )
    found = records_page.evaluate(DIGESTS_OF_FOLDER, "records-to-view")
    expected = {
        name: hashlib.sha256(data).hexdigest()
        for name, data in decrypted_members(records_to_view).items()
    }
    assert found == expected
    assert "DICOMDIR" in found  # what imaging software imports the DICOM files by

    # Saved again into the same place: the folder holding files is left alone.
    records_page.click("#save-folder")
    records_page.wait_for_function(SAID_HOW_SAVING_ENDED.replace("Saved", "already"))
    assert wait_for_state(records_page, "error") == "error"
    assert "already has a folder records-to-view" in str(
        records_page.text_content("#open-message")
    )


def test_without_a_folder_picker_the_page_says_save_all_gives_one_zip(
    records_page: Page, records_to_view: RecordsToView
) -> None:
    records_page.evaluate("() => { delete window.showDirectoryPicker; }")
    assert records_page.evaluate("() => typeof window.showDirectoryPicker") == "undefined"
    open_with_identity(records_page, records_to_view.sealed, records_to_view.identity)
    assert records_page.is_hidden("#save-folder")
    assert "cannot save into a folder" in str(records_page.text_content("#save-note"))
    assert records_page.is_visible("#save-all")


def test_the_chart_fits_a_phone_screen_without_scrolling_sideways(records_page: Page) -> None:
    screenshot(records_page, "24-records-as-a-chart-desktop")
    records_page.set_viewport_size({"width": 390, "height": 844})
    try:
        records_page.click("#open-chart details[data-group-kind='photo'] > summary")
        records_page.wait_for_selector("[data-preview-kind='photos'][data-preview]")
        width = records_page.evaluate("() => document.scrollingElement.scrollWidth")
        screenshot(records_page, "25-records-as-a-chart-390px")
        assert width <= 390
    finally:
        records_page.click("#open-chart details[data-group-kind='photo'] > summary")
        records_page.set_viewport_size({"width": 1280, "height": 900})
