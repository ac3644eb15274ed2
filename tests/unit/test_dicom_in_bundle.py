"""Sealing makes standard DICOM objects of the originals and guards against a wrong patient."""

from __future__ import annotations

import io
import shutil
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pydicom
import pytest
from dicom_checks import baseline_jpeg, binary_stl, dciodvfy_report
from pydicom.encaps import generate_frames
from pydicom.fileset import FileSet
from test_dicom_header import dicom_file

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import Manifest
from orthoshare.bundle.writer import Annotation, Details
from orthoshare.cli import main
from orthoshare.errors import MixedPatientsError
from orthoshare.records import Patient
from orthoshare.request import SealRequest

pytest_plugins = ["dicom_fixtures"]

IDENTITY = age.X25519Identity.generate()
SOP_CLASSES = {
    "smile.jpg": "1.2.840.10008.5.1.4.1.1.77.1.4",  # VL Photographic Image
    "pano.jpg": "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture Image
    "letter.pdf": "1.2.840.10008.5.1.4.1.1.104.1",  # Encapsulated PDF
    "upper.stl": "1.2.840.10008.5.1.4.1.1.104.3",  # Encapsulated STL
}


class _CountingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, counted: CountedInput) -> None:
        self._inner = inner
        self._counted = counted
        self.name = inner.name  # pydicom asks a file for its name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._inner.readinto(buffer)  # type: ignore[attr-defined]
        self._counted.read += count
        return int(count)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def close(self) -> None:
        self._inner.close()
        super().close()


@dataclass
class CountedInput:
    """An input that counts the bytes read from it."""

    inner: pipeline.PathInput
    read: int = 0

    @property
    def parts(self) -> tuple[str, ...]:
        return self.inner.parts

    @property
    def size(self) -> int:
        return self.inner.size

    def open(self) -> BinaryIO:
        return io.BufferedReader(_CountingReader(self.inner.open(), self))


def seal_and_open(
    tmp_path: Path, files: dict[str, bytes], annotations: dict[str, Annotation], **options: object
) -> Manifest:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    inputs = pipeline.collect_inputs([folder / name for name in files])
    request = SealRequest(
        [IDENTITY.recipient],
        Details(patient=Patient("Ana Pérez", "P-17", "2011-04-02", "F")),
        [annotations.get(name, Annotation()) for name in files],
        **options,  # type: ignore[arg-type]
    )
    result = pipeline.seal(inputs, request, tmp_path)
    return pipeline.open_(result.path, [IDENTITY], tmp_path / "out")


def test_originals_become_dicom_objects_that_validate_and_keep_their_bytes(
    tmp_path: Path, dciodvfy: str
) -> None:
    files = {
        "smile.jpg": baseline_jpeg(),
        "pano.jpg": baseline_jpeg() + b"\x00",  # another file, same picture
        "letter.pdf": b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "upper.stl": binary_stl(),
    }
    annotations = {
        "smile.jpg": Annotation(label="Frontal smile", view="EV08"),
        "pano.jpg": Annotation(kind="radiograph", radiograph="panoramic"),
    }
    manifest = seal_and_open(tmp_path, files, annotations)
    out = tmp_path / "out"

    derived = {e.derived_from: e for e in manifest.entries if e.derived_from is not None}
    for name, sop_class in SOP_CLASSES.items():
        original = f"ORIGINAL/{name}"
        assert (out / original).read_bytes() == files[name]
        made = derived[original]
        assert made.path.startswith("DICOM/") and made.dicom is not None
        assert made.dicom.sop_class_uid == sop_class
        assert made.dicom.patient_id == "P-17"
        dciodvfy_report(dciodvfy, out / made.path)
    photo = pydicom.dcmread(out / derived["ORIGINAL/smile.jpg"].path)
    frame = next(generate_frames(photo.PixelData, number_of_frames=1))
    assert frame.rstrip(b"\x00") == files["smile.jpg"].rstrip(b"\x00")
    assert photo.Modality == "XC" and photo.ImageComments == "Frontal smile"
    assert pydicom.dcmread(out / derived["ORIGINAL/pano.jpg"].path).Modality == "PX"
    studies = {e.dicom.study_instance_uid for e in derived.values() if e.dicom is not None}
    assert len(studies) == 1
    file_set = pydicom.fileset.FileSet(pydicom.dcmread(out / "DICOMDIR"))
    assert len(list(file_set)) == len(SOP_CLASSES)


def test_files_that_stay_originals_only_are_still_sealed(tmp_path: Path) -> None:
    files = {"notes.txt": b"plain text", "scan.ply": b"ply\nformat ascii 1.0\nend_header\n"}
    manifest = seal_and_open(tmp_path, files, {})
    assert [e.path for e in manifest.entries] == ["ORIGINAL/notes.txt", "ORIGINAL/scan.ply"]


