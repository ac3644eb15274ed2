"""Opening in the page: the result :func:`~orthoshare.browser.api.open_` gives, and an
opening whose payload the page's second worker decrypts (:func:`begin_opening`).

The second worker (``web/cipher.js``) decrypts on the machine's other core,
while this one hashes and keeps the plaintext it is sent. Python plans the
payload (:func:`orthoshare.age.plan_payload`: every chunk's place and nonce)
and says why a batch that did not open failed, so that the age format's
rules stay in one place.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any

from pyodide.ffi import to_js

from .. import age, pipeline
from ..bundle.manifest import Manifest
from ..bundle.reader import VerifiedBundle
from ..chart import chart, placement, view_meaning
from ..errors import InputError
from ..request import identities_from_json
from .files import READ_PIECE, name_of
from .jsio import Spool, open_blob
from .primitives import require_backend
from .results import Result, answers_errors, progress_of


def manifest_dict(manifest: Manifest) -> Result:
    """The manifest as the JSON the bundle holds, as dicts."""
    loaded: Result = json.loads(manifest.to_json())
    return loaded


def spooled_into(records: Any) -> io.BufferedRandom:
    """A stream for the decrypted ZIP, kept by the JS store ``records`` (:class:`Spool`)."""
    # Buffered to give the spool few, large writes (it caches what it reads itself).
    return io.BufferedRandom(Spool(records, block=READ_PIECE), buffer_size=READ_PIECE)


def opened_result(bundle: VerifiedBundle) -> Result:
    """What :func:`open_` returns for the verified ``bundle``."""
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
                "view_meaning": view_meaning(entry.view),
                **asdict(placement(entry.view)),
                "study": entry.dicom.study_summary if entry.dicom else None,
                "dicom_note": entry.dicom_note,
            }
            for entry in manifest.entries
        ]
        cover = manifest.cover
        assert cover is not None  # verify_bundle refuses a manifest without one
        cover_entry = {
            "path": cover.path,
            "offset": bundle.data_offset(cover.path),
            "size": cover.size,
            "media_type": "text/html",
        }
        layout = [
            {"path": path, "offset": offset, "size": size} for path, offset, size in bundle.layout()
        ]
    return {
        "manifest": manifest_dict(manifest),
        "entries": entries,
        "groups": [asdict(group) for group in chart(manifest)],
        "cover": cover_entry,
        "made_up_patient_id": manifest.made_up_patient_id,
        "layout": layout,
    }


@answers_errors
def begin_opening(
    file: Any, request_json: Any, read_slice: Any, records: Any, progress: Any = None
) -> Result:
    """Begin to open ``file`` as :func:`open_` does, its payload decrypted elsewhere.

    For the page's second worker (``web/cipher.js``), which decrypts on the
    other core and sends the plaintext here as it goes. The arguments are
    :func:`open_`'s. Reads and checks the header (its errors are
    :func:`open_`'s), then returns ``{"opening": Opening, "key", "batches",
    "chunk"}``: the STREAM ``key``, and ``batches`` of the payload, each
    ``[offset, length, nonces]``, to open with ``chacha20poly1305OpenEach(key,
    nonces, file bytes offset to offset + length, chunk)``; then give each
    batch's plaintext to :meth:`Opening.feed`, in order. Or ``{"opening":
    None}`` where the payload cannot be planned (armor, an unusual last
    chunk): use :func:`open_` then.
    """
    require_backend()
    identities = identities_from_json(request_json)
    size = int(file.size)
    src = open_blob(file, size, read_slice, name_of(file), piece=READ_PIECE)
    plan = None
    try:
        plan = age.plan_payload(src, size, identities)
    except OSError as e:
        raise InputError(str(e)) from None
    finally:
        # Kept open only for an Opening, which reads it again if a batch fails.
        if plan is None:
            src.close()
    if plan is None:
        return {"opening": None}
    opening = Opening(plan, src, size, pipeline.Received(spooled_into(records)), progress)
    return {
        "opening": opening,
        "key": to_js(plan.key),
        "batches": [[offset, length, to_js(nonces)] for offset, length, nonces in plan.batches],
        "chunk": plan.chunk_size,
    }


class Opening:
    """A sealed file being opened, its payload decrypted elsewhere (:func:`begin_opening`)."""

    def __init__(
        self,
        plan: age.PayloadPlan,
        src: Any,
        size: int,
        received: pipeline.Received,
        progress: Any,
    ) -> None:
        self._plan = plan
        self._src = src
        self._size = size
        self._received = received
        self._progress = progress_of(progress)

    def feed(self, plaintext: Any, batch: int) -> None:
        """Take the authenticated plaintext of batch ``batch`` (a ``Uint8Array``), in order."""
        self._received.write(plaintext.to_bytes())
        if self._progress is not None:
            offset, length, _ = self._plan.batches[batch]
            self._progress("decrypting", offset + length, self._size)

    @answers_errors
    def finish(self) -> Result:
        """Verify what was fed: :func:`open_`'s result."""
        return opened_result(self._received.verify(self._progress))

    @answers_errors
    def failed(self, batch: int) -> Result:
        """Batch ``batch`` did not open: the error result that says why."""
        offset, _, _ = self._plan.batches[batch]
        try:
            self._src.seek(offset)
            error = self._plan.failure(self._src, batch)
        except OSError as e:
            raise InputError(str(e)) from None
        raise error

    def close(self) -> None:
        self._src.close()
