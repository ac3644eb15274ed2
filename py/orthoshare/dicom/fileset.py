"""The bundle's DICOM file-set: every DICOM object, indexed by a DICOMDIR.

pydicom's FileSet writes the set: the DICOMDIR and the objects under its own
PT…/ST…/SE…/IM… folders (8-character upper-case names, as PS3.10 requires).
The whole set sits in the bundle's ``DICOM/`` folder, DICOMDIR included, so
the folder is a valid file-set by itself: copy it to any media root, or point
imaging software at it. Objects are copied byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..bundle.manifest import DicomRef
from ..errors import InputError

DICOMDIR = "DICOMDIR"


@dataclass(frozen=True)
class SetMember:
    """One object of the file-set: where it was written, and who it is."""

    path: str  # relative to the file-set's root, POSIX
    file: Path
    ref: DicomRef


@dataclass(frozen=True)
class FileSetResult:
    """The written set (``dicomdir`` is None when nothing could be indexed).

    ``members[i]`` is the set member made of ``objects[i]``, or None when that
    object cannot be indexed (``unindexed[i]`` then says why): PS3.3 Annex F
    requires attributes in directory records, such as the Study Date, that some
    files lack, and an original is never altered to supply them.
    """

    dicomdir: Path | None
    members: list[SetMember | None]
    unindexed: list[str | None]
    refs: list[DicomRef]


def _ref(path: Path) -> DicomRef:
    from pydicom import dcmread

    dataset = dcmread(path, stop_before_pixels=True)
    return DicomRef(
        sop_class_uid=str(dataset.SOPClassUID),
        sop_instance_uid=str(dataset.SOPInstanceUID),
        study_instance_uid=str(dataset.get("StudyInstanceUID", "")),
        series_instance_uid=str(dataset.get("SeriesInstanceUID", "")),
        patient_id=str(dataset.get("PatientID", "")),
        patient_name=str(dataset.get("PatientName", "")),
        modality=str(dataset.get("Modality", "")),
        study_date=str(dataset.get("StudyDate", "")),
        study_description=str(dataset.get("StudyDescription", "")),
    )


def write_fileset(objects: list[Path], root: Path) -> FileSetResult:
    """Write a file-set of ``objects`` (DICOM Part 10 files) under the new folder ``root``.

    Raises
    ------
    InputError
        If two objects share a SOP Instance UID.
    """
    from pydicom.fileset import FileSet

    file_set = FileSet()
    refs = [_ref(path) for path in objects]
    seen: set[str] = set()
    unindexed: list[str | None] = []
    for path, ref in zip(objects, refs, strict=True):
        if ref.sop_instance_uid in seen:
            raise InputError(f"two DICOM files share the SOP Instance UID {ref.sop_instance_uid}")
        seen.add(ref.sop_instance_uid)
        try:
            file_set.add(path)
            unindexed.append(None)
        except ValueError as e:
            unindexed.append(str(e).split(". ")[0])
    if all(reason is not None for reason in unindexed):
        return FileSetResult(None, [None] * len(objects), unindexed, refs)
    root = root.resolve()
    file_set.write(root)
    written = {str(instance.SOPInstanceUID): Path(instance.path) for instance in file_set}
    members: list[SetMember | None] = []
    for ref, reason in zip(refs, unindexed, strict=True):
        file = written[ref.sop_instance_uid] if reason is None else None
        members.append(
            None if file is None else SetMember(file.relative_to(root).as_posix(), file, ref)
        )
    return FileSetResult(root / DICOMDIR, members, unindexed, refs)
