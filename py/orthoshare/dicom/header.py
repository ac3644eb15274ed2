"""A DICOM file's header, read without its pixel data: who and what the file is about.

:func:`read_header` reads a DICOM Part 10 file (preamble, ``DICM``, file meta
information, data set) with pydicom, once, and returns a :class:`DicomHeader`:
the :class:`~orthoshare.dicom.identity.DicomIdentity` (the patient, the study,
the object's UIDs and a photograph's ADA-1100 view, in the forms the manifest
uses) and the data set without its large values, of which the file-set's
directory records are made.

pydicom is lenient: it returns whatever it could parse. A file cut short, or one
whose element lengths point past its end, comes back from ``dcmread`` as a
shorter data set with no error, and with ``stop_before_pixels`` a file cut in
its pixel data reads as a whole one (pydicom's own ``MR_truncated.dcm`` does).
Such a file is useless to the receiver and its identity cannot be trusted, so
this module reads through :class:`Window`, which refuses every read or seek
past the file's size, and then checks the part pydicom skipped: the Pixel Data
element's length, or its fragments' lengths, must fit in the file.
"""

from __future__ import annotations

import functools
import re
import struct
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO, cast

from pydicom import dcmread
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filereader import read_dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from ..errors import InputError
from ..views import load_views
from .identity import DicomIdentity, readable_name

__all__ = ["DicomHeader", "read_header"]


# Longer values are not read, only seeked past: an Encapsulated STL or a private
# blob of hundreds of megabytes is never loaded. They are left empty in the
# header's data set; no identity field or directory record key is ever that long.
_LARGE = 4096
# Pixel Data, Float Pixel Data, Double Float Pixel Data: where stop_before_pixels stops.
_PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})
_ITEM, _SEQUENCE_DELIMITER = 0xFFFEE000, 0xFFFEE0DD
_UNDEFINED_LENGTH = 0xFFFFFFFF
# The VRs pixel data can have in explicit VR; all take a 4-byte length after 2
# reserved bytes (PS3.5 7.1.2).
_PIXEL_VRS = frozenset(b"OB OW OF OD UN".split())
_DEFLATED = "1.2.840.10008.1.2.1.99"
_PREAMBLE_END = 132
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_DATE = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})")
_SEXES = frozenset({"F", "M", "O"})
_VL_PHOTOGRAPHIC_IMAGE = "1.2.840.10008.5.1.4.1.1.77.1.4"


class PastEndError(Exception):
    """A read or seek went past the file's size: it is truncated or a length lies.

    pydicom turns some exceptions into others (and swallows ``EOFError``), so
    :class:`Window` also remembers that this happened.
    """


class ShrunkError(Exception):
    """The source gave fewer bytes than its size promised: it changed while being read."""


class Window:
    """A read-only view of ``size`` bytes of ``source``, from its current position.

    Reading or seeking past the end raises :class:`PastEndError`, with one exception:
    pydicom ends a data set when reading the next element's tag finds nothing,
    so the first read at the very end returns ``b""``. A second one means the
    end came in the middle of an element (its value was missing), and raises.
    Clamping also bounds memory: a lying length of 4 GiB is refused before any
    buffer of that size is asked for.
    """

    def __init__(self, source: BinaryIO, size: int) -> None:
        self._source = source
        self._start = 0
        self._size = size
        self._position = 0
        self._empty_reads = 0
        self.went_past_end = False
        self.shrunk = False
        self.source_error: OSError | None = None

    def begin(self) -> None:
        """Take the source's current position as the file's first byte."""
        try:
            self._start = self._source.tell()
        except OSError as e:
            self.source_error = e
            raise

    def read(self, size: int | None = -1, /) -> bytes:
        left = self._size - self._position
        wanted = left if size is None or size < 0 else size
        if wanted > left or (wanted > 0 and left == 0):
            if left == 0 and self._empty_reads == 0:
                self._empty_reads += 1
                return b""
            self.went_past_end = True
            raise PastEndError
        try:
            data = self._source.read(wanted)
        except OSError as e:
            self.source_error = e
            raise
        if len(data) != wanted:
            self.shrunk = True
            raise ShrunkError
        self._position += wanted
        return data

    def seek(self, offset: int, whence: int = 0, /) -> int:
        base = (0, self._position, self._size)[whence]
        target = base + offset
        if not 0 <= target <= self._size:
            self.went_past_end = True
            raise PastEndError
        try:
            self._source.seek(self._start + target)
        except OSError as e:
            self.source_error = e
            raise
        self._position = target
        return target

    def tell(self) -> int:
        return self._position

    @property
    def left(self) -> int:
        """How many bytes remain after the current position."""
        return self._size - self._position


