"""DICOM written by others goes through seal/open byte-exact and is indexed in DICOMDIR."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from dicom_checks import assert_dcmtk_reads, dciodvfy_report
from pydicom.fileset import FileSet

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import Manifest
from orthoshare.bundle.writer import Details
from orthoshare.errors import InputError
from orthoshare.records import Patient
from orthoshare.request import SealRequest

pytest_plugins = ["dicom_fixtures"]

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
        pipeline.collect_inputs([inputs]),
        SealRequest([IDENTITY.recipient], allow_mixed_patients=True),
        tmp_path,
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
    assert entry.dicom_note == (
        "not in the DICOMDIR: a DICOMDIR study record needs the Study Date, "
        "which this file leaves empty"
    )


def test_a_file_naming_its_sop_instance_only_in_its_file_meta_is_kept_out_saying_why(
    tmp_path: Path,
) -> None:
    # UN_sequence.dcm names its SOP Class and Instance only in the file meta information.
    (tmp_path / "in").mkdir()
    shutil.copy(SHIPPED / "UN_sequence.dcm", tmp_path / "in")
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]), SealRequest([IDENTITY.recipient]), tmp_path
    )
    (entry,) = pipeline.list_(result.path, [IDENTITY]).entries
    assert entry.path == "ORIGINAL/in/UN_sequence.dcm" and entry.dicom is not None
    meta = pydicom.dcmread(SHIPPED / "UN_sequence.dcm").file_meta
    assert entry.dicom.sop_instance_uid == meta.MediaStorageSOPInstanceUID
    assert entry.dicom_note == (
        "not in the DICOMDIR: a DICOMDIR image record needs the SOP Class UID, "
        "which this file's data set lacks"
    )


def test_the_dicomdir_indexes_every_object_for_pydicom_and_dcmtk(
    sealed_and_opened: tuple[Path, Manifest], dcmtk: dict[str, str]
) -> None:
    out, manifest = sealed_and_opened
    dicomdir = out / "DICOMDIR"
    file_set = FileSet(pydicom.dcmread(dicomdir))
    indexed = {str(instance.SOPInstanceUID) for instance in file_set}
    in_set = [e for e in manifest.entries if e.path.startswith("DICOM/") and e.dicom is not None]
    expected = {e.dicom.sop_instance_uid for e in in_set if e.dicom is not None}
    assert indexed == expected and len(indexed) == len(OTHERS)
    for instance in file_set:
        assert Path(instance.path).is_file()
    dump = subprocess.run([dcmtk["dcmdump"], str(dicomdir)], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert dump.stdout.count("ReferencedFileID") == len(OTHERS)
    assert "=MediaStorageDirectoryStorage" in dump.stdout


def test_two_files_claiming_one_sop_instance_uid_are_refused_plainly(tmp_path: Path) -> None:
    # JPEG-lossy.dcm and JPGExtended.dcm are one image encoded twice, same UID.
    for name in ("JPEG-lossy.dcm", "JPGExtended.dcm"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    inputs = pipeline.collect_inputs([tmp_path / "JPEG-lossy.dcm", tmp_path / "JPGExtended.dcm"])
    with pytest.raises(InputError, match="share the SOP Instance UID"):
        pipeline.seal(
            inputs,
            SealRequest([IDENTITY.recipient], allow_mixed_patients=True),
            tmp_path / "out.age",
        )
    assert not (tmp_path / "out.age").exists()


# The elements FileSet sets itself (offsets, file IDs); everything else in a record is
# what pydicom's record creators make of the object.
_PLACED = {0x00041400, 0x00041420, 0x00041500}


def _records(dicomdir: pydicom.Dataset) -> list[dict[int, object]]:
    return [
        {e.tag: e.value for e in record if e.tag not in _PLACED}
        for record in dicomdir.DirectoryRecordSequence
    ]


def test_the_dicomdir_has_the_records_pydicoms_fileset_writes_and_validates(
    sealed_and_opened: tuple[Path, Manifest], tmp_path: Path, dciodvfy: str, dcmtk: dict[str, str]
) -> None:
    out, manifest = sealed_and_opened
    dicomdir = out / "DICOMDIR"
    reference = FileSet()
    for entry in manifest.entries:
        if entry.path.startswith("DICOM/") and entry.dicom is not None:
            reference.add(out / entry.path)
    reference.write(tmp_path / "reference")
    ours = pydicom.dcmread(dicomdir)
    assert _records(ours) == _records(pydicom.dcmread(tmp_path / "reference" / "DICOMDIR"))
    # Every record points at the right object, wherever the set puts it.
    for record in ours.DirectoryRecordSequence:
        if "ReferencedFileID" in record:
            target = pydicom.dcmread(out / Path(*record.ReferencedFileID))
            assert target.SOPInstanceUID == record.ReferencedSOPInstanceUIDInFile
    assert_dcmtk_reads(dcmtk, dicomdir)
    dciodvfy_report(dciodvfy, dicomdir)


def test_a_generated_document_is_an_encap_doc_record(tmp_path: Path) -> None:
    (tmp_path / "letter.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 10_000 + b"\n%%EOF\n")
    inputs = pipeline.collect_inputs([tmp_path / "letter.pdf"])
    details = Details(patient=Patient("Ana Pérez", "P-17", "2011-04-02", "F"))
    sealed = pipeline.seal(inputs, SealRequest([IDENTITY.recipient], details), tmp_path)
    pipeline.open_(sealed.path, [IDENTITY], tmp_path / "out")
    dicomdir = pydicom.dcmread(tmp_path / "out" / "DICOMDIR")
    types = [record.DirectoryRecordType for record in dicomdir.DirectoryRecordSequence]
    assert types == ["PATIENT", "STUDY", "SERIES", "ENCAP DOC"]
