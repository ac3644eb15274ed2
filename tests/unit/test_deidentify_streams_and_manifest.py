"""The pieces de-identified sending rests on: streams of cleaned inputs, and manifests
that say how the records were de-identified."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Generator

import pydicom
import pytest
from dicom_checks import PYDICOM_FILES

from orthoshare.bundle.cover import render_cover
from orthoshare.bundle.manifest import Altered, Deidentification, Entry, Manifest
from orthoshare.deidentify.pieces import PiecesReader
from orthoshare.dicom.deidentify import DicomDeidentifier
from orthoshare.errors import ManifestError
from orthoshare.records import BytesInput, DeidentifyChoices, Party, Patient

DATA = bytes(range(256)) * 400  # 102 400 bytes


def pieces_of(data: bytes, size: int, closed: list[bool]) -> Generator[bytes, None, None]:
    try:
        for at in range(0, len(data), size):
            yield data[at : at + size]
    finally:
        closed.append(True)


@pytest.mark.parametrize("piece", [1, 999, 4096, len(DATA)])
def test_a_pieces_reader_reads_every_byte_in_order_whatever_the_reads(piece: int) -> None:
    closed: list[bool] = []
    with PiecesReader(pieces_of(DATA, piece, closed)) as stream:
        assert stream.read(7) + stream.read(70_000) + stream.read() == DATA
        assert stream.read(10) == b""
    assert closed == [True]


def test_a_pieces_reader_closed_early_closes_what_makes_its_pieces() -> None:
    closed: list[bool] = []
    with PiecesReader(pieces_of(DATA, 1000, closed)) as stream:
        assert stream.read(1500) == DATA[:1500]
    assert closed == [True]


@pytest.mark.parametrize("name", ["CT_small.dcm", "JPEG2000.dcm", "MR_small_bigendian.dcm"])
def test_a_deidentified_file_reads_alike_from_anywhere_it_is_sought(name: str) -> None:
    data = (PYDICOM_FILES / name).read_bytes()
    deidentifier = DicomDeidentifier(
        DeidentifyChoices("Case 12"), date_offset_days=-400, uid_secret=bytes(range(32))
    )
    sent = deidentifier.deidentified_file(io.BytesIO(data), len(data), name=name)
    with sent.open(BytesInput(data)) as stream:
        whole = stream.read()
        assert (
            len(whole) == sent.size and pydicom.dcmread(io.BytesIO(whole)).PatientName == "Case 12"
        )
        for at, count in ((0, 10), (len(sent.header) - 3, 50), (sent.size - 5, 100), (300, 1)):
            stream.seek(at)
            assert stream.read(count) == whole[at : at + count]
            assert stream.tell() == min(at + count, sent.size)
        stream.seek(0, 2)
        assert stream.read() == b""


def sample_manifest() -> Manifest:
    return Manifest(
        created="2026-12-07T09:30:00Z",
        generator="orthoshare 0.1.0",
        sender=Party("Dr Lee", "Smile Clinic"),
        recipient=Party("Dr Kim"),
        note="second opinion",
        consent="",
        patient=Patient("Case 12", "Case 12"),
        deidentified=False,
        entries=(Entry("ORIGINAL/photos/photo-001.jpg", 10, "0" * 64, "image/jpeg", "photo",
                       "photos/photo-001.jpg"),),
    )  # fmt: skip


def deidentified_manifest() -> Manifest:
    record = Deidentification(
        pseudonym="Case 12",
        method="DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile",
        options=("Clean Descriptors",),
        altered=(Altered("photos/photo-001.jpg", "photo metadata removed"),),
        sent_anyway=(Altered("photos/photo-001.jpg", "a photo without a view may show the face"),),
        left_out=("files whose identifying data cannot be removed with certainty: 2",),
    )
    return dataclasses.replace(sample_manifest(), deidentified=True, deidentification=record)


def test_a_manifest_says_how_the_records_were_deidentified_and_reads_back_equal() -> None:
    manifest = deidentified_manifest()
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert json.loads(manifest.to_json())["deidentification"]["pseudonym"] == "Case 12"


def test_a_manifest_of_schema_2_is_read_without_deidentification_and_written_back_as_2() -> None:
    document = json.loads(sample_manifest().to_json())
    document["format"] = "orthoshare/2"
    del document["deidentification"]
    manifest = Manifest.from_json(json.dumps(document).encode())
    assert manifest.deidentification is None
    assert json.loads(manifest.to_json()) == document


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d.pop("deidentification"), "missing keys ['deidentification']"),
        (lambda d: d["deidentification"].update(options="Clean"), "wrong type"),
        (lambda d: d["deidentification"].update(left_out=[1]), "is not a list of strings"),
        (lambda d: d["deidentification"]["altered"][0].pop("how"), "missing keys ['how']"),
        (lambda d: d["deidentification"].update(extra=1), "extra ['extra']"),
    ],
)
def test_a_deidentification_of_another_form_is_refused(edit: object, says: str) -> None:
    document = json.loads(deidentified_manifest().to_json())
    edit(document)  # type: ignore[operator]
    with pytest.raises(ManifestError, match=says.replace("[", r"\[")):
        Manifest.from_json(json.dumps(document).encode())


def test_the_cover_sheet_says_plainly_how_the_records_were_deidentified() -> None:
    cover = render_cover(deidentified_manifest()).decode()
    assert "the patient is called Case 12" in cover
    assert "Basic Application Level Confidentiality Profile" in cover
    assert "photos/photo-001.jpg: a photo without a view may show the face" in cover
    assert "Left out" in cover and "cannot be removed with certainty: 2" in cover
