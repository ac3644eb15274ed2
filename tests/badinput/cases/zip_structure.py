"""Cases against the bundle ZIP's structure and its agreement with the manifest.

Sizes, headers and the central directory that lie, compression and encryption a
bundle never uses, overlapping members, far too many members, members missing,
extra or altered, a ZIP cut short and one that is not a ZIP.
"""

from __future__ import annotations

import copy
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable

from orthoshare.bundle.manifest import MANIFEST_NAME
from orthoshare.errors import EntryMismatchError, ManifestError

from .material import (
    FUZZ,
    LETTER,
    LIMITS,
    MIB,
    SCAN,
    ZIP,
    Build,
    Case,
    Material,
    random_bytes,
    sha256,
)
from .zips import (
    DIRECTORY_RECORD,
    END,
    LOCAL_HEADER,
    added,
    bundle_zip,
    directory_record,
    good_members,
    sealed_zip,
    sizes_lie,
)


def _directory_edited(name: str, offset: int, fmt: str, change: Callable[[int], int]) -> Build:
    """A field of ``name``'s directory record (at ``offset`` into it) changed by ``change``."""

    def make(m: Material) -> bytes:
        plain = bytearray(m.plain)
        at = directory_record(m.plain, name) + offset
        (value,) = struct.unpack_from(fmt, plain, at)
        struct.pack_into(fmt, plain, at, change(value) % (1 << (8 * struct.calcsize(fmt))))
        return bytes(plain)

    return sealed_zip(make)


def _local_name_differs(m: Material) -> bytes:
    plain = bytearray(m.plain)
    local = DIRECTORY_RECORD.unpack_from(plain, directory_record(m.plain, SCAN))[-1]
    last = local + LOCAL_HEADER.size + len(SCAN) - 1
    assert plain[last] == ord("n")
    plain[last] = ord("X")
    return bytes(plain)


def _overlapping_members(count: int, kernel_size: int) -> Build:
    """Members whose data overlap: each one's data is every later member, headers included.

    The "quoted overlap" of David Fifield's "A better zip bomb" (2019), stored: every
    member matches its manifest entry, yet verifying and extracting them all reads
    and writes about ``count`` times the file.
    """

    def make(m: Material) -> bytes:
        # Made from the last member back: a member's data is the next member's
        # local header followed by that member's data.
        kernel = random_bytes(kernel_size)
        members: list[tuple[bytes, bytes, bytes]] = []  # name, local header, data
        data = kernel
        for index in reversed(range(count)):
            name = f"ORIGINAL/o{index:03d}".encode()
            local = LOCAL_HEADER.pack(
                b"PK\x03\x04", 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data), len(name), 0
            )
            members.insert(0, (name, local + name, data))
            data = local + name + data
        manifest = copy.deepcopy(m.manifest)
        template = manifest["entries"][0]
        manifest["entries"] = [
            {**template, "path": name.decode(), "size": len(d), "sha256": sha256(d)}
            for name, _, d in members
        ]
        # The manifest and the cover sheet as zipfile writes them, then the members.
        front = bundle_zip(
            manifest, [(n, d) for n, d in good_members(m) if n not in (LETTER, SCAN)]
        )
        *_, front_count, _, size, directory_at, _ = END.unpack_from(front, len(front) - END.size)
        body = front[:directory_at] + b"".join(local for _, local, _ in members) + kernel
        records, offset = [], directory_at
        for name, local, d in members:
            record = DIRECTORY_RECORD.pack(
                b"PK\x01\x02", 20, 20, 0, 0, 0, 0, zlib.crc32(d), len(d), len(d),
                len(name), 0, 0, 0, 0, 0, offset,
            )  # fmt: skip
            records.append(record + name)
            offset += len(local)
        directory = front[directory_at : directory_at + size] + b"".join(records)
        total = front_count + count
        end = END.pack(b"PK\x05\x06", 0, 0, total, total, len(directory), len(body), 0)
        return body + directory + end

    return sealed_zip(make)


def _deflated_letter(m: Material) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo(MANIFEST_NAME), json.dumps(m.manifest))
        for name, data in good_members(m):
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED if name == LETTER else zipfile.ZIP_STORED
            archive.writestr(info, data)
    return out.getvalue()


def _many_members(count: int) -> Build:
    def make(m: Material) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for index in range(count):
                archive.writestr(zipfile.ZipInfo(f"{index:05x}"), b"")
        return out.getvalue()

    return sealed_zip(make)


def _directory_offset_lies(m: Material) -> bytes:
    # The directory said to start 1000 bytes later than it does: zipfile then places
    # every member 1000 bytes earlier, the first one before the start of the file.
    end = END.unpack_from(m.plain, len(m.plain) - END.size)
    moved = END.pack(*end[:-2], end[-2] + 1000, end[-1])
    return m.plain[: -END.size] + moved


def table() -> list[Case]:
    return [
        Case("zip-sizes-lie", "the directory says the letter is one byte longer", ZIP,
             sizes_lie(LETTER, lambda size: size + 1), EntryMismatchError),
        Case("zip-sizes-lie-2gib", "the directory says the letter is 2 GiB longer", ZIP,
             sizes_lie(LETTER, lambda size: size + (1 << 31)), EntryMismatchError),
        Case("zip-local-name-differs", "a local header naming another file than the directory",
             ZIP, sealed_zip(_local_name_differs), EntryMismatchError),
        Case("zip-overlapping-members",
             "100 members whose data overlap: a zip bomb of 2 MiB that verifies as 200 MiB",
             ZIP, _overlapping_members(100, 2 * MIB), EntryMismatchError),
        Case("zip-deflated-member", "the letter compressed (bundles store every file)", ZIP,
             sealed_zip(_deflated_letter), EntryMismatchError),
        Case("zip-encrypted-member", "the letter marked as encrypted", ZIP,
             _directory_edited(LETTER, 8, "<H", lambda flags: flags | 1), EntryMismatchError),
        Case("zip-unsupported-version", "a member needing ZIP version 9.9 to extract", FUZZ,
             _directory_edited(LETTER, 6, "<H", lambda _: 99), ManifestError),
        Case("zip-directory-offset-lies", "the directory's offset 1000 bytes too far", FUZZ,
             sealed_zip(_directory_offset_lies), EntryMismatchError),
        Case("zip-70000-members", "70 000 empty members (far more than a manifest can list)",
             LIMITS, _many_members(70_000), EntryMismatchError),
        Case("zip-extra-member", "a member the manifest does not list", ZIP,
             added("ORIGINAL/records/extra.txt", b"smuggled\n", listed=False),
             EntryMismatchError),
        Case("zip-missing-member", "a member the manifest lists is not in the ZIP", ZIP,
             sealed_zip(lambda mm: bundle_zip(mm.manifest, [(n, d) for n, d in good_members(mm)
                                                     if n != LETTER])),
             EntryMismatchError),
        Case("zip-member-altered", "the letter's bytes differ from its sha256", ZIP,
             sealed_zip(lambda mm: bundle_zip(mm.manifest, [(n, d.upper() if n == LETTER else d)
                                                     for n, d in good_members(mm)])),
             EntryMismatchError),
        Case("zip-truncated", "the bundle ZIP cut in half", ZIP,
             sealed_zip(lambda mm: mm.plain[: len(mm.plain) // 2]), ManifestError),
        Case("zip-not-a-zip", "random bytes where the bundle ZIP should be", ZIP,
             sealed_zip(lambda _: random_bytes(50_000)), ManifestError),
    ]  # fmt: skip