@dataclass(frozen=True)
class DicomHeader:
    """A DICOM file's header, as :func:`read_header` reads it.

    Attributes
    ----------
    identity : DicomIdentity
        Who and what the file is about.
    dataset : pydicom.dataset.Dataset
        The file meta information and data set up to the pixel data, values
        over 4 KiB left empty (an Encapsulated Document still has its element,
        so it still makes an ENCAP DOC directory record). Its values are read:
        the file may be closed.
    """

    identity: DicomIdentity
    dataset: Dataset


def read_header(source: BinaryIO, size: int, *, name: str = "the file") -> DicomHeader:
    """Read a DICOM Part 10 file's header, without its pixel data, and check the file whole.

    Parameters
    ----------
    source : BinaryIO
        The file, seekable, positioned at its first byte. It is left open, at an
        unspecified position.
    size : int
        The file's size in bytes; nothing past it is read.
    name : str, optional
        How to call the file in error messages, e.g. its name as the user sees it.

    Returns
    -------
    DicomHeader
        The identity (patient, study and object attributes, converted to the
        manifest's forms) and the data set they were read from.

    Raises
    ------
    InputError
        ``"<name> is not a readable DICOM file: <why>"``: it lacks the 128-byte
        preamble and ``DICM`` (a ZIP named ``.dcm`` is said to be a ZIP), it is
        cut short, an element's length points past its end, its elements cannot
        be parsed, or it changed while being read. pydicom's exceptions never
        escape.

    Notes
    -----
    A file cut exactly between two elements (before its Pixel Data, say) is a
    well-formed shorter file: nothing in the format tells it from one written
    that way, so it is read, and gives only the values it still holds.
    """
    window = Window(source, size)
    try:
        window.begin()
        _check_preamble(window)
        window.seek(0)
        # pydicom warns about values it repairs (a bad date, an unknown
        # character set); the fields it affects come out empty or replaced here,
        # and a warning printed in the middle of sealing would only alarm.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dataset = dcmread(window, stop_before_pixels=True, force=False, defer_size=_LARGE)
            transfer_syntax = _text(dataset.file_meta, "TransferSyntaxUID")
            _check_pixel_data(window, dataset, transfer_syntax)
            _empty_large_values(dataset)
            return DicomHeader(_identity(dataset, transfer_syntax), dataset)
    except _NotDicomError as e:
        raise InputError(f"{name} is not a readable DICOM file: {e}", hint=_DAMAGED) from None
    except Exception as e:
        # pydicom raises whatever its parsing runs into (struct.error, OSError,
        # ValueError, KeyError, zlib.error, RecursionError…), often wrapping the
        # window's own exception; the window's flags say what really happened.
        if window.source_error is not None:
            why = f"it cannot be read ({window.source_error.strerror or window.source_error})"
        elif window.shrunk:
            why = "it changed while being read"
        elif isinstance(e, zlib.error):
            why = "its deflated data set is cut short or damaged"
        elif window.went_past_end:
            why = "it is cut short, or an element's length points past its end"
        else:
            why = f"its data elements cannot be parsed (near byte {window.tell()})"
        # A disk that failed, or a file being written, is not a damaged export.
        damaged = window.source_error is None and not window.shrunk
        raise InputError(
            f"{name} is not a readable DICOM file: {why}", hint=_DAMAGED if damaged else None
        ) from None


_DAMAGED = (
    "the file starts as DICOM but is damaged: export it again from the imaging "
    "software, or leave it out"
)


class _NotDicomError(Exception):
    """A reason, in plain words, why a file is not a DICOM file."""


