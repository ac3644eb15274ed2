"""What fuzzing the parsers (fuzz/) turned up: each input is refused with its documented error.

The ZIPs are the fuzzer's finds under ``crashes/bundle_zip/``, minimised. Each is
read from memory, as the page spools the decrypted ZIP, and from a temporary
file, as the command does: a bad offset fails differently in each (``ValueError``
or ``OverflowError`` from memory, ``OSError`` or ``ValueError`` from a file), and
either must end as a :class:`BundleError`, never as those.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from orthoshare.bundle.manifest import COVER_NAME, Cover, Manifest
from orthoshare.bundle.reader import verify_bundle
from orthoshare.errors import BundleError, ManifestError
from orthoshare.records import Party, Patient

CRASHES = Path(__file__).resolve().parent / "crashes"


@pytest.fixture(params=["memory", "disk"])
def spool(request: pytest.FixtureRequest) -> Iterator[BinaryIO]:
    """An empty spool of the kind the page (memory) or the command (disk) reads bundles from."""
    if request.param == "memory":
        yield io.BytesIO()
    else:
        with tempfile.TemporaryFile() as file:
            yield file


def verify_found(name: str, spool: BinaryIO) -> None:
    spool.write((CRASHES / "bundle_zip" / name).read_bytes())
    spool.seek(0)
    verify_bundle(spool).close()


def test_members_said_to_start_before_the_zip_are_refused(spool: BinaryIO) -> None:
    # A central directory whose offsets put every member before byte 0.
    with pytest.raises(BundleError):
        verify_found("members-before-the-start", spool)


def test_a_zip64_member_offset_beyond_any_file_is_refused(spool: BinaryIO) -> None:
    # A ZIP64 extra field giving the manifest's local header an offset of 2**63 or more.
    with pytest.raises(BundleError):
        verify_found("zip64-offset-past-2-63", spool)


def test_a_zip_needing_a_newer_zip_version_is_refused(spool: BinaryIO) -> None:
    # "Version needed to extract" 23.6: zipfile raises NotImplementedError on opening it.
    with pytest.raises(BundleError):
        verify_found("unsupported-zip-version", spool)


def test_a_local_name_flagged_utf8_that_is_not_is_refused(spool: BinaryIO) -> None:
    # One member, the manifest, whose local header is flagged UTF-8 and whose name there
    # starts with 0xFF. Reduced by hand: libFuzzer cannot shorten a ZIP, whose offsets
    # are absolute, without breaking it somewhere else first.
    with pytest.raises(BundleError):
        verify_found("local-name-flagged-utf8-is-not", spool)


def test_a_manifest_with_text_that_is_not_unicode_is_refused() -> None:
    # JSON can escape half a surrogate pair ("\ud800"); no UTF-8 text holds one, so such
    # a manifest could be neither written again nor printed by the command. The fuzzer
    # put the escape in a seed manifest's string; any string of a minimal one will do.
    manifest = Manifest(
        created="2025-03-14T09:26:53Z",
        generator="orthoshare 0.1.0",
        sender=Party(),
        recipient=Party(),
        note="",
        consent="",
        patient=Patient(),
        deidentified=False,
        entries=(),
        cover=Cover(COVER_NAME, 0, "0" * 64),
    )
    document = json.loads(manifest.to_json())
    document["note"] = "\ud800"
    with pytest.raises(ManifestError):
        Manifest.from_json(json.dumps(document).encode("ascii"))
