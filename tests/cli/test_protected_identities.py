"""``keygen`` protects the identity file with a passphrase, as age does, and ``open`` reads it."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from orthoshare import age, keys

from .test_cli import _terminal_session, run

PASSPHRASE = "retainer wire at night"


@pytest.fixture
def passphrase_file(tmp_path: Path) -> Path:
    path = tmp_path / "passphrase.txt"
    path.write_text(PASSPHRASE + "\n")
    return path


@pytest.fixture
def protected_key(
    tmp_path: Path, passphrase_file: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    """A protected identity file made by ``keygen``, and its public key."""
    path = tmp_path / "key.age"
    status, _, err = run(
        ["keygen", "--passphrase-file", str(passphrase_file), "-o", str(path)], capsys
    )
    assert status == 0, err
    return path, err.strip().splitlines()[-2].removeprefix("Public key: ")


@pytest.fixture
def sealed(
    tmp_path: Path, protected_key: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> Path:
    """A small file sealed to the protected key's public key."""
    (tmp_path / "letter.txt").write_text("Dear Dr Kim, the records of Ana Pérez.\n")
    path = tmp_path / "s.zip.age"
    status, _, err = run(
        ["seal", str(tmp_path / "letter.txt"), "-r", protected_key[1], "-o", str(path)], capsys
    )
    assert status == 0, err
    return path


def test_keygen_protects_the_identity_file_with_a_passphrase_by_default(
    protected_key: tuple[Path, str],
) -> None:
    path, public_key = protected_key
    data = path.read_bytes()
    assert data.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert b"AGE-SECRET-KEY-" not in data
    assert path.stat().st_mode & 0o777 == 0o600
    (stanza,) = age.read_header(io.BytesIO(data)).stanzas
    assert (stanza.type, stanza.args[1]) == ("scrypt", "18")
    text = age.open_protected_identity(data, PASSPHRASE)
    assert str(age.parse_identity_file(text)[0].recipient) == public_key


def test_keygen_unprotected_writes_the_plain_age_keygen_format_to_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(["keygen", "--unprotected"], capsys)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("# created: ") and lines[1].startswith("# public key: age1")
    assert lines[2].startswith("AGE-SECRET-KEY-1")
    recipient = age.parse_identity_file(out)[0].recipient
    assert err.strip() == f"Public key: {recipient}\nCheck words: {keys.check_words(recipient)}"


def test_keygen_refuses_unprotected_with_a_passphrase_file_writing_nothing(
    tmp_path: Path, passphrase_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "key.age"
    argv = ["keygen", "--unprotected", "--passphrase-file", str(passphrase_file), "-o", str(key)]
    status, out, err = run(argv, capsys)
    assert status == 1 and out == ""
    assert err.startswith("orthoshare: error: use either --unprotected or --passphrase-file")
    assert not key.exists()


def test_open_with_a_protected_identity_and_its_passphrase_file_restores_the_records(
    tmp_path: Path,
    protected_key: tuple[Path, str],
    passphrase_file: Path,
    sealed: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["open", str(sealed), "-i", str(protected_key[0]), "-o", str(tmp_path / "out")]
    status, out, err = run([*argv, "--identity-passphrase-file", str(passphrase_file)], capsys)
    assert status == 0, err
    assert "all verified" in out
    opened = tmp_path / "out" / "ORIGINAL" / "letter.txt"
    assert opened.read_bytes() == (tmp_path / "letter.txt").read_bytes()


@pytest.mark.parametrize(
    ("damage", "error", "hint"),
    [
        ("wrong passphrase", "wrong passphrase for the identity file: ", "chosen when the key"),
        ("truncated", "the protected identity file is damaged or truncated: ", "another copy"),
        ("the sealed file", "this age file is not a protected identity file: ", "not a sealed"),
    ],
)
def test_a_protected_identity_that_does_not_open_is_an_error_with_a_hint_and_nothing_is_written(
    tmp_path: Path,
    protected_key: tuple[Path, str],
    sealed: Path,
    capsys: pytest.CaptureFixture[str],
    damage: str,
    error: str,
    hint: str,
) -> None:
    key, _ = protected_key
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("retainer wire at noon\n")
    if damage == "truncated":
        key.write_bytes(key.read_bytes()[:200])
    if damage == "the sealed file":
        key.write_bytes(sealed.read_bytes())
    argv = ["open", str(sealed), "-i", str(key), "--identity-passphrase-file"]
    given = str(wrong if damage == "wrong passphrase" else tmp_path / "passphrase.txt")
    status, out, err = run([*argv, given, "-o", str(tmp_path / "out")], capsys)
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"orthoshare: error: {error}{key}"), lines
    assert lines[1].startswith("orthoshare: hint: ") and hint in lines[1]
    assert not (tmp_path / "out").exists()


def test_keygen_asks_twice_on_the_terminal_and_open_asks_once_per_identity_file(
    tmp_path: Path,
) -> None:
    command = [sys.executable, "-m", "orthoshare"]
    key = tmp_path / "typed.age"
    status, transcript = _terminal_session(
        [*command, "keygen", "-o", str(key)], [PASSPHRASE, PASSPHRASE]
    )
    assert status == 0, transcript
    assert "Confirm passphrase: " in transcript
    public_key = transcript.strip().splitlines()[-2].removeprefix("Public key: ")
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear Dr Kim\n")
    sealed = tmp_path / "s.zip.age"
    status, transcript = _terminal_session(
        [*command, "seal", str(letter), "-r", public_key, "-o", str(sealed)], []
    )
    assert status == 0, transcript

    status, transcript = _terminal_session(
        [*command, "open", str(sealed), "-i", str(key), "-i", str(key), "--list"], [PASSPHRASE]
    )
    assert status == 0, transcript
    assert transcript.count(f"Passphrase for identity file {key}: ") == 1
    assert "all verified" in transcript


def test_an_empty_passphrase_at_keygen_gives_a_generated_one_that_opens_the_identity_file(
    tmp_path: Path,
) -> None:
    key = tmp_path / "generated.age"
    status, transcript = _terminal_session(
        [sys.executable, "-m", "orthoshare", "keygen", "-o", str(key)], [""]
    )
    assert status == 0, transcript
    match = re.search(r"generated passphrase: ([a-z2-9-]+)", transcript)
    assert match, transcript
    assert transcript.strip().splitlines()[-2].startswith("Public key: age1")
    text = age.open_protected_identity(key.read_bytes(), match[1])
    assert text.splitlines()[-1].startswith("AGE-SECRET-KEY-1")
