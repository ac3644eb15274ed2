"""The bundle's DICOM file-set: every DICOM object, indexed by a DICOMDIR.

pydicom's FileSet writes the set: the DICOMDIR and the objects under its own
PT…/ST…/SE…/IM… folders (8-character upper-case names, as PS3.10 requires).
The whole set sits in the bundle's ``DICOM/`` folder, DICOMDIR included, so
the folder is a valid file-set by itself: copy it to any media root, or point
imaging software at it.

FileSet copies every object it is given, twice (into its staging folder, then
into the set). A CBCT series is hundreds of megabytes, and in the page every
copy is memory, so it is given each object's *directory data set* instead:
the object without its pixel data or any other large value
(:func:`directory_dataset`). A directory record holds only short attributes
and the referenced file's ID, SOP class, instance and transfer syntax, all of
which that data set keeps, so the DICOMDIR is the same. The bundle then stores
the real object, byte for byte, under the file ID FileSet chose.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..bundle.manifest import DicomRef
from ..errors import InputError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

DICOMDIR = "DICOMDIR"


@dataclass(frozen=True)
class SetMember:
    """One object of the file-set: its file ID, and who it is."""

    path: str  # relative to the file-set's root, POSIX
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


#: Values longer than this are left out of a directory data set (never a record key).
_LARGE = 4096


def directory_dataset(source: BinaryIO) -> Dataset:
    """Read the DICOM file ``source`` (seekable, at its start) without its large values.

    Pixel data is not read at all; any other value over 4 KiB (an encapsulated
    document, a private blob) is skipped and left out.
    """
    from pydicom import dcmread
    from pydicom.dataelem import RawDataElement

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # values pydicom repairs; the original is kept as is
        dataset = dcmread(source, stop_before_pixels=True, defer_size=_LARGE)
    # Deferred values are the large ones: left unread, so the source may close.
    for tag in list(dataset.keys()):
        element = dataset.get_item(tag, keep_deferred=True)
        if isinstance(element, RawDataElement) and element.value is None:
            del dataset[tag]
    return dataset


def _ref(dataset: Dataset) -> DicomRef:
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


def write_fileset(objects: list[Dataset], root: Path) -> FileSetResult:
    """Write the DICOMDIR of ``objects`` (directory data sets) under the new folder ``root``.

    The files FileSet writes beside it hold only the directory data sets: the
    caller stores each real object at its member's path instead.

    Raises
    ------
    InputError
        If two objects share a SOP Instance UID.
    """
    from pydicom.fileset import FileSet

    file_set = FileSet()
    refs = [_ref(dataset) for dataset in objects]
    seen: set[str] = set()
    unindexed: list[str | None] = []
    for dataset, ref in zip(objects, refs, strict=True):
        if ref.sop_instance_uid in seen:
            raise InputError(f"two DICOM files share the SOP Instance UID {ref.sop_instance_uid}")
        seen.add(ref.sop_instance_uid)
        try:
            file_set.add(dataset)
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
        members.append(None if file is None else SetMember(file.relative_to(root).as_posix(), ref))
    return FileSetResult(root / DICOMDIR, members, unindexed, refs)
