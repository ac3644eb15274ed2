"""ASCII armor: what we write is strict PEM, and the reader finds it by itself."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from orthoshare import age
from orthoshare.age.armor import BEGIN, END

IDENTITY = age.X25519Identity.generate()


@pytest.mark.parametrize("size", [0, 1, 47, 48, 49, 65536, 200_001])
def test_armored_files_round_trip_with_64_column_lines(size: int) -> None:
    plaintext = os.urandom(size)
    armored = age.encrypt_bytes(plaintext, [IDENTITY.recipient], armor=True)
    lines = armored.split(b"\n")
    assert lines[0] == BEGIN and lines[-2] == END and lines[-1] == b""
    body = lines[1:-2]
    assert all(len(line) == 64 for line in body[:-1])
    assert 0 < len(body[-1]) <= 64
    assert age.decrypt_bytes(armored, [IDENTITY]) == plaintext
    assert age.decrypt_bytes(armored, [IDENTITY], armor=True) == plaintext


def test_the_reader_detects_armor_behind_whitespace_and_crlf() -> None:
    armored = age.encrypt_bytes(b"records", [IDENTITY.recipient], armor=True)
    wrapped = b"\r\n  \n" + armored.replace(b"\n", b"\r\n") + b"\n\t\n"
    assert age.decrypt_bytes(wrapped, [IDENTITY]) == b"records"


def test_binary_files_are_not_mistaken_for_armor() -> None:
    binary = age.encrypt_bytes(b"records", [IDENTITY.recipient])
    assert age.decrypt_bytes(binary, [IDENTITY]) == b"records"
    with pytest.raises(age.ArmorError):
        age.decrypt_bytes(binary, [IDENTITY], armor=True)


@pytest.mark.parametrize(
    ("damage", "description"),
    [
        (lambda a: a.replace(b"\n", b"\n ", 1), "leading space on a line"),
        (lambda a: a.replace(END, END.lower()), "lower-case END line"),
        (lambda a: a[: a.index(END)], "missing END line"),
        (lambda a: a + b"junk\n", "data after END"),
        (lambda a: a[:100] + a[101:], "a line one character short"),
        (lambda a: b"Comment: x\n" + a, "text before BEGIN"),
    ],
)
def test_damaged_armor_is_an_armor_failure(
    damage: Callable[[bytes], bytes], description: str
) -> None:
    armored = age.encrypt_bytes(os.urandom(300), [IDENTITY.recipient], armor=True)
    with pytest.raises(age.ArmorError):
        age.decrypt_bytes(damage(armored), [IDENTITY], armor=True)
