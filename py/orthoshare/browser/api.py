"""What the page's worker calls: JS values in, plain JSON-able dicts out.

Every function takes JS values (files, functions, strings) and returns data
made of dicts, lists, str, int, float, bool and None, which the worker turns
into JS with ``result.toJs({dict_converter: Object.fromEntries})`` (None
becomes ``undefined``; a JS object inside, such as the ``Blob`` that
:func:`open_` returns, is passed through). Expected failures (a wrong
passphrase, a damaged file, an unreadable input, a malformed request) are
never raised: the result is then ``{"error": {"kind", "message", "hint"}}``
with the error's class name, its one-line message and what a person can do
about it (:func:`orthoshare.errors.hint_for`). Anything else raised is a bug.

File contents are read only through the ``read_slice(blob, start, end)``
function the worker passes in (see :mod:`orthoshare.browser.jsio`): the
worker reads with ``FileReaderSync``, which exists only in workers, and the
Node tests read in-memory buffers with the very same Python code.

The work itself is :mod:`orthoshare.pipeline`'s, as on the command line:
:func:`seal` is :func:`~orthoshare.pipeline.seal_to` writing to the worker's
``write_chunk``; :func:`open_` is :func:`~orthoshare.pipeline.decrypt_and_verify`
into a spool of JS Blobs, and returns nothing before the whole file
authenticated and every file in it matched the manifest.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pyodide.ffi import jsnull

from .. import __version__, age, pipeline
from ..age import primitives
from ..bundle.manifest import COVER_NAME, Manifest
from ..bundle.sniff import SNIFF_SIZE, sniff
from ..bundle.writer import Annotation, Details
from ..dicom.collect import read_identity
from ..dicom.identity import DicomIdentity
from ..dicom.patients import find_conflicts, suggested_patient
from ..errors import InputError, OrthoshareError, hint_for
from ..passphrase import generate_passphrase as _generate_passphrase
from ..passphrase import strength
from ..records import Party, Patient
from ..views import load_views
from .jsio import BlobSpool, ChunkWriter, open_blob
from .primitives import JSPrimitives

__all__ = [
    "RequestError",
    "boot",
    "describe",
    "generate_passphrase",
    "inspect",
    "keygen",
    "open_",
    "parse_recipient",
    "passphrase_strength",
    "patients",
    "seal",
    "views",
]

Result = dict[str, Any]

# Progress goes to the page by postMessage; a few updates a second are enough.
_PROGRESS_INTERVAL = 0.1
_INSPECT_PIECE = 64 * 1024
# Files and Blobs are read mostly in order. In Chromium 156 a read of a Blob
# (FileReaderSync) cost about 0.5 ms plus 1.2 ms per MiB: reading 8 MiB at a time,
# not 1 MiB and 128 KiB, opened 512 MiB in 4.9 s, not 6.7 s; sealing reads its
# inputs the same way.
_READ_PIECE = 8 << 20


class RequestError(ValueError):
    """The request JSON from the page does not have the expected form (a bug in the page)."""


def _error(error: BaseException) -> Result:
    return {"error": {"kind": type(error).__name__, "message": str(error), "hint": hint_for(error)}}


_EXPECTED = (age.AgeError, OrthoshareError, RequestError)


def _require_backend() -> None:
    if not isinstance(primitives.get_backend(), JSPrimitives):
        raise RuntimeError("orthoshare.browser: call boot(crypto) first")


def _given(value: Any) -> bool:
    """Whether a JS argument was given (neither ``undefined`` nor ``null``)."""
    return value is not None and value is not jsnull


class _Throttled:
    """``progress``, called at most every :data:`_PROGRESS_INTERVAL` s but always at a
    step's start and end."""

    def __init__(self, progress: Any) -> None:
        self._progress = progress
        self._step = ""
        self._last = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step != self._step or done >= total or now - self._last >= _PROGRESS_INTERVAL:
            self._step, self._last = step, now
            self._progress(step, done, total)


def _progress(progress: Any) -> pipeline.Progress | None:
    return _Throttled(progress) if _given(progress) else None


# --- files -----------------------------------------------------------------------------


