"""Opened records as a receiver reads a chart: studies and their series, then photos,
radiographs, scans, documents and other files, each group with its files.

A DICOM series is one row however many images it holds. The DICOM objects made
of photos, scans and PDFs are a study of their own, as imaging software will list
them; their originals are in the groups of their kind, and the DICOMDIR is with
the other files. Grouping reads only the verified manifest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .bundle.manifest import Entry, Manifest
from .views import view as ada_view

#: The groups after the studies, in the order they are shown, by the entries' kind.
_KIND_GROUPS = (
    ("photo", "Photos"),
    ("radiograph", "Radiographs"),
    ("scan", "Scans"),
    ("document", "Documents"),
)


@dataclass(frozen=True)
class Series:
    """One DICOM series: what imaging software lists as one line."""

    modality: str
    count: int
    size: int
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """One group of the chart.

    ``kind`` is "study", or the entries' kind ("photo", "radiograph", "scan",
    "document"), or "other"; ``title`` says what it is to a person (a study as
    ``"CT · 2004-01-19 · CBCT"``); ``series`` is empty but for a study.
    """

    kind: str
    title: str
    count: int
    size: int
    paths: tuple[str, ...]
    series: tuple[Series, ...] = ()


def view_meaning(code: str | None) -> str | None:
    """An ADA-1100 view as a person reads it, not by its code: EV08 is "Extraoral photo,
    right profile 45, lips relaxed, centric occlusion"."""
    if code is None:
        return None
    try:
        meaning = ada_view(code).meaning
    except KeyError:
        return code
    # The table separates its parts by a bare comma.
    return ", ".join(part.strip() for part in meaning.split(","))


def _codes(prefix: str, *numbers: int) -> frozenset[str]:
    return frozenset(f"{prefix}{number:02d}" for number in numbers)


#: The conventional orthodontic records composite: which ADA-1100 views fill each of
#: its eight places. Extraoral: right profile, full face at rest, full face smiling;
#: the two occlusals; intraoral: right buccal, frontal, left buccal (centric
#: occlusion or relation). Other views (45° profiles, overjet, close-ups) follow it.
COMPOSITE_SLOTS: dict[str, frozenset[str]] = {
    "profile": _codes("EV", 1, 2, 3, 4, 5, 6, 7),
    "frontal-rest": _codes("EV", 15, 16, 17, 18),
    "frontal-smile": _codes("EV", 19, 20),
    "upper-occlusal": _codes("IV", 24, 25),
    "lower-occlusal": _codes("IV", 26, 27),
    "right-buccal": _codes("IV", 1, 2, 3, 4, 5, 6),
    "frontal-intraoral": _codes("IV", 7, 8),
    "left-buccal": _codes("IV", 18, 19, 20, 21, 22, 23),
}


@dataclass(frozen=True)
class Placement:
    """Where a photo goes in the records composite, and how to show it the right way.

    ``flip`` is "horizontal" for a buccal view taken in a mirror and "vertical" for an
    occlusal one (the axis the mirror reversed), when the view is not marked
    "corrected"; otherwise None.
    """

    slot: str | None
    flip: str | None


def placement(code: str | None) -> Placement:
    """Where the photo of ADA-1100 view ``code`` goes in the composite; an unknown or
    absent view goes nowhere and is shown as taken."""
    if code is None:
        return Placement(None, None)
    slot = next((name for name, codes in COMPOSITE_SLOTS.items() if code in codes), None)
    try:
        parts = [part.strip() for part in ada_view(code).meaning.split(",")]
    except KeyError:
        return Placement(slot, None)
    mirrored = "mirror" in parts and "corrected" not in parts
    if not mirrored:
        return Placement(slot, None)
    return Placement(slot, "vertical" if "occlusal" in parts else "horizontal")


def chart(manifest: Manifest) -> tuple[Group, ...]:
    """Group ``manifest``'s entries: studies first (by Study Instance UID, in the order
    they first appear), then photos, radiographs, scans, documents, then other files.

    Every entry is in exactly one group; a group with no entry is left out.
    """
    studies: dict[str, list[Entry]] = {}
    by_kind: dict[str, list[Entry]] = {}
    for entry in manifest.entries:
        if entry.dicom is not None:
            studies.setdefault(entry.dicom.study_instance_uid, []).append(entry)
        else:
            by_kind.setdefault(entry.kind, []).append(entry)
    groups = [_study(entries) for entries in studies.values()]
    for kind, title in _KIND_GROUPS:
        if kind in by_kind:
            groups.append(_group(kind, title, by_kind.pop(kind)))
    rest = [entry for entries in by_kind.values() for entry in entries]
    if rest:
        order = {entry.path: index for index, entry in enumerate(manifest.entries)}
        rest.sort(key=lambda entry: order[entry.path])
        groups.append(_group("other", "Other files", rest))
    return tuple(groups)


def _group(
    kind: str, title: str, entries: Iterable[Entry], series: tuple[Series, ...] = ()
) -> Group:
    listed = tuple(entries)
    return Group(
        kind, title, len(listed), sum(e.size for e in listed), tuple(e.path for e in listed), series
    )


def _study(entries: list[Entry]) -> Group:
    by_series: dict[str, list[Entry]] = {}
    for entry in entries:
        assert entry.dicom is not None
        by_series.setdefault(entry.dicom.series_instance_uid, []).append(entry)
    series = tuple(
        Series(
            members[0].dicom.modality if members[0].dicom else "",
            len(members),
            sum(e.size for e in members),
            tuple(e.path for e in members),
        )
        for members in by_series.values()
    )
    first = entries[0].dicom
    assert first is not None
    return _group("study", first.study_summary or "DICOM study", entries, series)
