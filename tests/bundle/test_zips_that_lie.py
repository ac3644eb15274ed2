"""An age file whose ZIP lies about its content ends in its own error, and nothing is written.

The encryption is intact; the ZIP is built with ``zipfile`` from a real bundle's
manifest and members, edited, then encrypted again (``support.build_zip``). The
first test is the control: the rebuilt bundle opens, so each edit is what fails.
"""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME
from orthoshare.errors import EntryMismatchError, ManifestError

from .support import (
    FILES,
    A,
    B,
    Sealed,
    assert_nothing_written,
    build_zip,
    good_members,
    open_crafted,
    place,
    sha256,
    with_entry,
)


def test_rebuilt_bundle_opens(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    """The control: build_zip makes good bundles, so each edit is what fails."""
    plain = build_zip(sealed.manifest, good_members(sealed))
    path = place(tmp_path / "in", age.encrypt_bytes(plain, [identity.recipient]))
    manifest = pipeline.open_(path, [identity], dest / "out")
    assert [e.path for e in manifest.entries] == [A, B]
    assert (dest / "out" / B).read_bytes() == FILES[("sub", "b.bin")]


def test_manifest_size_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    for size in (len(FILES[("a.txt",)]) - 1, len(FILES[("a.txt",)]) + 1, 0):
        manifest = with_entry(sealed.manifest, 0, size=size)
        plain = build_zip(manifest, good_members(sealed))
        open_crafted(tmp_path / str(size), dest, identity, plain, EntryMismatchError)


def test_manifest_sha256_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    manifest = with_entry(sealed.manifest, 1, sha256=sha256(b"something else"))
    plain = build_zip(manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain, EntryMismatchError)


def test_member_content_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    members = [(n, b"alphA\n" if n == A else d) for n, d in good_members(sealed)]
    open_crafted(tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError)


def test_cover_sheet_that_differs_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    members = [
        (n, d.replace(b"<h1>", b"<h1>Forged ") if n == COVER_NAME else d)
        for n, d in good_members(sealed)
    ]
    open_crafted(tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError)


@pytest.mark.parametrize("missing", [A, B, COVER_NAME])
def test_entry_missing_from_zip_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, missing: str
) -> None:
    members = [(n, d) for n, d in good_members(sealed) if n != missing]
    error = open_crafted(
        tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError
    )
    assert missing in str(error)


@pytest.mark.parametrize("extra", ["ORIGINAL/in/c.txt", "README.txt", "DICOMDIR"])
def test_zip_member_not_in_manifest_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, extra: str
) -> None:
    members = [*good_members(sealed), (extra, b"smuggled")]
    error = open_crafted(
        tmp_path, dest, identity, build_zip(sealed.manifest, members), EntryMismatchError
    )
    assert extra in str(error)


def test_manifest_missing_from_zip_raises_manifest_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in good_members(sealed):
            archive.writestr(name, data)
    open_crafted(tmp_path, dest, identity, out.getvalue(), ManifestError)


def central_record(plain: bytes, name: str) -> int:
    """The offset of ``name``'s central directory record."""
    at: int = struct.unpack_from("<I", plain, len(plain) - 22 + 16)[0]
    while plain[at : at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", plain, at + 28)
        if plain[at + 46 : at + 46 + name_len] == name.encode():
            return at
        at += 46 + name_len + extra_len + comment_len
    raise AssertionError(f"{name} is not in the central directory")


def lie_about_size(plain: bytes, member: str, field: str, delta: int) -> bytes:
    """``plain`` with ``member``'s central directory sizes (``field``: which) off by ``delta``."""
    patched = bytearray(plain)
    record = central_record(plain, member)
    for name, offset in (("compressed", 20), ("uncompressed", 24)):
        if field in (name, "both"):
            (size,) = struct.unpack_from("<I", patched, record + offset)
            struct.pack_into("<I", patched, record + offset, (size + delta) % 2**32)
    return bytes(patched)


SIZE_LIES = [
    (field, delta) for field in ("both", "compressed", "uncompressed") for delta in (-1, 1, 2**31)
]


@pytest.mark.parametrize("member", [MANIFEST_NAME, COVER_NAME, A, B])
def test_central_directory_sizes_that_lie_raise_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, member: str
) -> None:
    # The real bundle: every member stored, with data descriptors. A manifest
    # said to be 2 GiB may instead be refused as too large to read.
    expected: tuple[type[Exception], ...] = (EntryMismatchError,)
    if member == MANIFEST_NAME:
        expected = (EntryMismatchError, ManifestError)
    out = dest / "out"
    wrong = []
    for index, (field, delta) in enumerate(SIZE_LIES):
        plain = lie_about_size(sealed.plain, member, field, delta)
        path = place(tmp_path / str(index), age.encrypt_bytes(plain, [identity.recipient]))
        try:
            pipeline.open_(path, [identity], out)
        except expected:
            assert_nothing_written(out)
        except Exception as e:
            wrong.append(f"{field} size {delta:+}: {type(e).__name__}: {e}")
            assert_nothing_written(out)
        else:
            wrong.append(f"{field} size {delta:+}: accepted")
            shutil.rmtree(out)
    assert not wrong, f"{member} with lying central directory sizes:\n" + "\n".join(wrong)


def test_local_header_name_that_differs_from_directory_raises_entry_mismatch(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    plain = bytearray(build_zip(sealed.manifest, good_members(sealed)))
    (offset,) = struct.unpack_from("<I", plain, central_record(bytes(plain), B) + 42)
    name_at = offset + 30
    assert plain[name_at : name_at + len(B)] == B.encode()
    plain[name_at + len(B) - 1] = ord("X")
    open_crafted(tmp_path, dest, identity, bytes(plain), EntryMismatchError)


@pytest.mark.parametrize(
    "plain",
    [b"", b"not a zip at all", b"PK\x03\x04" + bytes(40), b"%PDF-1.7\n%%EOF\n"],
    ids=["empty", "text", "zip-header-only", "pdf"],
)
def test_payload_that_is_not_a_zip_raises_manifest_error(
    tmp_path: Path, dest: Path, identity: age.X25519Identity, plain: bytes
) -> None:
    open_crafted(tmp_path, dest, identity, plain, ManifestError)


def test_truncated_zip_raises_manifest_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    plain = build_zip(sealed.manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain[: len(plain) // 2], ManifestError)
