"""Cases against the names in a bundle ZIP: traversal, clashes, and bytes that are no name."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from orthoshare.errors import ManifestError, UnsafePathError

from .material import LETTER, TRAVERSAL, ZIP, Build, Case, Material
from .zips import (
    DIRECTORY_RECORD,
    LOCAL_HEADER,
    added,
    bundle_zip,
    directory_record,
    good_members,
    letter_entry,
    sealed_zip,
)

CAFE = "ORIGINAL/records/caf\u00e9.txt"


def _renamed(name: str) -> Build:
    """The letter under ``name``, in the ZIP and in the manifest alike."""

    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        letter_entry(path=name)(manifest)
        members = [(name if n == LETTER else n, d) for n, d in good_members(m)]
        return bundle_zip(manifest, members)

    return sealed_zip(make)


def _name_replaced(plain: bytes, name: str, raw: bytes) -> bytes:
    """``name`` replaced by the bytes ``raw`` (as long) in its local header and directory record."""
    encoded = name.encode()
    assert len(raw) == len(encoded), raw
    patched = bytearray(plain)
    record = directory_record(plain, name)
    local = DIRECTORY_RECORD.unpack_from(plain, record)[-1]
    for at in (record + DIRECTORY_RECORD.size, local + LOCAL_HEADER.size):
        assert patched[at : at + len(encoded)] == encoded
        patched[at : at + len(encoded)] = raw
    return bytes(patched)


def _stored_as(listed: str, placeholder: str, raw: bytes) -> Build:
    """The letter listed in the manifest as ``listed`` and stored under the raw name ``raw``.

    zipfile writes ``placeholder``, as long as ``raw`` and marked UTF-8 when it is
    not ASCII, as zipfile marks every such name; its bytes are then replaced.
    """

    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        letter_entry(path=listed)(manifest)
        members = [(placeholder if n == LETTER else n, d) for n, d in good_members(m)]
        return _name_replaced(bundle_zip(manifest, members), placeholder, raw)

    return sealed_zip(make)


def _nul_in_name(m: Material) -> bytes:
    # zipfile cuts a name at NUL when it writes it, so the NUL is put in afterwards;
    # Python then reads the name up to the NUL, as the manifest has it; other tools may not.
    members = [(LETTER + "#.exe" if n == LETTER else n, d) for n, d in good_members(m)]
    return _name_replaced(
        bundle_zip(m.manifest, members), LETTER + "#.exe", LETTER.encode() + b"\0.exe"
    )


def _manifest_edited(edit: Callable[[dict[str, Any]], None]) -> Build:
    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        edit(manifest)
        return bundle_zip(manifest, good_members(m))

    return sealed_zip(make)


def table() -> list[Case]:
    return [
        Case("zip-dotdot", "a member named `../letter.txt` (in the manifest too)", TRAVERSAL,
             _renamed("../letter.txt"), UnsafePathError),
        Case("zip-dotdot-inside", "a member named `ORIGINAL/../../letter.txt`", TRAVERSAL,
             _renamed("ORIGINAL/../../letter.txt"), UnsafePathError),
        Case("zip-absolute", "a member named `/etc/cron.d/letter`", TRAVERSAL,
             _renamed("/etc/cron.d/letter"), UnsafePathError),
        Case("zip-drive-letter", "a member named `C:/Users/Public/letter.txt`", TRAVERSAL,
             _renamed("C:/Users/Public/letter.txt"), UnsafePathError),
        Case("zip-drive-relative", "a member named `c:letter.txt`", TRAVERSAL,
             _renamed("c:letter.txt"), UnsafePathError),
        Case("zip-backslash", "a member named `ORIGINAL\\..\\..\\letter.txt`", TRAVERSAL,
             _renamed("ORIGINAL\\..\\..\\letter.txt"), UnsafePathError),
        Case("zip-nul", "a member named `letter.txt`, NUL, `.exe`", TRAVERSAL,
             sealed_zip(_nul_in_name), UnsafePathError),
        Case("zip-duplicate", "the letter twice under the same name", TRAVERSAL,
             added(LETTER, b"another letter\n", listed=False), UnsafePathError),
        Case("zip-duplicate-folded", "`letter.txt` and `LETTER.TXT`, both in the manifest",
             TRAVERSAL, added(LETTER.upper(), b"another letter\n", listed=True),
             UnsafePathError),
        Case("zip-name-not-utf8", "a name marked UTF-8 whose bytes are not", ZIP,
             _stored_as(CAFE, CAFE, b"ORIGINAL/records/caf\xff\xfe.txt"), UnsafePathError),
        Case("zip-name-legacy",
             "a name not marked UTF-8 with a byte above 127 (code page 437 to Python)", ZIP,
             _stored_as(CAFE, "ORIGINAL/records/caf#.txt", b"ORIGINAL/records/caf\x82.txt"),
             UnsafePathError),
        # A lone surrogate is no character, wherever it is: the manifest is not Unicode.
        Case("manifest-path-surrogate", "a manifest path holding a lone UTF-16 surrogate",
             TRAVERSAL, _manifest_edited(letter_entry(path="ORIGINAL/records/\ud800.txt")),
             ManifestError),
    ]  # fmt: skip
