"""The records' shared vocabulary: who they are of and from, a DICOM object's identity,
where things go in a bundle, and how much is read at a time.

A leaf: it imports only the standard library, so that ``bundle`` and ``dicom``
both build on it without importing each other.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Literal, Protocol

#: Where the originals live in a bundle (its DICOM file-set is laid out by ``dicom.fileset``).
ORIGINALS_DIR = "ORIGINAL/"

#: How many bytes a streaming copy reads at a time.
PIECE = 1 << 20

#: A radiograph a sender may mark, and the DICOM modality its Secondary Capture gets.
Radiograph = Literal["panoramic", "cephalometric"]
RADIOGRAPH_MODALITIES: dict[Radiograph, str] = {"panoramic": "PX", "cephalometric": "DX"}

#: ``progress(done, total)``: bytes done so far, and in all (a layer's own progress;
#: the pipeline names its steps around it).
ByteProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Party:
    """Who sends (name, organization, contact) or receives (name) the records."""

    name: str = ""
    organization: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Patient:
    """Whose records these are.

    ``birth_date`` is ``YYYY-MM-DD`` or empty; ``sex`` is F, M, O or empty.
    """

    name: str = ""
    id: str = ""
    birth_date: str = ""
    sex: str = ""


@dataclass(frozen=True)
class DeidentifyChoices:
    """How the sender wants the records de-identified: a pseudonym, the options of the
    DICOM Basic Application Level Confidentiality Profile (PS3.15 Annex E), and what
    is sent although it cannot be cleaned.

    ``pseudonym`` (e.g. "Case 12") becomes the patient's name and ID. The options'
    defaults keep what a colleague usually needs: intervals between studies (every
    date moved by one random offset), descriptions with identifiers removed, and sex,
    age, size and weight. Objects that may show identity in their pixels (burned-in
    text) and files that cannot be cleaned (PDFs…) are left out unless chosen;
    photos that may show the face are sent unless left out.
    """

    pseudonym: str = ""
    retain_modified_dates: bool = True
    clean_descriptors: bool = True
    retain_patient_characteristics: bool = True
    send_burned_in: bool = False
    send_face_photos: bool = True
    send_uncleanable: bool = False


@dataclass(frozen=True)
class DicomRef:
    """The identity of a DICOM object in the bundle, and what the receiver is shown of it.

    Text values are as the object holds them (``patient_name`` in DICOM PN form,
    ``study_date`` as DA ``YYYYMMDD``), empty when absent.
    """

    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    patient_id: str
    patient_name: str = ""
    modality: str = ""
    study_date: str = ""
    study_description: str = ""

    @property
    def study_summary(self) -> str:
        """The object's study as imaging software lists it: ``"CT · 2024-03-01 · CBCT"``."""
        date = self.study_date
        if len(date) == 8 and date.isdigit():
            date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        return " · ".join(v for v in (self.modality, date, self.study_description) if v)


class Readable(Protocol):
    """Something to seal that can be read again from its start: the one input type.

    A file on disk (:class:`orthoshare.pipeline.PathInput`), a file the page
    picked (``orthoshare.browser``'s ``BlobInput``) and bytes in memory
    (:class:`BytesInput`) are each one. The bundle writer's inputs also say
    where they sit among what was picked (``parts``).
    """

    @property
    def size(self) -> int: ...

    def open(self) -> BinaryIO:
        """Open it for reading from the start."""
        ...


@dataclass(frozen=True)
class BytesInput:
    """Bytes in memory as an input: a DICOM object just made, a test's file, a fuzz seed.

    ``parts`` is its path among the inputs, e.g. ``("records", "notes.txt")``.
    """

    data: bytes
    parts: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


@dataclass(frozen=True)
class Made:
    """A DICOM object made of an original: where the bundle keeps it, how to read it,
    what it is, and the original's path in the bundle."""

    source: Readable
    path: str
    original_name: str
    ref: DicomRef
    derived_from: str
