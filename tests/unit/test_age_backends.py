"""A second primitives backend is a drop-in: files cross between backends unchanged."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from reference_primitives import ReferencePrimitives

from orthoshare import age
from orthoshare.age import primitives

# The reference backend is pure Python (about 1 s per MiB), so sizes stay small
# but still span several STREAM chunks.
SIZE = 2 * 65536 + 1000


@pytest.fixture
def use_reference() -> Iterator[None]:
    primitives.set_backend(ReferencePrimitives())
    yield
    primitives.set_backend(None)


def sealed_under_reference_backend(
    plaintext: bytes, recipients: list[age.Recipient]
) -> bytes:
    primitives.set_backend(ReferencePrimitives())
    try:
        return age.encrypt_bytes(plaintext, recipients)
    finally:
        primitives.set_backend(None)


def test_the_default_backend_is_cryptography() -> None:
    assert primitives.get_backend().name == "cryptography"


def test_a_file_sealed_by_the_reference_backend_opens_with_the_default() -> None:
    identity = age.X25519Identity.generate()
    plaintext = os.urandom(SIZE)
    sealed = sealed_under_reference_backend(plaintext, [identity.recipient])
    assert primitives.get_backend().name == "cryptography"
    assert age.decrypt_bytes(sealed, [identity]) == plaintext


def test_a_passphrase_file_crosses_backends_both_ways(use_reference: None) -> None:
    plaintext = os.urandom(1000)
    by_reference = age.encrypt_bytes(plaintext, [age.ScryptRecipient("pass", 10)])
    primitives.set_backend(None)
    by_default = age.encrypt_bytes(plaintext, [age.ScryptRecipient("pass", 10)])
    assert age.decrypt_bytes(by_reference, [age.ScryptIdentity("pass")]) == plaintext
    primitives.set_backend(ReferencePrimitives())
    assert age.decrypt_bytes(by_default, [age.ScryptIdentity("pass")]) == plaintext


def test_a_file_sealed_by_the_default_backend_opens_with_the_reference(
    use_reference: None,
) -> None:
    primitives.set_backend(None)
    identity = age.X25519Identity.generate()
    plaintext = os.urandom(SIZE)
    sealed = age.encrypt_bytes(plaintext, [identity.recipient])
    primitives.set_backend(ReferencePrimitives())
    assert age.decrypt_bytes(sealed, [identity]) == plaintext
    with pytest.raises(age.PayloadError):
        age.decrypt_bytes(sealed[:-1], [identity])
