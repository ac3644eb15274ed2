"""Reading a bundle: verify everything before anything is offered or extracted.

The ZIP comes from an authenticated age payload, but authenticity only says
who could have made it, not that it is well made: names, sizes and hashes are
all checked against the manifest, and the manifest against the schema.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import EntryMismatchError, ManifestError, OutputExistsError
from .manifest import COVER_NAME, MANIFEST_NAME, MAX_MANIFEST_SIZE, Manifest
from .paths import check_member_name, check_unique

_PIECE = 1 << 20
_LOCAL_HEADER_SIZE = 30
#: ``progress(done, total)``: bytes verified so far, and in all.
Progress = Callable[[int, int], None]


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
        while count <= size and (piece := member.read(min(_PIECE, size + 1 - count))):
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
        self, archive: zipfile.ZipFile, manifest: Manifest, data_offsets: dict[str, int]
    ) -> None:
        self._archive = archive
        self.manifest = manifest
        self._data_offsets = data_offsets

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
            If ``path`` is not a file of the manifest or its cover sheet.
        """
        return self._data_offsets[path]

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
            names = [MANIFEST_NAME, COVER_NAME, *(e.path for e in self.manifest.entries)]
            for name in names:
                target = staging.joinpath(*name.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                with self._archive.open(name) as src, open(target, "xb") as dst:
                    shutil.copyfileobj(src, dst, _PIECE)
            if out_dir.exists():
                out_dir.rmdir()
            os.replace(staging, out_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def verify_bundle(file: BinaryIO, progress: Progress | None = None) -> VerifiedBundle:
    """Open the bundle ZIP in ``file`` (seekable) and verify all of it.

    Raises
    ------
    ManifestError
        If the ZIP is unreadable, or the manifest is missing or invalid.
    UnsafePathError
        If any name in the ZIP or the manifest is unsafe or clashes with another.
    EntryMismatchError
        If a file is missing, extra, or differs in size or sha256 from the manifest.
    """
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise ManifestError(f"the decrypted content is not a readable ZIP ({e})") from None
    try:
        return _verify(archive, infos, progress)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as e:
        # Damage zipfile finds itself: bad CRC, header names that differ from
        # the directory, encryption, unknown compression.
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


def _verify(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], progress: Progress | None
) -> VerifiedBundle:
    names = [info.filename for info in infos]
    for info in infos:
        # zipfile cuts a name at NUL; the name as stored is what an unzip tool sees.
        check_member_name(info.orig_filename)
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
    data_offsets = {}
    for path, size, sha256 in expected:
        # Read here, in the same pass as the bytes: asked for later, each local
        # header would be fetched again from wherever the ZIP is kept.
        data_offsets[path] = _data_offset(archive, by_name[path])
        actual_sha256, actual_size = _hash_member(archive, by_name[path], size, on_bytes)
        if actual_size != size:
            raise EntryMismatchError(f"{path} is not {size} bytes")
        if actual_sha256 != sha256:
            raise EntryMismatchError(f"{path} does not match its sha256")
    return VerifiedBundle(archive, manifest, data_offsets)
