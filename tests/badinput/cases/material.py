"""What a case is, and the good sealed file every case is made from.

It is always the same bytes: a fixed key, fixed inputs and sealing time, and a
seeded generator in place of the system's randomness while sealing. So an altered
byte falls on the same character on every run, and has the same outcome.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from unittest import mock

from orthoshare import age, pipeline
from orthoshare.age.format import parse_header
from orthoshare.age.stream import ENCRYPTED_CHUNK_SIZE
from orthoshare.bundle.manifest import MANIFEST_NAME
from orthoshare.records import BytesInput
from orthoshare.request import SealRequest

IDENTITY = age.X25519Identity(hashlib.sha256(b"orthoshare bad-input identity").digest())
#: The identity as the receiver keeps it, in a file (what the page is given).
IDENTITY_FILE = age.format_identity_file(IDENTITY)
PASSPHRASE = "bad-input-passphrase"
LETTER = "ORIGINAL/records/letter.txt"
SCAN = "ORIGINAL/records/scan.bin"
#: Big enough for a payload of a few 64 KiB chunks (the bundle ZIP is about 200 KB).
_SCAN_SIZE = 200_000
_SEED = 2024
_SEALED_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
_NONCE_SIZE = 16
MIB = 1 << 20
#: Highest tracemalloc peak any case may reach on CPython: a few chunks, and a manifest
#: of up to 16 MiB read whole; far below what the largest cases would take if read.
MEMORY_LIMIT_MIB = 32

Build = Callable[["Material"], bytes]
Secret = Literal["key", "passphrase"]
Action = Literal["open", "seal"]

# Where a case comes from: the headings of the README, in brackets in the report.
SPEC = "age spec"
CCTV = "CCTV"
LIMITS = "limits"
ZIP = "ZIP"
TRAVERSAL = "path traversal"
FUZZ = "fuzzing"
DICOM = "DICOM"
DESIGN = "design"
AGE_CLI = "age CLI"


@dataclass(frozen=True)
class Case:
    """One bad input and what must become of it.

    ``expected`` is the exception class the pipeline raises on CPython; the page's
    error ``kind`` is its name. ``None`` (sealing only) means the input is sealed,
    as an original and not as DICOM.
    """

    id: str
    what: str
    source: str
    build: Build
    expected: type[Exception] | None
    action: Action = "open"
    secret: Secret = "key"
    file_name: str = "records.zip.age"
    #: Longest it may take, on CPython and, from the request to the answer, in the page.
    seconds: float = 20.0
    #: A protected identity file given in place of the plain one, with PASSPHRASE typed
    #: for it; the sealed file is then the good one.
    identity: Build | None = None

    @property
    def expected_name(self) -> str:
        return "sealed" if self.expected is None else self.expected.__name__


@dataclass(frozen=True)
class Material:
    """The good sealed file every case is made from, and the bundle inside it."""

    sealed: bytes
    plain: bytes
    manifest: dict[str, Any]
    #: Every member but the manifest, in the ZIP's order.
    members: dict[str, bytes]

    @property
    def header_end(self) -> int:
        """Where the payload nonce starts: just after the header's MAC line."""
        source = io.BytesIO(self.sealed)
        parse_header(source)
        return source.tell()

    @property
    def payload_start(self) -> int:
        return self.header_end + _NONCE_SIZE

    @property
    def chunk_count(self) -> int:
        return -(-(len(self.sealed) - self.payload_start) // ENCRYPTED_CHUNK_SIZE)

    def chunk_start(self, index: int) -> int:
        return self.payload_start + index * ENCRYPTED_CHUNK_SIZE


@contextlib.contextmanager
def _seeded_randomness() -> Iterator[None]:
    """The file key, nonces, salts and ephemeral keys drawn while sealing, the same every run."""
    generator = random.Random(_SEED)
    with mock.patch("os.urandom", generator.randbytes):
        yield


def seal_plaintext(
    plain: bytes, recipient: age.Recipient = IDENTITY.recipient, *, armor: bool = False
) -> bytes:
    """``plain`` encrypted as an age file, repeatably."""
    with _seeded_randomness():
        return age.encrypt_bytes(plain, [recipient], armor=armor)


@functools.cache
def material() -> Material:
    """Seal two small records, a letter and a 200 KB scan, to :data:`IDENTITY`."""
    inputs = [
        BytesInput(
            parts=("records", "letter.txt"), data=b"For the surgeon: records before surgery.\n"
        ),
        BytesInput(parts=("records", "scan.bin"), data=random.Random(_SEED).randbytes(_SCAN_SIZE)),
    ]
    out = io.BytesIO()
    with _seeded_randomness():
        pipeline.seal_to(out, inputs, SealRequest([IDENTITY.recipient]), now=_SEALED_AT)
    sealed = out.getvalue()
    plain = age.decrypt_bytes(sealed, [IDENTITY])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop(MANIFEST_NAME))
    return Material(sealed, plain, manifest, members)


def random_bytes(size: int, seed: int = _SEED) -> bytes:
    return random.Random(seed).randbytes(size)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
