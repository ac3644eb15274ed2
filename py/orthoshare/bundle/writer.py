"""Writing a bundle: one streamed ZIP, each input hashed as it is stored.

Inputs are never held whole: each is streamed into the ZIP in 1 MiB pieces.
A DICOM input is stored after the file-set that names it is made (its header
is read first), and an original that becomes a DICOM object is read a second
time when it is converted (see :mod:`orthoshare.dicom.collect`).

The manifest must hold every file's sha256, which is known only after the
file was written, so ``ORTHOSHARE.json`` and ``INDEX.HTM`` are written last
but listed first in the ZIP's central directory: unzip, Python's zipfile and
every reader that lists a ZIP show them first. Everything is STORED: photos,
scans and DICOM do not compress, and a reader that accepts only stored
members can check every size in the ZIP against the manifest exactly.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import BinaryIO, Protocol

from .. import __version__
from ..age.interfaces import Sink
from ..errors import InputError, ManifestError, NoInputsError, TooManyFilesError
from ..records import (
    ORIGINALS_DIR,
    PIECE,
    RADIOGRAPH_MODALITIES,
    ByteProgress,
    DicomRef,
    Made,
    Party,
    Patient,
    Readable,
)
from .cover import render_cover
from .manifest import (
    COVER_NAME,
    DICOMDIR_NAME,
    KINDS,
    MANIFEST_NAME,
    README_NAME,
    Cover,
    Deidentification,
    Entry,
    Manifest,
    is_view_code,
)
from .paths import member_names, readable
from .reader import MAX_MEMBERS
from .readme import render_readme
from .sniff import SNIFF_SIZE, sniff


class InputFile(Readable, Protocol):
    """One file to seal: where it sits among the inputs, its size, how to read it."""

    @property
    def parts(self) -> tuple[str, ...]:
        """Its path relative to what the user picked, e.g. ``("scans", "upper.stl")``."""
        ...


class DicomCollector(Protocol):
    """The DICOM part of one bundle as the writer drives it; the pipeline hands the
    writer one (:class:`orthoshare.dicom.collect.DicomPart`), so that the bundle layer
    does not import DICOM."""

    def add_input(
        self, size: int, stream: BinaryIO, original_name: str, original_path: str
    ) -> tuple[str, DicomRef, str | None, str]:
        """Take a DICOM input; return where the bundle stores it, what it is, the
        ADA-1100 view it names itself (a photograph's), if any, and why it is not
        in the DICOMDIR, or ``""``."""
        ...

    def add_original(
        self, source: Readable, entry_path: str, fmt: str, kind: str, label: str | None,
        view: str | None, radiograph: str | None, original_name: str,
    ) -> None:  # fmt: skip
        """Take an original, which becomes a DICOM object if its format allows."""
        ...

    @property
    def originals_size(self) -> int:
        """The bytes of the originals taken to become DICOM objects."""
        ...

    def patient(self) -> Patient:
        """The patient the manifest records."""
        ...

    @property
    def notes(self) -> dict[str, str]:
        """Why each original without a DICOM object has none, by its path in the bundle."""
        ...

    def generated(self, now: datetime, description: str) -> Iterator[Made]:
        """The DICOM objects of the originals, each to be stored before the next is made."""
        ...

    def dicomdir(self) -> bytes | None:
        """The DICOMDIR of every object, or None if there is none."""
        ...


@dataclass(frozen=True)
class Annotation:
    """What the sender says about one file: a label, an ADA-1100 view, a kind.

    Raises
    ------
    InputError
        If the kind, the view or the radiograph is not one there is.
    """

    label: str | None = None
    view: str | None = None
    kind: str | None = None
    #: For a radiograph: "panoramic" or "cephalometric" (its DICOM modality, PX or DX);
    #: its kind is then "radiograph".
    radiograph: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise InputError(
                f"kind {self.kind!r} is not one of {', '.join(KINDS)}",
                hint="give one of the kinds listed, or none to let the file's content say",
            )
        if self.view is not None and not is_view_code(self.view):
            raise InputError(
                f"{self.view!r} is not an ADA-1100 view code (e.g. IV01)",
                hint="use an ADA-1100 code: EV01 to EV43 or IV01 to IV30 for a photo, "
                "IV3D01 to IV3D03 or EV3D01 to EV3D06 for a scan",
            )
        if self.radiograph is not None:
            choices = " or ".join(RADIOGRAPH_MODALITIES)
            if self.radiograph not in RADIOGRAPH_MODALITIES:
                raise InputError(
                    f"a radiograph is {choices}, not {self.radiograph!r}",
                    hint=f"mark the radiograph {choices}",
                )
            if self.kind not in (None, "radiograph"):
                raise InputError(
                    f"a {self.radiograph} radiograph is not a {self.kind}",
                    hint="give the file either a kind or a radiograph, not both",
                )
            object.__setattr__(self, "kind", "radiograph")


@dataclass(frozen=True)
class Details:
    """What the sender says about the records as a whole."""

    patient: Patient = field(default_factory=Patient)
    sender: Party = field(default_factory=Party)
    recipient: Party = field(default_factory=Party)
    note: str = ""
    consent: str = ""


class _Output:
    """What zipfile needs of its file; it finds out by itself that it cannot seek."""

    def __init__(self, dst: Sink) -> None:
        self._dst = dst

    def write(self, data: bytes) -> int:
        self._dst.write(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: the age stream decides when chunks are written."""

    def close(self) -> None:
        """Nothing to do: the caller finishes the age stream."""


def _utc_timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy(
    name: str,
    head: bytes,
    rest: BinaryIO,
    size: int,
    out: Sink,
    on_bytes: Callable[[int], None],
) -> str:
    """Copy ``head`` then the rest of ``rest`` (``size`` bytes) to ``out``; return the sha256."""
    digest = hashlib.sha256(head)
    out.write(head)
    written = len(head)
    on_bytes(len(head))
    while piece := rest.read(PIECE):
        digest.update(piece)
        out.write(piece)
        written += len(piece)
        on_bytes(len(piece))
        if written > size:
            break
    if written != size:
        raise InputError(f"{name} changed size while it was being read")
    return digest.hexdigest()


class _BundleZip:
    def __init__(self, dst: Sink, now: datetime) -> None:
        self._zip = zipfile.ZipFile(_Output(dst), "w", allowZip64=True)
        self._date_time = now.astimezone(UTC).timetuple()[:6]

    def _info(self, name: str, size: int, compress_type: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._date_time)
        info.compress_type = compress_type
        info.file_size = size  # lets zipfile choose ZIP64 before the data is written
        info.external_attr = 0o644 << 16
        return info

    def add_file(
        self,
        name: str,
        head: bytes,
        rest: BinaryIO,
        size: int,
        on_bytes: Callable[[int], None],
    ) -> str:
        """Store ``head`` then the rest of ``rest``; return the sha256 of all of it."""
        with self._zip.open(self._info(name, size, zipfile.ZIP_STORED), "w") as out:
            return _copy(name, head, rest, size, out, on_bytes)

    def add_bytes(self, name: str, data: bytes) -> None:
        self._zip.writestr(self._info(name, len(data), zipfile.ZIP_STORED), data)

    def close(self) -> None:
        first = {MANIFEST_NAME: 0, COVER_NAME: 1, README_NAME: 2}
        # zipfile writes the central directory in filelist order.
        self._zip.filelist.sort(key=lambda info: first.get(info.filename, len(first)))
        self._zip.close()


DICOM_MEDIA_TYPE = "application/dicom"
#: The members a bundle holds beside the files: the manifest, the cover sheet, the
#: DICOMDIR and the README.
_OWN_MEMBERS = 4


def _store(archive: _BundleZip, made: Made, on_bytes: Callable[[int], None]) -> Entry:
    with made.source.open() as source:
        sha256 = archive.add_file(made.path, b"", source, made.source.size, on_bytes)
    return Entry(
        path=made.path,
        size=made.source.size,
        sha256=sha256,
        media_type=DICOM_MEDIA_TYPE,
        kind="dicom",
        original_name=made.original_name,
        derived_from=made.derived_from,
        dicom=made.ref,
    )


def _own_entry(path: str, data: bytes, media_type: str, kind: str) -> Entry:
    """The entry of a file the bundle makes for itself (it has no original name)."""
    sha256 = hashlib.sha256(data).hexdigest()
    return Entry(path, len(data), sha256, media_type, kind, original_name="")


def _manifest(
    details: Details,
    now: datetime,
    entries: tuple[Entry, ...],
    deidentification: Deidentification | None = None,
) -> Manifest:
    return Manifest(
        created=_utc_timestamp(now),
        generator=f"orthoshare {__version__}",
        sender=details.sender,
        recipient=details.recipient,
        note=details.note,
        consent=details.consent,
        patient=details.patient,
        deidentified=deidentification is not None,
        entries=entries,
        deidentification=deidentification,
    )


def _check_details(details: Details, now: datetime) -> None:
    """Refuse, before any work, details the receiver's manifest check would refuse."""
    try:
        Manifest.from_json(_manifest(details, now, ()).to_json())
    except ManifestError as e:
        raise InputError(
            f"the details cannot be recorded: {e.detail}",
            hint="correct the patient's details: a birth date as YYYY-MM-DD, sex as F, M or O",
        ) from None


def write_bundle(
    dst: Sink,
    inputs: Sequence[InputFile],
    details: Details,
    annotations: Sequence[Annotation] | None = None,
    *,
    dicom: DicomCollector,
    progress: ByteProgress | None = None,
    converting: ByteProgress | None = None,
    now: datetime | None = None,
    deidentification: Deidentification | None = None,
) -> Manifest:
    """Write the bundle of ``inputs`` to ``dst`` and return its manifest.

    Parameters
    ----------
    dst : writable binary stream
        Usually an :class:`orthoshare.age.Encryptor`; it need not be seekable.
    inputs : sequence of InputFile
        The files, each read exactly once.
    details : Details
        Patient, sender, recipient, note and consent.
    annotations : sequence of Annotation, optional
        One per input (label, view, kind override), or ``None``.
    dicom : DicomCollector
        Takes the DICOM inputs and the originals, and makes the file-set; it raises
        MixedPatientsError when a DICOM input names another patient.
    progress : callable, optional
        Called as ``progress(done, total)`` in bytes while inputs are written.
    deidentification : Deidentification, optional
        How the inputs were de-identified (:mod:`orthoshare.deidentify`), for the
        manifest and the cover sheet; None when they were not.
    converting : callable, optional
        Then called as ``converting(done, total)`` while the DICOM objects made
        of photos, scans and PDFs are written, after the inputs: ``total`` is the
        originals' bytes, which their objects are about the size of (``done`` is
        capped there, and reaches it at the end).

    Raises
    ------
    NoInputsError
        If ``inputs`` is empty.
    MixedPatientsError
        If ``dicom`` finds the DICOM inputs name more than one patient.
    InputError
        If an input changes size while it is read.
    """
    if not inputs:
        raise NoInputsError()
    # Each input is one member at least, beside the manifest, the cover and the DICOMDIR.
    if len(inputs) + _OWN_MEMBERS > MAX_MEMBERS:
        raise TooManyFilesError(
            f"{len(inputs)} files; a bundle holds {MAX_MEMBERS - _OWN_MEMBERS} at most"
        )
    annotations = annotations or [Annotation()] * len(inputs)
    if len(annotations) != len(inputs):
        raise ValueError("write_bundle: one annotation per input")
    now = now or datetime.now(UTC)
    _check_details(details, now)
    names = member_names([item.parts for item in inputs], ORIGINALS_DIR)
    total = sum(item.size for item in inputs)
    done = 0

    def on_bytes(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    archive = _BundleZip(dst, now)
    entries = []
    for item, name, annotation in zip(inputs, names, annotations, strict=True):
        original_name = "/".join(readable(p) for p in item.parts)
        try:
            with item.open() as source:
                head = source.read(SNIFF_SIZE)
                sniffed = sniff(head, item.size)
                dicom_ref = None
                named_view = None
                path = name
                why_not = ""
                if sniffed.kind == "dicom":
                    # Its header says where it goes in the file-set; then it is stored.
                    path, dicom_ref, named_view, why_not = dicom.add_input(
                        item.size, source, original_name, name
                    )
                    source.seek(0)
                    head = b""
                sha256 = archive.add_file(path, head, source, item.size, on_bytes)
        except OSError as e:
            raise InputError(f"{original_name}: {e.strerror or e}") from e
        kind = annotation.kind or sniffed.kind
        entries.append(
            Entry(
                path=path,
                size=item.size,
                sha256=sha256,
                media_type=sniffed.media_type,
                kind=kind,
                original_name=original_name,
                label=annotation.label,
                # The sender's pick, else the view a DICOM photograph names itself.
                view=annotation.view or named_view,
                dicom=dicom_ref,
                dicom_note=why_not or None,
            )
        )
        if sniffed.kind != "dicom":
            dicom.add_original(
                item, name, sniffed.format, kind, annotation.label, annotation.view,
                annotation.radiograph, original_name,
            )  # fmt: skip
    description = details.note.strip().split("\n", 1)[0]
    to_convert = dicom.originals_size
    converted = 0

    def on_converted(count: int) -> None:
        nonlocal converted
        converted += count
        if converting is not None:
            converting(min(converted, to_convert), to_convert)

    try:
        for made in dicom.generated(now, description):
            entries.append(_store(archive, made, on_converted))
    except OSError as e:
        raise InputError(f"{e.filename or 'an original'}: {e.strerror or e}") from e
    if converting is not None and to_convert:
        converting(to_convert, to_convert)  # also when an original could not be converted
    notes = dicom.notes
    entries = [
        replace(entry, dicom_note=notes[entry.path]) if entry.path in notes else entry
        for entry in entries
    ]
    details = replace(details, patient=dicom.patient())
    dicomdir = dicom.dicomdir()
    if dicomdir is not None:
        # IHE PDI media: the DICOMDIR, and a README saying what the folders hold.
        archive.add_bytes(DICOMDIR_NAME, dicomdir)
        entries.append(_own_entry(DICOMDIR_NAME, dicomdir, DICOM_MEDIA_TYPE, "dicom"))
        readme = render_readme(_manifest(details, now, tuple(entries), deidentification))
        archive.add_bytes(README_NAME, readme)
        entries.append(_own_entry(README_NAME, readme, "text/plain", "other"))
    manifest = _manifest(details, now, tuple(entries), deidentification)
    cover = render_cover(manifest)
    archive.add_bytes(COVER_NAME, cover)
    manifest = replace(
        manifest, cover=Cover(COVER_NAME, len(cover), hashlib.sha256(cover).hexdigest())
    )
    archive.add_bytes(MANIFEST_NAME, _readable_manifest(manifest, len(entries)))
    archive.close()
    return manifest


def _readable_manifest(manifest: Manifest, entries: int) -> bytes:
    """``manifest`` as JSON, once sure a receiver's reader will accept it and its bundle."""
    if entries + _OWN_MEMBERS > MAX_MEMBERS:
        most = MAX_MEMBERS - _OWN_MEMBERS
        raise TooManyFilesError(f"{entries} files; a bundle holds {most} at most")
    encoded = manifest.to_json()
    try:
        Manifest.from_json(encoded)
    except ManifestError as e:
        raise TooManyFilesError(f"the list of files would be refused: {e.detail}") from None
    return encoded
