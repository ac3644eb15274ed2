"""The manifest, ``ORTHOSHARE.json``: schema ``orthoshare/3``, written and strictly read.

The reader accepts exactly the keys and types of the schema, so a manifest
that parses is one every part of the program can rely on without checks.

Schema ``orthoshare/2`` adds one key to each entry, ``dicom_note``: why an
original has no DICOM object, or a DICOM input is not in the DICOMDIR (null
otherwise). Its bundles are laid out as IHE PDI media (the DICOMDIR and a
``README.TXT`` at the root). Manifests of schema ``orthoshare/1`` (the DICOMDIR
under ``DICOM/``, no notes) are still read, their entries without notes: a
reader finds every file by its entry's path, whatever the layout.

Schema ``orthoshare/3`` adds ``deidentification``: null, or how the records were
de-identified (:class:`Deidentification`). Manifests of schemas 1 and 2 are read
with none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ManifestError
from ..records import DicomRef, Party, Patient
from ..views import is_view

FORMAT = "orthoshare/3"
MANIFEST_NAME = "ORTHOSHARE.json"
COVER_NAME = "INDEX.HTM"
#: The media's index and its plain-text description, at the root as IHE PDI has them.
DICOMDIR_NAME = "DICOMDIR"
README_NAME = "README.TXT"
KINDS = ("photo", "radiograph", "scan", "document", "dicom", "other")
SEXES = ("", "F", "M", "O")
#: A manifest larger than this is refused before it is parsed.
MAX_MANIFEST_SIZE = 16 * 1024 * 1024
#: A manifest holding more JSON values than this is refused before it is parsed. A
#: real one at the size cap holds about 750 000; 16 MiB of tiny ones ("[[],[],…]")
#: would make the parser build some 400 MB of objects.
MAX_MANIFEST_VALUES = 1_000_000
#: How deep a manifest's brackets may nest: twice what the schema needs (the manifest,
#: its entries, an entry, its DICOM identity). Python's parser recurses once per level,
#: and in the page a few thousand levels overflow the stack and end Python for good.
MAX_MANIFEST_DEPTH = 8

# Bytes that are neither a quote nor a bracket: all the nesting check looks at.
_NOT_QUOTE_OR_BRACKET = bytes(b for b in range(256) if b not in b'"[]{}')
# A string (or one left open to the end), or a run of brackets. Possessive, so that
# a match never backtracks and each byte is looked at once.
_STRING_OR_BRACKETS = re.compile(rb'"[^"]*+"?|[][{}]++')
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def is_view_code(code: str) -> bool:
    """Whether ``code`` is one of the 82 ADA-1100 views: EV01, IV30, IV3D01, EV3D06…

    It consults the table of ``orthoshare.views`` rather than a pattern, so a
    well-formed code that names no view (EV99, IV3D04) is refused too.
    """
    return is_view(code)


@dataclass(frozen=True)
class Entry:
    """One file of the bundle, as the receiver must find it."""

    path: str
    size: int
    sha256: str
    media_type: str
    kind: str
    original_name: str
    label: str | None = None
    view: str | None = None
    derived_from: str | None = None
    dicom: DicomRef | None = None
    #: Why an original has no DICOM object, or a DICOM input is not in the DICOMDIR.
    dicom_note: str | None = None


@dataclass(frozen=True)
class Altered:
    """A file the de-identification changed, or sent as it was: the entry's
    ``original_name`` and, in one sentence, how or why."""

    name: str
    how: str


@dataclass(frozen=True)
class Deidentification:
    """How the records were de-identified, as the receiver is told.

    ``method`` names the profile and ``options`` its options chosen;
    ``altered`` lists each file changed to remove identity, ``sent_anyway``
    each one the sender chose to send knowing it may show identity, and
    ``left_out`` says, one line per reason, how many files were not sent
    (never their names).
    """

    pseudonym: str
    method: str
    options: tuple[str, ...]
    altered: tuple[Altered, ...]
    sent_anyway: tuple[Altered, ...]
    left_out: tuple[str, ...]


@dataclass(frozen=True)
class Cover:
    """Where the cover sheet is and what it hashes to (it cannot list itself)."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """Everything the receiver is told about the records, and how to verify them."""

    created: str
    generator: str
    sender: Party
    recipient: Party
    note: str
    consent: str
    patient: Patient
    deidentified: bool
    entries: tuple[Entry, ...]
    cover: Cover | None = None
    deidentification: Deidentification | None = None
    format: str = field(default=FORMAT)

    @property
    def made_up_patient_id(self) -> str:
        """The Patient ID the DICOM objects made of originals carry when the sender gave
        none (see :func:`orthoshare.dicom.collect.made_up_patient_id`), else ``""``."""
        if self.patient.id:
            return ""
        return next(
            (
                e.dicom.patient_id
                for e in self.entries
                if e.derived_from is not None and e.dicom is not None and e.dicom.patient_id
            ),
            "",
        )

    def to_json(self) -> bytes:
        """Return the manifest as UTF-8 JSON (stable key order, readable indentation),
        in its own schema: one read as ``orthoshare/1`` is written back as one."""
        data = asdict(self)
        keys = _ENTRY_KEYS[self.format]
        data["entries"] = [{k: v for k, v in e.items() if k in keys} for e in data["entries"]]
        if self.format != FORMAT:
            del data["deidentification"]
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse and validate a manifest.

        Raises
        ------
        ManifestError
            If it is too large, holds too many values or nests too deep, is not
            UTF-8 JSON, or not exactly schema ``orthoshare/2`` or ``orthoshare/1``.
        """
        if len(data) > MAX_MANIFEST_SIZE:
            raise ManifestError(f"it is larger than {MAX_MANIFEST_SIZE} bytes")
        # Every value but the first follows a comma, a colon or an opening bracket;
        # counting them in strings too only overestimates.
        if (
            sum(data.count(mark) for mark in (b",", b":", b"[", b"{")) >= MAX_MANIFEST_VALUES
            or data.count(b"]") + data.count(b"}") >= MAX_MANIFEST_VALUES
        ):
            raise ManifestError(f"it holds more than {MAX_MANIFEST_VALUES} values")
        if _nests_deeper(data, MAX_MANIFEST_DEPTH):
            raise ManifestError(
                f"its brackets nest deeper than {MAX_MANIFEST_DEPTH} levels, or do not match"
            )
        try:
            document = json.loads(data.decode("utf-8"))
            # JSON may escape a lone UTF-16 surrogate ("\\ud800"), which is no
            # character: no name, note or cover sheet could be written with it.
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        except ValueError as e:
            # ValueError covers bytes that are not UTF-8, text that is not JSON, a
            # number too long to convert (Python refuses over 4300 digits), and a
            # lone surrogate (UnicodeEncodeError).
            raise ManifestError(f"it is not UTF-8 JSON ({e})") from None
        return _manifest(document)


