"""The bundle's DICOM file-set: every DICOM object, indexed by a DICOMDIR.

The bundle is laid out as IHE Portable Data for Imaging (PDI) media, which CD
and USB import in imaging software and PACS expects: the DICOMDIR at the root,
and the objects under ``DICOM/PT…/ST…/SE…/IM…``, one folder per patient,
study and series (file ID components of at most 8 upper-case letters, digits
and underscores, as PS3.10 8.2 and the PS3.12 media profiles require). A
bundle saved to a folder or a stick is media an import wizard recognises.

The DICOMDIR is written here rather than by pydicom's FileSet, measured first:
FileSet.add compares each new object with every one before it, and copies each
into a staging folder and again into the set, so a 316-slice CT series took
5.5 s in the page (memory, there, for every copy) and time grew with the
square of the slices. pydicom still makes every directory record
(``DIRECTORY_RECORDERS``, the creators FileSet uses), so the records are the
ones FileSet would write; only the tree, the file IDs and the offsets are
ours. Objects are described by their header's data set
(:func:`orthoshare.dicom.header.read_header`), without pixel data or any other
large value; the bundle stores each real object, byte for byte, under its file ID.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.fileset import (  # the record types are private; pydicom is pinned
    DIRECTORY_RECORDERS,
    _four_level_record_type,
    _single_level_record_type,
)
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import ExplicitVRLittleEndian, MediaStorageDirectoryStorage, generate_uid

from ..errors import InputError
from ..records import DicomRef


def _ref(dataset: Dataset) -> DicomRef:
    # Some files name their SOP Class and Instance only in the file meta information.
    meta = getattr(dataset, "file_meta", None) or Dataset()
    return DicomRef(
        sop_class_uid=str(dataset.get("SOPClassUID", meta.get("MediaStorageSOPClassUID", ""))),
        sop_instance_uid=str(
            dataset.get("SOPInstanceUID", meta.get("MediaStorageSOPInstanceUID", ""))
        ),
        study_instance_uid=str(dataset.get("StudyInstanceUID", "")),
        series_instance_uid=str(dataset.get("SeriesInstanceUID", "")),
        patient_id=str(dataset.get("PatientID", "")),
        patient_name=str(dataset.get("PatientName", "")),
        modality=str(dataset.get("Modality", "")),
        study_date=str(dataset.get("StudyDate", "")),
        study_description=str(dataset.get("StudyDescription", "")),
    )


#: The folder of the media root that holds every object; the DICOMDIR sits beside it.
OBJECTS_FOLDER = "DICOM"


@dataclass(frozen=True)
class Indexed:
    """Where an object went in the file-set, and who and what it is.

    Attributes
    ----------
    path : str or None
        Its file ID as a POSIX path from the media root
        (``DICOM/PT000000/ST000000/SE000000/IM000000``), or None when no
        directory record can be made of it.
    ref : DicomRef
        Who and what the object is.
    why_not : str
        Empty when indexed; else why not, as a sentence the sender reads:
        PS3.3 Annex F requires attributes, such as the Study Date, that some
        files lack, and an original is never altered to supply them.
    """

    path: str | None
    ref: DicomRef
    why_not: str = ""


def index_note(dataset: Dataset) -> str:
    """Why the object whose directory data set is ``dataset`` cannot be in a DICOMDIR,
    or ``""`` when it can (its records can all be made)."""
    try:
        for record_type, _, make in _levels(dataset):
            make(record_type)
    except ValueError as e:
        return str(e)
    return ""


class FileSetBuilder:
    """Lays out a file-set as objects arrive, and writes its DICOMDIR at the end.

    Each object's file ID is known as soon as it is added (objects are numbered
    in the order they arrive, within their patient, study and series), so the
    bundle stores every object as it comes, in one pass.
    """

    def __init__(self) -> None:
        self._tree = _Node(None, (OBJECTS_FOLDER,))
        self._seen: set[str] = set()

    def add(self, dataset: Dataset) -> Indexed:
        """Index the object whose directory data set is ``dataset``.

        Raises
        ------
        InputError
            If an object with the same SOP Instance UID was added before.
        """
        ref = _ref(dataset)
        if ref.sop_instance_uid in self._seen:
            raise InputError(
                f"two DICOM files share the SOP Instance UID {ref.sop_instance_uid}",
                hint="the same image was picked twice (a copy, or the same series from two "
                "folders): leave one of them out",
            )
        self._seen.add(ref.sop_instance_uid)
        # A patient, study or series met again keeps the record it was first given;
        # the new records are all made before any joins the tree.
        node = self._tree
        new: list[tuple[str, Dataset]] = []
        try:
            for record_type, key, make in _levels(dataset):
                found = None if new else node.children.get(key)
                if found is None:
                    new.append((key, make(record_type)))
                else:
                    node = found
        except ValueError as e:
            return Indexed(None, ref, str(e))
        for key, record in new:
            node = node.add(key, record)
        assert node.record is not None
        node.record.ReferencedFileID = list(node.file_id)
        return Indexed("/".join(node.file_id), ref)

    def dicomdir(self) -> bytes | None:
        """The DICOMDIR of every object added, or None if none could be indexed."""
        return _encode_dicomdir(self._tree) if self._tree.children else None


class _Node:
    """A directory record, its file ID, and the records of its lower-level entity."""

    def __init__(self, record: Dataset | None, file_id: tuple[str, ...]) -> None:
        self.record = record
        self.file_id = file_id
        self.children: dict[str, _Node] = {}

    def add(self, key: str, record: Dataset) -> _Node:
        depth = len(self.file_id) - 1  # below the objects' folder
        prefix = _PREFIXES[min(depth, len(_PREFIXES) - 1)]
        component = f"{prefix}{len(self.children):06d}"
        node = self.children[key] = _Node(record, (*self.file_id, component))
        return node

    def walk(self) -> Iterator[_Node]:
        """Every record below this node, depth first, as a DICOMDIR lists them."""
        for node in self.children.values():
            yield node
            yield from node.walk()


def _levels(dataset: Dataset) -> list[tuple[str, str, Callable[[str], Dataset]]]:
    """The object's records from the top level down to its own: (record type, key,
    the function that makes the record, as pydicom's FileSet makes it).

    A record is only made where the tree has none yet for its key (most objects of
    a series share all but their own), and making it raises ValueError saying
    what the object lacks.
    """

    def make(record_type: str) -> Dataset:
        return _record(dataset, record_type)

    def make_leaf(record_type: str) -> Dataset:
        record = _record(dataset, record_type)
        record.ReferencedFileID = None  # set once the record has its place
        record.ReferencedSOPClassUIDInFile = dataset.SOPClassUID
        record.ReferencedSOPInstanceUIDInFile = dataset.SOPInstanceUID
        record.ReferencedTransferSyntaxUIDInFile = dataset.file_meta.TransferSyntaxUID
        return record

    for keyword, what in (("SOPClassUID", "SOP Class"), ("SOPInstanceUID", "SOP Instance")):
        if keyword not in dataset:
            # The file meta information names them too, but an image record must
            # quote the object's own, and an original is never altered to add them.
            raise ValueError(
                f"not in the DICOMDIR: a DICOMDIR image record needs the {what} UID, "
                "which this file's data set lacks"
            )
    leaf = (str(dataset.SOPInstanceUID), make_leaf)
    single = _single_level_record_type(dataset)
    if single != "PATIENT":
        return [(single, *leaf)]
    return [
        ("PATIENT", str(dataset.get("PatientID", "")), make),
        ("STUDY", str(dataset.get("StudyInstanceUID", "")), make),
        ("SERIES", str(dataset.get("SeriesInstanceUID", "")), make),
        (_four_level_record_type(dataset), *leaf),
    ]


# How pydicom says a Type 1 attribute of a record is missing or empty.
_LACKING = re.compile(r"The instance's \(\w{4},\w{4}\) '(.+)' element (is missing|cannot be empty)")


def _record(dataset: Dataset, record_type: str) -> Dataset:
    try:
        record = DIRECTORY_RECORDERS[record_type](dataset)
    except ValueError as e:
        lacking = _LACKING.search(str(e))
        how = "lacks" if lacking and lacking[2] == "is missing" else "leaves empty"
        what = f"the {lacking[1]}, which this file {how}" if lacking else str(e)
        raise ValueError(
            f"not in the DICOMDIR: a DICOMDIR {record_type.lower()} record needs {what}"
        ) from None
    record.OffsetOfTheNextDirectoryRecord = 0
    record.RecordInUseFlag = 0xFFFF
    record.OffsetOfReferencedLowerLevelDirectoryEntity = 0
    record.DirectoryRecordType = record_type
    if "SpecificCharacterSet" in dataset:
        record.SpecificCharacterSet = dataset.SpecificCharacterSet
    return record


_PREFIXES = ("PT", "ST", "SE", "IM")


_ITEM = struct.pack("<HH", 0xFFFE, 0xE000)


def _encode_dicomdir(tree: _Node) -> bytes:
    def encoder() -> DicomBytesIO:
        fp = DicomBytesIO()
        fp.is_little_endian, fp.is_implicit_VR = True, False
        return fp

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MediaStorageDirectoryStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    fp = encoder()
    fp.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(fp, meta, enforce_standard=True)
    header = Dataset()
    header.FileSetID = None
    header.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    header.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    header.FileSetConsistencyFlag = 0
    header_at = len(fp.getvalue())
    write_dataset(fp, header)
    # Directory Record Sequence, of undefined length: its items follow at once.
    fp.write(struct.pack("<HH2sHI", 0x0004, 0x1220, b"SQ", 0, 0xFFFFFFFF))

    # Offsets count from the file's first byte, preamble included (PS3.3 F.3.2.2).
    nodes = list(tree.walk())
    encoded: dict[int, bytearray] = {}
    item_at: dict[int, int] = {}
    position = len(fp.getvalue())
    for node in nodes:
        assert node.record is not None
        item = encoder()
        write_dataset(item, node.record)
        encoded[id(node)] = bytearray(item.getvalue())
        item_at[id(node)] = position
        position += len(_ITEM) + 4 + len(encoded[id(node)])

    def first_of(node: _Node) -> int:
        return item_at[id(next(iter(node.children.values())))] if node.children else 0

    for parent in (tree, *nodes):
        children = list(parent.children.values())
        for index, child in enumerate(children):
            following = item_at[id(children[index + 1])] if index + 1 < len(children) else 0
            _patch(encoded[id(child)], 0x1400, following)
            _patch(encoded[id(child)], 0x1420, first_of(child))
    for node in nodes:
        fp.write(_ITEM + struct.pack("<I", len(encoded[id(node)])))
        fp.write(encoded[id(node)])
    fp.write(struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))

    data = bytearray(fp.getvalue())
    roots = list(tree.children.values())
    _patch(data, 0x1200, item_at[id(roots[0])], header_at)
    _patch(data, 0x1202, item_at[id(roots[-1])], header_at)
    return bytes(data)


def _patch(encoded: bytearray, element: int, offset: int, start: int = 0) -> None:
    """Set the offset element (0004,``element``), a UL, of the data set encoded from ``start``."""
    at = encoded.index(struct.pack("<HH", 0x0004, element) + b"UL", start)
    struct.pack_into("<I", encoded, at + 8, offset)
