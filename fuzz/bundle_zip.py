"""Fuzz target: the bundle reader, ``orthoshare.bundle.reader.verify_bundle``, on any ZIP.

Expected: :class:`~orthoshare.errors.ManifestError`,
:class:`~orthoshare.errors.UnsafePathError` and
:class:`~orthoshare.errors.EntryMismatchError`. zipfile is instrumented too:
most of what a hostile ZIP can do happens in it. A bundle that verifies must
hold each file and its cover sheet, byte for byte, where ``data_offset`` says
(the page slices the ZIP there instead of reading through zipfile). And the
same input verified with what a MemberHasher saw as it was written (as opening
does, to skip reading the files back) must come out the same as without.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from typing import BinaryIO

from fuzz.harness import fuzz, instrumented

with instrumented("zipfile"):
    from orthoshare.bundle.hashing import HashedMember, MemberHasher
    from orthoshare.bundle.reader import verify_bundle
    from orthoshare.errors import EntryMismatchError, ManifestError, UnsafePathError

# One file for every input, open as long as the process: a new one per input would
# cost more than reading the input.
_DISK_SPOOL = tempfile.TemporaryFile()  # noqa: SIM115


def on_disk(data: bytes) -> BinaryIO:
    _DISK_SPOOL.seek(0)
    _DISK_SPOOL.truncate()
    _DISK_SPOOL.write(data)
    _DISK_SPOOL.seek(0)
    return _DISK_SPOOL


def as_written(data: bytes) -> dict[int, HashedMember]:
    """What a MemberHasher saw of ``data``, written in two pieces as a stream would be."""
    hasher = MemberHasher(io.BytesIO())
    hasher.write(data[: len(data) // 3])
    hasher.write(data[len(data) // 3 :])
    return hasher.members


def check(spool: BinaryIO, data: bytes, hashed: dict[int, HashedMember] | None = None) -> str:
    """Verify ``spool``; return the name of the error, or "verified"."""
    try:
        bundle = verify_bundle(spool, hashed=hashed)
    except (ManifestError, UnsafePathError, EntryMismatchError) as e:
        return type(e).__name__
    with bundle:
        cover = bundle.manifest.cover
        assert cover is not None, "verified a bundle without a cover sheet"
        files = [(e.path, e.size, e.sha256) for e in bundle.manifest.entries]
        for path, size, sha256 in [*files, (cover.path, cover.size, cover.sha256)]:
            start = bundle.data_offset(path)
            stored = data[start : start + size]
            assert hashlib.sha256(stored).hexdigest() == sha256, f"{path} is not at its offset"
    return "verified"


def TestOneInput(data: bytes) -> None:  # noqa: N802 (the name libFuzzer's convention gives it)
    # The page spools the decrypted ZIP in memory and the command in a temporary
    # file; a bad offset fails differently in each (ValueError, OSError).
    outcome = check(io.BytesIO(data), data)
    check(on_disk(data), data)
    with_hashes = check(io.BytesIO(data), data, as_written(data))
    assert with_hashes == outcome, f"{outcome} read back, {with_hashes} hashed as written"


if __name__ == "__main__":
    fuzz(TestOneInput)