def _check_preamble(window: Window) -> None:
    # pydicom would say the same with force=False, in its own words; this gives a
    # plain reason, and names the case clinicians meet: a 3Shape ".dcm" is a ZIP.
    head = window.read(min(window.left, _PREAMBLE_END))
    if head.startswith(_ZIP_MAGIC):
        raise _NotDicomError("it is a ZIP archive, not DICOM")
    if len(head) < _PREAMBLE_END or head[128:132] != b"DICM":
        raise _NotDicomError('it has no DICOM preamble ("DICM" at byte 128)')


def _empty_large_values(dataset: Dataset) -> None:
    """Give the values pydicom deferred (the large ones, never read) an empty value."""
    for tag in list(dataset.keys()):
        element = dataset.get_item(tag, keep_deferred=True)
        if isinstance(element, RawDataElement) and element.value is None:
            dataset[tag] = DataElement(tag, element.VR or "UN", None)


def _check_pixel_data(window: Window, dataset: Dataset, transfer_syntax: str) -> None:
    """Check what pydicom stopped before: the pixel data must fit in the file."""
    if transfer_syntax == _DEFLATED:
        # pydicom inflated the whole data set into its own buffer, and a cut
        # deflate stream fails to inflate, so there is nothing left to check.
        return
    if window.left == 0:
        # No pixel data. An image whose header alone was kept (pydicom ships
        # such files: chrJapMulti.dcm) and one cut just before its Pixel Data
        # element are the same bytes; both are read as they are.
        return
    little_endian = dataset.original_encoding[1] is not False
    endian = "<" if little_endian else ">"
    start = window.tell()
    header = window.read(8)
    group, element = struct.unpack(endian + "HH", header[:4])
    if (group << 16 | element) not in _PIXEL_TAGS:
        # The top-level data set ends only at the end of the file or at the
        # pixel data; anything else (a stray delimiter) is a broken file.
        raise _NotDicomError(f"its data elements cannot be parsed (near byte {start})")
    # Told by the bytes, not the transfer syntax: some writers encode implicit VR
    # under an explicit VR syntax (pydicom's SC_rgb_jpeg.dcm), which pydicom
    # detects and reads, without saying so in the data set it returns.
    implicit = header[4:6] not in _PIXEL_VRS
    if implicit:
        (length,) = struct.unpack(endian + "I", header[4:8])
    else:
        (length,) = struct.unpack(endian + "I", window.read(4))
    if length != _UNDEFINED_LENGTH:
        window.seek(length, 1)
    else:
        _skip_fragments(window, endian)
    if window.left:
        _check_trailing(window, implicit=implicit, little_endian=little_endian)


def _skip_fragments(window: Window, endian: str) -> None:
    # Encapsulated pixel data: items (basic offset table, then fragments) up to a
    # sequence delimiter. Only their headers are read; every step moves forward
    # by at least 8 bytes, so a hostile file ends at its size, never in a loop.
    while True:
        group, element, length = struct.unpack(endian + "HHI", window.read(8))
        tag = group << 16 | element
        if tag == _SEQUENCE_DELIMITER:
            return
        if tag != _ITEM or length == _UNDEFINED_LENGTH:
            raise _NotDicomError(
                f"its pixel data fragments cannot be parsed (near byte {window.tell() - 8})"
            )
        window.seek(length, 1)


def _check_trailing(window: Window, *, implicit: bool, little_endian: bool) -> None:
    """Check the elements after the pixel data (trailing padding, signatures) end the file.

    A pixel data length that lies by a little still fits in the file; the
    elements after it then start at the wrong byte and fail to parse here.
    """
    start = window.tell()
    # Asking only for the character set makes pydicom seek past every value.
    read_dataset(cast(BinaryIO, window), implicit, little_endian, specific_tags=[0x00080005])
    if window.left:
        raise _NotDicomError(f"its data elements cannot be parsed (near byte {start})")


