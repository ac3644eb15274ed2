"""Sealing refuses what a receiver would: details off the manifest's schema, too many files.

A bundle whose manifest the reader rejects could never be opened by anyone, so it
is never written.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle import writer
from orthoshare.bundle.manifest import MAX_MANIFEST_SIZE, Entry
from orthoshare.bundle.reader import MAX_MEMBERS
from orthoshare.bundle.writer import Annotation, Details, write_bundle
from orthoshare.dicom.collect import DicomPart
from orthoshare.errors import InputError, TooManyFilesError
from orthoshare.records import BytesInput, Patient
from orthoshare.request import SealRequest

from .support import write_tree


@pytest.mark.parametrize(
    ("details", "annotation"),
    [
        (Details(patient=Patient(sex="female")), {}),
        (Details(patient=Patient(birth_date="04/03/2011")), {}),
        (Details(patient=Patient(birth_date="2011-3-4")), {}),
        (Details(), {"view": "frontal"}),
        (Details(), {"kind": "xray"}),
        (Details(), {"radiograph": "bitewing"}),
        (Details(), {"kind": "photo", "radiograph": "panoramic"}),
    ],
    ids=["sex", "birth-date-order", "birth-date-digits", "view", "kind", "radiograph",
         "radiograph-of-another-kind"],
)  # fmt: skip
def test_details_the_receiver_would_refuse_are_refused_when_sealing(
    tmp_path: Path, identity: age.X25519Identity, details: Details, annotation: dict[str, str]
) -> None:
    # A bundle whose manifest the reader rejects could never be opened by anyone.
    write_tree(tmp_path / "in", {("a.txt",): b"a"})
    (tmp_path / "sealed").mkdir()
    with pytest.raises(InputError):
        pipeline.seal(
            pipeline.collect_inputs([tmp_path / "in"]),
            SealRequest([identity.recipient], details, [Annotation(**annotation)]),
            tmp_path / "sealed",
        )
    assert list((tmp_path / "sealed").iterdir()) == []


def test_more_files_than_a_receiver_opens_are_refused_before_any_work() -> None:
    # The reader refuses a ZIP of more than MAX_MEMBERS members before reading it; the
    # bundle's own members are the manifest, the cover, the DICOMDIR and its README.
    inputs = [BytesInput(parts=(f"{n}.txt",), data=b"") for n in range(MAX_MEMBERS - 3)]
    out = io.BytesIO()
    with pytest.raises(TooManyFilesError, match=f"{MAX_MEMBERS - 4} at most"):
        write_bundle(out, inputs, Details(), dicom=DicomPart(Patient(), False))
    assert out.getvalue() == b""


def test_a_manifest_larger_than_a_receiver_reads_is_refused() -> None:
    long_name = "ORIGINAL/" + "x" * 200
    entries = [
        Entry(f"{long_name}{n}.txt", 1, "0" * 64, "text/plain", "other", f"{long_name}{n}.txt")
        for n in range(MAX_MANIFEST_SIZE // 400)
    ]
    manifest = writer._manifest(Details(), datetime.now(UTC), tuple(entries))
    assert len(manifest.to_json()) > MAX_MANIFEST_SIZE
    with pytest.raises(TooManyFilesError, match="the list of files would be refused"):
        writer._readable_manifest(manifest, len(entries))
