"""The whole flow, streaming: files → bundle → age file, and back, verified.

``seal`` reads each input once into a ZIP written straight into the age
encryptor; the file appears under its final name only when complete.
``open_`` decrypts into an anonymous temporary file (gone whatever happens),
verifies the bundle in full, and only then extracts it, atomically.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from . import age
from .age.interfaces import Sink, Source
from .bundle.hashing import MemberHasher
from .bundle.manifest import Manifest
from .bundle.reader import VerifiedBundle, verify_bundle
from .bundle.sniff import SNIFF_SIZE, sniff
from .bundle.writer import Annotation, InputFile, write_bundle
from .deidentify import prepare, review
from .dicom.collect import JPEG_HEAD, DicomPart, header_note, read_identity_and_note
from .dicom.identity import DicomIdentity
from .dicom.patients import find_conflicts, suggested_patient
from .errors import InputError, NoInputsError, OrthoshareError, OutputExistsError
from .records import ByteProgress, Patient, Readable
from .request import PatientsRequest, SealRequest

#: ``progress(step, done, total)``: step is "de-identifying" (when asked), "sealing",
#: then "making DICOM objects" (of photos, scans and PDFs); or "decrypting" then
#: "verifying".
Progress = Callable[[str, int, int], None]
_NAME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class PathInput:
    """A file on disk, named by its path relative to the file or folder the user gave."""

    path: Path
    parts: tuple[str, ...]
    size: int

    def open(self) -> BinaryIO:
        return open(self.path, "rb")


def collect_inputs(paths: Sequence[str | os.PathLike[str]]) -> list[PathInput]:
    """Return every file in ``paths``: files as given, folders walked keeping their structure.

    A folder ``scans`` holding ``upper/1.stl`` gives the parts ``("scans", "upper", "1.stl")``.
    The same file given twice is taken once.

    Raises
    ------
    InputError
        If a path does not exist or is neither a file nor a folder.
    NoInputsError
        If there is no file at all.
    """
    found: list[PathInput] = []
    seen: set[Path] = set()

    def add(path: Path, parts: tuple[str, ...]) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            found.append(PathInput(path, parts, path.stat().st_size))

    for given in map(Path, paths):
        if given.is_file():
            add(given, (given.resolve().name,))
        elif given.is_dir():
            root = given.resolve()
            for folder, subfolders, files in os.walk(root):
                subfolders.sort()
                for name in sorted(files):
                    path = Path(folder, name)
                    if path.is_file():
                        add(path, (root.name, *path.relative_to(root).parts))
        else:
            raise InputError(f"{given} is not a file or a folder")
    if not found:
        raise NoInputsError("the folders given hold no files" if paths else "no files were given")
    return found


def sealed_file_name(now: datetime | None = None) -> str:
    """Return a name for a sealed file that says nothing about the patient."""
    day = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d")
    suffix = "".join(secrets.choice(_NAME_ALPHABET) for _ in range(6))
    return f"orthoshare-{day}-{suffix}.zip.age"


@dataclass(frozen=True)
class Description:
    """What a file to seal is, from its content (never from its name)."""

    kind: str
    media_type: str
    format: str
    #: For a DICOM file, who and what it says it is about.
    dicom: DicomIdentity | None = None
    #: For a DICOM file that cannot be read whole: why (it would be refused when sealing).
    problem: OrthoshareError | None = None
    #: Why it will have no DICOM object (an original) or not be in the DICOMDIR (a
    #: DICOM file), as far as its start tells, sent as the kind it looks like…
    note: str = ""
    #: … and, for a picture, sent as a radiograph marked panoramic or cephalometric.
    radiograph_note: str = ""


_NOTHING = sniff(b"", 0)
#: What is known of a file that could not be read: nothing.
UNREAD = Description(_NOTHING.kind, _NOTHING.media_type, _NOTHING.format)


def describe(item: Readable, name: str) -> Description:
    """Tell what ``item`` (called ``name`` in messages) is, reading its start or,
    for DICOM, its header.

    Raises
    ------
    OSError
        If it cannot be read.
    """
    with item.open() as stream:
        head = stream.read(SNIFF_SIZE)
        sniffed = sniff(head, item.size)
        description = Description(sniffed.kind, sniffed.media_type, sniffed.format)
        if sniffed.kind != "dicom":
            if sniffed.format == "jpeg":
                head += stream.read(JPEG_HEAD - len(head))
            return replace(
                description,
                note=header_note(sniffed.format, sniffed.kind, None, head, item.size),
                radiograph_note=header_note(
                    sniffed.format, "radiograph", "panoramic", head, item.size
                ),
            )
        stream.seek(0)
        try:
            identity, note = read_identity_and_note(stream, item.size, name=name)
        except OrthoshareError as e:
            return replace(description, problem=e)
        return replace(description, dicom=identity, note=note)


def compare_patients(request: PatientsRequest) -> tuple[Patient | None, list[str]]:
    """The patient to prefill when the DICOM files agree, and each disagreement (with each
    other, or with the patient entered) that sealing would stop for, in one sentence each.

    See :func:`orthoshare.dicom.patients.suggested_patient` and
    :func:`~orthoshare.dicom.patients.find_conflicts`.
    """
    return suggested_patient(request.found), find_conflicts(request.found, request.entered)


@dataclass(frozen=True)
class Sealed:
    """The manifest a sealed file holds, and, if its records were de-identified with
    modified dates, how many days every date moved (for the sender alone: the
    file does not hold it)."""

    manifest: Manifest
    date_offset_days: int | None = None


@dataclass(frozen=True)
class SealResult(Sealed):
    """Where the sealed file was written, what it holds (see :class:`Sealed`)."""

    path: Path = field(kw_only=True)


def seal(
    inputs: Sequence[InputFile],
    request: SealRequest,
    out: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
) -> SealResult:
    """Seal ``inputs`` as ``request`` says into one age file.

    Parameters
    ----------
    inputs : sequence of InputFile
        The files, each read once (see :func:`orthoshare.bundle.writer.write_bundle`).
    request : SealRequest
        Who may open it, and what the sender says about the records.
    out : path
        A folder (the file gets a :func:`sealed_file_name`) or a new file's path.
    progress : callable, optional
        Called as ``progress(step, done, total)``: see :data:`Progress`.

    Raises
    ------
    NoInputsError, InputError, OutputExistsError, MixedPatientsError,
    orthoshare.age.KeyFormatError
    """
    now = datetime.now(UTC)
    target = Path(out)
    if target.is_dir():
        target = target / sealed_file_name(now)
    if target.exists():
        raise OutputExistsError(f"{target} exists")
    with age.atomic_output(target) as sink:
        sealed = seal_to(sink, inputs, request, progress=progress, now=now)
    return SealResult(sealed.manifest, sealed.date_offset_days, path=target)


def seal_to(
    sink: Sink,
    inputs: Sequence[InputFile],
    request: SealRequest,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Sealed:
    """Seal ``inputs`` as ``request`` says, writing the age file to ``sink`` as it is made.

    :func:`seal` writes to a file; the page writes to a download. If this
    raises, ``sink`` holds an unfinished age file (no final chunk, which every
    reader refuses): discard it. Arguments and errors are those of :func:`seal`.
    """

    def on_bytes(done: int, total: int) -> None:
        if progress is not None:
            progress("sealing", done, total)

    def on_converted(done: int, total: int) -> None:
        if progress is not None:
            progress("making DICOM objects", done, total)

    def on_deidentifying(done: int, total: int) -> None:
        if progress is not None:
            progress("de-identifying", done, total)

    details, annotations = request.details, request.annotations
    allow_mixed = request.allow_mixed_patients
    finish, deidentification, offset = None, None, None
    if request.deidentify is not None:
        prepared = prepare(
            inputs, annotations, details, request.deidentify,
            allow_mixed_patients=allow_mixed, progress=on_deidentifying,
        )  # fmt: skip
        inputs, annotations, details = prepared.inputs, prepared.annotations, prepared.details
        finish, deidentification = prepared.finish, prepared.deidentification
        offset = prepared.date_offset_days
    with age.Encryptor(sink, request.recipients, armor=request.armor) as sealed:
        manifest = write_bundle(
            sealed,
            inputs,
            details,
            annotations,
            dicom=DicomPart(details.patient, allow_mixed, finish),
            progress=on_bytes,
            converting=on_converted,
            now=now,
            deidentification=deidentification,
        )
    return Sealed(manifest, offset)


def review_deidentification(
    inputs: Sequence[InputFile], annotations: Sequence[Annotation] | None = None
) -> list[dict[str, str]]:
    """Why each input would be left out, or sent although it may show identity, if
    sealed de-identified: see :func:`orthoshare.deidentify.review`."""
    return review(inputs, annotations)


class _CountingReader:
    def __init__(self, src: Source, total: int, progress: Progress | None) -> None:
        self._src, self._total, self._progress = src, total, progress
        self._done = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._src.read(size)
        self._done += len(data)
        if self._progress is not None:
            self._progress("decrypting", self._done, self._total)
        return data


def _verify_progress(progress: Progress | None) -> ByteProgress | None:
    if progress is None:
        return None
    return lambda done, total: progress("verifying", done, total)


def decrypt_and_verify(
    src: Source,
    size: int,
    spool: BinaryIO,
    identities: Sequence[age.Identity],
    *,
    progress: Progress | None = None,
) -> VerifiedBundle:
    """Decrypt the age file ``src`` into ``spool``, then verify the bundle it holds.

    Parameters
    ----------
    src : readable binary stream
        The sealed file, ``size`` bytes long (the total ``progress`` reports).
    spool : empty, seekable binary stream, readable and writable
        Receives the plaintext and must stay open while the result is used.
        If this raises, it may hold unverified plaintext: discard it.

    Raises
    ------
    orthoshare.age.AgeError, orthoshare.errors.BundleError
        If the file cannot be decrypted, or what it holds fails verification.
    """
    received = Received(spool)
    age.decrypt(_CountingReader(src, size, progress), received, identities)
    return received.verify(progress)


class Received:
    """The plaintext of a sealed file, written in order as it is decrypted, into ``spool``.

    Each file in it is hashed as it goes by, so that :meth:`verify` need not
    read it back. :func:`decrypt_and_verify` writes to it; the page, whose
    second worker decrypts, writes what that one sends.
    """

    def __init__(self, spool: BinaryIO) -> None:
        self._spool = spool
        self._hasher = MemberHasher(spool)

    def write(self, plaintext: bytes, /) -> int:
        return self._hasher.write(plaintext)

    def verify(self, progress: Progress | None = None) -> VerifiedBundle:
        """The bundle, once everything was written, verified as :func:`decrypt_and_verify` says."""
        self._spool.seek(0)
        return verify_bundle(self._spool, _verify_progress(progress), self._hasher.members)


@contextmanager
def _verified(
    sealed: Path,
    identities: Sequence[age.Identity],
    spool_dir: Path | None,
    progress: Progress | None,
) -> Iterator[VerifiedBundle]:
    """Decrypt ``sealed`` into an anonymous temporary file (gone whatever happens), verified."""
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        with open(sealed, "rb") as src:
            size = os.fstat(src.fileno()).st_size
            bundle = decrypt_and_verify(src, size, spool, identities, progress=progress)
        with bundle:
            yield bundle


def list_(
    sealed: str | os.PathLike[str],
    identities: Sequence[age.Identity],
    *,
    progress: Progress | None = None,
) -> Manifest:
    """Decrypt and verify ``sealed`` completely, extract nothing, and return its manifest."""
    with _verified(Path(sealed), identities, None, progress) as bundle:
        return bundle.manifest


def open_(
    sealed: str | os.PathLike[str],
    identities: Sequence[age.Identity],
    out_dir: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
) -> Manifest:
    """Decrypt, verify, then extract ``sealed`` into the new folder ``out_dir``.

    Nothing is written to ``out_dir`` unless the whole file authenticated and
    every file matched the manifest; then it appears complete, at once.

    Raises
    ------
    OutputExistsError
        Before any work, if ``out_dir`` exists and is not empty.
    orthoshare.age.AgeError, orthoshare.errors.BundleError
        If the file cannot be decrypted, or what it holds fails verification.
    """
    target = Path(out_dir)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputExistsError(str(target))
    # Spool beside the output when possible (same disk); create nothing before it is needed.
    spool_dir = target.parent if target.parent.is_dir() else None
    with _verified(Path(sealed), identities, spool_dir, progress) as bundle:
        bundle.extract(target)
        return bundle.manifest


@dataclass(frozen=True)
class Inspection:
    """What can be learnt of a sealed file without decrypting it."""

    size: int
    armored: bool
    recipients: tuple[str, ...]
    #: Whether it opens with a passphrase (a scrypt stanza) rather than with a key.
    needs_passphrase: bool = False


def inspect(sealed: str | os.PathLike[str]) -> Inspection:
    """Describe how ``sealed`` is protected, without any key or passphrase."""
    with open(sealed, "rb") as src:
        return inspect_stream(src, os.fstat(src.fileno()).st_size)


def inspect_stream(src: BinaryIO, size: int) -> Inspection:
    """Like :func:`inspect`, for a seekable stream, at its start, of a ``size``-byte file."""
    armored = src.read(64).lstrip().startswith(b"-")
    src.seek(0)
    header = age.read_header(src)
    recipients = []
    for stanza in header.stanzas:
        if stanza.type == "scrypt" and len(stanza.args) == 2:
            recipients.append(f"passphrase (scrypt, work factor {stanza.args[1]})")
        elif stanza.type == "X25519":
            recipients.append("public key (X25519)")
        elif stanza.type == "mlkem768x25519":
            recipients.append("post-quantum public key (ML-KEM-768 + X25519)")
        else:
            recipients.append(f"unknown recipient type {stanza.type!r}")
    needs_passphrase = any(stanza.type == "scrypt" for stanza in header.stanzas)
    return Inspection(size, armored, tuple(recipients), needs_passphrase)
