"""Files we write open with Debian's `age` 1.1.1, and files it writes open with us.

Every exchange goes through files on disk, as a person would move them. Sizes sit
on the 64 KiB STREAM chunk boundaries, where implementations most often disagree.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from orthoshare import age

from .passphrase_tty import run_on_terminal

SIZES = [0, 1, 65535, 65536, 65537, 3 * 65536, 5_000_000]
ARMOR_SIZES = [0, 1, 65536, 65537]
#: Seconds any single CLI run may take; generous, since a hang is what it guards against.
TIMEOUT = 120.0
PASSPHRASE = "correct horse battery staple"
#: Low enough to keep the suite fast; one test covers the default of 18 on its own.
FAST_WORK_FACTOR = 10
ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"


def plaintext(size: int) -> bytes:
    """Random bytes, the same for a size on every run so a failure can be replayed."""
    return random.Random(size).randbytes(size)


def write_plaintext(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    data = plaintext(size)
    path = tmp_path / "plain.bin"
    path.write_bytes(data)
    return path, data


def run_cli(*argv: str) -> str:
    """Run a command without a terminal and return its stdout; fail with its stderr."""
    result = subprocess.run(argv, capture_output=True, timeout=TIMEOUT, check=False)
    assert result.returncode == 0, f"{argv} failed: {result.stderr.decode(errors='replace')}"
    return result.stdout.decode()


def run_cli_with_passphrase(passphrase: str, *argv: str) -> None:
    result = run_on_terminal(argv, passphrase, timeout=TIMEOUT)
    assert result.returncode == 0, f"{argv} failed: {result.transcript}"


def cli_output(path: Path) -> bytes:
    """What the CLI decrypted to ``path`` (after it exited successfully).

    age 1.1.1 creates its ``-o`` file at the first byte of plaintext, so an empty
    plaintext leaves no file at all.
    """
    return path.read_bytes() if path.exists() else b""


def write_identity_file(tmp_path: Path, identity: age.X25519Identity, name: str) -> Path:
    path = tmp_path / name
    path.write_text(age.format_identity_file(identity))
    return path


@pytest.mark.parametrize("size", SIZES)
def test_cli_decrypts_our_x25519_file(tmp_path: Path, age_cli: str, size: int) -> None:
    source, data = write_plaintext(tmp_path, size)
    identity = age.X25519Identity.generate()
    age.encrypt_file(source, tmp_path / "ours.age", [identity.recipient])

    key = write_identity_file(tmp_path, identity, "key.txt")
    run_cli(age_cli, "-d", "-i", str(key), "-o", str(tmp_path / "out"), str(tmp_path / "ours.age"))

    assert cli_output(tmp_path / "out") == data


@pytest.mark.parametrize("size", SIZES)
def test_we_decrypt_cli_x25519_file(tmp_path: Path, age_cli: str, size: int) -> None:
    source, data = write_plaintext(tmp_path, size)
    identity = age.X25519Identity.generate()
    encrypted = tmp_path / "cli.age"
    run_cli(age_cli, "-e", "-r", str(identity.recipient), "-o", str(encrypted), str(source))

    age.decrypt_file(encrypted, tmp_path / "out", [identity])

    assert (tmp_path / "out").read_bytes() == data


@pytest.mark.parametrize("size", SIZES)
def test_cli_decrypts_our_passphrase_file(tmp_path: Path, age_cli: str, size: int) -> None:
    source, data = write_plaintext(tmp_path, size)
    recipient = age.ScryptRecipient(PASSPHRASE, work_factor=FAST_WORK_FACTOR)
    age.encrypt_file(source, tmp_path / "ours.age", [recipient])

    run_cli_with_passphrase(
        PASSPHRASE, age_cli, "-d", "-o", str(tmp_path / "out"), str(tmp_path / "ours.age")
    )

    assert cli_output(tmp_path / "out") == data


@pytest.mark.parametrize("size", SIZES)
def test_we_decrypt_cli_passphrase_file(tmp_path: Path, age_cli: str, size: int) -> None:
    source, data = write_plaintext(tmp_path, size)
    encrypted = tmp_path / "cli.age"
    run_cli_with_passphrase(PASSPHRASE, age_cli, "-e", "-p", "-o", str(encrypted), str(source))

    age.decrypt_file(encrypted, tmp_path / "out", [age.ScryptIdentity(PASSPHRASE)])

    assert (tmp_path / "out").read_bytes() == data


def test_cli_decrypts_our_passphrase_file_at_default_work_factor(
    tmp_path: Path, age_cli: str
) -> None:
    data = plaintext(65537)
    encrypted = age.encrypt_bytes(data, [age.ScryptRecipient(PASSPHRASE)])
    (tmp_path / "ours.age").write_bytes(encrypted)

    run_cli_with_passphrase(
        PASSPHRASE, age_cli, "-d", "-o", str(tmp_path / "out"), str(tmp_path / "ours.age")
    )

    assert re.search(rb"^-> scrypt \S+ 18$", encrypted, re.MULTILINE)
    assert cli_output(tmp_path / "out") == data


def test_we_decrypt_cli_file_with_non_ascii_passphrase(tmp_path: Path, age_cli: str) -> None:
    # Both sides must feed scrypt the UTF-8 bytes of what the person typed.
    passphrase = "Zähne — 歯 — δόντια"
    source, data = write_plaintext(tmp_path, 1000)
    encrypted = tmp_path / "cli.age"
    run_cli_with_passphrase(passphrase, age_cli, "-e", "-p", "-o", str(encrypted), str(source))

    assert age.decrypt_bytes(encrypted.read_bytes(), [age.ScryptIdentity(passphrase)]) == data


def test_wrong_passphrase_on_cli_file_raises_wrong_passphrase_error(
    tmp_path: Path, age_cli: str
) -> None:
    source, _ = write_plaintext(tmp_path, 1000)
    encrypted = tmp_path / "cli.age"
    run_cli_with_passphrase(PASSPHRASE, age_cli, "-e", "-p", "-o", str(encrypted), str(source))

    with pytest.raises(age.WrongPassphraseError):
        age.decrypt_bytes(encrypted.read_bytes(), [age.ScryptIdentity("not the passphrase")])


def test_cli_refuses_wrong_passphrase_on_our_file(tmp_path: Path, age_cli: str) -> None:
    recipient = age.ScryptRecipient(PASSPHRASE, work_factor=FAST_WORK_FACTOR)
    (tmp_path / "ours.age").write_bytes(age.encrypt_bytes(plaintext(1000), [recipient]))

    result = run_on_terminal(
        [age_cli, "-d", "-o", str(tmp_path / "out"), str(tmp_path / "ours.age")],
        "not the passphrase",
        timeout=TIMEOUT,
    )

    assert result.returncode != 0
    assert "incorrect passphrase" in result.transcript


def test_cli_file_for_another_key_raises_no_identity_match(tmp_path: Path, age_cli: str) -> None:
    source, _ = write_plaintext(tmp_path, 1000)
    encrypted = tmp_path / "cli.age"
    someone_else = age.X25519Identity.generate().recipient
    run_cli(age_cli, "-e", "-r", str(someone_else), "-o", str(encrypted), str(source))

    with pytest.raises(age.NoIdentityMatchError):
        age.decrypt_bytes(encrypted.read_bytes(), [age.X25519Identity.generate()])


@pytest.mark.parametrize("size", ARMOR_SIZES)
def test_cli_decrypts_our_armored_file(tmp_path: Path, age_cli: str, size: int) -> None:
    data = plaintext(size)
    identity = age.X25519Identity.generate()
    armored = age.encrypt_bytes(data, [identity.recipient], armor=True)
    (tmp_path / "ours.age").write_bytes(armored)

    key = write_identity_file(tmp_path, identity, "key.txt")
    run_cli(age_cli, "-d", "-i", str(key), "-o", str(tmp_path / "out"), str(tmp_path / "ours.age"))

    assert armored.startswith(ARMOR_BEGIN)
    assert cli_output(tmp_path / "out") == data


@pytest.mark.parametrize("size", ARMOR_SIZES)
def test_we_decrypt_cli_armored_file(tmp_path: Path, age_cli: str, size: int) -> None:
    source, data = write_plaintext(tmp_path, size)
    identity = age.X25519Identity.generate()
    encrypted = tmp_path / "cli.age"
    run_cli(age_cli, "-e", "-a", "-r", str(identity.recipient), "-o", str(encrypted), str(source))

    armored = encrypted.read_bytes()

    assert armored.startswith(ARMOR_BEGIN)
    assert age.decrypt_bytes(armored, [identity]) == data


def test_cli_decrypts_our_armored_passphrase_file(tmp_path: Path, age_cli: str) -> None:
    data = plaintext(65537)
    recipient = age.ScryptRecipient(PASSPHRASE, work_factor=FAST_WORK_FACTOR)
    (tmp_path / "ours.age").write_bytes(age.encrypt_bytes(data, [recipient], armor=True))

    run_cli_with_passphrase(
        PASSPHRASE, age_cli, "-d", "-o", str(tmp_path / "out"), str(tmp_path / "ours.age")
    )

    assert cli_output(tmp_path / "out") == data


def test_we_decrypt_cli_armored_passphrase_file(tmp_path: Path, age_cli: str) -> None:
    source, data = write_plaintext(tmp_path, 65537)
    encrypted = tmp_path / "cli.age"
    run_cli_with_passphrase(
        PASSPHRASE, age_cli, "-e", "-a", "-p", "-o", str(encrypted), str(source)
    )

    assert age.decrypt_bytes(encrypted.read_bytes(), [age.ScryptIdentity(PASSPHRASE)]) == data


def test_cli_decrypts_our_three_recipient_file_with_each_identity(
    tmp_path: Path, age_cli: str
) -> None:
    source, data = write_plaintext(tmp_path, 3 * 65536 + 1)
    identities = [age.X25519Identity.generate() for _ in range(3)]
    encrypted = tmp_path / "ours.age"
    with source.open("rb") as src, encrypted.open("wb") as dst:
        age.encrypt(src, dst, [identity.recipient for identity in identities])

    assert encrypted.read_bytes().count(b"\n-> X25519 ") == 3
    for index, identity in enumerate(identities):
        key = write_identity_file(tmp_path, identity, f"key{index}.txt")
        out = tmp_path / f"out{index}"
        run_cli(age_cli, "-d", "-i", str(key), "-o", str(out), str(encrypted))
        assert cli_output(out) == data, f"identity {index}"


def test_we_decrypt_cli_three_recipient_file_with_each_identity(
    tmp_path: Path, age_cli: str
) -> None:
    source, data = write_plaintext(tmp_path, 3 * 65536 + 1)
    identities = [age.X25519Identity.generate() for _ in range(3)]
    encrypted = tmp_path / "cli.age"
    recipient_args = [arg for i in identities for arg in ("-r", str(i.recipient))]
    run_cli(age_cli, "-e", *recipient_args, "-o", str(encrypted), str(source))

    for index, identity in enumerate(identities):
        out = tmp_path / f"out{index}"
        age.decrypt_file(encrypted, out, [identity])
        assert out.read_bytes() == data, f"identity {index}"


def test_we_parse_age_keygen_identity_file(
    tmp_path: Path, age_cli: str, age_keygen_cli: str
) -> None:
    key = tmp_path / "key.txt"
    run_cli(age_keygen_cli, "-o", str(key))
    text = key.read_text()
    secret = re.search(r"^AGE-SECRET-KEY-1\S+$", text, re.MULTILINE)
    public = re.search(r"^# public key: (age1\S+)$", text, re.MULTILINE)
    assert secret and public, text

    [identity] = age.parse_identity_file(text)

    assert str(identity) == secret.group(0)
    assert str(identity.recipient) == public.group(1)
    # The parsed key must also work, not only print back the same text.
    source, data = write_plaintext(tmp_path, 70_000)
    encrypted = tmp_path / "cli.age"
    run_cli(age_cli, "-e", "-i", str(key), "-o", str(encrypted), str(source))
    assert age.decrypt_bytes(encrypted.read_bytes(), [identity]) == data


def test_age_keygen_derives_our_recipient_from_our_identity_file(
    tmp_path: Path, age_keygen_cli: str
) -> None:
    identity = age.X25519Identity.generate()
    key = write_identity_file(tmp_path, identity, "key.txt")

    assert run_cli(age_keygen_cli, "-y", str(key)).strip() == str(identity.recipient)
    text = key.read_text()
    assert re.search(r"^# created: \S", text, re.MULTILINE), text
    assert f"\n# public key: {identity.recipient}\n" in f"\n{text}", text


def test_cli_round_trips_with_our_identity_file(tmp_path: Path, age_cli: str) -> None:
    identity = age.X25519Identity.generate()
    key = write_identity_file(tmp_path, identity, "key.txt")
    source, data = write_plaintext(tmp_path, 70_000)
    encrypted = tmp_path / "cli.age"

    run_cli(age_cli, "-e", "-i", str(key), "-o", str(encrypted), str(source))
    run_cli(age_cli, "-d", "-i", str(key), "-o", str(tmp_path / "out"), str(encrypted))

    assert cli_output(tmp_path / "out") == data
    assert age.decrypt_bytes(encrypted.read_bytes(), [identity]) == data


def run_orthoshare(*argv: str) -> str:
    """Run our command as a person would; return its stderr (where it speaks)."""
    result = subprocess.run(
        [sys.executable, "-m", "orthoshare", *argv],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{argv} failed: {result.stderr.decode(errors='replace')}"
    return result.stderr.decode()


def seal_letter_with_our_cli(tmp_path: Path, public_key: str) -> tuple[Path, bytes]:
    """A letter sealed by our command to ``public_key``; the file and the letter's bytes."""
    letter = tmp_path / "letter.txt"
    letter.write_bytes(plaintext(70_000))
    sealed = tmp_path / "letter.zip.age"
    run_orthoshare("seal", str(letter), "-r", public_key, "-o", str(sealed))
    return sealed, letter.read_bytes()


