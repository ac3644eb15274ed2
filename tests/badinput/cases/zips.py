"""Bundle ZIPs made from the good one, encrypted again: what the ZIP cases are built with.

Each is made with ``zipfile`` from the good bundle's manifest and members, or the
good bundle's bytes patched where APPNOTE.TXT puts a field, then sealed to the
same key: the encryption is intact, only the ZIP lies.
"""

from __future__ import annotations

import copy
import io
import json
import struct
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

from orthoshare.bundle.manifest import MANIFEST_NAME

from .material import LETTER, Build, Material, seal_plaintext, sha256

# ZIP records (APPNOTE 4.3.7, 4.3.12, 4.3.16): local file header, central directory
# record, end of central directory.
LOCAL_HEADER = struct.Struct("<4s5H3L2H")
DIRECTORY_RECORD = struct.Struct("<4s6H3L5H2L")
END = struct.Struct("<4s4H2LH")


def bundle_zip(manifest: dict[str, Any] | bytes, members: list[tuple[str, bytes]]) -> bytes:
    """A bundle ZIP, everything stored: the manifest (a dict becomes JSON), then ``members``."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate names a case needs
        with zipfile.ZipFile(out, "w") as archive:
            data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            for name, content in [(MANIFEST_NAME, data), *members]:
                archive.writestr(zipfile.ZipInfo(name, (2024, 1, 2, 3, 4, 6)), content)
    return out.getvalue()


def rebuilt(m: Material) -> bytes:
    """The good bundle as the ZIP cases rebuild it, sealed again: it opens."""
    return seal_plaintext(bundle_zip(m.manifest, good_members(m)))


def sealed_zip(make: Callable[[Material], bytes]) -> Build:
    return lambda m: seal_plaintext(make(m))


def good_members(m: Material) -> list[tuple[str, bytes]]:
    return list(m.members.items())


def added(name: str, data: bytes, *, listed: bool) -> Build:
    """Another member ``name``, listed in the manifest (as a copy of the letter's entry) or not."""

    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        if listed:
            entry = next(e for e in manifest["entries"] if e["path"] == LETTER)
            manifest["entries"].append(
                {**entry, "path": name, "size": len(data), "sha256": sha256(data)}
            )
        return bundle_zip(manifest, [*good_members(m), (name, data)])

    return sealed_zip(make)


def _directory_offset(plain: bytes) -> int:
    """Where the central directory starts, as the end record says (no comment follows it)."""
    offset: int = END.unpack_from(plain, len(plain) - END.size)[-2]
    return offset


def directory_record(plain: bytes, name: str) -> int:
    """The offset of ``name``'s record in the central directory."""
    at = _directory_offset(plain)
    while plain[at : at + 4] == b"PK\x01\x02":
        *_, name_size, extra_size, comment_size, _, _, _, _ = DIRECTORY_RECORD.unpack_from(
            plain, at
        )
        start = at + DIRECTORY_RECORD.size
        if plain[start : start + name_size] == name.encode():
            return at
        at = start + name_size + extra_size + comment_size
    raise AssertionError(f"{name} is not in the central directory")


def sizes_lie(name: str, size: Callable[[int], int]) -> Build:
    """``name``'s sizes in the central directory (compressed and not) set by ``size``."""

    def make(m: Material) -> bytes:
        plain = bytearray(m.plain)
        record = directory_record(m.plain, name)
        for offset in (20, 24):
            (actual,) = struct.unpack_from("<I", plain, record + offset)
            struct.pack_into("<I", plain, record + offset, size(actual) % (1 << 32))
        return bytes(plain)

    return sealed_zip(make)


def letter_entry(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        for entry in manifest["entries"]:
            if entry["path"] == LETTER:
                entry.update(changes)

    return edit
