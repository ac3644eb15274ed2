"""What the page's worker calls: JS values in, plain JSON-able dicts out.

Every function takes JS values (files, functions, strings) and returns data
made of dicts, lists, str, int, float, bool and None, which the worker turns
into JS with ``result.toJs({dict_converter: Object.fromEntries})`` (None
becomes ``undefined``; a JS object inside, such as the ``Blob`` that
:func:`open_` returns, is passed through). Expected failures are never raised:
the result is then ``{"error": {"kind", "message", "hint"}}`` (see
:mod:`orthoshare.browser.results`). Requests come as JSON strings, read by
:mod:`orthoshare.request`, as the CLI's options make the same objects.

File contents are read only through the ``read_slice(blob, start, end)``
function the worker passes in (see :mod:`orthoshare.browser.jsio`): the
worker reads with ``FileReaderSync``, which exists only in workers, and the
Node tests read in-memory buffers with the very same Python code.

The work itself is :mod:`orthoshare.pipeline`'s, as on the command line:
:func:`seal` is :func:`~orthoshare.pipeline.seal_to` writing to the worker's
``output``; :func:`open_` is :func:`~orthoshare.pipeline.decrypt_and_verify`
into a store the worker keeps, and returns nothing before the whole file
authenticated and every file in it matched the manifest.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from .. import __version__, age, keys, pipeline
from ..age import primitives
from ..errors import InputError
from ..passphrase import generate_passphrase as _generate_passphrase
from ..passphrase import strength
from ..request import PatientsRequest, RequestError, SealRequest, identities_from_json
from ..request import parse_recipient as _parse_recipient
from ..views import load_views
from .files import READ_PIECE, BlobInput, name_of
from .jsio import SealedOutput, open_blob
from .opening import Opening, begin_opening, manifest_dict, opened_result, spooled_into
from .primitives import JSPrimitives, require_backend
from .results import Result, answers_errors, error_result, given, progress_of

__all__ = [
    "Opening",
    "begin_opening",
    "boot",
    "describe",
    "generate_passphrase",
    "inspect",
    "keygen",
    "open_",
    "parse_recipient",
    "passphrase_strength",
    "patients",
    "review_deidentification",
    "seal",
    "views",
]

_INSPECT_PIECE = 64 * 1024


def boot(crypto: Any) -> Result:
    """Use the page's crypto module (``web/crypto.js``) for every age operation.

    Returns ``{"version", "backend", "python"}``.
    """
    backend = JSPrimitives(crypto)
    primitives.set_backend(backend)
    return {"version": __version__, "backend": backend.name, "python": sys.version.split()[0]}


def describe(files: Any, read_slice: Any) -> list[Result]:
    """Tell what each picked file is, from its content (never from its name).

    Returns one dict per file: ``name``, ``path`` (its folder path when a folder
    was picked), ``size``, ``kind``, ``media_type``, ``format``, and for a DICOM
    file ``dicom``: what it says of the patient and the study, as
    :class:`orthoshare.dicom.identity.DicomIdentity` fields (pass them to
    :func:`patients`); ``note``: why the file will have no DICOM object, or not
    be in the DICOMDIR, as far as its start tells (empty when it will), and
    ``radiograph_note`` the same for a picture sent as a marked radiograph.
    A file that cannot be read, or a DICOM file that is damaged, gets an
    ``error`` dict as well (and kind ``"other"`` if nothing
    could be read).
    """
    described = []
    for blob in files:
        item = BlobInput.of(blob, read_slice)
        about: Result = {"name": name_of(blob), "path": "/".join(item.parts), "size": item.size}
        try:
            description = pipeline.describe(item, about["path"])
        except OSError as e:
            about["error"] = error_result(InputError(f"{about['path']}: {e}"))["error"]
            description = pipeline.UNREAD
        if description.dicom is not None:
            about["dicom"] = asdict(description.dicom)
        if description.problem is not None:
            about["error"] = error_result(description.problem)["error"]
        about.update(
            kind=description.kind,
            media_type=description.media_type,
            format=description.format,
            note=description.note,
            radiograph_note=description.radiograph_note,
        )
        described.append(about)
    return described


@answers_errors
def patients(request_json: Any) -> Result:
    """Compare the patients the DICOM files name, with each other and with the one entered.

    ``request_json`` is ``{"found": [{"path", "dicom"}, …], "entered": {"name",
    "id", "birth_date", "sex"}}`` where each ``dicom`` is what :func:`describe`
    returned for that file (see :class:`orthoshare.request.PatientsRequest`).

    Returns ``{"suggested": patient or None, "conflicts": [sentences]}``: the
    patient to prefill when the files agree, and each disagreement the
    wrong-patient guard would stop sealing for.
    """
    suggested, conflicts = pipeline.compare_patients(PatientsRequest.from_json(request_json))
    return {
        "suggested": None if suggested is None else asdict(suggested),
        "conflicts": conflicts,
    }


@answers_errors
def review_deidentification(files: Any, request_json: Any, read_slice: Any) -> Result:
    """Say which files sealing de-identified would leave out, or send although they
    may show identity, before it is done.

    ``request_json`` is the request :func:`seal` would get (only its
    ``annotations`` are read: a view says whether a photo shows the face).

    Returns ``{"files": [{category: why}, …]}``, one dict per file, empty for a
    file that is simply cleaned. The categories: ``"burned_in"`` (a DICOM
    object that may show identity in its pixels, or holds a document: left
    out unless ``deidentify.send_burned_in``), ``"uncleanable"`` (a PDF, HEIC,
    TIFF…: left out unless ``deidentify.send_uncleanable``) and ``"face"`` (a
    photo that may show the face: sent unless ``deidentify.send_face_photos``
    is false).
    """
    inputs = [BlobInput.of(blob, read_slice) for blob in files]
    request = SealRequest.from_json(request_json, len(inputs))
    return {"files": pipeline.review_deidentification(inputs, request.annotations)}


def views() -> list[Result]:
    """The ADA-1100 views, for the page's picker: ``{"code", "meaning", "kind", "site"}``
    each, ``kind`` being ``"photo"`` or ``"3d"``, in the standard's order."""
    return [
        {"code": v.code, "meaning": v.meaning, "kind": v.kind, "site": v.site}
        for v in load_views().values()
    ]


