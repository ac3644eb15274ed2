"""Hashing a bundle's files as its ZIP is decrypted, so that verifying need not read it back.

:class:`MemberHasher` passes everything written to it on to the spool, and on
the way follows the ZIP's local headers: each stored member's bytes are hashed
(SHA-256 and CRC-32) as they go by. A bundle's writer cannot seek, so each
member's size follows its bytes, in a data descriptor (``PK\\x07\\x08``, the
CRC, then the stored and the original size, which are equal); the end of a
member is the first descriptor whose sizes equal the bytes seen since its start.

Nothing here is trusted. The central directory, read afterwards, is what says
where each file is (:func:`orthoshare.bundle.reader.verify_bundle`); a member's
hash is used only where the directory puts exactly the bytes that were hashed,
under the same name, and with the same CRC. Anything else (a descriptor found
inside a file's bytes, a compressed or encrypted member, a ZIP not laid out as
a bundle writer lays it out) leaves that member unhashed, and it is read back
and hashed as before.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from ..age.interfaces import Sink

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_DESCRIPTOR = struct.Struct("<4sL2L")
_ZIP64_DESCRIPTOR = struct.Struct("<4sL2Q")
# What a descriptor may hide behind: the bytes that must be seen before the ones
# before them can be hashed as a file's.
_LOOKAHEAD = _ZIP64_DESCRIPTOR.size
_ENCRYPTED, _HAS_DESCRIPTOR, _PATCH, _UTF8_NAME = 0x1, 0x8, 0x20, 0x800
_STORED = 0


@dataclass(frozen=True)
class HashedMember:
    """A stored member as it went by: its local header's name, where its bytes lie, their hashes."""

    name: str
    data_offset: int
    size: int
    sha256: str
    crc: int


class MemberHasher:
    """A sink that writes to ``spool`` and hashes each stored member of the ZIP written.

    ``members`` maps each member's local header offset to what was hashed there.
    """

    def __init__(self, spool: Sink) -> None:
        self._spool = spool
        self.members: dict[int, HashedMember] = {}
        self._at = 0  # the offset of self._pending's first byte in the ZIP
        self._pending = b""  # bytes seen but not yet parsed or hashed
        self._member: _Member | None = None  # the member whose bytes are going by
        self._lost = False  # not a ZIP laid out as expected: only pass bytes on

    def write(self, data: bytes, /) -> int:
        self._spool.write(data)
        if not self._lost:
            self._pending += data
            self._follow()
        return len(data)

    def _follow(self) -> None:
        while not self._lost:
            if self._member is None:
                if not self._read_local_header():
                    return
            elif not self._read_member_bytes(self._member):
                return

    def _consume(self, count: int) -> bytes:
        taken, self._pending = self._pending[:count], self._pending[count:]
        self._at += count
        return taken

    def _read_local_header(self) -> bool:
        """Start the member whose local header is pending; False if more bytes are needed."""
        if len(self._pending) < _LOCAL_HEADER.size:
            return False
        fields = _LOCAL_HEADER.unpack_from(self._pending)
        signature, _, _, flags, method, _, _, _, _, _, name_size, extra_size = fields
        if signature != _LOCAL_SIGNATURE or flags & (_ENCRYPTED | _PATCH) or method != _STORED:
            # The central directory, or a member a bundle never holds.
            self._lost = True
            return False
        if not flags & _HAS_DESCRIPTOR:
            self._lost = True  # its size is in its header or extra field: not a bundle's
            return False
        if len(self._pending) < _LOCAL_HEADER.size + name_size + extra_size:
            return False
        header_offset = self._at
        raw_name = self._consume(_LOCAL_HEADER.size + name_size + extra_size)[
            _LOCAL_HEADER.size : _LOCAL_HEADER.size + name_size
        ]
        try:
            name = raw_name.decode("utf-8" if flags & _UTF8_NAME else "cp437")
        except UnicodeDecodeError:
            self._lost = True
            return False
        self._member = _Member(header_offset, name, self._at)
        return True

    def _read_member_bytes(self, member: _Member) -> bool:
        """Hash the member's pending bytes up to its descriptor; True once it ended."""
        search_from = 0
        while (found := self._pending.find(_DESCRIPTOR_SIGNATURE, search_from)) >= 0:
            if len(self._pending) - found < _LOOKAHEAD:
                break
            size = member.size + found
            descriptor = _descriptor_size(self._pending, found, size)
            if descriptor:
                member.update(self._consume(found))
                self.members[member.header_offset] = member.hashed()
                self._consume(descriptor)
                self._member = None
                return True
            search_from = found + 1
        # Hash all but what could be the start of a descriptor.
        keep = min(len(self._pending), _LOOKAHEAD - 1)
        if found >= 0:
            keep = max(keep, len(self._pending) - found)
        member.update(self._consume(len(self._pending) - keep))
        return False


def _descriptor_size(pending: bytes, at: int, size: int) -> int:
    """The length of the data descriptor at ``at`` if it ends a member of ``size`` bytes, else 0."""
    _, _, stored, original = _DESCRIPTOR.unpack_from(pending, at)
    if stored == original == size:
        return _DESCRIPTOR.size
    _, _, stored, original = _ZIP64_DESCRIPTOR.unpack_from(pending, at)
    if stored == original == size:
        return _ZIP64_DESCRIPTOR.size
    return 0


class _Member:
    def __init__(self, header_offset: int, name: str, data_offset: int) -> None:
        self.header_offset = header_offset
        self.name = name
        self.data_offset = data_offset
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._crc = 0

    def update(self, data: bytes) -> None:
        self._sha256.update(data)
        self._crc = zlib.crc32(data, self._crc)
        self.size += len(data)

    def hashed(self) -> HashedMember:
        sha256 = self._sha256.hexdigest()
        return HashedMember(self.name, self.data_offset, self.size, sha256, self._crc)