def test_cli_opens_records_with_an_identity_our_cli_protected(tmp_path: Path, age_cli: str) -> None:
    passphrase_file = tmp_path / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n")
    key = tmp_path / "key.age"
    said = run_orthoshare("keygen", "--passphrase-file", str(passphrase_file), "-o", str(key))
    public_key = said.strip().splitlines()[-2].removeprefix("Public key: ")
    sealed, letter = seal_letter_with_our_cli(tmp_path, public_key)

    out = tmp_path / "records.zip"
    run = run_on_terminal(
        [age_cli, "-d", "-i", str(key), "-o", str(out), str(sealed)], PASSPHRASE, timeout=TIMEOUT
    )

    assert run.returncode == 0, run.transcript
    assert f'Enter passphrase for identity file "{key}"' in run.transcript
    identities = age.parse_identity_file(age.open_protected_identity(key.read_bytes(), PASSPHRASE))
    assert cli_output(out) == age.decrypt_bytes(sealed.read_bytes(), identities)
    with zipfile.ZipFile(out) as records:
        assert records.read("ORIGINAL/letter.txt") == letter


def test_cli_refuses_our_protected_identity_with_a_wrong_passphrase(
    tmp_path: Path, age_cli: str
) -> None:
    identity = age.X25519Identity.generate()
    key = tmp_path / "key.age"
    key.write_text(age.protect_identity(age.format_identity_file(identity), PASSPHRASE))
    sealed = tmp_path / "s.age"
    sealed.write_bytes(age.encrypt_bytes(b"records", [identity.recipient]))

    out = tmp_path / "out"
    run = run_on_terminal(
        [age_cli, "-d", "-i", str(key), "-o", str(out), str(sealed)], "wrong", timeout=TIMEOUT
    )

    assert run.returncode != 0
    assert "incorrect passphrase" in run.transcript, run.transcript
    assert not out.exists()


