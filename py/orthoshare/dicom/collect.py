"""What the bundle writer hands to DICOM: inputs for the file-set, originals to convert.

The writer streams every input once; on the way it stages DICOM inputs (the
file-set names them, so they are stored only once the set is written) and
copies of the originals that become DICOM objects. :meth:`DicomPart.finish`
then generates the objects, writes the file-set and says what to store where.
Patients are checked as each DICOM input arrives, so a wrong patient stops the
sealing at the first file that names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..bundle.manifest import DICOM_DIR, DicomRef, Patient

if TYPE_CHECKING:
    from .generate import Source
    from .identity import DicomIdentity

# pydicom is imported by the modules below only when a bundle has DICOM work:
# sealing other files never loads it (in the page, it is a 2 MB wheel).

#: Formats (as bundle.sniff names them) some kind of which becomes a DICOM object.
CONVERTIBLE = frozenset({"jpeg", "png", "pdf", "stl", "obj", "mtl"})
_ENTERED = re.compile(r"\S")


@dataclass(frozen=True)
class Stored:
    """One file of the DICOM part, and where the bundle keeps it."""

    file: Path
    path: str
    original_name: str
    ref: DicomRef | None
    derived_from: str | None
    input_index: int | None  # which input it is (None: generated, or the DICOMDIR)


@dataclass(frozen=True)
class _Input:
    file: Path
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
        self._originals: list[tuple[Source, str]] = []

    def staging_file(self, name: str) -> Path:
        """A new file in the staging folder."""
        return self._staging / name

    def add_input(self, file: Path, original_name: str, original_path: str, index: int) -> None:
        """Take a staged DICOM input; raise MixedPatientsError if it names another patient."""
        from .identity import read_identity
        from .patients import check_patients

        with open(file, "rb") as source:
            identity = read_identity(source, file.stat().st_size, name=original_name)
        self._found.append((original_name, identity))
        check_patients(self._found, self._entered, self._allow_mixed)
        self._inputs.append(_Input(file, original_name, original_path, index))

    def add_original(
        self, file: Path, entry_path: str, fmt: str, kind: str, label: str | None,
        view: str | None, radiograph: str | None, original_name: str,
    ) -> None:  # fmt: skip
        """Take a copy of an original that may become a DICOM object."""
        from .generate import Source

        chosen: Literal["panoramic", "cephalometric"] | None = (
            "panoramic" if radiograph == "panoramic"
            else "cephalometric" if radiograph == "cephalometric"
            else None
        )  # fmt: skip
        name = original_name.rsplit("/", 1)[-1]
        source = Source(file, fmt, kind, label or "", view, chosen, name)
        self._originals.append((source, entry_path))

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
        """Generate the objects, write the file-set, and return what to store where."""
        from .fileset import write_fileset
        from .generate import Generator
        from .study import Study

        generated: list[tuple[Path, str, str]] = []  # file, original name, derived from
        if self._originals:
            generator = Generator(Study.new(self.patient(), now, description))
            for number, (source, entry_path) in enumerate(self._originals):
                dataset = generator.generate(source)
                if dataset is not None:
                    file = self.staging_file(f"generated-{number}")
                    dataset.save_as(file, enforce_file_format=True)
                    generated.append((file, source.name, entry_path))
        objects = [i.file for i in self._inputs] + [file for file, _, _ in generated]
        if not objects:
            return []
        result = write_fileset(objects, self._staging / "set")
        stored = []
        for item, member, ref in zip(self._inputs, result.members, result.refs, strict=False):
            if member is None:  # kept byte-exact among the originals instead
                stored.append(
                    Stored(item.file, item.original_path, item.original_name, ref, None, item.index)
                )
            else:
                path = DICOM_DIR + member.path
                stored.append(Stored(member.file, path, item.original_name, ref, None, item.index))
        for (_, name, derived_from), member, ref in zip(
            generated,
            result.members[len(self._inputs) :],
            result.refs[len(self._inputs) :],
            strict=True,
        ):
            if member is not None:
                stored.append(
                    Stored(member.file, DICOM_DIR + member.path, name, ref, derived_from, None)
                )
        if result.dicomdir is not None:
            path = DICOM_DIR + result.dicomdir.name
            stored.append(Stored(result.dicomdir, path, "", None, None, None))
        return stored
