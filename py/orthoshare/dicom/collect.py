"""What the rest of the package asks of DICOM: a file's identity, and a bundle's DICOM part.

:func:`read_identity` says who and what a DICOM file is about, for the page's
list of picked files. :class:`DicomPart` is what the bundle writer hands to
DICOM: inputs for the file-set, originals to convert.

The writer streams every input once. A DICOM input's header is read first: its
patient is checked (so a wrong patient stops the sealing at the first file
that names one) and it takes its place in the file-set, which says under which
name the writer stores it, there and then. Each original that may become a
DICOM object is noted; :meth:`DicomPart.generated` then makes the objects, one
at a time, each stored before the next is made, and :meth:`DicomPart.dicomdir`
indexes them all. Nothing is held whole but one photo being wrapped: a PDF or a
scan is embedded as it is read again (:mod:`orthoshare.dicom.embed`).
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import astuple, replace
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

from ..errors import ConversionError
from ..records import (
    RADIOGRAPH_MODALITIES,
    BytesInput,
    DeidentifyChoices,
    DicomRef,
    Made,
    Patient,
    Readable,
)
from .identity import DicomIdentity
from .patients import check_patients, suggested_patient

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from .deidentify import DicomDeidentifier
    from .fileset import FileSetBuilder
    from .generate import Finish, Original

# Most modules of dicom import pydicom, a 2 MB wheel the page loads only before
# an operation that reads or writes DICOM. The rest of the package imports this
# module, which imports them only inside the functions that need them: importing
# the package, comparing patients and sealing other files never load pydicom.

#: Formats (as bundle.sniff names them) some kind of which becomes a DICOM object.
CONVERTIBLE = frozenset({"jpeg", "png", "pdf", "stl", "obj", "mtl"})
_ENTERED = re.compile(r"\S")


def read_identity(source: BinaryIO, size: int, *, name: str = "the file") -> DicomIdentity:
    """Read who and what a DICOM Part 10 file is about: its header's identity.

    Parameters, and the InputError raised for a file that is not a readable
    DICOM file, as for :func:`orthoshare.dicom.header.read_header`.
    """
    from .header import read_header

    return read_header(source, size, name=name).identity


def made_up_patient_id() -> str:
    """A Patient ID for objects whose patient has none: unique, and saying what it is.

    A DICOMDIR's patient record needs a Patient ID, and imaging software files
    what it imports by it. Without one, no importer would take the objects
    (pydicom's FileSet and dcmtk's dcmmkdir refuse them; dcmmkdir makes one up
    when told to, ``+I``): so, as it does, one is made up, unique to the bundle
    and plainly not a practice's, which the receiving practice matches to its
    own patient when it imports them. The manifest keeps the patient's ID empty
    (:attr:`orthoshare.bundle.manifest.Manifest.made_up_patient_id` finds it).
    """
    return f"ORTHOSHARE-{secrets.token_hex(5).upper()}"


#: The kinds a picture may be sent as and still become a DICOM object.
_IMAGE_KINDS = ("photo", "radiograph")


def original_note(fmt: str, kind: str, radiograph: str | None) -> str:
    """Why an original of format ``fmt`` (as bundle.sniff names it), sent as ``kind``,
    gets no DICOM object, or ``""`` when one is to be made of it.

    ``radiograph`` is the sender's pick for a radiograph (panoramic or
    cephalometric). What the file's content allows is found when it is
    converted (:class:`~orthoshare.errors.ConversionError`) or, before sealing,
    by :func:`header_note`.
    """
    if fmt not in CONVERTIBLE:
        return "no DICOM object: DICOM has no object for this kind of file"
    if fmt not in ("jpeg", "png"):
        return ""
    if kind not in _IMAGE_KINDS:
        return f"no DICOM object: a picture sent as a {kind} has none; send it as a photo for one"
    if kind == "radiograph" and radiograph is None:
        return "no DICOM object: mark the radiograph panoramic or cephalometric for one"
    return ""


#: How much of a JPEG is read, before sealing, to find its frame header: EXIF and
#: colour profiles come first, and rarely fill more.
JPEG_HEAD = 1 << 20


def header_note(fmt: str, kind: str, radiograph: str | None, head: bytes, size: int) -> str:
    """:func:`original_note`, and what the file's first bytes already say, before sealing.

    ``head`` is the file's start (:data:`JPEG_HEAD` bytes of a JPEG, the PNG
    signature and header of a PNG), ``size`` its whole size. What only the whole
    file tells (a PNG's transparency, a JPEG whose header runs past ``head``)
    is found when it is sealed.
    """
    from . import convert

    note = original_note(fmt, kind, radiograph)
    if note or fmt not in ("jpeg", "png"):
        return note
    try:
        convert.check_image_head(fmt, head, photo=kind == "photo")
    except ConversionError as e:
        if len(head) < size and "truncated" in e.detail:
            return ""
        return f"no DICOM object: {e.detail}"
    return ""


def read_identity_and_note(
    source: BinaryIO, size: int, *, name: str = "the file"
) -> tuple[DicomIdentity, str]:
    """Read who and what a DICOM Part 10 file is about, and why it cannot be in a
    DICOMDIR (``""`` when it can); see :func:`read_identity`."""
    from .fileset import index_note
    from .header import read_header

    header = read_header(source, size, name=name)
    return header.identity, index_note(header.dataset)


def read_for_deidentifying(
    source: BinaryIO, size: int, *, name: str = "the file"
) -> tuple[DicomIdentity, set[str], str]:
    """What de-identifying a DICOM file needs to know first: who it names, the
    identifiers it holds (:func:`orthoshare.dicom.deidentify.identifiers_of`), and
    why it may show identity in its pixels or a document, or ``""``
    (:func:`~orthoshare.dicom.deidentify.burned_in_reason`).

    Parameters, and the InputError raised for a file that is not a readable
    DICOM file, as for :func:`orthoshare.dicom.header.read_header`.
    """
    from .deidentify import burned_in_reason, identifiers_of
    from .header import read_header

    header = read_header(source, size, name=name)
    return header.identity, identifiers_of(header.dataset), burned_in_reason(header.dataset)


def deidentifier(
    choices: DeidentifyChoices,
    *,
    date_offset_days: int,
    uid_secret: bytes,
    identifiers: Iterable[str],
) -> DicomDeidentifier:
    """The de-identifier of one bundle's DICOM objects; see
    :class:`orthoshare.dicom.deidentify.DicomDeidentifier`."""
    from .deidentify import DicomDeidentifier

    return DicomDeidentifier(
        choices, date_offset_days=date_offset_days, uid_secret=uid_secret, identifiers=identifiers
    )


class DicomPart:
    """Collects the DICOM part of one bundle; see the module docstring."""

    def __init__(
        self, entered: Patient, allow_mixed_patients: bool, finish: Finish | None = None
    ) -> None:
        """``finish``, if given, is done to each object made of an original before it
        is encoded (see :class:`~orthoshare.dicom.generate.Generator`)."""
        self._entered = entered
        self._finish = finish
        self._allow_mixed = allow_mixed_patients
        self._set: FileSetBuilder | None = None  # made with the first DICOM object
        self._found: list[tuple[str, DicomIdentity]] = []
        self._checked: set[tuple[str, str, str, str]] = set()  # patients already checked
        self._originals: list[tuple[Original, str]] = []
        self._notes: dict[str, str] = {}  # why an original has no object, by its path

    def add_input(
        self, size: int, stream: BinaryIO, original_name: str, original_path: str
    ) -> tuple[str, DicomRef, str | None, str]:
        """Take a DICOM input, ``stream`` (seekable, ``size`` bytes), by its header.

        Returns where the bundle stores it, under ``DICOM/``, or at
        ``original_path`` when no directory record can be made of it; who and
        what it is; the ADA-1100 view it names if it is a photograph that
        names one (see :class:`~orthoshare.dicom.identity.DicomIdentity`), else
        None; and why it is not in the DICOMDIR, or ``""``. Raises
        MixedPatientsError if it names another patient.
        """
        from .header import read_header

        stream.seek(0)
        header = read_header(stream, size, name=original_name)
        identity = header.identity
        self._found.append((original_name, identity))
        # The files of one series name the same patient alike: comparing each again
        # with all the others would take time growing with the square of the slices.
        who = (identity.patient_id, identity.patient_name_dicom, identity.birth_date, identity.sex)
        if who not in self._checked:
            check_patients(self._found, self._entered, self._allow_mixed)
            self._checked.add(who)
        indexed = self._file_set().add(header.dataset)
        path = original_path if indexed.path is None else indexed.path
        return path, indexed.ref, identity.view or None, indexed.why_not

    def add_original(
        self, source: Readable, entry_path: str, fmt: str, kind: str, label: str | None,
        view: str | None, radiograph: str | None, original_name: str,
    ) -> None:  # fmt: skip
        """Take an original, which becomes a DICOM object if its format and kind allow."""
        chosen = next((r for r in RADIOGRAPH_MODALITIES if r == radiograph), None)
        why_not = original_note(fmt, kind, chosen)
        if why_not:
            self._notes[entry_path] = why_not
            return
        from .generate import Original

        name = original_name.rsplit("/", 1)[-1]
        generated = Original(source, fmt, kind, label or "", view, chosen, name)
        self._originals.append((generated, entry_path))

    @property
    def originals_size(self) -> int:
        """The bytes of the originals taken to become DICOM objects (about their objects' size)."""
        return sum(source.content.size for source, _ in self._originals)

    def patient(self) -> Patient:
        """The patient to record: each field as entered, or, where nothing was entered,
        as the DICOM inputs agree it is."""
        entered = self._entered
        suggested = suggested_patient(self._found) if self._found else None
        if suggested is None:
            return entered
        return Patient(
            *(
                mine if _ENTERED.search(mine) else theirs
                for mine, theirs in zip(astuple(entered), astuple(suggested), strict=True)
            )
        )

    @property
    def notes(self) -> dict[str, str]:
        """Why each original without a DICOM object has none, by the original's path."""
        return dict(self._notes)

    def generated(self, now: datetime, description: str) -> Iterator[Made]:
        """Make the objects of the originals, in one study; yield each to be stored
        before the next is made."""
        if not self._originals:
            return
        from .embed import EmbeddedDocument
        from .generate import Generator
        from .header import read_header
        from .study import Study

        patient = self.patient()
        if not patient.id.strip():
            patient = replace(patient, id=made_up_patient_id())
        generator = Generator(Study.new(patient, now, description), self._finish)
        for source, entry_path in self._originals:
            try:
                made = generator.generate(source)
            except ConversionError as e:
                self._notes[entry_path] = f"no DICOM object: {e.detail}"
                continue
            readable: Readable
            dataset: Dataset
            if isinstance(made, EmbeddedDocument):
                readable, dataset = made, made.header
            else:
                encoded = io.BytesIO()
                made.save_as(encoded, enforce_file_format=True)
                readable = BytesInput(encoded.getvalue())
                del made, encoded  # its pixels: the encoding is all that is kept
                with readable.open() as stream:
                    dataset = read_header(stream, readable.size, name=source.name).dataset
            indexed = self._file_set().add(dataset)
            if indexed.path is None:
                self._notes[entry_path] = f"no DICOM object: {indexed.why_not}"
            else:
                yield Made(readable, indexed.path, source.name, indexed.ref, entry_path)

    def dicomdir(self) -> bytes | None:
        """The DICOMDIR of every object, stored at the bundle's root; None if none."""
        return None if self._set is None else self._set.dicomdir()

    def _file_set(self) -> FileSetBuilder:
        if self._set is None:
            from .fileset import FileSetBuilder

            self._set = FileSetBuilder()
        return self._set
