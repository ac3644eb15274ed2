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
from collections.abc import Iterator
from dataclasses import astuple
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

from ..records import (
    DICOM_DIR,
    RADIOGRAPH_MODALITIES,
    BytesInput,
    DicomRef,
    Made,
    Patient,
    Readable,
)
from .identity import DicomIdentity
from .patients import check_patients, suggested_patient

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from .fileset import FileSetBuilder
    from .generate import Original

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


class DicomPart:
    """Collects the DICOM part of one bundle; see the module docstring."""

    def __init__(self, entered: Patient, allow_mixed_patients: bool) -> None:
        self._entered = entered
        self._allow_mixed = allow_mixed_patients
        self._set: FileSetBuilder | None = None  # made with the first DICOM object
        self._found: list[tuple[str, DicomIdentity]] = []
        self._checked: set[tuple[str, str, str, str]] = set()  # patients already checked
        self._originals: list[tuple[Original, str]] = []

    def add_input(
        self, size: int, stream: BinaryIO, original_name: str, original_path: str
    ) -> tuple[str, DicomRef, str | None]:
        """Take a DICOM input, ``stream`` (seekable, ``size`` bytes), by its header.

        Returns where the bundle stores it, under ``DICOM/``, or at
        ``original_path`` when no directory record can be made of it; who and
        what it is; and the ADA-1100 view it names if it is a photograph that
        names one (see :class:`~orthoshare.dicom.identity.DicomIdentity`), else
        None. Raises MixedPatientsError if it names another patient.
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
        path, ref = self._file_set().add(header.dataset)
        return (original_path if path is None else DICOM_DIR + path), ref, identity.view or None

    def add_original(
        self, source: Readable, entry_path: str, fmt: str, kind: str, label: str | None,
        view: str | None, radiograph: str | None, original_name: str,
    ) -> None:  # fmt: skip
        """Take an original, which becomes a DICOM object if its format is CONVERTIBLE."""
        if fmt not in CONVERTIBLE:
            return
        from .generate import Original

        chosen = next((r for r in RADIOGRAPH_MODALITIES if r == radiograph), None)
        name = original_name.rsplit("/", 1)[-1]
        generated = Original(source, fmt, kind, label or "", view, chosen, name)
        self._originals.append((generated, entry_path))

    @property
    def originals_size(self) -> int:
        """The bytes of the originals taken to become DICOM objects (about their objects' size)."""
        return sum(source.content.size for source, _ in self._originals)

    def patient(self) -> Patient:
        """The patient to record: as entered, or, if nothing was entered, as the DICOM agree."""
        entered = self._entered
        if not self._found:
            return entered
        if any(_ENTERED.search(v) for v in astuple(entered)):
            return entered
        return suggested_patient(self._found) or entered

    def generated(self, now: datetime, description: str) -> Iterator[Made]:
        """Make the objects of the originals, in one study; yield each to be stored
        before the next is made."""
        if not self._originals:
            return
        from .embed import EmbeddedDocument
        from .generate import Generator
        from .header import read_header
        from .study import Study

        generator = Generator(Study.new(self.patient(), now, description))
        for source, entry_path in self._originals:
            made = generator.generate(source)
            if made is None:
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
            path, ref = self._file_set().add(dataset)
            if path is not None:
                yield Made(readable, DICOM_DIR + path, source.name, ref, entry_path)

    def dicomdir(self) -> bytes | None:
        """The DICOMDIR of every object, stored at ``DICOM/DICOMDIR``; None if none."""
        return None if self._set is None else self._set.dicomdir()

    def _file_set(self) -> FileSetBuilder:
        if self._set is None:
            from .fileset import FileSetBuilder

            self._set = FileSetBuilder()
        return self._set
