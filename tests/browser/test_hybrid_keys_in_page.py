"""Post-quantum (age1pq1…) keys in the page: it seals to them and opens with their identities."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from orthoshare import age, pipeline

from .conftest import open_page, open_with_identity
from .test_page import add_records, seal_to_key_in_page


def test_sealed_in_the_page_to_a_hybrid_key_opens_in_the_page_and_in_python_byte_exact(
    page: Page, site: str, tmp_path: Path
) -> None:
    records = {"scan.bin": os.urandom(20_000)}
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "scan.bin").write_bytes(records["scan.bin"])
    identity = age.HybridIdentity.generate()

    open_page(page, site)
    add_records(page, tmp_path, records)
    sealed = seal_to_key_in_page(page, tmp_path, identity.recipient)

    # Sealed with ML-KEM-768 and X25519, not with X25519 alone.
    header = sealed.read_bytes().split(b"\n---", 1)[0]
    assert [line.split()[1] for line in header.splitlines() if line.startswith(b"-> ")] == [
        b"mlkem768x25519"
    ]
    pipeline.open_(sealed, [identity], tmp_path / "out")
    assert (tmp_path / "out" / "ORIGINAL" / "scan.bin").read_bytes() == records["scan.bin"]

    open_with_identity(page, sealed, age.format_identity_file(identity))
    page.click("#all-files > summary")
    with page.expect_download() as download:
        page.click("button[aria-label='Save ORIGINAL/scan.bin']")
    saved = tmp_path / "saved.bin"
    download.value.save_as(saved)
    assert saved.read_bytes() == records["scan.bin"]
