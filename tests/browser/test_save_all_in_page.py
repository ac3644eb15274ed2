"""Save all, as one ZIP and into a folder, gives every file of the opened records
byte-exact: the same files CPython decrypts from the same sealed file, no more, no fewer."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pydicom
from playwright.sync_api import Page

from orthoshare import age, pipeline
from orthoshare.request import SealRequest

from .conftest import WORK_TIMEOUT_MS, open_page, wait_for_state
from .test_dicom_in_page import SHIPPED
from .test_open_view import DIGESTS_OF_FOLDER, SAID_HOW_SAVING_ENDED
from .test_page import open_with_key

SCAN = "CT_small.dcm"
#: What an imaging program's import wizard looks for at the top of IHE PDI media.
MEDIA_ROOT = {"DICOMDIR", "INDEX.HTM", "README.TXT"}
#: The folder of the origin's private file system the page is handed as the one picked.
PICKED = "picked"

# The folder picker is the browser's own dialog, which a test cannot click: from the
# page's first script on, the picker hands over a folder of the origin's private file
# system instead, so the page's own check for a picker and its own writing both run.
# The options the page asked with are kept, since a real picker refuses to write
# unless asked for readwrite.
PICK_A_PRIVATE_FOLDER = f"""
window.showDirectoryPicker = async (options) => {{
  window.pickerOptions = options;
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle("{PICKED}", {{ create: true }});
}};
"""


def seal_with_a_scan(
    tmp_path: Path, records: dict[str, bytes]
) -> tuple[Path, age.X25519Identity, dict[str, bytes]]:
    """Seal ``records`` and pydicom's CT with the CLI's code to a new key; return the
    sealed file, its key and every input by name."""
    shutil.copyfile(SHIPPED / SCAN, tmp_path / "records" / SCAN)
    inputs = {**records, SCAN: (tmp_path / "records" / SCAN).read_bytes()}
    identity = age.X25519Identity.generate()
    sealed = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "records" / name for name in inputs]),
        SealRequest([identity.recipient]),
        tmp_path,
    ).path
    return sealed, identity, inputs


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)), "a file is in the ZIP twice"
        assert archive.testzip() is None, "a file's CRC does not match"
        return {name: archive.read(name) for name in names}


def expected_files(
    sealed: Path, identity: age.X25519Identity, inputs: dict[str, bytes]
) -> dict[str, bytes]:
    """The bundle's files as CPython decrypts them, after checking that each file
    kept as sent is the input itself."""
    expected = members(age.decrypt_bytes(sealed.read_bytes(), [identity]))
    entries = pipeline.list_(sealed, [identity]).entries
    kept = [e for e in entries if e.original_name and e.derived_from is None]
    assert {e.original_name for e in kept} == set(inputs)
    for entry in kept:
        assert expected[entry.path] == inputs[entry.original_name], entry.path
    return expected


def test_save_all_as_a_zip_gives_every_file_of_the_records_byte_exact(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    sealed, identity, inputs = seal_with_a_scan(tmp_path, records)
    expected = expected_files(sealed, identity, inputs)
    assert {f"ORIGINAL/{name}" for name in records} <= set(expected)
    open_page(page, site)
    open_with_key(page, sealed, identity)

    with page.expect_download(timeout=WORK_TIMEOUT_MS) as download:
        page.click("#save-all")
    assert download.value.suggested_filename == sealed.name.removesuffix(".age")
    saved = tmp_path / "saved.zip"
    download.value.save_as(saved)
    found = members(saved.read_bytes())
    assert sorted(found) == sorted(expected)
    for name, data in expected.items():
        assert found[name] == data, name
    for name, data in records.items():
        assert found[f"ORIGINAL/{name}"] == data, name


def test_save_all_into_a_folder_writes_every_file_byte_exact_with_the_dicomdir_on_top(
    page: Page, site: str, tmp_path: Path, records: dict[str, bytes]
) -> None:
    sealed, identity, inputs = seal_with_a_scan(tmp_path, records)
    expected = expected_files(sealed, identity, inputs)
    page.add_init_script(PICK_A_PRIVATE_FOLDER)
    open_page(page, site)
    open_with_key(page, sealed, identity)
    assert page.is_visible("#save-folder")

    page.click("#save-folder")
    page.wait_for_function(SAID_HOW_SAVING_ENDED, timeout=WORK_TIMEOUT_MS)
    assert wait_for_state(page, "done", "error") == "done", page.text_content("#open-message")
    assert page.evaluate("() => window.pickerOptions.mode") == "readwrite"
    folder = sealed.name.removesuffix(".zip.age")
    assert page.text_content("#open-message") == (
        f"Saved {len(expected)} files in the folder {folder}."
    )

    # One new folder in the one picked, holding the bundle's files and nothing else.
    found = page.evaluate(DIGESTS_OF_FOLDER, PICKED)
    assert {path.split("/", 1)[0] for path in found} == {folder}
    found = {path.split("/", 1)[1]: digest for path, digest in found.items()}
    assert found == {name: hashlib.sha256(data).hexdigest() for name, data in expected.items()}

    # The media files at the folder's top, and every file the DICOMDIR names beside it.
    assert {path for path in found if "/" not in path} >= MEDIA_ROOT
    dicomdir = pydicom.dcmread(io.BytesIO(expected["DICOMDIR"]))
    referenced = [
        "/".join([ids] if isinstance(ids, str) else ids)
        for record in dicomdir.DirectoryRecordSequence
        if (ids := record.get("ReferencedFileID"))
    ]
    assert referenced, "the DICOMDIR names no file"
    assert set(referenced) <= set(found)