def test_dicom_files_of_another_patient_are_refused_until_confirmed(tmp_path: Path) -> None:
    files = {
        "ana.dcm": dicom_file(
            PatientName="Pérez^Ana", PatientID="P-17", PatientBirthDate="20110402"
        ),
        "bob.dcm": dicom_file(
            PatientName="Smith^Bob", PatientID="P-99", SOPInstanceUID="1.2.3.9",
            PatientBirthDate="19990101", PatientSex="M",
        ),
    }  # fmt: skip
    with pytest.raises(MixedPatientsError, match="P-99"):
        seal_and_open(tmp_path, files, {})
    assert list(tmp_path.glob("*.age")) == []
    manifest = seal_and_open(tmp_path, files, {}, allow_mixed_patients=True)
    assert sorted(e.dicom.patient_id for e in manifest.entries if e.dicom and e.original_name) == [
        "P-17",
        "P-99",
    ]
    cover = (tmp_path / "out" / "INDEX.HTM").read_text()
    assert "Smith^Bob" in cover and "Pérez^Ana" in cover


def test_the_patient_is_taken_from_the_dicom_files_when_none_is_entered(tmp_path: Path) -> None:
    (tmp_path / "ct").mkdir()
    (tmp_path / "ct" / "a.dcm").write_bytes(dicom_file(PatientName="Doe^Jane", PatientID="P-3"))
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "ct"]), SealRequest([IDENTITY.recipient]), tmp_path
    )
    patient = pipeline.list_(result.path, [IDENTITY]).patient
    assert (patient.name, patient.id, patient.birth_date, patient.sex) == (
        "Jane Doe", "P-3", "2008-03-15", "F",
    )  # fmt: skip


def test_the_cli_refuses_mixed_patients_without_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.dcm").write_bytes(dicom_file(PatientID="P-1"))
    (tmp_path / "in" / "b.dcm").write_bytes(dicom_file(PatientID="P-2", SOPInstanceUID="1.2.9"))
    argv = ["seal", str(tmp_path / "in"), "-r", str(IDENTITY.recipient), "-o", str(tmp_path)]
    with pytest.raises(SystemExit):
        main(argv)
    err = capsys.readouterr().err
    assert "error: the inputs name more than one patient" in err and "--allow-mixed-patients" in err
    assert list(tmp_path.glob("*.age")) == []
    assert main([*argv, "--allow-mixed-patients"]) == 0
    assert len(list(tmp_path.glob("*.age"))) == 1
    shutil.rmtree(tmp_path / "in")


def test_open_list_shows_each_dicom_objects_study(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.dcm").write_bytes(
        dicom_file(StudyDate="20240301", StudyDescription="CBCT maxilla", Modality="CT")
    )
    key = tmp_path / "key.txt"
    key.write_text(age.format_identity_file(IDENTITY))
    recipient = str(IDENTITY.recipient)
    assert main(["seal", str(tmp_path / "in"), "-r", recipient, "-o", str(tmp_path)]) == 0
    sealed = next(tmp_path.glob("*.age"))
    capsys.readouterr()
    assert main(["open", str(sealed), "-i", str(key), "--list"]) == 0
    listed = capsys.readouterr().out
    assert "CT · 2024-03-01 · CBCT maxilla" in listed


def test_a_dicom_series_is_read_once_and_never_held_whole_while_sealing(
    tmp_path: Path,
) -> None:
    # In the page every byte held is memory: a CBCT series must stream through,
    # each slice read once, its header and then its bytes, as it is stored.
    slices, slice_size = 24, 1 << 20
    series = tmp_path / "cbct"
    series.mkdir()
    for number in range(1, slices + 1):
        uid = f"1.2.3.4.5.1.{number}"
        data = dicom_file(
            pixels=False, SOPInstanceUID=uid, InstanceNumber=number, SeriesNumber=1,
            StudyTime="093000", StudyID="1", SamplesPerPixel=1, Rows=1024, Columns=1024,
            PhotometricInterpretation="MONOCHROME2", BitsAllocated=8, BitsStored=8, HighBit=7,
            PixelRepresentation=0, PixelData=bytes([number]) * slice_size,
        )  # fmt: skip
        (series / f"slice{number:03}.dcm").write_bytes(data)
    inputs = [CountedInput(item) for item in pipeline.collect_inputs([series])]
    tracemalloc.start()
    try:
        result = pipeline.seal(inputs, SealRequest([IDENTITY.recipient]), tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 4 * slice_size, f"{peak / 2**20:.1f} MiB at the peak"
    read = sum(item.read for item in inputs)
    assert read < slices * (slice_size + 64 * 1024), f"{read} bytes read"
    manifest = pipeline.open_(result.path, [IDENTITY], tmp_path / "out")
    in_set = [e for e in manifest.entries if e.kind == "dicom" and e.dicom is not None]
    assert len(in_set) == slices
    for entry in in_set:
        original = tmp_path / entry.original_name
        assert (tmp_path / "out" / entry.path).read_bytes() == original.read_bytes()
    file_set = FileSet(pydicom.dcmread(tmp_path / "out" / "DICOMDIR"))
    assert len(list(file_set)) == slices
