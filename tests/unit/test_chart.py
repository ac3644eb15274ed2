"""The opened records as a chart: a DICOM series is one row however many images it
holds, studies come first, then photos, radiographs, scans, documents and the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydicom

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import Entry, Manifest
from orthoshare.bundle.writer import Annotation
from orthoshare.chart import (
    COMPOSITE_SLOTS,
    Group,
    Placement,
    Series,
    chart,
    placement,
    view_meaning,
)
from orthoshare.records import DicomRef, Party, Patient
from orthoshare.request import SealRequest

SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"
IDENTITY = age.X25519Identity.generate()


def entry(path: str, kind: str, size: int = 10, dicom: DicomRef | None = None) -> Entry:
    return Entry(path, size, "0" * 64, "application/octet-stream", kind, path, dicom=dicom)


def slice_of(study: str, series: str, modality: str = "CT") -> DicomRef:
    return DicomRef("1.2.840.10008.5.1.4.1.1.2", f"{series}.{id(object())}", study, series,
                    "P-17", modality=modality, study_date="20240301",
                    study_description="CBCT")  # fmt: skip


def manifest_of(*entries: Entry) -> Manifest:
    return Manifest("2026-12-03T10:00:00Z", "orthoshare", Party(), Party(), "", "",
                    Patient(), False, entries)  # fmt: skip


def test_a_series_of_slices_is_one_row_of_its_study() -> None:
    slices = [entry(f"DICOM/S/IM{i}", "dicom", 100, slice_of("1.1", "1.1.1")) for i in range(300)]
    scout = entry("DICOM/S/SCOUT", "dicom", 50, slice_of("1.1", "1.1.2"))
    (study,) = chart(manifest_of(*slices, scout))
    assert (study.kind, study.title, study.count, study.size) == (
        "study", "CT · 2024-03-01 · CBCT", 301, 30_050,
    )  # fmt: skip
    assert [(s.modality, s.count, s.size) for s in study.series] == [
        ("CT", 300, 30_000), ("CT", 1, 50),
    ]  # fmt: skip
    assert study.series[0].paths == tuple(e.path for e in slices)


def test_groups_come_in_chart_order_and_hold_every_file_once() -> None:
    entries = (
        entry("ORIGINAL/letter.pdf", "document"),
        entry("ORIGINAL/upper.stl", "scan"),
        entry("ORIGINAL/notes.txt", "other"),
        entry("ORIGINAL/smile.jpg", "photo"),
        entry("DICOM/DICOMDIR", "dicom"),
        entry("ORIGINAL/pano.png", "radiograph"),
        entry("DICOM/A/1", "dicom", dicom=slice_of("2.1", "2.1.1", "MR")),
        entry("DICOM/B/1", "dicom", dicom=slice_of("3.1", "3.1.1")),
    )
    groups = chart(manifest_of(*entries))
    assert [(g.kind, g.paths) for g in groups] == [
        ("study", ("DICOM/A/1",)),
        ("study", ("DICOM/B/1",)),
        ("photo", ("ORIGINAL/smile.jpg",)),
        ("radiograph", ("ORIGINAL/pano.png",)),
        ("scan", ("ORIGINAL/upper.stl",)),
        ("document", ("ORIGINAL/letter.pdf",)),
        ("other", ("ORIGINAL/notes.txt", "DICOM/DICOMDIR")),
    ]
    listed = [path for group in groups for path in group.paths]
    assert sorted(listed) == sorted(e.path for e in entries)


def test_no_records_make_no_groups() -> None:
    assert chart(manifest_of()) == ()


def test_a_view_is_shown_by_its_meaning_not_its_code() -> None:
    assert view_meaning("EV08") == (
        "Extraoral photo, right profile 45, lips relaxed, centric occlusion"
    )
    assert view_meaning(None) is None
    assert view_meaning("XX99") == "XX99"  # a code no table knows is shown as it is


def test_sealed_records_of_two_studies_and_their_originals_chart_as_sent(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("CT_small.dcm", "MR_small.dcm"):
        shutil.copy(SHIPPED / name, folder / name)
    (folder / "letter.txt").write_text("for the surgeon")
    inputs = pipeline.collect_inputs(sorted(folder.iterdir()))
    request = SealRequest(
        [IDENTITY.recipient],
        annotations=[Annotation(), Annotation(), Annotation(label="Referral")],
        allow_mixed_patients=True,  # pydicom's samples are of different (made-up) patients
    )
    sealed = pipeline.seal(inputs, request, tmp_path)
    manifest = pipeline.list_(sealed.path, [IDENTITY])
    groups = chart(manifest)
    studies = [g for g in groups if g.kind == "study"]
    assert sorted(g.title.split(" · ")[0] for g in studies) == ["CT", "MR"]
    assert all(len(g.series) == 1 and g.series[0].count == 1 for g in studies)
    assert isinstance(studies[0].series[0], Series)
    (other,) = [g for g in groups if g.kind == "other"]
    assert other == Group(
        "other", "Other files", 3, other.size, ("ORIGINAL/letter.txt", "DICOMDIR", "README.TXT")
    )


def test_each_place_of_the_composite_takes_the_views_a_clinician_files_there() -> None:
    assert placement("EV01") == Placement("profile", None)
    assert placement("EV15") == Placement("frontal-rest", None)
    assert placement("EV19") == Placement("frontal-smile", None)
    assert placement("IV07") == Placement("frontal-intraoral", None)
    assert placement("IV01").slot == "right-buccal"
    assert placement("IV18").slot == "left-buccal"
    assert placement("IV24").slot == "upper-occlusal"
    assert placement("IV26").slot == "lower-occlusal"


def test_the_composite_places_hold_only_views_whose_meaning_says_so() -> None:
    words = {
        "profile": "right profile",
        "frontal-rest": "full face",
        "frontal-smile": "full smile",
        "upper-occlusal": "maxillary",
        "lower-occlusal": "mandibular",
        "right-buccal": "right buccal",
        "frontal-intraoral": "frontal",
        "left-buccal": "left buccal",
    }
    for slot, codes in COMPOSITE_SLOTS.items():
        for code in codes:
            assert words[slot] in (view_meaning(code) or ""), (slot, code)


def test_a_mirror_photo_not_corrected_is_flipped_along_the_axis_the_mirror_reversed() -> None:
    assert placement("IV02") == Placement("right-buccal", "horizontal")
    assert placement("IV19") == Placement("left-buccal", "horizontal")
    assert placement("IV24") == Placement("upper-occlusal", "vertical")
    assert placement("IV26") == Placement("lower-occlusal", "vertical")


def test_a_corrected_or_direct_photo_is_shown_as_taken() -> None:
    assert placement("IV03").flip is None
    assert placement("IV25").flip is None
    assert placement("IV01").flip is None
    assert placement("EV08") == Placement(None, None)
    assert placement(None) == Placement(None, None)
