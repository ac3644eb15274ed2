"""DICOM written by others goes through seal/open byte-exact and is indexed in DICOMDIR."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from pydicom.fileset import FileSet

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import Manifest
from orthoshare.errors import InputError

# Files shipped inside the pydicom wheel (never fetched): CT, MR, Secondary Capture,
# and JPEG variants, each a different vendor's encoding.
SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"
OTHERS = [
    "CT_small.dcm",
    "MR_small.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "JPEG-lossy.dcm",
    "JPEG2000.dcm",
    "SC_rgb_rle.dcm",
]
# A CT without a Study Date, which a DICOMDIR's STUDY record requires (PS3.3 F.5).
UNINDEXABLE = "693_J2KI.dcm"
IDENTITY = age.X25519Identity.generate()


@pytest.fixture
def sealed_and_opened(tmp_path: Path) -> tuple[Path, Manifest]:
    inputs = tmp_path / "ct"
    inputs.mkdir()
    for name in [*OTHERS, UNINDEXABLE]:
        shutil.copy(SHIPPED / name, inputs / name)
    (inputs / "letter.txt").write_text("for the surgeon")
    # pydicom's sample files belong to different (made-up) patients.
    result = pipeline.seal(
        pipeline.collect_inputs([inputs]), [IDENTITY.recipient], tmp_path, allow_mixed_patients=True
    )
    manifest = pipeline.open_(result.path, [IDENTITY], tmp_path / "out")
    return tmp_path / "out", manifest


def test_dicom_inputs_come_back_byte_exact_under_dicom(
    sealed_and_opened: tuple[Path, Manifest],
) -> None:
    out, manifest = sealed_and_opened
    by_original = {e.original_name: e for e in manifest.entries}
    for name in OTHERS:
        entry = by_original[f"ct/{name}"]
        assert entry.path.startswith("DICOM/") and entry.kind == "dicom"
        assert (out / entry.path).read_bytes() == (SHIPPED / name).read_bytes()
        assert entry.dicom is not None
        assert entry.dicom.sop_instance_uid == pydicom.dcmread(SHIPPED / name).SOPInstanceUID
    assert by_original["ct/letter.txt"].path == "ORIGINAL/ct/letter.txt"


def test_a_dicom_file_the_dicomdir_cannot_index_is_kept_byte_exact_in_original(
    sealed_and_opened: tuple[Path, Manifest],
) -> None:
    out, manifest = sealed_and_opened
    entry = {e.original_name: e for e in manifest.entries}[f"ct/{UNINDEXABLE}"]
    assert entry.path == f"ORIGINAL/ct/{UNINDEXABLE}" and entry.kind == "dicom"
    assert (out / entry.path).read_bytes() == (SHIPPED / UNINDEXABLE).read_bytes()


def test_the_dicomdir_indexes_every_object_for_pydicom_and_dcmtk(
    sealed_and_opened: tuple[Path, Manifest],
) -> None:
    out, manifest = sealed_and_opened
    dicomdir = out / "DICOM" / "DICOMDIR"
    file_set = FileSet(pydicom.dcmread(dicomdir))
    indexed = {str(instance.SOPInstanceUID) for instance in file_set}
    in_set = [e for e in manifest.entries if e.path.startswith("DICOM/") and e.dicom is not None]
    expected = {e.dicom.sop_instance_uid for e in in_set if e.dicom is not None}
    assert indexed == expected and len(indexed) == len(OTHERS)
    for instance in file_set:
        assert Path(instance.path).is_file()
    dump = subprocess.run(["dcmdump", str(dicomdir)], capture_output=True, text=True, check=True)
    assert dump.stdout.count("ReferencedFileID") == len(OTHERS)
    assert "=MediaStorageDirectoryStorage" in dump.stdout


def test_two_files_claiming_one_sop_instance_uid_are_refused_plainly(tmp_path: Path) -> None:
    # JPEG-lossy.dcm and JPGExtended.dcm are one image encoded twice, same UID.
    for name in ("JPEG-lossy.dcm", "JPGExtended.dcm"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    inputs = pipeline.collect_inputs([tmp_path / "JPEG-lossy.dcm", tmp_path / "JPGExtended.dcm"])
    with pytest.raises(InputError, match="share the SOP Instance UID"):
        pipeline.seal(inputs, [IDENTITY.recipient], tmp_path / "out.age", allow_mixed_patients=True)
    assert not (tmp_path / "out.age").exists()
