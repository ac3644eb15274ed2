"""Reading a bundle: verify everything before anything is offered or extracted.

The ZIP comes from an authenticated age payload, but authenticity only says
who could have made it, not that it is well made: names, sizes and hashes are
all checked against the manifest, and the manifest against the schema.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from ..errors import EntryMismatchError, ManifestError, OutputExistsError, UnsafePathError
from ..records import PIECE, ByteProgress
from .hashing import HashedMember
from .manifest import COVER_NAME, MANIFEST_NAME, MAX_MANIFEST_SIZE, Manifest
from .paths import check_member_name, check_unique

_LOCAL_HEADER_SIZE = 30
_UTF8_NAME = 0x800
# Traditional and strong encryption (APPNOTE 4.4.4).
_ENCRYPTED_FLAGS = 0x1 | 0x40
# ZIP records (APPNOTE 4.3.14 to 4.3.16): the end of central directory record, and
# the ZIP64 record and locator that come just before it in a ZIP64 file.
_END = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_DIRECTORY_RECORD_SIZE = 46
#: The most members a bundle may hold. Its manifest lists every one in 250 bytes or
#: more, so a manifest under its size cap lists fewer; and zipfile keeps about half a
#: kilobyte of memory per member, taken before anything can be checked.
MAX_MEMBERS = MAX_MANIFEST_SIZE // 256
#: The largest central directory read. A member's record there (46 bytes, its name,
#: an extra field of 28 bytes at most from zipfile) is shorter than its manifest
#: entry, so a larger directory lists more files than a manifest under its cap can.
MAX_DIRECTORY_SIZE = MAX_MANIFEST_SIZE


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ManifestError(f"it is larger than {limit} bytes")
    return data


def _hash_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int, on_bytes: Callable[[int], None]
) -> tuple[str, int]:
    digest = hashlib.sha256()
    count = 0
    with archive.open(info) as member:
        # Read at most one byte past the promised size, so a ZIP that lies
        # about sizes (or inflates without end) cannot make this run away.
        while count <= size and (piece := member.read(min(PIECE, size + 1 - count))):
            digest.update(piece)
            count += len(piece)
            on_bytes(len(piece))
    return digest.hexdigest(), count


def _data_offset(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    start = int(info.header_offset)
    src = archive.fp
    if src is None:
        raise ValueError("the bundle is closed")
    src.seek(start)
    header = src.read(_LOCAL_HEADER_SIZE)
    if len(header) != _LOCAL_HEADER_SIZE or not header.startswith(b"PK\x03\x04"):
        raise EntryMismatchError(f"the local header of {info.filename} is missing")
    name_size, extra_size = struct.unpack("<HH", header[26:30])
    return start + _LOCAL_HEADER_SIZE + int(name_size) + int(extra_size)


class VerifiedBundle:
    """An opened bundle whose every file matched its manifest.

    Use :func:`verify_bundle` to make one; then :meth:`extract` or :meth:`open`.
    """

    def __init__(
        self,
        archive: zipfile.ZipFile,
        manifest: Manifest,
        data_offsets: dict[str, int],
        sizes: dict[str, int],
    ) -> None:
        self._archive = archive
        self.manifest = manifest
        self._data_offsets = data_offsets
        self._sizes = sizes

    def close(self) -> None:
        self._archive.close()

    def __enter__(self) -> VerifiedBundle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self, path: str) -> BinaryIO:
        """Open the verified file ``path`` (a manifest entry path) for reading."""
        return self._archive.open(path)  # type: ignore[return-value]

    def data_offset(self, path: str) -> int:
        """Where the verified bytes of ``path`` start in the ZIP file.

        Every member is stored, so its bytes lie there unchanged, ``size`` of
        them: a reader holding the ZIP in memory can hand out a file by slicing.
        The offset is found as zipfile finds it when reading the member: after
        the local header and the name and extra field it declares.

        Raises
        ------
        KeyError
            If ``path`` is not the manifest, its cover sheet or one of its files.
        """
        return self._data_offsets[path]

    def layout(self) -> list[tuple[str, int, int]]:
        """Every file of the records as ``(path, data offset, size)``: the manifest, the
        cover sheet, then the entries, which is what :meth:`extract` writes."""
        names = [MANIFEST_NAME, COVER_NAME, *(e.path for e in self.manifest.entries)]
        return [(name, self._data_offsets[name], self._sizes[name]) for name in names]

    def extract(self, out_dir: Path) -> None:
        """Write every file under ``out_dir``, which appears only once complete.

        Raises
        ------
        OutputExistsError
            If ``out_dir`` exists and is not empty.
        """
        if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
            raise OutputExistsError(str(out_dir))
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
        try:
            for name, _, _ in self.layout():
                target = staging.joinpath(*name.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                with self._archive.open(name) as src, open(target, "xb") as dst:
                    shutil.copyfileobj(src, dst, PIECE)
            if out_dir.exists():
                out_dir.rmdir()
            os.replace(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _directory_bounds(file: BinaryIO) -> tuple[int, int] | None:
    """Where the central directory starts and its size, found as zipfile finds them.

    ``None`` if there is no end of central directory record (zipfile then says so).
    """
    end = file.seek(0, os.SEEK_END)
    # The record, then a comment of up to 64 KiB.
    tail_start = max(0, end - _END.size - 0xFFFF)
    file.seek(tail_start)
    tail = file.read()
    found = tail.rfind(b"PK\x05\x06")
    if found < 0 or len(tail) - found < _END.size:
        return None
    *_, size, _, _ = _END.unpack_from(tail, found)
    location = tail_start + found
    zip64_start = location - _ZIP64_END.size - _ZIP64_LOCATOR.size
    if zip64_start >= 0:
        file.seek(zip64_start)
        zip64 = file.read(_ZIP64_END.size + _ZIP64_LOCATOR.size)
        if zip64.startswith(b"PK\x06\x06") and zip64[_ZIP64_END.size :].startswith(b"PK\x06\x07"):
            *_, size, _ = _ZIP64_END.unpack_from(zip64)
            location = zip64_start
    return location - size, size


def _check_member_count(file: BinaryIO) -> None:
    """Refuse, before zipfile reads it, a central directory of too many members.

    zipfile holds a record of every member in memory, so a ZIP of millions of
    empty members would take gigabytes before its first name could be checked.
    """
    bounds = _directory_bounds(file)
    if bounds is None:
        return
    start, size = bounds
    if size > MAX_DIRECTORY_SIZE:
        raise EntryMismatchError(f"the ZIP's directory is larger than {MAX_DIRECTORY_SIZE} bytes")
    if start < 0:
        return
    file.seek(start)
    directory = file.read(size)
    count = at = 0
    # Walked as zipfile walks it: a record, then its name, extra field and comment,
    # whose lengths the record holds from its byte 28.
    while at + _DIRECTORY_RECORD_SIZE <= len(directory):
        name, extra, comment = struct.unpack_from("<3H", directory, at + 28)
        at += _DIRECTORY_RECORD_SIZE + name + extra + comment
        count += 1
        if count > MAX_MEMBERS:
            raise EntryMismatchError(f"the ZIP holds more than {MAX_MEMBERS} files")


def verify_bundle(
    file: BinaryIO,
    progress: ByteProgress | None = None,
    hashed: Mapping[int, HashedMember] | None = None,
) -> VerifiedBundle:
    """Open the bundle ZIP in ``file`` (seekable) and verify all of it.

    ``hashed`` holds what a :class:`~orthoshare.bundle.hashing.MemberHasher` saw as
    ``file`` was written: a file whose bytes it hashed, exactly where the directory
    puts them, is not read again.

    Raises
    ------
    ManifestError
        If the ZIP is unreadable, or the manifest is missing or invalid.
    UnsafePathError
        If any name in the ZIP or the manifest is unsafe or clashes with another.
    EntryMismatchError
        If a file is missing, extra, or differs in size or sha256 from the manifest,
        if members overlap, or if the ZIP holds more files than a manifest can list.
    """
    _check_member_count(file)
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except UnicodeDecodeError:
        raise UnsafePathError("a name in the ZIP is marked as UTF-8 but is not") from None
    except (
        zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError
    ) as e:  # fmt: skip
        raise ManifestError(f"the decrypted content is not a readable ZIP ({e})") from None
    try:
        return _verify(archive, infos, file.seek(0, os.SEEK_END), hashed or {}, progress)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError) as e:
        # Damage zipfile finds itself: bad CRC, header names that differ from
        # the directory (or are not UTF-8), encryption, unknown compression, a
        # member placed before the start of the file.
        archive.close()
        raise EntryMismatchError(str(e)) from None
    except BaseException:
        archive.close()
        raise


def _check_sizes(info: zipfile.ZipInfo, size: int) -> None:
    # Every member is stored, so all three sizes must agree: a ZIP whose
    # directory lies is refused even where zipfile would still read it.
    if info.compress_type != zipfile.ZIP_STORED:
        raise EntryMismatchError(f"{info.filename} is compressed; bundles store every file")
    if not info.file_size == info.compress_size == size:
        raise EntryMismatchError(f"the ZIP's sizes for {info.filename} do not match the manifest")


def _stored_name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & _UTF8_NAME else "cp437")


def _check_no_overlap(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse members whose data run into the next member's local header.

    In such a ZIP (a "quoted overlap" zip bomb) every member can match its
    manifest entry while holding all the members after it: a few megabytes
    verify and extract as gigabytes. zipfile refuses them itself only in recent
    releases (gh-109858).
    """
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for info, following in itertools.pairwise(ordered):
        # The local header holds the directory's name (zipfile checks it) and an
        # extra field of any length: the data start this far on, or further.
        data_start = info.header_offset + _LOCAL_HEADER_SIZE + len(_stored_name(info))
        if data_start + info.compress_size > following.header_offset:
            raise EntryMismatchError(f"{info.filename} overlaps {following.filename}")