@answers_errors
def seal(
    files: Any, request_json: Any, read_slice: Any, output: Any, progress: Any = None
) -> Result:
    """Seal ``files`` into one age file, passed to ``output`` as it is made.

    ``request_json`` is a :class:`orthoshare.request.SealRequest` as JSON:
    ``details``, ``annotations`` (one per file, or null), ``passphrase`` (or
    null), ``recipients`` (``age1…`` keys), ``armor`` and
    ``allow_mixed_patients`` (the sender confirmed DICOM files naming
    different patients; without it they are refused) and ``deidentify``
    (:class:`~orthoshare.records.DeidentifyChoices`, or null).
    ``output`` receives the file in order, as
    :class:`~orthoshare.browser.jsio.SealedOutput` describes: plain bytes to
    ``output.append(Uint8Array)``, the payload's chunks to
    ``output.sealEach(key, nonces, plaintext, size)`` to be sealed with
    ``chacha20poly1305SealEach``; it is first called once the checks passed and
    sealing is under way; after an error result, discard what it received.
    ``progress("de-identifying", done, total)`` counts the input bytes read to
    de-identify them (when asked), ``progress("sealing", done, total)`` input bytes, then
    ``progress("making DICOM objects", done, total)`` the objects made of
    photos, scans and PDFs.

    Returns ``{"name", "manifest", "size", "made_up_patient_id",
    "date_offset_days"}``: a file name that says nothing about the patient, the
    manifest sealed inside, the bytes written, the Patient ID the DICOM objects
    made here carry when the sender gave none (else ``""``), and the days every
    date moved when de-identified (else null), to show the sender alone.
    """
    require_backend()
    inputs = [BlobInput.of(blob, read_slice) for blob in files]
    request = SealRequest.from_json(request_json, len(inputs))
    now = datetime.now(UTC)
    sink = SealedOutput(output)
    sealed = pipeline.seal_to(sink, inputs, request, progress=progress_of(progress), now=now)
    sink.flush()
    manifest = sealed.manifest
    return {
        "name": pipeline.sealed_file_name(now),
        "manifest": manifest_dict(manifest),
        "size": sink.written,
        "made_up_patient_id": manifest.made_up_patient_id,
        "date_offset_days": sealed.date_offset_days,
    }


@answers_errors
def inspect(file: Any, read_slice: Any) -> Result:
    """Tell how a sealed file is protected, without decrypting it.

    Returns ``{"needs": "passphrase" or "key", "recipients": [plain descriptions],
    "armored", "size"}``.
    """
    try:
        size = int(file.size)
        with open_blob(file, size, read_slice, name_of(file), piece=_INSPECT_PIECE) as stream:
            inspection = pipeline.inspect_stream(stream, size)
    except OSError as e:
        raise InputError(str(e)) from None
    return {
        "needs": "passphrase" if inspection.needs_passphrase else "key",
        "recipients": list(inspection.recipients),
        "armored": inspection.armored,
        "size": inspection.size,
    }


