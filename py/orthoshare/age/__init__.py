"""age v1 (age-encryption.org/v1): a conformant, streaming implementation.

Encrypt to public keys or a passphrase; decrypt with secret keys or the
passphrase; binary or ASCII-armored files. The format code is pure Python
over the small interface in :mod:`orthoshare.age.primitives`, so the same code
runs on CPython (``cryptography`` backend) and in the browser (a JS backend).

Examples
--------
>>> from orthoshare import age
>>> alice = age.X25519Identity.generate()
>>> sealed = age.encrypt_bytes(b"records", [alice.recipient])
>>> age.decrypt_bytes(sealed, [alice])
b'records'
"""

from .decrypt import (
    Decryptor,
    PayloadPlan,
    decrypt,
    decrypt_bytes,
    decrypt_file,
    plan_payload,
    read_header,
)
from .encrypt import Encryptor, encrypt, encrypt_bytes, encrypt_file
from .errors import (
    AgeError,
    ArmorError,
    DamagedIdentityFileError,
    HeaderError,
    HeaderMACError,
    KeyFormatError,
    NoIdentityMatchError,
    NotAnIdentityFileError,
    PayloadError,
    WorkFactorTooHighError,
    WrongIdentityPassphraseError,
    WrongPassphraseError,
)
from .format import Header, Stanza
from .interfaces import Identity, Recipient
from .keyfile import (
    format_identity_file,
    parse_identity_file,
    parse_recipient,
    parse_recipients_file,
)
from .mlkem768x25519 import HybridIdentity, HybridRecipient
from .outfile import atomic_output
from .protected import is_protected_identity, open_protected_identity, protect_identity
from .scrypt import ScryptIdentity, ScryptRecipient
from .x25519 import X25519Identity, X25519Recipient

__all__ = [
    "AgeError",
    "ArmorError",
    "DamagedIdentityFileError",
    "Decryptor",
    "Encryptor",
    "Header",
    "HeaderError",
    "HeaderMACError",
    "HybridIdentity",
    "HybridRecipient",
    "Identity",
    "KeyFormatError",
    "NoIdentityMatchError",
    "NotAnIdentityFileError",
    "PayloadError",
    "PayloadPlan",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "Stanza",
    "WorkFactorTooHighError",
    "WrongIdentityPassphraseError",
    "WrongPassphraseError",
    "X25519Identity",
    "X25519Recipient",
    "atomic_output",
    "decrypt",
    "decrypt_bytes",
    "decrypt_file",
    "encrypt",
    "encrypt_bytes",
    "encrypt_file",
    "format_identity_file",
    "is_protected_identity",
    "open_protected_identity",
    "parse_identity_file",
    "parse_recipient",
    "parse_recipients_file",
    "plan_payload",
    "protect_identity",
    "read_header",
]
