"""Recipients and identities: keys, passphrases, several recipients, and plain errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from orthoshare import age
from orthoshare.age import primitives
from orthoshare.age.format import Stanza

# A low work factor keeps the suite fast; the default (18) is exercised by interop tests.
FAST = 10


def test_a_file_to_several_recipients_opens_with_each_identity() -> None:
    identities = [age.X25519Identity.generate() for _ in range(3)]
    sealed = age.encrypt_bytes(b"records", [i.recipient for i in identities])
    assert sealed.count(b"\n-> X25519 ") == 3
    for identity in identities:
        assert age.decrypt_bytes(sealed, [identity]) == b"records"


def test_the_matching_identity_is_found_among_others() -> None:
    stranger, owner = age.X25519Identity.generate(), age.X25519Identity.generate()
    sealed = age.encrypt_bytes(b"records", [owner.recipient])
    assert age.decrypt_bytes(sealed, [stranger, owner]) == b"records"


def test_a_wrong_key_is_said_plainly() -> None:
    sealed = age.encrypt_bytes(b"records", [age.X25519Identity.generate().recipient])
    with pytest.raises(age.NoIdentityMatchError, match="not encrypted to this key"):
        age.decrypt_bytes(sealed, [age.X25519Identity.generate()])


def test_a_wrong_passphrase_is_said_plainly() -> None:
    sealed = age.encrypt_bytes(b"records", [age.ScryptRecipient("right horse", FAST)])
    with pytest.raises(age.WrongPassphraseError, match=r"^wrong passphrase$"):
        age.decrypt_bytes(sealed, [age.ScryptIdentity("wrong horse")])
    assert age.decrypt_bytes(sealed, [age.ScryptIdentity("right horse")]) == b"records"


def test_a_key_for_a_passphrase_file_and_a_passphrase_for_a_key_file_are_explained() -> None:
    by_passphrase = age.encrypt_bytes(b"x", [age.ScryptRecipient("pass", FAST)])
    by_key = age.encrypt_bytes(b"x", [age.X25519Identity.generate().recipient])
    with pytest.raises(age.NoIdentityMatchError, match="protected by a passphrase"):
        age.decrypt_bytes(by_passphrase, [age.X25519Identity.generate()])
    with pytest.raises(age.NoIdentityMatchError, match="protected by a key"):
        age.decrypt_bytes(by_key, [age.ScryptIdentity("pass")])
    with pytest.raises(age.NoIdentityMatchError, match="no key or passphrase"):
        age.decrypt_bytes(by_key, [])


def test_a_passphrase_cannot_be_combined_with_other_recipients() -> None:
    recipients: list[age.Recipient] = [
        age.ScryptRecipient("pass", FAST),
        age.X25519Identity.generate().recipient,
    ]
    with pytest.raises(age.KeyFormatError, match="cannot be combined"):
        age.encrypt_bytes(b"x", recipients)
    with pytest.raises(age.KeyFormatError, match="no recipients"):
        age.encrypt_bytes(b"x", [])


def test_the_default_work_factor_is_18() -> None:
    (stanza,) = age.ScryptRecipient("pass").wrap(bytes(16))
    assert stanza.type == "scrypt"
    assert stanza.args[1] == "18"


class CountingPrimitives(primitives.CryptographyPrimitives):
    scrypt_calls = 0

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        self.scrypt_calls += 1
        return super().scrypt(passphrase, salt, log_n)


@pytest.fixture
def counting_backend() -> Iterator[CountingPrimitives]:
    backend = CountingPrimitives()
    primitives.set_backend(backend)
    yield backend
    primitives.set_backend(None)


def test_a_work_factor_above_the_cap_is_refused_before_any_scrypt_work(
    counting_backend: CountingPrimitives,
) -> None:
    sealed = age.encrypt_bytes(b"records", [age.ScryptRecipient("pass", 12)])
    counting_backend.scrypt_calls = 0
    with pytest.raises(age.WorkFactorTooHighError, match="above the accepted 11"):
        age.decrypt_bytes(sealed, [age.ScryptIdentity("pass", max_work_factor=11)])
    assert counting_backend.scrypt_calls == 0
    assert age.decrypt_bytes(sealed, [age.ScryptIdentity("pass", max_work_factor=12)]) == (
        b"records"
    )
    assert counting_backend.scrypt_calls == 1


def test_a_work_factor_of_30_is_refused_by_default(counting_backend: CountingPrimitives) -> None:
    identity = age.ScryptIdentity("pass")
    stanza = Stanza("scrypt", ("AAAAAAAAAAAAAAAAAAAAAA", "30"), bytes(32))
    with pytest.raises(age.WorkFactorTooHighError, match="above the accepted 22"):
        identity.unwrap([stanza])
    assert counting_backend.scrypt_calls == 0


def test_an_empty_passphrase_is_refused() -> None:
    with pytest.raises(age.KeyFormatError, match="empty"):
        age.ScryptRecipient("")
    with pytest.raises(age.KeyFormatError, match="outside"):
        age.ScryptRecipient("pass", work_factor=23)


def test_keys_round_trip_through_their_bech32_strings() -> None:
    identity = age.X25519Identity.generate()
    text = str(identity)
    assert text.startswith("AGE-SECRET-KEY-1") and len(text) == 74
    assert str(identity.recipient).startswith("age1") and len(str(identity.recipient)) == 62
    assert age.X25519Identity.parse(text).recipient == identity.recipient
    assert age.X25519Identity.parse(text.lower()).recipient == identity.recipient
    assert age.X25519Recipient.parse(str(identity.recipient)) == identity.recipient


def test_a_known_age_key_pair_matches() -> None:
    # From the age specification's examples (age-keygen output).
    identity = age.X25519Identity.parse(
        "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    )
    assert str(identity.recipient) == (
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
    )


def test_the_secret_key_is_not_shown_in_repr() -> None:
    identity = age.X25519Identity.generate()
    assert str(identity) not in repr(identity)
    assert "pass" not in repr(age.ScryptIdentity("pass"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "age1",
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk",  # bad checksum
        "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnuj",  # cut short
        "Age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj",  # mixed case
        "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX",
    ],
)
def test_a_malformed_recipient_is_refused(text: str) -> None:
    with pytest.raises(age.KeyFormatError):
        age.X25519Recipient.parse(text)


def test_identity_files_are_read_with_comments_and_blank_lines() -> None:
    first, second = age.X25519Identity.generate(), age.X25519Identity.generate()
    created = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    text = age.format_identity_file(first, created) + "\n" + age.format_identity_file(second)
    assert text.startswith(f"# created: 2026-11-28T09:30:00Z\n# public key: {first.recipient}\n")
    parsed = age.parse_identity_file(text)
    assert [i.recipient for i in parsed] == [first.recipient, second.recipient]


def test_a_bad_identity_file_line_is_named() -> None:
    text = "# a comment\n\nAGE-SECRET-KEY-1NOTAKEY\n"
    with pytest.raises(age.KeyFormatError, match="line 3"):
        age.parse_identity_file(text)
    with pytest.raises(age.KeyFormatError, match="holds no"):
        age.parse_identity_file("# only a comment\n")


def test_recipients_files_are_read() -> None:
    recipients = [age.X25519Identity.generate().recipient for _ in range(2)]
    text = "# team\n" + "\n".join(str(r) for r in recipients) + "\n"
    assert age.parse_recipients_file(text) == recipients
    with pytest.raises(age.KeyFormatError, match="line 2"):
        age.parse_recipients_file("# team\nage1nope\n")


def test_a_low_order_recipient_key_is_refused_when_encrypting() -> None:
    with pytest.raises(age.KeyFormatError, match="low-order"):
        age.encrypt_bytes(b"x", [age.X25519Recipient(bytes(32))])