@answers_errors
def open_(
    file: Any, request_json: Any, read_slice: Any, records: Any, progress: Any = None
) -> Result:
    """Decrypt the sealed ``file`` and verify all of it; return the bundle only if it is intact.

    Parameters
    ----------
    file : JS File or Blob
        The sealed file, read through ``read_slice(blob, start, end)``.
    request_json : str
        ``{"passphrase": str}``, or an identity file, protected or not, with its
        passphrase if it is, as :func:`orthoshare.request.identities_from_json` reads.
    read_slice : JS function
        Reads the sealed file (see :class:`~orthoshare.browser.jsio.SliceReader`).
    records : JS object
        Where the decrypted ZIP is kept, with ``append(Uint8Array)`` and
        ``read(start, end)`` (see :class:`~orthoshare.browser.jsio.Spool`):
        the worker's spool (``web/spools.js``). It is written in order, read
        back to verify it, and after a result without an error holds exactly
        the verified ZIP; after an error, discard it.
    progress : JS function, optional
        ``progress(step, done, total)`` reports "decrypting" (bytes of the
        file) then "verifying" (bytes of the records).

    Returns
    -------
    dict
        ``{"manifest", "entries", "groups", "cover", "layout",
        "made_up_patient_id"}``:
        each entry is ``{"path", "offset", "size", "media_type", "kind"}``
        where bytes ``offset`` to ``offset + size`` of ``records`` are that file's
        (every member is stored), with the sender's ``label`` and ``view`` (its
        code, its ``view_meaning`` as a person reads it, and its ``slot`` and
        ``flip`` in the records composite, :func:`orthoshare.chart.placement`)
        and, for a DICOM object, its ``study`` as imaging software lists it
        (``"CT · 2024-03-01 · CBCT"``), each None when absent; ``cover`` is
        the same for the cover sheet ``INDEX.HTM`` (``text/html``, no
        scripts); ``groups`` is the entries as a chart
        (:func:`orthoshare.chart.chart`: ``kind``, ``title``, ``count``, ``size``,
        ``paths``, and a study's ``series``, each ``modality``, ``count``, ``size``,
        ``paths``); ``layout`` is every file to write when the records are saved
        to a folder, ``{"path", "offset", "size"}`` each, the manifest and the cover
        sheet first, as the command line's ``open`` writes them;
        ``made_up_patient_id`` is the ID the DICOM objects made of originals
        carry when the sender gave none (else ``""``). Or ``{"error"}``
        (see the module's docstring).
    """
    require_backend()
    identities = identities_from_json(request_json)
    size = int(file.size)
    spooled = spooled_into(records)
    try:
        with open_blob(file, size, read_slice, name_of(file), piece=READ_PIECE) as src:
            bundle = pipeline.decrypt_and_verify(
                src, size, spooled, identities, progress=progress_of(progress)
            )
    except OSError as e:
        raise InputError(str(e)) from None
    return opened_result(bundle)


@answers_errors
def keygen(passphrase: Any = None) -> Result:
    """Make a key pair: ``{"identity_file": text to save, "public_key": "age1…",
    "check_words": …}`` (see :func:`orthoshare.keys.check_words`).

    With a ``passphrase``, the identity file is protected by it as the age
    command's are (:func:`orthoshare.age.protect_identity`: armored text), so
    the secret key never leaves Python unprotected; without, it is age-keygen's
    plain form.
    """
    require_backend()
    identity = age.X25519Identity.generate()
    text = age.format_identity_file(identity)
    if given(passphrase):
        if not isinstance(passphrase, str):
            raise RequestError("the passphrase is not a string")
        text = age.protect_identity(text, passphrase)
    return {
        "identity_file": text,
        "public_key": str(identity.recipient),
        "check_words": keys.check_words(identity.recipient),
    }


@answers_errors
def parse_recipient(text: Any) -> Result:
    """Check a public key as typed: ``{"key": as age writes it, "check_words": …}`` or an
    error dict."""
    require_backend()
    if not isinstance(text, str):
        raise RequestError("the key is not a string")
    recipient = _parse_recipient(text)
    return {"key": str(recipient), "check_words": keys.check_words(recipient)}


def generate_passphrase() -> Result:
    """A strong passphrase, easy to read aloud: ``{"passphrase": "xxxxx-xxxxx-…"}``."""
    return {"passphrase": _generate_passphrase()}


def passphrase_strength(passphrase: Any) -> Result:
    """A rough strength estimate: ``{"bits": int, "verdict": "weak" | "fair" | "strong"}``."""
    bits, verdict = strength(passphrase if isinstance(passphrase, str) else "")
    return {"bits": bits, "verdict": verdict}
