"""Protected identity files: an identity file encrypted to a passphrase, as age reads them."""

from __future__ import annotations

import io

import pytest

from orthoshare import age

# A low work factor keeps the suite fast; one test checks the default of 18.
FAST = 10
PASSPHRASE = "bracket and band"


def identity_file() -> tuple[age.X25519Identity, str]:
    identity = age.X25519Identity.generate()
    return identity, age.format_identity_file(identity)


def protected(text: str, *, armor: bool = True) -> bytes:
    """``text`` protected as ``protect_identity`` does, at a fast work factor."""
    return age.encrypt_bytes(text.encode(), [age.ScryptRecipient(PASSPHRASE, FAST)], armor=armor)


def test_a_protected_identity_is_armored_scrypt_at_work_factor_18_and_opens_to_its_text() -> None:
    identity, text = identity_file()
    armored = age.protect_identity(text, PASSPHRASE)
    assert armored.startswith("-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert armored.endswith("-----END AGE ENCRYPTED FILE-----\n")
    assert "AGE-SECRET-KEY-" not in armored
    (stanza,) = age.read_header(io.BytesIO(armored.encode())).stanzas
    assert (stanza.type, stanza.args[1]) == ("scrypt", "18")
    opened = age.open_protected_identity(armored, PASSPHRASE)
    assert opened == text
    assert age.parse_identity_file(opened)[0].recipient == identity.recipient


@pytest.mark.parametrize("armor", [True, False], ids=["armored", "binary"])
def test_armored_and_binary_protected_identities_are_recognised_and_open(armor: bool) -> None:
    _, text = identity_file()
    data = protected(text, armor=armor)
    assert age.is_protected_identity(data)
    assert age.open_protected_identity(data, PASSPHRASE) == text


def test_only_age_files_are_taken_for_protected_identities() -> None:
    _, text = identity_file()
    armored = protected(text).decode()
    assert age.is_protected_identity("\n  " + armored)  # as pasted into a form
    assert not age.is_protected_identity(text)
    assert not age.is_protected_identity(text.splitlines()[-1])
    assert not age.is_protected_identity("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert not age.is_protected_identity(b"")


def test_a_wrong_passphrase_is_its_own_error_naming_the_file() -> None:
    _, text = identity_file()
    with pytest.raises(age.WrongIdentityPassphraseError) as raised:
        age.open_protected_identity(protected(text), "bracket and bend", "key.age")
    assert str(raised.value) == "wrong passphrase for the identity file: key.age"
    assert isinstance(raised.value, age.WrongPassphraseError)


@pytest.mark.parametrize("armor", [True, False], ids=["armored", "binary"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_truncated_protected_identity_is_damaged_not_a_wrong_passphrase(
    armor: bool, keep: float
) -> None:
    _, text = identity_file()
    data = protected(text, armor=armor)
    with pytest.raises(age.DamagedIdentityFileError) as raised:
        age.open_protected_identity(data[: int(len(data) * keep)], PASSPHRASE, "key.age")
    message = str(raised.value)
    assert message.startswith("the protected identity file is damaged or truncated: key.age: ")
    assert message[0].islower() and not message.endswith(".")


def test_an_altered_protected_identity_is_damaged() -> None:
    _, text = identity_file()
    data = bytearray(protected(text, armor=False))
    data[-5] ^= 1
    with pytest.raises(age.DamagedIdentityFileError):
        age.open_protected_identity(bytes(data), PASSPHRASE)


@pytest.mark.parametrize(
    ("plaintext", "reason"),
    [
        (b"Dear Dr Kim,\n", "identity file line 1: "),
        (b"# only a comment\n", "holds no AGE-SECRET-KEY-"),
        (b"\xff\xfe binary", "it is not text"),
    ],
    ids=["a-letter", "no-key-line", "not-text"],
)
def test_an_age_file_whose_plaintext_is_not_an_identity_file_is_refused(
    plaintext: bytes, reason: str
) -> None:
    data = age.encrypt_bytes(plaintext, [age.ScryptRecipient(PASSPHRASE, FAST)], armor=True)
    with pytest.raises(age.NotAnIdentityFileError) as raised:
        age.open_protected_identity(data, PASSPHRASE, "key.age")
    assert str(raised.value).startswith("this age file is not a protected identity file: key.age: ")
    assert reason in str(raised.value)


def test_a_sealed_file_given_as_a_protected_identity_is_refused_as_not_one() -> None:
    recipient = age.X25519Identity.generate().recipient
    sealed = age.encrypt_bytes(b"PK\x03\x04records", [recipient])
    assert age.is_protected_identity(sealed)
    with pytest.raises(age.NotAnIdentityFileError, match="encrypted to keys, not protected"):
        age.open_protected_identity(sealed, PASSPHRASE, "records.zip.age")


def test_protecting_refuses_what_is_not_an_identity_file_and_an_empty_passphrase() -> None:
    _, text = identity_file()
    with pytest.raises(age.KeyFormatError, match="holds no AGE-SECRET-KEY-"):
        age.protect_identity("# nothing here\n", PASSPHRASE, work_factor=FAST)
    with pytest.raises(age.KeyFormatError, match="the passphrase is empty"):
        age.protect_identity(text, "", work_factor=FAST)
    with pytest.raises(age.KeyFormatError, match="the passphrase is empty"):
        age.open_protected_identity(protected(text), "")