def _name(blob: Any) -> str:
    name = getattr(blob, "name", None)
    return name if isinstance(name, str) and name else "file"


def _parts(blob: Any) -> tuple[str, ...]:
    """Where the file sits among what was picked: its folder path, or just its name."""
    relative = getattr(blob, "webkitRelativePath", None)
    if isinstance(relative, str):
        parts = tuple(part for part in relative.split("/") if part)
        if parts:
            return parts
    return (_name(blob),)


@dataclass(frozen=True)
class BlobInput:
    """A picked JS ``File`` as a :class:`orthoshare.bundle.writer.InputFile`."""

    blob: Any
    parts: tuple[str, ...]
    size: int
    read_slice: Any

    @classmethod
    def of(cls, blob: Any, read_slice: Any) -> BlobInput:
        return cls(blob, _parts(blob), int(blob.size), read_slice)

    def open(self) -> BinaryIO:
        name = "/".join(self.parts)
        return open_blob(self.blob, self.size, self.read_slice, name, piece=_READ_PIECE)


def describe(files: Any, read_slice: Any) -> list[Result]:
    """Tell what each picked file is, from its content (never from its name).

    Returns one dict per file: ``name``, ``path`` (its folder path when a folder
    was picked), ``size``, ``kind``, ``media_type``, ``format``, and for a DICOM
    file ``dicom``: what it says of the patient and the study, as
    :class:`orthoshare.dicom.identity.DicomIdentity` fields (pass them to
    :func:`patients`). A file that cannot be read, or a DICOM file that is
    damaged, gets an ``error`` dict as well (and kind ``"other"`` if nothing
    could be read).
    """
    described = []
    for blob in files:
        item = BlobInput.of(blob, read_slice)
        about: Result = {"name": _name(blob), "path": "/".join(item.parts), "size": item.size}
        try:
            with item.open() as stream:
                head = stream.read(SNIFF_SIZE)
                sniffed = sniff(head, item.size)
                if sniffed.kind == "dicom":
                    about["dicom"] = _dicom_identity(stream, item.size, about["path"])
        except OSError as e:
            about["error"] = _error(InputError(f"{about['path']}: {e}"))["error"]
            sniffed = sniff(b"", item.size)
        except OrthoshareError as e:
            about["error"] = _error(e)["error"]
        about.update(kind=sniffed.kind, media_type=sniffed.media_type, format=sniffed.format)
        described.append(about)
    return described


def _dicom_identity(stream: BinaryIO, size: int, name: str) -> Result:
    stream.seek(0)
    return asdict(read_identity(stream, size, name=name))


def patients(request_json: Any) -> Result:
    """Compare the patients the DICOM files name, with each other and with the one entered.

    ``request_json`` is ``{"found": [{"path", "dicom"}, …], "entered": {"name",
    "id", "birth_date", "sex"}}`` where each ``dicom`` is what :func:`describe`
    returned for that file.

    Returns ``{"suggested": patient or None, "conflicts": [sentences]}``: the
    patient to prefill when the files agree (see
    :func:`orthoshare.dicom.patients.suggested_patient`), and each disagreement
    the wrong-patient guard would stop sealing for.
    """
    try:
        document = _object(_json(request_json), "the request", ("found", "entered"))
        found = _found(document.get("found"))
        patient_fields = ("name", "id", "birth_date", "sex")
        entered = _object(document.get("entered"), "entered", patient_fields)
        patient = Patient(*(_text(entered, key, "entered") for key in patient_fields))
    except RequestError as e:
        return _error(e)
    suggested = suggested_patient(found)
    return {
        "suggested": None if suggested is None else asdict(suggested),
        "conflicts": find_conflicts(found, patient),
    }


_IDENTITY_FIELDS = tuple(field.name for field in fields(DicomIdentity))


def _found(value: Any) -> list[tuple[str, DicomIdentity]]:
    if not isinstance(value, list):
        raise RequestError("found is not a list")
    found = []
    for index, item in enumerate(value):
        where = f"found[{index}]"
        document = _object(item, where, ("path", "dicom"))
        identity = _object(document.get("dicom"), f"{where}.dicom", _IDENTITY_FIELDS)
        values = [_text(identity, key, f"{where}.dicom") for key in _IDENTITY_FIELDS]
        found.append((_text(document, "path", where), DicomIdentity(*values)))
    return found


