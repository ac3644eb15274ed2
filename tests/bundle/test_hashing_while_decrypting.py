"""Files hashed as the bundle ZIP is written to the spool, so that verifying need not read it back.

The hashes are a shortcut only: wherever they do not describe exactly what the
central directory says, the file is read back, and the outcome is the same.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime

import pytest

from orthoshare.bundle.hashing import MemberHasher
from orthoshare.bundle.reader import verify_bundle
from orthoshare.bundle.writer import Details, write_bundle
from orthoshare.dicom.collect import DicomPart
from orthoshare.errors import EntryMismatchError
from orthoshare.records import BytesInput, Patient

from .support import sha256


def bundle_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    inputs = [BytesInput(parts=(name,), data=data) for name, data in files.items()]
    write_bundle(
        out,
        inputs,
        Details(),
        dicom=DicomPart(Patient(), False),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return out.getvalue()


def written_in_pieces(data: bytes, piece: int) -> MemberHasher:
    hasher = MemberHasher(io.BytesIO())
    for start in range(0, len(data), piece):
        hasher.write(data[start : start + piece])
    return hasher


class _CountingReads(io.BytesIO):
    """A spool that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer: memoryview, /) -> int:  # type: ignore[override]
        count = super().readinto(buffer)
        self.read_bytes += count
        return count


FILES = {
    "letter.txt": b"Dear colleague,\n" * 100,
    "scan.stl": bytes(range(256)) * 4096,  # 1 MiB
    "empty.bin": b"",
}


@pytest.mark.parametrize("piece", [1, 7, 23, 24, 25, 4096, 65536, 1 << 30])
def test_every_member_is_hashed_where_zipfile_finds_it_whatever_the_write_sizes(
    piece: int,
) -> None:
    data = bundle_of(FILES)
    seen = written_in_pieces(data, piece).members
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert len(seen) == len(archive.infolist())
    for info in archive.infolist():
        member = seen[info.header_offset]
        stored = archive.read(info)
        assert member.name == info.filename
        assert (member.size, member.crc) == (len(stored), zlib.crc32(stored))
        assert member.sha256 == sha256(stored)
        assert data[member.data_offset : member.data_offset + member.size] == stored


def test_verifying_with_the_hashes_reads_none_of_the_files_back() -> None:
    data = bundle_of(FILES)
    seen = written_in_pieces(data, 65536).members
    spool = _CountingReads(data)
    with verify_bundle(spool, hashed=seen) as bundle:
        offsets = {e.path: bundle.data_offset(e.path) for e in bundle.manifest.entries}
    # The ZIP's last 64 KiB (where its end record is searched for), the directory
    # and the manifest: far less than the 1 MiB scan.
    assert spool.read_bytes < 256 * 1024
    without = _CountingReads(data)
    with verify_bundle(without) as bundle:
        assert offsets == {e.path: bundle.data_offset(e.path) for e in bundle.manifest.entries}
    assert without.read_bytes > len(FILES["scan.stl"])


def test_a_descriptor_planted_in_a_file_is_read_back_and_verifies() -> None:
    # A file whose bytes hold what looks like the data descriptor ending it there.
    prefix = b"x" * 100
    fake = struct.pack("<4sL2L", b"PK\x07\x08", 0, len(prefix), len(prefix))
    planted = prefix + fake + b"the rest of the file"
    data = bundle_of({"planted.bin": planted, "after.txt": b"after"})
    seen = written_in_pieces(data, 4096).members
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = next(i for i in archive.infolist() if i.filename.endswith("planted.bin"))
    assert seen[info.header_offset].size == len(prefix)  # fooled, as it may be
    spool = _CountingReads(data)
    with verify_bundle(spool, hashed=seen) as bundle:
        path = next(e.path for e in bundle.manifest.entries if e.path.endswith("planted.bin"))
        start = bundle.data_offset(path)
        assert data[start : start + len(planted)] == planted
    assert spool.read_bytes >= len(planted)  # it was read back


def test_a_file_that_differs_from_its_crc_is_refused_as_when_read_back() -> None:
    data = bytearray(bundle_of(FILES))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = next(i for i in archive.infolist() if i.filename.endswith("letter.txt"))
    data[info.header_offset + 30 + len(info.orig_filename)] ^= 1  # its first byte
    seen = written_in_pieces(bytes(data), 65536).members
    assert seen[info.header_offset].crc != info.CRC
    with pytest.raises(EntryMismatchError, match="CRC"):
        verify_bundle(io.BytesIO(bytes(data)), hashed=seen)