@pytest.mark.parametrize("armor", [True, False], ids=["armored", "binary"])
def test_our_cli_opens_records_with_an_identity_the_age_cli_protected(
    tmp_path: Path, age_cli: str, age_keygen_cli: str, armor: bool
) -> None:
    plain_key = tmp_path / "key.txt"
    run_cli(age_keygen_cli, "-o", str(plain_key))
    key = tmp_path / "key.age"
    run_cli_with_passphrase(
        PASSPHRASE, age_cli, "-p", *(["-a"] if armor else []), "-o", str(key), str(plain_key)
    )
    assert key.read_bytes().startswith(ARMOR_BEGIN if armor else b"age-encryption.org/v1\n")
    # Our age layer reads it as the age CLI wrote it.
    assert age.open_protected_identity(key.read_bytes(), PASSPHRASE) == plain_key.read_text()
    public_key = run_cli(age_keygen_cli, "-y", str(plain_key)).strip()
    sealed, letter = seal_letter_with_our_cli(tmp_path, public_key)
    passphrase_file = tmp_path / "passphrase.txt"
    passphrase_file.write_text(PASSPHRASE + "\n")

    run_orthoshare(
        "open", str(sealed), "-i", str(key), "--identity-passphrase-file", str(passphrase_file),
        "-o", str(tmp_path / "opened"),
    )  # fmt: skip

    assert (tmp_path / "opened" / "ORIGINAL" / "letter.txt").read_bytes() == letter