def _nests_deeper(data: bytes, depth: int) -> bool:
    """Whether the brackets of the JSON text ``data`` nest deeper than ``depth``, or do not match.

    Brackets in strings are not counted. Linear in time, and memory is a few copies
    of ``data``: a regular expression that removed the strings took memory per
    string, hundreds of megabytes for 8 MiB of empty strings.
    """
    # Only an escaped backslash or quote can hide or fake the end of a string.
    plain = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Two quotes side by side end one string and start the next, or make an empty
    # one: no bracket lies between them, and every bracket after them keeps its side.
    structure = plain.translate(None, _NOT_QUOTE_OR_BRACKET).replace(b'""', b"")
    level = 0
    for match in _STRING_OR_BRACKETS.finditer(structure):
        run = match.group()
        if run.startswith(b'"'):
            continue
        for bracket in run:
            level += 1 if bracket in b"[{" else -1
            if not 0 <= level <= depth:
                return True
    return level != 0


def _object(value: Any, where: str, keys: _Types) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestError(f"{where} is not an object")
    if set(value) != set(keys):
        missing, extra = set(keys) - set(value), set(value) - set(keys)
        raise ManifestError(f"{where} has missing keys {sorted(missing)} or extra {sorted(extra)}")
    for key, kind in keys.items():
        # bool is an int in Python; a size of `true` must not pass.
        if not isinstance(value[key], kind) or (kind is int and isinstance(value[key], bool)):
            raise ManifestError(f"{where}.{key} has the wrong type")
    return value


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ManifestError(message)