def _identity(dataset: Dataset, transfer_syntax: str) -> DicomIdentity:
    name_dicom = _text(dataset, "PatientName")
    sex = _text(dataset, "PatientSex").upper()
    sop_class_uid = _text(dataset, "SOPClassUID") or _text(
        dataset.file_meta, "MediaStorageSOPClassUID"
    )
    return DicomIdentity(
        patient_name=readable_name(name_dicom),
        patient_name_dicom=name_dicom,
        patient_id=_text(dataset, "PatientID"),
        birth_date=_iso_date(_text(dataset, "PatientBirthDate")),
        sex=sex if sex in _SEXES else "",
        study_date=_iso_date(_text(dataset, "StudyDate")),
        study_description=_text(dataset, "StudyDescription"),
        modality=_text(dataset, "Modality"),
        sop_class_uid=sop_class_uid,
        sop_instance_uid=_text(dataset, "SOPInstanceUID")
        or _text(dataset.file_meta, "MediaStorageSOPInstanceUID"),
        study_instance_uid=_text(dataset, "StudyInstanceUID"),
        series_instance_uid=_text(dataset, "SeriesInstanceUID"),
        transfer_syntax_uid=transfer_syntax,
        view=_photo_view(dataset) if sop_class_uid == _VL_PHOTOGRAPHIC_IMAGE else "",
    )


# --- the ADA-1100 view of a photograph ---------------------------------------------------

#: A coded entry as compared: Code Value and Coding Scheme Designator.
_Coded = tuple[str, str]


@functools.cache
def _view_codings() -> tuple[dict[_Coded, str], dict[tuple[_Coded, frozenset[_Coded]], str]]:
    """The photographs' views by their two codings in View Code Sequence (0054,0220).

    The first maps each ADA-1100 code item (``IV07``, ``99ADA1100``) to its view. The
    second maps a projection (with its View Modifier Code Sequence) to the one view
    coded so; a projection several views share (a right lateral one is eleven views)
    says no view, and is left out.
    """
    by_ada: dict[_Coded, str] = {}
    by_projection: dict[tuple[_Coded, frozenset[_Coded]], list[str]] = {}
    for code, view in load_views().items():
        if view.kind != "photo":
            continue
        coding = view.dicom
        by_ada[(coding.ada_view_code.value, coding.ada_view_code.scheme)] = code
        if coding.view_code is not None:
            projection = (coding.view_code.value, coding.view_code.scheme)
            modifiers = frozenset((m.value, m.scheme) for m in coding.view_modifiers)
            by_projection.setdefault((projection, modifiers), []).append(code)
    unique = {key: codes[0] for key, codes in by_projection.items() if len(codes) == 1}
    return by_ada, unique


def _photo_view(dataset: Dataset) -> str:
    """The ADA-1100 view a VL Photographic Image's View Code Sequence names, or ``""``.

    An ADA-1100 code item names it; failing that, a projection only one view has. Items
    that name different views, or none the table knows, give no view: a photo in the
    wrong place of the composite would mislead more than one among the others.
    """
    by_ada, by_projection = _view_codings()
    found_ada: set[str] = set()
    found_projection: set[str] = set()
    for item in _items(dataset, "ViewCodeSequence"):
        coded = _coded(item)
        if coded in by_ada:
            found_ada.add(by_ada[coded])
            continue
        modifiers = frozenset(_coded(m) for m in _items(item, "ViewModifierCodeSequence"))
        if (coded, modifiers) in by_projection:
            found_projection.add(by_projection[(coded, modifiers)])
    found = found_ada or found_projection
    return found.pop() if len(found) == 1 else ""


def _items(dataset: Dataset, keyword: str) -> list[Dataset]:
    """The items of sequence ``keyword``; none when absent or not a sequence."""
    value = dataset.get(keyword)
    if not isinstance(value, Sequence):
        return []
    return [item for item in value if isinstance(item, Dataset)]


def _coded(item: Dataset) -> _Coded:
    return (_text(item, "CodeValue"), _text(item, "CodingSchemeDesignator"))


def _text(dataset: Dataset, keyword: str) -> str:
    """The value of ``keyword`` as a string, ``""`` when absent or empty."""
    value = dataset.get(keyword)
    if value is None:
        return ""
    # A multi-valued element (a PN or an ID with a backslash) keeps its DICOM form.
    values: Iterable[object] = value if isinstance(value, MultiValue | list) else (value,)
    parts = [part.decode("latin-1") if isinstance(part, bytes) else str(part) for part in values]
    return "\\".join(parts).strip(" \x00")


def _iso_date(value: str) -> str:
    """DICOM DA (``YYYYMMDD``, or the old ``YYYY.MM.DD``) as ``YYYY-MM-DD``; ``""`` if invalid."""
    match = _DATE.fullmatch(value)
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""
