"""The pieces de-identified sending rests on: a stream made again when it must go back,
and manifests that say how the records were de-identified."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator

import pytest

from orthoshare.bundle.cover import render_cover
from orthoshare.bundle.manifest import Altered, Deidentification, Entry, Manifest
from orthoshare.deidentify import replay
from orthoshare.deidentify.replay import Replay
from orthoshare.errors import ManifestError
from orthoshare.records import Party, Patient

DATA = bytes(range(256)) * 400  # 102 400 bytes


class Counted:
    """Pieces of DATA, counting how often they were made from the start."""

    def __init__(self, piece: int) -> None:
        self.piece, self.starts = piece, 0

    def __call__(self) -> Generator[bytes, None, None]:
        self.starts += 1
        for at in range(0, len(DATA), self.piece):
            yield DATA[at : at + self.piece]


def test_a_replayed_stream_reads_every_byte_in_order() -> None:
    stream = Replay(Counted(1000), len(DATA))
    assert stream.read(7) + stream.read(70_000) + stream.read() == DATA
    assert stream.read(10) == b""


def test_seeking_back_into_the_start_kept_does_not_make_the_pieces_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replay, "KEEP", 10_000)
    made = Counted(1000)
    stream = Replay(made, len(DATA))
    stream.read(5000)
    stream.seek(0)
    assert stream.read(5000) == DATA[:5000]
    assert made.starts == 1


def test_seeking_back_past_the_start_kept_makes_the_pieces_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replay, "KEEP", 10_000)
    made = Counted(1000)
    stream = Replay(made, len(DATA))
    stream.seek(50_000)
    assert stream.read(100) == DATA[50_000:50_100]
    stream.seek(20_000)
    assert stream.tell() == 20_000
    assert stream.read(30_000) == DATA[20_000:50_000]
    assert made.starts == 2
    stream.seek(-10, 2)
    assert stream.read() == DATA[-10:]


def test_the_start_kept_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replay, "KEEP", 10_000)
    stream = Replay(Counted(4096), len(DATA))
    assert stream.read() == DATA
    assert len(stream._kept) <= 10_000


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