def views() -> list[Result]:
    """The ADA-1100 views, for the page's picker: ``{"code", "meaning", "kind", "site"}``
    each, ``kind`` being ``"photo"`` or ``"3d"``, in the standard's order."""
    return [
        {"code": v.code, "meaning": v.meaning, "kind": v.kind, "site": v.site}
        for v in load_views().values()
    ]


# --- requests --------------------------------------------------------------------------


def _object(value: Any, where: str, keys: Sequence[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{where} is not an object")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise RequestError(f"{where} has unknown keys {unknown}")
    return value


def _text(document: dict[str, Any], key: str, where: str) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RequestError(f"{where}.{key} is not a string")
    return value


def _optional_text(document: dict[str, Any], key: str, where: str) -> str | None:
    return _text(document, key, where) or None


def _json(request_json: Any) -> dict[str, Any]:
    if not isinstance(request_json, str):
        raise RequestError("the request is not a JSON string")
    try:
        document = json.loads(request_json)
    except json.JSONDecodeError as e:
        raise RequestError(f"the request is not JSON ({e})") from None
    if not isinstance(document, dict):
        raise RequestError("the request is not a JSON object")
    return document


def _party(value: Any, where: str) -> Party:
    fields = ("name", "organization", "contact")
    document = _object(value, where, fields)
    return Party(*(_text(document, key, where) for key in fields))


def _details(value: Any) -> Details:
    where = "details"
    document = _object(
        value,
        where,
        ("patient", "sender", "recipient", "note", "consent", "deidentified"),
    )
    patient_fields = ("name", "id", "birth_date", "sex")
    patient = _object(document.get("patient"), "details.patient", patient_fields)
    deidentified = document.get("deidentified", False)
    if not isinstance(deidentified, bool):
        raise RequestError("details.deidentified is not true or false")
    return Details(
        patient=Patient(*(_text(patient, key, "details.patient") for key in patient_fields)),
        sender=_party(document.get("sender"), "details.sender"),
        recipient=_party(document.get("recipient"), "details.recipient"),
        note=_text(document, "note", where),
        consent=_text(document, "consent", where),
        deidentified=deidentified,
    )


def _annotations(value: Any, count: int) -> list[Annotation] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != count:
        raise RequestError(f"annotations is not a list of one item per file ({count})")
    annotations = []
    for index, item in enumerate(value):
        where = f"annotations[{index}]"
        document = _object(item, where, ("label", "view", "kind", "radiograph"))
        annotations.append(
            Annotation(
                label=_optional_text(document, "label", where),
                view=_optional_text(document, "view", where),
                kind=_optional_text(document, "kind", where),
                radiograph=_optional_text(document, "radiograph", where),
            )
        )
    return annotations


def _recipient(text: str) -> age.Recipient:
    """Parse a typed public key; a post-quantum one only if this backend can encrypt to it."""
    text = text.strip()
    if text.lower().startswith("age1pq1"):
        hybrid = age.HybridRecipient.parse(text)
        # Wrapping a throwaway key is the one test of "can this backend encrypt
        # to it": without ML-KEM it raises the age layer's KeyFormatError saying so.
        hybrid.wrap(bytes(16))
        return hybrid
    return age.X25519Recipient.parse(text)


def _recipients(document: dict[str, Any]) -> list[age.Recipient]:
    recipients: list[age.Recipient] = []
    passphrase = document.get("passphrase")
    if passphrase is not None:
        if not isinstance(passphrase, str):
            raise RequestError("passphrase is not a string")
        recipients.append(age.ScryptRecipient(passphrase))
    keys = document.get("recipients") or []
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise RequestError("recipients is not a list of strings")
    # A passphrase mixed with keys, or no recipient at all, is refused by the age layer.
    recipients += [_recipient(key) for key in keys]
    return recipients


def _identities(request_json: Any) -> list[age.Identity]:
    document = _object(_json(request_json), "the request", ("passphrase", "identities"))
    identities: list[age.Identity] = []
    passphrase = document.get("passphrase")
    if passphrase is not None:
        if not isinstance(passphrase, str):
            raise RequestError("passphrase is not a string")
        identities.append(age.ScryptIdentity(passphrase))
    text = document.get("identities")
    if text is not None:
        if not isinstance(text, str):
            raise RequestError("identities is not a string")
        identities += age.parse_identity_file(text)
    return identities


def _manifest_dict(manifest: Manifest) -> Result:
    loaded: Result = json.loads(manifest.to_json())
    return loaded


# --- the API ---------------------------------------------------------------------------


def boot(crypto: Any) -> Result:
    """Use the page's crypto module (``web/crypto.js``) for every age operation.

    Returns ``{"version", "backend", "python"}``.
    """
    backend = JSPrimitives(crypto)
    primitives.set_backend(backend)
    return {"version": __version__, "backend": backend.name, "python": sys.version.split()[0]}


def seal(
    files: Any, request_json: Any, read_slice: Any, write_chunk: Any, progress: Any = None
) -> Result:
    """Seal ``files`` into one age file, passed to ``write_chunk`` as it is made.

    ``request_json`` holds ``details``, ``annotations`` (one per file, or
    null), ``passphrase`` (or null), ``recipients`` (``age1…`` keys),
    ``armor`` and ``allow_mixed_patients`` (the sender confirmed DICOM files
    naming different patients; without it they are refused).
    ``write_chunk(Uint8Array)`` receives the file in order, in pieces of at
    least 1 MiB (the last may be shorter), and is first called
    once the checks passed and sealing is under way; after an error result,
    discard anything it received. ``progress("sealing", done, total)`` counts
    input bytes, then ``progress("making DICOM objects", done, total)`` the
    objects made of photos, scans and PDFs.

    Returns ``{"name", "manifest", "size"}``: a file name that says nothing
    about the patient, the manifest sealed inside, and the bytes written.
    """
    _require_backend()
    try:
        document = _object(
            _json(request_json),
            "the request",
            (
                "details",
                "annotations",
                "passphrase",
                "recipients",
                "armor",
                "allow_mixed_patients",
            ),
        )
        armor = document.get("armor", False)
        allow_mixed = document.get("allow_mixed_patients", False)
        if not isinstance(armor, bool) or not isinstance(allow_mixed, bool):
            raise RequestError("armor or allow_mixed_patients is not true or false")
        inputs = [BlobInput.of(blob, read_slice) for blob in files]
        details = _details(document.get("details"))
        annotations = _annotations(document.get("annotations"), len(inputs))
        recipients = _recipients(document)
        now = datetime.now(UTC)
        sink = ChunkWriter(write_chunk)
        manifest = pipeline.seal_to(
            sink,
            inputs,
            recipients,
            details,
            annotations,
            armor=armor,
            progress=_progress(progress),
            now=now,
            allow_mixed_patients=allow_mixed,
        )
        sink.flush()
    except _EXPECTED as e:
        return _error(e)
    return {
        "name": pipeline.sealed_file_name(now),
        "manifest": _manifest_dict(manifest),
        "size": sink.written,
    }


def inspect(file: Any, read_slice: Any) -> Result:
    """Tell how a sealed file is protected, without decrypting it.

    Returns ``{"needs": "passphrase" or "key", "recipients": [plain descriptions],
    "armored", "size"}``.
    """
    try:
        size = int(file.size)
        with open_blob(file, size, read_slice, _name(file), piece=_INSPECT_PIECE) as stream:
            inspection = pipeline.inspect_stream(stream, size)
    except OSError as e:
        return _error(InputError(str(e)))
    except _EXPECTED as e:
        return _error(e)
    return {
        "needs": "passphrase" if inspection.needs_passphrase else "key",
        "recipients": list(inspection.recipients),
        "armored": inspection.armored,
        "size": inspection.size,
    }


def open_(
    file: Any, request_json: Any, read_slice: Any, progress: Any = None, make_blob: Any = None
) -> Result:
    """Decrypt the sealed ``file`` and verify all of it; return the bundle only if it is intact.

    Parameters
    ----------
    file : JS File or Blob
        The sealed file, read through ``read_slice(blob, start, end)``.
    request_json : str
        ``{"passphrase": str}`` or ``{"identities": identity file text}``.
    read_slice : JS function
        Also reads the decrypted ZIP back from the Blobs it is spooled to
        (:class:`~orthoshare.browser.jsio.BlobSpool`) to verify it.
    progress : JS function, optional
        ``progress(step, done, total)`` reports "decrypting" (bytes of the
        file) then "verifying" (bytes of the records).
    make_blob : JS function, optional
        ``make_blob(parts)`` makes the spool's Blobs from a JS array of
        Uint8Arrays or of Blobs: ``new Blob(parts)`` when not given, as
        in the worker. Node, which cannot read a Blob synchronously, passes
        one whose Blobs its ``read_slice`` can read.

    Returns
    -------
    dict
        ``{"manifest", "bundle", "entries", "cover"}``: ``bundle`` is the
        verified ZIP as a ``Blob`` (made by ``make_blob``, without a type);
        each entry is ``{"path", "offset", "size", "media_type", "kind"}``
        where ``bundle.slice(offset, offset + size)`` holds that file's bytes
        (every member is stored), with the sender's ``label`` and ``view``
        and, for a DICOM object, its ``study`` as imaging software lists it
        (``"CT · 2024-03-01 · CBCT"``), each None when absent; ``cover`` is
        the same for the cover sheet ``INDEX.HTM`` (``text/html``, no
        scripts). Or ``{"error"}`` (see the module's docstring).
    """
    _require_backend()
    try:
        identities = _identities(request_json)
        size = int(file.size)
        spool = BlobSpool(read_slice, make_blob if _given(make_blob) else None, block=_READ_PIECE)
        # Buffered to give the spool few, large writes (it caches what it reads itself).
        spooled = io.BufferedRandom(spool, buffer_size=_READ_PIECE)
        try:
            with open_blob(file, size, read_slice, _name(file), piece=_READ_PIECE) as src:
                bundle = pipeline.decrypt_and_verify(
                    src, size, spooled, identities, progress=_progress(progress)
                )
        except OSError as e:
            raise InputError(str(e)) from None
        with bundle:
            manifest = bundle.manifest
            entries = [
                {
                    "path": entry.path,
                    "offset": bundle.data_offset(entry.path),
                    "size": entry.size,
                    "media_type": entry.media_type,
                    "kind": entry.kind,
                    "label": entry.label,
                    "view": entry.view,
                    "study": entry.dicom.study_summary if entry.dicom else None,
                }
                for entry in manifest.entries
            ]
            cover = manifest.cover
            assert cover is not None  # verify_bundle refuses a manifest without one
            cover_entry = {
                "path": COVER_NAME,
                "offset": bundle.data_offset(COVER_NAME),
                "size": cover.size,
                "media_type": "text/html",
            }
    except _EXPECTED as e:
        return _error(e)
    return {
        "manifest": _manifest_dict(manifest),
        "bundle": spool.blob(),
        "entries": entries,
        "cover": cover_entry,
    }


def keygen() -> Result:
    """Make a key pair: ``{"identity_file": text to save, "public_key": "age1…"}``."""
    _require_backend()
    identity = age.X25519Identity.generate()
    return {
        "identity_file": age.format_identity_file(identity),
        "public_key": str(identity.recipient),
    }


def parse_recipient(text: Any) -> Result:
    """Check a public key as typed: ``{"ok": True}`` or an error dict."""
    _require_backend()
    try:
        if not isinstance(text, str):
            raise RequestError("the key is not a string")
        _recipient(text)
    except _EXPECTED as e:
        return _error(e)
    return {"ok": True}


def generate_passphrase() -> Result:
    """A strong passphrase, easy to read aloud: ``{"passphrase": "xxxxx-xxxxx-…"}``."""
    return {"passphrase": _generate_passphrase()}


def passphrase_strength(passphrase: Any) -> Result:
    """A rough strength estimate: ``{"bits": int, "verdict": "weak" | "fair" | "strong"}``."""
    bits, verdict = strength(passphrase if isinstance(passphrase, str) else "")
    return {"bits": bits, "verdict": verdict}
