"""De-identifying a DICOM object: PS3.15 Annex E, the Basic Application Level Confidentiality
Profile, with the options a sender chooses.

:class:`DicomDeidentifier` applies the profile's table (:mod:`.confidentiality`,
Table E.1-1) to every attribute of a data set, in sequence items at every depth:
attributes are removed, emptied, given a dummy value, kept, cleaned, or their UIDs
replaced. The same secret maps each original UID to the same new one in every
object of a bundle, so studies, series, frames of reference and references stay
linked, and without the secret none can be traced back.
:meth:`~DicomDeidentifier.deidentified_file` does it to a whole Part 10 file: the
header is parsed and written again once, and the pixel data is copied as it is
read, a piece at a time, each time the file is read.

The table cannot see into pixels or documents: :func:`burned_in_reason` says when
an object may show the patient's name there, so the sender can decide.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO, cast

from pydicom import dcmread, dcmwrite
from pydicom.datadict import dictionary_has_tag, dictionary_VR
from pydicom.dataelem import DataElement, empty_value_for_VR
from pydicom.dataset import Dataset, FileDataset
from pydicom.filebase import DicomBytesIO
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import UID

from ..errors import InputError
from ..records import DeidentifyChoices, Readable
from .confidentiality import rule_for
from .header import PastEndError, ShrunkError, Window, read_header

__all__ = [
    "DEIDENTIFICATION_METHOD",
    "DicomDeidentifier",
    "burned_in_reason",
    "identifiers_of",
]

#: What Deidentification Method (0012,0063) says; the options taken are coded in
#: De-identification Method Code Sequence (0012,0064).
DEIDENTIFICATION_METHOD = "orthoshare: PS3.15 Annex E Basic Profile, options in (0012,0064)"

# CID 7050, as pydicom's code dictionary gives them (a test compares): importing
# that dictionary costs a tenth of a second, which the page pays on every load.
_BASIC_PROFILE = ("113100", "Basic Application Confidentiality Profile")
_MODIFIED_DATES = ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")
_CLEAN_DESCRIPTORS = ("113105", "Clean Descriptors Option")
_PATIENT_CHARACTERISTICS = ("113108", "Retain Patient Characteristics Option")

# Table E.1-1 leaves some choices to the de-identifier: remove, empty, or give a
# dummy value, whichever the object's IOD allows. Without the IODs' module tables
# at hand, the choice taken is the one that keeps every Type 1 attribute valid (a
# dummy) and every Type 2 one present (empty), whatever the IOD: so "X/Z" empties,
# a choice with "D" gives a dummy, and "X/Z/U*" (the references to images) replaces
# the UIDs and keeps the sequence.
_RESOLVED = {"X/Z": "Z", "Z/D": "D", "X/D": "D", "X/Z/D": "D", "X/Z/U*": "U"}

_PATIENT_NAME, _PATIENT_ID, _BIRTH_DATE = 0x00100010, 0x00100020, 0x00100030
_ENCAPSULATED_DOCUMENT = 0x00420011
# Overlays (60xx): their data is removed (Table E.1-1), and an overlay without its
# data breaks the Overlay Plane module, so its whole group goes.
_OVERLAYS = range(0x6000, 0x6020, 2)

# File meta information kept: what the file is, and who wrote it. The rest (the
# sending and receiving AE titles and addresses, private information) is dropped.
_META_KEPT = frozenset(
    {0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013}
)

_TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
# Dummy values valid for their VR; text VRs get "REMOVED".
_DUMMIES: dict[str, object] = {
    "DA": "19000101",
    "DT": "19000101000000",
    "TM": "000000",
    "DS": "0",
    "IS": "0",
    "AT": 0,
    "FL": 0.0,
    "FD": 0.0,
    "SL": 0,
    "SS": 0,
    "SV": 0,
    "UL": 0,
    "US": 0,
    "UV": 0,
    "OB": bytes(2),
    "OD": bytes(8),
    "OF": bytes(4),
    "OL": bytes(4),
    "OV": bytes(8),
    "OW": bytes(2),
    "UN": bytes(2),
}
_DUMMY_TEXT = "REMOVED"
#: What a DICOMDIR's study record requires (PS3.3 F.5.2) that the table empties (Z),
#: with the dummy each gets: Z allows one (PS3.15 E.1.1), and without it no object
#: of the study could be imported from media. The Study ID's is made per study.
_STUDY_RECORD_NEEDS = {"StudyID": "", "StudyDate": "19000101", "StudyTime": "000000"}

_DATE = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})")
# DT: a date, then any precision of time, then an optional offset from UTC.
_DATETIME = re.compile(
    r"(\d{4})(\d{2})(\d{2})((?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?(?:[+-]\d{4})?)"
)
# Where a PN value splits into components (^) and component groups (=).
_PN_PARTS = re.compile(r"[\^=]")
_SPACES = re.compile(r" {2,}")

# Attributes other than PN whose values identify the patient, a person or a place.
_IDENTIFYING = frozenset(
    {
        0x00080050,  # Accession Number
        0x00080080,  # Institution Name
        0x00080081,  # Institution Address
        0x00080092,  # Referring Physician's Address
        0x00080094,  # Referring Physician's Telephone Numbers
        0x00081010,  # Station Name
        0x00081040,  # Institutional Department Name
        0x00100020,  # Patient ID
        0x00100021,  # Issuer of Patient ID
        0x00101000,  # Other Patient IDs
        0x00101040,  # Patient's Address
        0x00101090,  # Medical Record Locator
        0x00102154,  # Patient's Telephone Numbers
        0x00102155,  # Patient's Telecom Information
        0x00120040,  # Clinical Trial Subject ID
        0x00120042,  # Clinical Trial Subject Reading ID
        0x00181000,  # Device Serial Number
        0x0018700A,  # Detector ID
        0x00200010,  # Study ID
        0x00380010,  # Admission ID
        0x00380060,  # Service Episode ID
        0x00400253,  # Performed Procedure Step ID
        0x00401001,  # Requested Procedure ID
        0x00401102,  # Person's Address
        0x00401103,  # Person's Telephone Numbers
        0x00402016,  # Placer Order Number / Imaging Service Request
        0x00402017,  # Filler Order Number / Imaging Service Request
    }
)
# Shorter identifiers (a one-digit Study ID, an initial) would cut letters out of
# every word of the descriptions, and identify no one.
_SHORTEST_IDENTIFIER = 2

_SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
_DOCUMENTS = {
    "1.2.840.10008.5.1.4.1.1.104.1": "PDF",
    "1.2.840.10008.5.1.4.1.1.104.2": "CDA",
    "1.2.840.10008.5.1.4.1.1.104.3": "STL",
    "1.2.840.10008.5.1.4.1.1.104.4": "OBJ",
    "1.2.840.10008.5.1.4.1.1.104.5": "MTL",
}
_TEXT_IN_PIXELS = {
    "US": "an ultrasound image (US) usually has text burned into its pixels",
    "SC": "a secondary capture (SC) is often a screenshot, with text in its pixels",
    "OT": "an image of modality OT may be a screenshot, with text in its pixels",
}

_DEFLATED = "1.2.840.10008.1.2.1.99"
_FLOAT_PIXEL_VRS = {0x7FE00008: b"OF", 0x7FE00009: b"OD"}
_PIXEL_VRS = frozenset(b"OB OW OF OD UN".split())
_SEQUENCE_DELIMITER = 0xFFFEE0DD
_UNDEFINED_LENGTH = 0xFFFFFFFF


@dataclass(frozen=True)
class DeidentifiedFile:
    """A DICOM file as it is sent de-identified (see
    :meth:`DicomDeidentifier.deidentified_file`): its new header, made once (the
    pixel data element's own tag, VR and length included), then the bytes of the
    original that follow unchanged: the pixel data's value, or its items and their
    delimiter, as ``(offset, length)`` in the original, or None without pixel data."""

    header: bytes
    pixels: tuple[int, int] | None

    @property
    def size(self) -> int:
        """The de-identified file's size in bytes."""
        return len(self.header) + (self.pixels[1] if self.pixels else 0)

    def open(self, original: Readable) -> BinaryIO:
        """The de-identified file as a seekable stream, its pixel data read from
        ``original`` as it is read: seeking costs nothing, and memory holds the
        header and what one read asks for."""
        return cast(BinaryIO, _Spliced(self.header, original, self.pixels))


class _Spliced:
    """``head``, then ``length`` bytes of ``original`` from ``offset``: one stream."""

    def __init__(self, head: bytes, original: Readable, pixels: tuple[int, int] | None) -> None:
        self._head = head
        self._offset, self._length = pixels or (0, 0)
        self._source = original.open() if pixels else None
        self._size = len(head) + self._length
        self._pos = 0

    def read(self, size: int | None = -1, /) -> bytes:
        if self._pos >= self._size:
            return b""
        end = self._size if size is None or size < 0 else min(self._pos + size, self._size)
        out = self._head[self._pos : end]
        if end > len(self._head) and self._source is not None:
            at = max(self._pos, len(self._head)) - len(self._head)
            self._source.seek(self._offset + at)
            out += self._source.read(end - len(self._head) - at)
        self._pos += len(out)
        return out

    def seek(self, offset: int, whence: int = 0, /) -> int:
        target = (0, self._pos, self._size)[whence] + offset
        if target < 0:
            raise ValueError("negative seek position")
        self._pos = target
        return target

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        if self._source is not None:
            self._source.close()

    def __enter__(self) -> _Spliced:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DicomDeidentifier:
    """De-identifies the DICOM objects of one bundle, consistently.

    Parameters
    ----------
    choices : DeidentifyChoices
        The sender's choices: the pseudonym (checked by the caller,
        :func:`orthoshare.deidentify.prepare`) and the profile's options.
    date_offset_days : int
        The days every date is shifted by, when dates are kept modified. It is
        never written into an object.
    uid_secret : bytes
        The key new UIDs are derived with, at least 16 bytes; the same for every
        object of a bundle, and kept secret.
    identifiers : Iterable[str], optional
        Identifiers to remove from kept text besides those each object holds
        (:func:`identifiers_of`), e.g. the patient's name as entered.

    Raises
    ------
    ValueError
        If ``uid_secret`` is shorter than 16 bytes.
    """

    def __init__(
        self,
        choices: DeidentifyChoices,
        *,
        date_offset_days: int,
        uid_secret: bytes,
        identifiers: Iterable[str] = (),
    ) -> None:
        # A short key could be found by trying keys on UIDs known from elsewhere.
        if len(uid_secret) < 16:
            raise ValueError("the uid secret must be at least 16 bytes")
        self.choices = choices
        self._offset = timedelta(days=date_offset_days)
        self._secret = uid_secret
        self._identifiers = frozenset(identifiers)
        chosen = {
            "retain_longitudinal_modified_dates": choices.retain_modified_dates,
            "clean_descriptors": choices.clean_descriptors,
            "retain_patient_characteristics": choices.retain_patient_characteristics,
        }
        # The options as the table names them.
        self._options = frozenset(option for option, taken in chosen.items() if taken)

    def uid(self, original: str) -> str:
        """The new UID of ``original``: the same for the same original, in every object.

        Parameters
        ----------
        original : str
            A UID of the original objects.

        Returns
        -------
        str
            ``2.25.`` and the first 16 bytes of HMAC-SHA-256 of ``original`` under
            the secret, as a decimal number (PS3.5 B.2): at most 44 characters.
        """
        # Without its padding, which is not part of the value (PS3.5 6.2).
        value = original.strip("\x00 ").encode("ascii", "replace")
        digest = hmac.new(self._secret, value, hashlib.sha256)
        return f"2.25.{int.from_bytes(digest.digest()[:16], 'big')}"

    def clean(self, dataset: Dataset) -> None:
        """De-identify ``dataset`` in place, and its file meta information if it has one.

        Every attribute, in sequence items at every depth, takes the action Table
        E.1-1 gives it under the profile's options; attributes the table does not
        name are kept, and private attributes are removed. Patient's Name and
        Patient ID become the pseudonym, Patient's Age is computed from the birth
        date when absent (if patient characteristics are kept), and Patient
        Identity Removed, Deidentification Method and its code sequence, and
        Longitudinal Temporal Information Modified say what was done.

        The file meta information keeps what the file is and which software
        wrote it (its Media Storage SOP Instance UID becomes the new SOP Instance
        UID); the application entity titles and addresses that sent and received
        it, and private information, are removed. A file's preamble is zeroed.

        Parameters
        ----------
        dataset : pydicom.dataset.Dataset
            The object, with its values (pixel data may be absent).
        """
        scrub = _scrubber(self._identifiers | identifiers_of(dataset))
        age = self._age(dataset) if self.choices.retain_patient_characteristics else ""
        indexed = {keyword: _text(dataset, keyword) for keyword in _STUDY_RECORD_NEEDS}
        self._clean(dataset, scrub, cleaning=False)
        for keyword, original in indexed.items():
            if original and not _text(dataset, keyword):
                setattr(dataset, keyword, self._stand_in(keyword, original))
        dataset.PatientName = self.choices.pseudonym
        dataset.PatientID = self.choices.pseudonym
        if age:
            dataset.PatientAge = age
        dataset.PatientIdentityRemoved = "YES"
        dataset.DeidentificationMethod = DEIDENTIFICATION_METHOD
        dataset.DeidentificationMethodCodeSequence = self._method_codes()
        dataset.LongitudinalTemporalInformationModified = (
            "MODIFIED" if self.choices.retain_modified_dates else "REMOVED"
        )
        if isinstance(dataset, FileDataset) and dataset.preamble:
            # A dual-personality file's preamble is a TIFF header, which may hold
            # the patient's data.
            dataset.preamble = bytes(128)
        meta = getattr(dataset, "file_meta", None)
        if meta is not None:
            for tag in list(meta.keys()):
                if tag not in _META_KEPT:
                    del meta[tag]
            instance = _text(dataset, "SOPInstanceUID")
            original = _text(meta, "MediaStorageSOPInstanceUID")
            if instance or original:
                meta.MediaStorageSOPInstanceUID = instance or self.uid(original)

    def deidentified_file(self, stream: BinaryIO, size: int, *, name: str) -> DeidentifiedFile:
        """A DICOM Part 10 file as it is sent de-identified: its new header, and where
        its pixel data lies, to be copied as it is read (:meth:`DeidentifiedFile.open`).

        The header (everything before the pixel data) is read whole with
        pydicom, de-identified with :meth:`clean`, and written again in the
        file's own transfer syntax; the pixel data element's items are found
        (seeking over their values) to learn its size, and are copied later,
        unchanged. A deflated file is read, cleaned and written whole (such
        files are small).

        Elements after the pixel data (data set trailing padding, digital
        signatures, private groups) are dropped. Values before it are read whole,
        including an Encapsulated Document (sent whole: see :func:`burned_in_reason`).

        Parameters
        ----------
        stream : BinaryIO
            The file, seekable, positioned at its first byte; it is read up to
            ``size`` bytes.
        size : int
            The file's size in bytes.
        name : str
            How to call the file in error messages.

        Raises
        ------
        InputError
            ``"<name> is not a readable DICOM file: <why>"``, as
            :func:`~orthoshare.dicom.header.read_header` says it, when the file is
            not DICOM, is cut short or damaged.
        """
        start = stream.tell()
        # Checks the whole file, pixel data included, and says what is wrong with it.
        meta = read_header(stream, size, name=name).dataset.file_meta
        deflated = meta.get("TransferSyntaxUID") == _DEFLATED
        stream.seek(start)
        window = Window(stream, size)
        window.begin()
        with warnings.catch_warnings():
            # pydicom warns about the values it repairs, as in read_header.
            warnings.simplefilter("ignore")
            try:
                dataset = dcmread(window, stop_before_pixels=not deflated, force=False)
            except Exception:
                # read_header read it, lazily: it changed, or a value it skipped is broken.
                raise InputError(
                    f"{name} is not a readable DICOM file: its data elements cannot be parsed"
                ) from None
            for tag in list(dataset.keys()):
                if tag > 0x7FE00010:
                    # Only a deflated data set is read past its pixel data.
                    del dataset[tag]
            self.clean(dataset)
            implicit, little = _encoding(dataset)
            encoded = DicomBytesIO()
            dcmwrite(encoded, dataset, implicit_vr=implicit, little_endian=little)
        header = encoded.getvalue()
        if not window.left:
            return DeidentifiedFile(header, None)
        wide = int(dataset.get("BitsAllocated", 0) or 0) > 8
        try:
            element, pixels = _pixel_data(window, implicit, little, wide)
        except (PastEndError, ShrunkError, OSError):
            raise InputError(
                f"{name} is not a readable DICOM file: it changed while being read"
            ) from None
        return DeidentifiedFile(header + element, pixels)

    def _clean(self, dataset: Dataset, scrub: _Scrub, *, cleaning: bool) -> None:
        """Apply the table to the elements of ``dataset``, and of its items.

        ``cleaning`` is set inside a sequence cleaned or given a dummy value: its
        items are kept, since a Type 1 sequence needs one, but their free text is
        what the table could not foresee, so what the table does not name in them
        is cleaned of identifiers too.
        """
        for tag in list(dataset.keys()):
            if tag == _ENCAPSULATED_DOCUMENT:
                # The table gives it a dummy, which leaves an object of nothing. No
                # document can be cleaned: burned_in_reason says so, and the sender
                # leaves it out, or sends it whole, knowingly.
                continue
            rule = rule_for(tag)
            action = rule.action(self._options) if rule else "K"
            action = _RESOLVED.get(action, action)
            if action == "X" or tag >> 16 in _OVERLAYS:
                del dataset[tag]
                continue
            # A value kept is written as it was read, unconverted, when it was read
            # with its VR. Read without (implicit VR) or as UN, pydicom converts it
            # to its dictionary VR: a sequence so read is cleaned like any other.
            read_vr = dataset.get_item(tag).VR
            text = cleaning and read_vr in _TEXT_VRS
            if action == "K" and read_vr not in (None, "SQ", "UN") and not text:
                continue
            element = dataset[tag]
            if element.VR != "SQ" and element.is_empty:
                # Nothing to hide: a dummy would make a value up (an Encapsulated
                # Document not yet filled in, say).
                continue
            if element.VR == "SQ":
                if action == "Z":
                    element.value = []
                    continue
                for item in element.value:
                    self._clean(item, scrub, cleaning=cleaning or action in ("C", "D"))
            elif action == "Z":
                element.value = empty_value_for_VR(element.VR)
            elif action == "D":
                element.value = self._dummy(element)
            elif action == "U":
                element.value = self._new_uids(element)
            elif action == "C":
                element.value = self._cleaned(element, scrub)
            elif cleaning and element.VR in _TEXT_VRS:
                element.value = _joined([scrub(str(v)) for v in _values(element)])

    def _stand_in(self, keyword: str, original: str) -> str:
        """A dummy for a study's attribute emptied by the table (action Z allows one)."""
        if keyword == "StudyID":
            # The same for every object of a study, and nothing of the original's.
            digest = hmac.new(self._secret, f"Study ID {original}".encode(), hashlib.sha256)
            return str(int.from_bytes(digest.digest()[:4], "big") % 10**8)
        return _STUDY_RECORD_NEEDS[keyword]

    def _dummy(self, element: DataElement) -> object:
        if element.tag in (_PATIENT_NAME, _PATIENT_ID):
            return self.choices.pseudonym
        if element.VR == "UI":
            # Derived from the original, so that objects that shared it still do.
            return self.uid(str(_values(element)[0]))
        return _DUMMIES.get(element.VR, _DUMMY_TEXT)

    def _new_uids(self, element: DataElement) -> object:
        if element.VR != "UI":
            # A UID read without its VR (UN) cannot be told apart from other bytes.
            return empty_value_for_VR(element.VR)
        return _joined([self.uid(str(v)) if v else "" for v in _values(element)])

    def _cleaned(self, element: DataElement, scrub: _Scrub) -> object:
        """A value of similar meaning without identifying information (action C)."""
        vr = element.VR
        if vr == "TM":
            # A time of day tells nothing once the date is not the real one.
            return element.value
        if vr in ("DA", "DT"):
            shift = _shift_date if vr == "DA" else _shift_datetime
            return _joined([shift(str(v), self._offset) for v in _values(element)])
        if vr in _TEXT_VRS:
            return _joined([scrub(str(v)) for v in _values(element)])
        # Binary values (a maker note, a timestamp) cannot be read to be cleaned.
        return empty_value_for_VR(vr)

    def _age(self, dataset: Dataset) -> str:
        """Patient's Age at the study, when the object lacks it and its dates say it."""
        if _text(dataset, "PatientAge"):
            return ""
        birth = _date(_text(dataset, "PatientBirthDate"))
        keywords = ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate")
        on = next((d for k in keywords if (d := _date(_text(dataset, k))) is not None), None)
        if birth is None or on is None or on < birth:
            return ""
        return _age_string(birth, on)

    def _method_codes(self) -> Sequence:
        codes = [_BASIC_PROFILE]
        if self.choices.retain_modified_dates:
            codes.append(_MODIFIED_DATES)
        if self.choices.clean_descriptors:
            codes.append(_CLEAN_DESCRIPTORS)
        if self.choices.retain_patient_characteristics:
            codes.append(_PATIENT_CHARACTERISTICS)
        items = []
        for value, meaning in codes:
            item = Dataset()
            item.CodeValue = value
            item.CodingSchemeDesignator = "DCM"
            item.CodeMeaning = meaning
            items.append(item)
        return Sequence(items)


def identifiers_of(dataset: Dataset) -> set[str]:
    """The strings that identify the patient or others in ``dataset``, to remove from kept text.

    Every Person Name value (in sequence items too), whole, by component group and
    by component (split on ``^`` and ``=``); the values of the attributes that
    identify the patient, a person, a place or a device (Patient ID, Other Patient
    IDs, Accession Number, Study ID, Institution Name, Address and Department,
    Station Name, Device Serial Number, Medical Record Locator, addresses,
    telephone numbers, order and procedure IDs…); and the birth date as DA, as
    ``YYYY-MM-DD`` and as ``DD.MM.YYYY``, ``DD/MM/YYYY`` and ``MM/DD/YYYY``.
    Values are the decoded strings, in whatever character set the object uses.

    Parameters
    ----------
    dataset : pydicom.dataset.Dataset
        The object, before it is cleaned.

    Returns
    -------
    set[str]
        The identifiers, each at least two characters long.
    """
    found: set[str] = set()
    _collect_identifiers(dataset, found)
    stripped = (value.strip(" ^=\x00") for value in found)
    return {value for value in stripped if len(value) >= _SHORTEST_IDENTIFIER}


def _collect_identifiers(dataset: Dataset, found: set[str]) -> None:
    for tag in list(dataset.keys()):
        # Only the elements read here are converted: most of a scanner's header
        # is private attributes, which are removed unread.
        vr = _vr(dataset, tag)
        if vr == "SQ":
            for item in dataset[tag].value:
                _collect_identifiers(item, found)
        elif vr == "PN":
            for value in _values(dataset[tag]):
                name = str(value).strip("^= ")
                found.add(name)
                found.update(name.split("="))
                found.update(_PN_PARTS.split(name))
        elif tag in _IDENTIFYING:
            found.update(str(value) for value in _values(dataset[tag]))
        elif tag == _BIRTH_DATE and (born := _date(str(dataset[tag].value or ""))) is not None:
            day, month, year = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
            found.update(
                {
                    str(dataset[tag].value),
                    f"{year}{month}{day}",
                    f"{year}-{month}-{day}",
                    f"{day}.{month}.{year}",
                    f"{day}/{month}/{year}",
                    f"{month}/{day}/{year}",
                }
            )


def _vr(dataset: Dataset, tag: BaseTag) -> str:
    """The VR of an element, without converting its value."""
    vr = dataset.get_item(tag).VR
    if vr and vr != "UN":
        return str(vr)
    # Read in implicit VR, or as UN: the dictionary's, which pydicom converts it to.
    return dictionary_VR(tag) if dictionary_has_tag(tag) else "UN"


def burned_in_reason(dataset: Dataset) -> str:
    """Why this object may carry identifying text in its pixels or a document, ``""`` if none known.

    The table cleans attributes only: a document's content, or text burned into
    an image (an ultrasound's patient banner, a screenshot), stays as it is.

    Parameters
    ----------
    dataset : pydicom.dataset.Dataset
        The object's header.

    Returns
    -------
    str
        A lowercase sentence fragment, e.g. ``"burned-in annotation: YES"``.
    """
    sop_class = _text(dataset, "SOPClassUID")
    if sop_class in _DOCUMENTS:
        kind = _DOCUMENTS[sop_class]
        return f"an encapsulated document ({kind}) holds a document that cannot be cleaned"
    if _text(dataset, "BurnedInAnnotation").upper() == "YES":
        return "burned-in annotation: YES"
    if _text(dataset, "RecognizableVisualFeatures").upper() == "YES":
        return "recognizable visual features: YES (a face may be recognized)"
    modality = _text(dataset, "Modality").upper()
    if modality in _TEXT_IN_PIXELS:
        return _TEXT_IN_PIXELS[modality]
    if sop_class.startswith(_SECONDARY_CAPTURE):
        return "a secondary capture image is often a screenshot, with text in its pixels"
    return ""


# --- values ------------------------------------------------------------------------------

#: Removes every identifier from a text.
_Scrub = Callable[[str], str]


def _scrubber(identifiers: Iterable[str]) -> _Scrub:
    """A function removing every identifier from a text, ignoring case, ``^`` read as a space."""
    variants = {form for i in identifiers for form in (i, i.replace("^", " "))}
    if not variants:
        return lambda text: text
    # Longest first, so that a whole name goes before its components.
    pattern = re.compile(
        "|".join(re.escape(v) for v in sorted(variants, key=lambda v: (-len(v), v))),
        re.IGNORECASE,
    )

    def scrub(text: str) -> str:
        original = text
        # Again until nothing is found: removing "Doe" from "DoDoee" makes a new "Doe".
        while (cut := pattern.sub("", text)) != text:
            text = cut
        if text == original:
            return text
        # A text that was nothing but identifiers says so, and stays non-empty
        # where its attribute is required.
        return _SPACES.sub(" ", text).strip() or _DUMMY_TEXT

    return scrub


def _values(element: DataElement) -> list[object]:
    """The values of ``element``: none when empty, one or more otherwise."""
    value = element.value
    if value is None or value == "":
        return []
    if isinstance(value, MultiValue | list):
        return list(value)
    return [value]


def _joined(values: list[str]) -> object:
    """A value to set: one value as it is, several as a list, none as empty."""
    if len(values) == 1:
        return values[0]
    return values if values else ""


def _text(dataset: Dataset, keyword: str) -> str:
    value = dataset.get(keyword)
    return "" if value is None else str(value).strip(" \x00")


def _date(text: str) -> date | None:
    """DA (or the old ``YYYY.MM.DD``) as a date; None when it is not one."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _da(day: date) -> str:
    # Not strftime: it does not pad years before 1000 on every platform.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _shift_date(text: str, offset: timedelta) -> str:
    """A DA value shifted by ``offset``; ``""`` when it is not a date."""
    day = _date(text)
    try:
        return "" if day is None else _da(day + offset)
    except OverflowError:
        return ""


def _shift_datetime(text: str, offset: timedelta) -> str:
    """A DT value's date shifted by ``offset``, its time and offset from UTC kept.

    A DT of less than a day's precision (a year, a month) cannot be shifted by
    days and becomes empty, as does one that is not a DT.
    """
    match = _DATETIME.fullmatch(text.strip())
    day = _date("".join(match.groups()[:3])) if match else None
    if match is None or day is None:
        return ""
    try:
        return _da(day + offset) + match[4]
    except OverflowError:
        return ""


def _age_string(birth: date, on: date) -> str:
    """The age on ``on`` as AS: years, or for an infant months, weeks or days."""
    months = (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)
    if months >= 12:
        return f"{min(months // 12, 999):03d}Y"
    if months >= 1:
        return f"{months:03d}M"
    days = (on - birth).days
    return f"{days // 7:03d}W" if days >= 7 else f"{days:03d}D"


# --- the file ------------------------------------------------------------------------------


def _encoding(dataset: Dataset) -> tuple[bool, bool]:
    """(implicit VR, little endian) of the file's transfer syntax, as pydicom reads it."""
    syntax = UID(_text(dataset.file_meta, "TransferSyntaxUID"))
    if syntax.is_transfer_syntax:
        return syntax.is_implicit_VR, syntax.is_little_endian
    # A private transfer syntax, or none: the encoding pydicom read the file in.
    implicit, little = dataset.original_encoding
    return bool(implicit), little is not False


def _pixel_data(
    window: Window, implicit: bool, little: bool, wide: bool
) -> tuple[bytes, tuple[int, int]]:
    """The pixel data element at the window's position: its own header as it is
    written (in the file's encoding), and where what follows it lies in the window,
    ``(offset, length)``: its value, or its items and their delimiter, found by
    seeking over their values."""
    endian = "<" if little else ">"
    head = window.read(8)
    group, element = struct.unpack(endian + "HH", head[:4])
    tag = group << 16 | element
    # Told by the bytes, as read_header does: some writers encode implicit VR
    # under an explicit VR syntax, and the header is now written as the syntax says.
    if head[4:6] in _PIXEL_VRS:
        vr = head[4:6]
        (length,) = struct.unpack(endian + "I", window.read(4))
    else:
        (length,) = struct.unpack(endian + "I", head[4:8])
        # The VR pydicom would give it (PS3.5 8.2): OB when encapsulated or 8-bit.
        vr = _FLOAT_PIXEL_VRS.get(tag, b"OW" if wide and length != _UNDEFINED_LENGTH else b"OB")
    written = head[:4] + (b"" if implicit else vr + b"\x00\x00") + struct.pack(endian + "I", length)
    start = window.tell()
    if length != _UNDEFINED_LENGTH:
        window.seek(length, 1)
    else:
        # Encapsulated: the items (offset table, fragments), to the delimiter.
        while True:
            group, element, length = struct.unpack(endian + "HHI", window.read(8))
            if group << 16 | element == _SEQUENCE_DELIMITER:
                break
            window.seek(length, 1)
    return written, (start, window.tell() - start)