# Every field of these is text, and every one is required in a manifest.
_PARTY = {k: str for k in Party.__dataclass_fields__}
_PATIENT = {k: str for k in Patient.__dataclass_fields__}
_DICOM = {k: str for k in DicomRef.__dataclass_fields__}
_Types = Mapping[str, type | tuple[type, ...]]
_OPTIONAL_STR = (str, type(None))
_ENTRY_V1: _Types = {
    "path": str,
    "size": int,
    "sha256": str,
    "media_type": str,
    "kind": str,
    "original_name": str,
    "label": _OPTIONAL_STR,
    "view": _OPTIONAL_STR,
    "derived_from": _OPTIONAL_STR,
    "dicom": (dict, type(None)),
}
_ENTRY_KEYS: dict[str, _Types] = {
    "orthoshare/1": _ENTRY_V1,
    "orthoshare/2": {**_ENTRY_V1, "dicom_note": _OPTIONAL_STR},
}
_ENTRY_KEYS[FORMAT] = _ENTRY_KEYS["orthoshare/2"]
_COVER = {"path": str, "size": int, "sha256": str}
_MANIFEST: _Types = {
    "format": str,
    "created": str,
    "generator": str,
    "sender": dict,
    "recipient": dict,
    "note": str,
    "consent": str,
    "patient": dict,
    "deidentified": bool,
    "entries": list,
    "cover": (dict, type(None)),
}
_MANIFEST_KEYS: dict[str, _Types] = {
    "orthoshare/1": _MANIFEST,
    "orthoshare/2": _MANIFEST,
    FORMAT: {**_MANIFEST, "deidentification": (dict, type(None))},
}
_DEIDENTIFICATION: _Types = {
    "pseudonym": str,
    "method": str,
    "options": list,
    "altered": list,
    "sent_anyway": list,
    "left_out": list,
}
_ALTERED = {"name": str, "how": str}


def _entry(value: Any, where: str, keys: _Types) -> Entry:
    raw = _object(value, where, keys)
    _check(raw["size"] >= 0, f"{where}.size is negative")
    _check(bool(_SHA256.fullmatch(raw["sha256"])), f"{where}.sha256 is not a sha256")
    _check(raw["kind"] in KINDS, f"{where}.kind {raw['kind']!r} is unknown")
    _check(raw["view"] is None or is_view_code(raw["view"]), f"{where}.view is invalid")
    dicom = raw["dicom"]
    return Entry(
        **{**raw, "dicom": None if dicom is None else DicomRef(**_object(dicom, where, _DICOM))}
    )


def _strings(value: list[Any], where: str) -> tuple[str, ...]:
    _check(all(isinstance(item, str) for item in value), f"{where} is not a list of strings")
    return tuple(value)


def _deidentification(value: Any) -> Deidentification | None:
    if value is None:
        return None
    where = "deidentification"
    raw = _object(value, where, _DEIDENTIFICATION)
    altered = {
        key: tuple(
            Altered(**_object(item, f"{where}.{key}[{index}]", _ALTERED))
            for index, item in enumerate(raw[key])
        )
        for key in ("altered", "sent_anyway")
    }
    return Deidentification(
        pseudonym=raw["pseudonym"],
        method=raw["method"],
        options=_strings(raw["options"], f"{where}.options"),
        altered=altered["altered"],
        sent_anyway=altered["sent_anyway"],
        left_out=_strings(raw["left_out"], f"{where}.left_out"),
    )


def _manifest(document: Any) -> Manifest:
    version = document.get("format") if isinstance(document, dict) else None
    keys = _MANIFEST_KEYS.get(version) if isinstance(version, str) else None
    raw = _object(document, "manifest", keys or _MANIFEST_KEYS[FORMAT])
    entry_keys = _ENTRY_KEYS.get(raw["format"])
    _check(entry_keys is not None, f"format {raw['format']!r} is not {FORMAT!r}")
    assert entry_keys is not None
    _check(bool(_TIMESTAMP.fullmatch(raw["created"])), "created is not a UTC timestamp")
    patient = Patient(**_object(raw["patient"], "patient", _PATIENT))
    _check(patient.birth_date == "" or bool(_DATE.fullmatch(patient.birth_date)), "bad birth date")
    _check(patient.sex in SEXES, "patient.sex is not F, M, O or empty")
    cover = raw["cover"]
    return Manifest(
        format=raw["format"],
        created=raw["created"],
        generator=raw["generator"],
        sender=Party(**_object(raw["sender"], "sender", _PARTY)),
        recipient=Party(**_object(raw["recipient"], "recipient", _PARTY)),
        note=raw["note"],
        consent=raw["consent"],
        patient=patient,
        deidentified=raw["deidentified"],
        entries=tuple(_entry(e, f"entries[{i}]", entry_keys) for i, e in enumerate(raw["entries"])),
        cover=None if cover is None else Cover(**_object(cover, "cover", _COVER)),
        deidentification=_deidentification(raw.get("deidentification")),
    )