def _is_member(seen: HashedMember, info: zipfile.ZipInfo) -> bool:
    """Whether ``seen`` hashed exactly the bytes the directory gives ``info``, as zipfile
    would check them: under the same name in its local header, with the same CRC."""
    return (
        not info.flag_bits & _ENCRYPTED_FLAGS  # zipfile refuses these by the directory's flags
        and seen.name == info.orig_filename
        and seen.size == info.compress_size == info.file_size
        and seen.crc == info.CRC
    )


def _verify(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    size: int,
    hashed: Mapping[int, HashedMember],
    progress: ByteProgress | None,
) -> VerifiedBundle:
    names = [info.filename for info in infos]
    for info in infos:
        # zipfile cuts a name at NUL; the name as stored is what an unzip tool sees.
        check_member_name(info.orig_filename)
        # Before any seek to it: a file refuses a negative offset with an OSError,
        # memory one past 2**63 with an OverflowError.
        if not 0 <= info.header_offset <= size - _LOCAL_HEADER_SIZE:
            raise EntryMismatchError(f"{info.orig_filename!r} lies outside the ZIP")
        if not info.flag_bits & _UTF8_NAME and not info.orig_filename.isascii():
            # Its bytes do not say their encoding: zipfile reads code page 437, other
            # tools the system's, so the file written could be named unlike the manifest.
            raise UnsafePathError(f"{info.orig_filename!r} is not marked as UTF-8")
    check_unique(names)
    by_name = {info.filename: info for info in infos}
    if MANIFEST_NAME not in by_name:
        raise ManifestError(f"{MANIFEST_NAME} is missing")
    manifest_info = by_name[MANIFEST_NAME]
    if manifest_info.file_size > MAX_MANIFEST_SIZE:
        raise ManifestError(f"it is larger than {MAX_MANIFEST_SIZE} bytes")
    _check_sizes(manifest_info, manifest_info.file_size)
    manifest = Manifest.from_json(_read_member(archive, manifest_info, MAX_MANIFEST_SIZE))
    if manifest.cover is None or manifest.cover.path != COVER_NAME:
        raise ManifestError(f"the cover sheet must be {COVER_NAME}")
    expected = [(e.path, e.size, e.sha256) for e in manifest.entries]
    expected.append((COVER_NAME, manifest.cover.size, manifest.cover.sha256))
    for path, _, _ in expected:
        check_member_name(path)
    check_unique([MANIFEST_NAME, *(path for path, _, _ in expected)])
    missing = sorted({path for path, _, _ in expected} - set(by_name))
    extra = sorted(set(by_name) - {path for path, _, _ in expected} - {MANIFEST_NAME})
    if missing or extra:
        raise EntryMismatchError(
            f"missing {missing or 'none'}; not in the manifest {extra or 'none'}"
        )
    total = sum(size for _, size, _ in expected)
    done = 0

    def on_bytes(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    for path, size, _ in expected:
        _check_sizes(by_name[path], size)
    _check_no_overlap(infos)
    data_offsets = {}
    for path, size, sha256 in expected:
        info = by_name[path]
        seen = hashed.get(info.header_offset)
        if seen is not None and _is_member(seen, info):
            data_offsets[path] = seen.data_offset
            actual_sha256, actual_size = seen.sha256, seen.size
            on_bytes(size)
        else:
            # Read here, in the same pass as the bytes: asked for later, each local
            # header would be fetched again from wherever the ZIP is kept.
            data_offsets[path] = _data_offset(archive, info)
            actual_sha256, actual_size = _hash_member(archive, info, size, on_bytes)
        if actual_size != size:
            raise EntryMismatchError(f"{path} is not {size} bytes")
        if actual_sha256 != sha256:
            raise EntryMismatchError(f"{path} does not match its sha256")
    data_offsets[MANIFEST_NAME] = _data_offset(archive, manifest_info)
    sizes = {MANIFEST_NAME: manifest_info.file_size, **{path: size for path, size, _ in expected}}
    return VerifiedBundle(archive, manifest, data_offsets, sizes)
