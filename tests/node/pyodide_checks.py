"""Helpers run.mjs runs inside Pyodide, with the page's JS primitives registered.

:func:`check` makes the same checks of a C2SP CCTV vector as
tests/unit/test_cctv.py (outcome, and the sha256 of all plaintext released,
even before a failure), without pytest, which Pyodide does not have here.
run.mjs passes each vector's bytes as an argument, never as Python source.

The post-quantum (mlkem768x25519) vectors run like the rest: their ML-KEM-768
is the JS backend's too.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import zlib
from typing import Any, Protocol

from orthoshare import age
from orthoshare.age.interfaces import Identity
from orthoshare.browser.jsio import Spool

OUTCOMES: dict[str, type[age.AgeError] | None] = {
    "success": None,
    "no match": age.NoIdentityMatchError,
    "HMAC failure": age.HeaderMACError,
    "header failure": age.HeaderError,
    "payload failure": age.PayloadError,
    "armor failure": age.ArmorError,
}


class JSBytes(Protocol):
    """A JS ``Uint8Array`` as Pyodide hands it to Python."""

    def to_bytes(self) -> bytes: ...


def check(data: JSBytes) -> dict[str, str]:
    """Return ``{"result": "pass" | "fail", "detail": …}``."""
    head, _, body = data.to_bytes().partition(b"\n\n")
    fields = dict(line.split(": ", 1) for line in head.decode().splitlines())
    if fields.get("compressed") == "zlib":
        body = zlib.decompress(body)
    expect = fields["expect"]
    identities: list[Identity] = []
    for line in head.decode().splitlines():
        key, _, value = line.partition(": ")
        if key == "identity" and value.startswith("AGE-SECRET-KEY-PQ-"):
            identities.append(age.HybridIdentity.parse(value))
        elif key == "identity":
            identities.append(age.X25519Identity.parse(value))
        elif key == "passphrase":
            identities.append(age.ScryptIdentity(value))

    released = bytearray()
    error: age.AgeError | None = None
    try:
        reader = age.Decryptor(io.BytesIO(body), identities, armor=fields.get("armored") == "yes")
        for chunk in reader.chunks():
            released += chunk
    except age.AgeError as e:
        error = e

    expected_error = OUTCOMES[expect]
    if expected_error is None and error is not None:
        return {"result": "fail", "detail": f"expected success, got {error!r}"}
    if expected_error is not None and not isinstance(error, expected_error):
        return {"result": "fail", "detail": f"expected {expect}, got {error!r}"}
    payload = fields.get("payload")
    if payload is not None and hashlib.sha256(released).hexdigest() != payload:
        return {"result": "fail", "detail": "the plaintext released differs"}
    return {"result": "pass", "detail": expect}


def encrypt_for(data: JSBytes, recipient: str) -> bytes:
    """``data`` as an age file for ``recipient``: a well-sealed file that holds no bundle."""
    return age.encrypt_bytes(data.to_bytes(), [age.X25519Recipient.parse(recipient)])


def spool_round_trip(sizes: list[int], store: Any) -> tuple[str, str]:
    """Write pieces of ``sizes`` into a :class:`Spool` kept by ``store``; read back.

    Returns ``(problem, the sha256 of what was written)``; ``problem`` is ""
    when reads, seeks and the refusal of misplaced writes agree.
    """
    data = os.urandom(sum(sizes))
    digest = hashlib.sha256(data).hexdigest()
    spool = Spool(store, block=4096)
    at = 0
    for size in sizes:
        if spool.write(data[at : at + size]) != size:
            return f"short write at {at}", digest
        at += size
    if spool.seek(0, io.SEEK_END) != len(data) or spool.tell() != len(data):
        return "the end is not where the data ends", digest
    spool.seek(0)
    if data and _accepts_write(spool, b"x"):
        return "a write before the end was accepted", digest
    buffered = io.BufferedReader(spool, buffer_size=100)
    if buffered.read(7) != data[:7] or buffered.read() != data[7:]:
        return "reading back differs", digest
    # Reads across every write's end and every block's end.
    for end in sorted({*itertools.accumulate(sizes), *range(0, len(data), 4096)}):
        start = max(end - 3, 0)
        spool.seek(start)
        if spool.read(7) != data[start : start + 7]:
            return f"reading 7 bytes at {start} differs", digest
    spool.seek(len(data) - 2 if data else 0)
    if spool.read(10) != data[-2:]:
        return "reading over the end differs", digest
    spool.seek(len(data) + 5)
    if spool.read(10) != b"" or spool.tell() != len(data) + 5:
        return "reading past the end gave bytes", digest
    spool.seek(0, io.SEEK_END)
    if _accepts_write(spool, b"x"):
        return "a write after reading began was accepted", digest
    return "", digest


def _accepts_write(spool: Spool, data: bytes) -> bool:
    try:
        spool.write(data)
    except io.UnsupportedOperation:
        return False
    return True
