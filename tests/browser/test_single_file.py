"""dist/orthoshare.html, opened from file:// as from a USB stick, seals and opens like the site.

The file is copied alone into an empty folder first, so nothing beside it can be
loaded by accident; every request of the page and its worker is recorded, and only
file:, blob: and data: URLs are allowed.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from orthoshare import age, pipeline
from orthoshare.records import Patient

from .conftest import (
    BOOT_TIMEOUT_MS,
    LOCAL_SCHEMES,
    WORK_TIMEOUT_MS,
    screenshot,
    wait_for_state,
)
from .test_page import (
    PASSPHRASE,
    add_records,
    fill_details,
    seal_in_page,
    seal_with_cli,
    start_sealing_a_large_file,
)


def open_single_file(page: Page, single_file: Path) -> float:
    """Open the single file over file:// and return the seconds until it is ready."""
    started = time.monotonic()
    page.goto(single_file.as_uri())
    state = wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS)
    assert state == "ready", page.text_content("#status")
    return time.monotonic() - started


def assert_local(requests: list[str]) -> None:
    assert requests, "no request recorded"
    assert [url for url in requests if urlsplit(url).scheme not in LOCAL_SCHEMES] == []


def test_the_single_file_boots_from_a_file_url_without_any_network_request(
    page: Page, single_file: Path, requests_seen: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    seconds = open_single_file(page, single_file)
    with capsys.disabled():
        size = single_file.stat().st_size / 1e6
        print(f"\n{single_file.name}: {size:.1f} MB, ready in {seconds:.1f} s over file://")
    assert page.evaluate("() => location.protocol") == "file:"
    screenshot(page, "11-single-file-ready")
    assert requests_seen[0] == single_file.as_uri()
    assert_local(requests_seen)


def test_sealed_in_the_single_file_with_a_passphrase_opens_with_the_cli(
    page: Page,
    single_file: Path,
    tmp_path: Path,
    records: dict[str, bytes],
    requests_seen: list[str],
) -> None:
    open_single_file(page, single_file)
    add_records(page, tmp_path, records)
    fill_details(page)
    page.fill("#passphrase", PASSPHRASE)
    page.fill("#passphrase-again", PASSPHRASE)
    sealed = seal_in_page(page, tmp_path)
    screenshot(page, "12-single-file-sealed")

    identities = [age.ScryptIdentity(PASSPHRASE)]
    assert pipeline.list_(sealed, identities).patient == Patient(
        "Ana Pérez", "P-17", "2011-04-02", "F"
    )
    pipeline.open_(sealed, identities, tmp_path / "out")
    for name, data in records.items():
        assert (tmp_path / "out" / "ORIGINAL" / name).read_bytes() == data
    assert_local(requests_seen)


def test_sealed_by_the_cli_opens_in_the_single_file_with_the_cover_and_the_files(
    page: Page,
    single_file: Path,
    tmp_path: Path,
    records: dict[str, bytes],
    requests_seen: list[str],
) -> None:
    identity = age.X25519Identity.generate()
    sealed = seal_with_cli(tmp_path, records, identity.recipient)
    open_single_file(page, single_file)
    page.click("#tab-open")
    page.set_input_files("#pick-sealed", str(sealed))
    page.wait_for_selector("#open-key-fields:not([hidden])")
    page.fill("#identity-text", age.format_identity_file(identity))
    page.click("#open-button")
    state = wait_for_state(page, "done", "error", timeout=WORK_TIMEOUT_MS)
    assert state == "done", page.text_content("#open-message")
    assert page.is_visible("#cover")
    assert page.text_content("#cover-title") == "Records of Ana Pérez"
    shown = page.locator("#open-files tbody tr td:nth-child(2)").all_text_contents()
    # Beside the originals: the DICOM objects made from them, and their DICOMDIR.
    assert sorted(p for p in shown if p.startswith("ORIGINAL/")) == sorted(
        f"ORIGINAL/{name}" for name in records
    )
    assert "DICOMDIR" in shown
    screenshot(page, "13-single-file-opened")

    page.click("#all-files > summary")  # the list of every file opens when asked
    with page.expect_download() as download:
        page.click("button[aria-label='Save ORIGINAL/raw.bin']")
    saved = tmp_path / "saved.bin"
    download.value.save_as(saved)
    assert saved.read_bytes() == records["raw.bin"]
    assert_local(requests_seen)


def test_cancel_in_the_single_file_starts_a_worker_that_seals(
    page: Page, single_file: Path, tmp_path: Path, records: dict[str, bytes]
) -> None:
    open_single_file(page, single_file)
    start_sealing_a_large_file(page, tmp_path)
    page.wait_for_selector("#send-cancel:visible", timeout=WORK_TIMEOUT_MS)
    page.click("#send-cancel")
    page.wait_for_selector("#send-message:has-text('Cancelled: nothing was saved.')")
    # The new worker gets every file again from the page's memory, and works.
    assert wait_for_state(page, "ready", "error", timeout=BOOT_TIMEOUT_MS) == "ready"
    page.click('[aria-label="Remove cbct.raw"]')
    add_records(page, tmp_path, records)
    sealed = seal_in_page(page, tmp_path)
    assert pipeline.list_(sealed, [age.ScryptIdentity(PASSPHRASE)]).entries
