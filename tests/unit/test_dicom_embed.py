"""A generated document object streams the original's bytes instead of holding them."""

from __future__ import annotations

import io
import os
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pydicom
import pytest

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Details
from orthoshare.dicom import convert
from orthoshare.dicom.embed import EmbeddedDocument
from orthoshare.dicom.study import Placement, Study
from orthoshare.errors import InputError
from orthoshare.records import Patient
from orthoshare.request import SealRequest


@dataclass(frozen=True)
class InMemory:
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


def study() -> Study:
    patient = Patient(name="Ana Lima", id="P-0042", birth_date="1990-02-03", sex="F")
    return Study.new(patient, datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "Records")


def placement() -> Placement:
    return Placement(series_instance_uid="1.2.3.4", series_number=4, instance_number=1)


@pytest.mark.parametrize("size", [0, 1, 84, 85, 1_000_001])
@pytest.mark.parametrize("fmt", convert.DOCUMENT_FORMATS)
def test_the_streamed_object_is_the_object_pydicom_writes_whole(fmt: str, size: int) -> None:
    content = os.urandom(size)
    the_study, where = study(), placement()
    header = convert.document_header(fmt, size, the_study, where, "Upper arch", "upper")  # type: ignore[arg-type]
    whole = convert.document_header(fmt, size, the_study, where, "Upper arch", "upper")  # type: ignore[arg-type]
    whole.SOPInstanceUID = header.SOPInstanceUID
    whole.file_meta.MediaStorageSOPInstanceUID = header.SOPInstanceUID
    whole.EncapsulatedDocument = content + b"\x00" * (size % 2)
    expected = io.BytesIO()
    whole.save_as(expected, enforce_file_format=True)

    embedded = EmbeddedDocument(header, InMemory(content), "upper.stl")
    with embedded.open() as stream:
        streamed = stream.read()

    assert streamed == expected.getvalue()
    assert embedded.size == len(streamed)
    read_back = pydicom.dcmread(io.BytesIO(streamed))
    assert (read_back.EncapsulatedDocument or b"")[:size] == content
    assert read_back.EncapsulatedDocumentLength == size


@dataclass(frozen=True)
class Shrunk(InMemory):
    """A file picked at 10 bytes that holds fewer when it is read again."""

    @property
    def size(self) -> int:
        return 10


def test_an_original_that_shrank_since_it_was_sealed_is_refused() -> None:
    header = convert.document_header("pdf", 10, study(), placement())
    embedded = EmbeddedDocument(header, Shrunk(b"%PDF-1.7\n"), "letter.pdf")
    with pytest.raises(InputError, match=r"letter\.pdf changed size"), embedded.open() as stream:
        stream.read()


def test_sealing_a_large_scan_never_holds_it_in_memory(tmp_path: Path) -> None:
    size = 48 << 20
    scan = tmp_path / "upper.stl"
    with open(scan, "wb") as out:
        out.write(b"binary STL".ljust(80, b" ") + (size // 50).to_bytes(4, "little"))
        out.truncate(84 + 50 * (size // 50))
    identity = age.X25519Identity.generate()
    details = Details(patient=Patient("Ana Pérez", "P-17", "2011-04-02", "F"))

    tracemalloc.start()
    try:
        sealed = pipeline.seal(
            pipeline.collect_inputs([scan]), SealRequest([identity.recipient], details), tmp_path
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < size // 8, f"{peak / 2**20:.1f} MiB at the peak"
    manifest = pipeline.open_(sealed.path, [identity], tmp_path / "out")
    made = next(e for e in manifest.entries if e.derived_from is not None)
    assert made.dicom is not None and made.dicom.modality == "M3D"
    mesh = pydicom.dcmread(tmp_path / "out" / made.path)
    assert mesh.EncapsulatedDocumentLength == scan.stat().st_size
    assert bytes(mesh.EncapsulatedDocument[: scan.stat().st_size]) == scan.read_bytes()
