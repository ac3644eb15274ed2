"""A wrong key or passphrase, a damaged file, or one that is not age: each ends in its own error.

And nothing is written: the output folder does not exist afterwards and the folder
it would have been made in holds no leftover (no staging folder, no temporary
file); ``list_`` refuses the file with the same error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orthoshare import age, pipeline
from orthoshare.request import SealRequest

from .support import FILES, Sealed, fails_writing_nothing, place, write_tree

PASSPHRASE = "correct horse battery staple"
#: Low enough to keep the suite fast.
WORK_FACTOR = 10


def test_wrong_passphrase_raises_wrong_passphrase_error(tmp_path: Path, dest: Path) -> None:
    write_tree(tmp_path / "in", FILES)
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        SealRequest([age.ScryptRecipient(PASSPHRASE, work_factor=WORK_FACTOR)]),
        tmp_path / "sealed",
    )
    fails_writing_nothing(
        result.path,
        [age.ScryptIdentity("Correct horse battery staple")],
        dest,
        age.WrongPassphraseError,
    )
    manifest = pipeline.open_(result.path, [age.ScryptIdentity(PASSPHRASE)], dest / "out")
    assert len(manifest.entries) == 2


def test_wrong_key_raises_no_identity_match(tmp_path: Path, dest: Path, sealed: Sealed) -> None:
    path = place(tmp_path / "in", sealed.path.read_bytes())
    error = fails_writing_nothing(
        path, [age.X25519Identity.generate()], dest, age.NoIdentityMatchError
    )
    assert not isinstance(error, age.WrongPassphraseError)


def test_passphrase_given_for_keyed_file_raises_no_identity_match(
    tmp_path: Path, dest: Path, sealed: Sealed
) -> None:
    path = place(tmp_path / "in", sealed.path.read_bytes())
    fails_writing_nothing(path, [age.ScryptIdentity(PASSPHRASE)], dest, age.NoIdentityMatchError)


def payload_start(data: bytes) -> int:
    """Where the payload nonce starts: just after the header's MAC line."""
    return data.index(b"\n", data.index(b"\n--- ") + 1) + 1


@pytest.mark.parametrize("keep", [0.5, 0.99], ids=["half", "last-bytes-cut"])
def test_truncated_file_raises_payload_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, keep: float
) -> None:
    data = sealed.path.read_bytes()
    cut = max(payload_start(data) + 16, int(len(data) * keep))
    path = place(tmp_path / "in", data[:cut])
    fails_writing_nothing(path, [identity], dest, age.PayloadError)


def test_file_truncated_inside_header_raises_header_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    data = sealed.path.read_bytes()
    path = place(tmp_path / "in", data[: data.index(b"\n--- ")])
    fails_writing_nothing(path, [identity], dest, age.HeaderError)


@pytest.mark.parametrize("where", [0.0, 0.5, 1.0], ids=["first", "middle", "last"])
def test_flipped_payload_byte_raises_payload_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity, where: float
) -> None:
    data = bytearray(sealed.path.read_bytes())
    start = payload_start(bytes(data)) + 16  # past the nonce, into the first chunk
    at = start + int((len(data) - 1 - start) * where)
    data[at] ^= 0x01
    path = place(tmp_path / "in", bytes(data))
    fails_writing_nothing(path, [identity], dest, age.PayloadError)


def test_flipped_payload_nonce_byte_raises_payload_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    data = bytearray(sealed.path.read_bytes())
    data[payload_start(bytes(data))] ^= 0x80
    path = place(tmp_path / "in", bytes(data))
    fails_writing_nothing(path, [identity], dest, age.PayloadError)


def test_altered_header_mac_raises_header_mac_error(
    tmp_path: Path, dest: Path, sealed: Sealed, identity: age.X25519Identity
) -> None:
    data = bytearray(sealed.path.read_bytes())
    at = data.index(b"\n--- ") + len(b"\n--- ")
    data[at] = ord("A") if data[at] != ord("A") else ord("B")
    path = place(tmp_path / "in", bytes(data))
    fails_writing_nothing(path, [identity], dest, age.HeaderMACError)


def test_damaged_armor_raises_armor_error(
    tmp_path: Path, dest: Path, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "in", FILES)
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        SealRequest([identity.recipient], armor=True),
        tmp_path / "sealed",
    )
    lines = result.path.read_bytes().split(b"\n")
    lines[3] = lines[3][:20] + b"!" + lines[3][21:]  # not a base64 character
    damaged = place(tmp_path / "damaged", b"\n".join(lines))
    fails_writing_nothing(damaged, [identity], dest, age.ArmorError)
    manifest = pipeline.open_(result.path, [identity], dest / "out")
    assert len(manifest.entries) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
        b"PK\x05\x06" + bytes(18),
        b"",
        b"age-encryption.org/v2\n",
    ],
    ids=["pdf", "zip", "empty", "age-v2"],
)
def test_file_that_is_not_age_raises_header_error(
    tmp_path: Path, dest: Path, identity: age.X25519Identity, data: bytes
) -> None:
    path = place(tmp_path / "in", data)
    fails_writing_nothing(path, [identity], dest, age.HeaderError)
