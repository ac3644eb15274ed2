"""What the bundle writer hands to DICOM: inputs for the file-set, originals to convert.

The writer streams every input once; on the way it hands over each DICOM input
(the file-set names it, so it is stored only once the set is written) and each
original that may become a DICOM object. Neither is copied: a DICOM input is
read again when it is stored, an original when it is converted, so sealing a
CBCT series holds one slice's header at a time, not the series.
:meth:`DicomPart.finish` then generates the objects, writes the file-set and
says what to store where. Patients are checked as each DICOM input arrives, so
a wrong patient stops the sealing at the first file that names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol

from ..bundle.manifest import DICOM_DIR, DicomRef, Patient

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from .generate import Source
    from .identity import DicomIdentity

# pydicom is imported by the modules below only when a bundle has DICOM work:
# sealing other files never loads it (in the page, it is a 2 MB wheel).

#: Formats (as bundle.sniff names them) some kind of which becomes a DICOM object.
CONVERTIBLE = frozenset({"jpeg", "png", "pdf", "stl", "obj", "mtl"})
_ENTERED = re.compile(r"\S")


class Readable(Protocol):
    """An input that can be read again from its start."""

    @property
    def size(self) -> int: ...

    def open(self) -> BinaryIO: ...


@dataclass(frozen=True)
class _StagedFile:
    """A file this part wrote (a generated object, the DICOMDIR)."""

    file: Path

    @property
    def size(self) -> int:
        return self.file.stat().st_size

    def open(self) -> BinaryIO:
        return open(self.file, "rb")


@dataclass(frozen=True)
class Stored:
    """One file of the DICOM part, where the bundle keeps it, and how to read it."""

    source: Readable
    path: str
    original_name: str
    ref: DicomRef | None
    derived_from: str | None
    input_index: int | None  # which input it is (None: generated, or the DICOMDIR)

    def release(self) -> None:
        """Free what was staged for it, once it is stored."""
        if isinstance(self.source, _StagedFile):
            self.source.file.unlink()


@dataclass(frozen=True)
class _Input:
    source: Readable
    dataset: Dataset  # its directory data set (see fileset.py)
    original_name: str
    original_path: str
    index: int


class DicomPart:
    """Collects the DICOM part of one bundle; see the module docstring."""

    def __init__(self, staging: Path, entered: Patient, allow_mixed_patients: bool) -> None:
        self._staging = staging
        self._entered = entered
        self._allow_mixed = allow_mixed_patients
        self._inputs: list[_Input] = []
        self._found: list[tuple[str, DicomIdentity]] = []
        self._checked: set[tuple[str, str, str, str]] = set()  # patients already checked
        self._originals: list[tuple[Source, str]] = []

    def add_input(
        self, source: Readable, stream: BinaryIO, original_name: str, original_path: str,
        index: int,
    ) -> None:  # fmt: skip
        """Take a DICOM input, read from ``stream`` (``source`` opened, seekable), for its
        header; raise MixedPatientsError if it names another patient."""
        from .fileset import directory_dataset
        from .identity import read_identity
        from .patients import check_patients

        stream.seek(0)
        identity = read_identity(stream, source.size, name=original_name)
        self._found.append((original_name, identity))
        # The files of one series name the same patient alike: comparing each again
        # with all the others would take time growing with the square of the slices.
        who = (identity.patient_id, identity.patient_name_dicom, identity.birth_date, identity.sex)
        if who not in self._checked:
            check_patients(self._found, self._entered, self._allow_mixed)
            self._checked.add(who)
        stream.seek(0)
        dataset = directory_dataset(stream)
        self._inputs.append(_Input(source, dataset, original_name, original_path, index))

    def add_original(
        self, source: Readable, entry_path: str, fmt: str, kind: str, label: str | None,
        view: str | None, radiograph: str | None, original_name: str,
    ) -> None:  # fmt: skip
        """Take an original that may become a DICOM object."""
        from .generate import Source

        chosen: Literal["panoramic", "cephalometric"] | None = (
            "panoramic" if radiograph == "panoramic"
            else "cephalometric" if radiograph == "cephalometric"
            else None
        )  # fmt: skip
        name = original_name.rsplit("/", 1)[-1]
        generated = Source(source, fmt, kind, label or "", view, chosen, name)
        self._originals.append((generated, entry_path))
    def patient(self) -> Patient:
        """The patient to record: as entered, or, if nothing was entered, as the DICOM agree."""
        entered = self._entered
        if not self._found:
            return entered
        from .patients import suggested_patient

        if any(
            _ENTERED.search(v) for v in (entered.name, entered.id, entered.birth_date, entered.sex)
        ):
            return entered
        return suggested_patient(self._found) or entered

    def finish(self, now: datetime, description: str) -> list[Stored]:
        """Generate the objects, write the file-set, and return what to store where.

        A generated image waits in the staging folder until it is stored
        (:meth:`Stored.release`); DICOM inputs, and the originals embedded in
        generated documents, are read from where they are.
        """
        from .embed import EmbeddedDocument
        from .fileset import directory_dataset, write_fileset
        from .generate import Generator
        from .study import Study

        generated: list[tuple[Readable, Dataset, str, str]] = []
        if self._originals:
            generator = Generator(Study.new(self.patient(), now, description))
            for number, (source, entry_path) in enumerate(self._originals):
                made = generator.generate(source)
                if isinstance(made, EmbeddedDocument):
                    generated.append((made, made.header, source.name, entry_path))
                elif made is not None:
                    staged = _StagedFile(self._staging / f"generated-{number}")
                    made.save_as(staged.file, enforce_file_format=True)
                    del made  # its pixels: only the staged file is kept
                    with staged.open() as stream:
                        dataset = directory_dataset(stream)
                    generated.append((staged, dataset, source.name, entry_path))
        datasets = [i.dataset for i in self._inputs] + [g[1] for g in generated]
        if not datasets:
            return []
        result = write_fileset(datasets, self._staging / "set")
        stored = []
        for item, member, ref in zip(self._inputs, result.members, result.refs, strict=False):
            # An input the set cannot index is kept byte-exact among the originals instead.
            path = item.original_path if member is None else DICOM_DIR + member.path
            stored.append(Stored(item.source, path, item.original_name, ref, None, item.index))
        for (readable, _, name, derived_from), member, ref in zip(
            generated,
            result.members[len(self._inputs) :],
            result.refs[len(self._inputs) :],
            strict=True,
        ):
            if member is not None:
                stored.append(
                    Stored(readable, DICOM_DIR + member.path, name, ref, derived_from, None)
                )
        if result.dicomdir is not None:
            path = DICOM_DIR + result.dicomdir.name
            stored.append(Stored(_StagedFile(result.dicomdir), path, "", None, None, None))
        return stored
