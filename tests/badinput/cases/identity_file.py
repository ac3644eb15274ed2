"""Cases against the receiver's identity file protected by a passphrase, not the sealed file.

The sealed file is the good one; the identity file given with it is protected by
another passphrase than the one typed, cut short, or an age file that is not one (the
page refuses a file too large to be an identity file before asking its worker).
"""

from __future__ import annotations

from orthoshare import age

from .material import AGE_CLI, IDENTITY_FILE, PASSPHRASE, Case, Material, seal_plaintext

# As quick to try as every case must be; the work factor is not what is tested.
_WORK_FACTOR = 10


def _protected(passphrase: str) -> bytes:
    recipient = age.ScryptRecipient(passphrase, _WORK_FACTOR)
    return seal_plaintext(IDENTITY_FILE.encode(), recipient, armor=True)


def _good(m: Material) -> bytes:
    return m.sealed


def table() -> list[Case]:
    return [
        Case("identity-wrong-passphrase",
             "the identity file protected by another passphrase than the one typed", AGE_CLI,
             _good, age.WrongIdentityPassphraseError,
             identity=lambda mm: _protected(f"not {PASSPHRASE}")),
        Case("identity-truncated", "the protected identity file cut short", AGE_CLI,
             _good, age.DamagedIdentityFileError,
             identity=lambda mm: _protected(PASSPHRASE)[:300]),
        Case("identity-sealed-to-a-key", "a small file sealed to a key given as the identity file",
             AGE_CLI, _good, age.NotAnIdentityFileError,
             identity=lambda mm: seal_plaintext(b"a letter, not a key\n")),
    ]  # fmt: skip
