"""Protected identity files: an identity file encrypted with a passphrase, as age reads them.

Wherever the age command takes an identity file (``age -d -i FILE``) it also
takes an age file, binary or armored, encrypted to a passphrase (one scrypt
stanza) whose plaintext is an identity file; it asks for that passphrase when
the file is used. Such a file keeps the secret key safe on a lost USB stick or
a shared folder. It is written armored here, so that it stays a text file.
"""

from __future__ import annotations

from .armor import BEGIN as ARMOR_BEGIN
from .decrypt import decrypt_bytes
from .encrypt import encrypt_bytes
from .errors import (
    AgeError,
    DamagedIdentityFileError,
    KeyFormatError,
    NoIdentityMatchError,
    NotAnIdentityFileError,
    WorkFactorTooHighError,
    WrongIdentityPassphraseError,
    WrongPassphraseError,
)
from .keyfile import parse_identity_file
from .scrypt import DEFAULT_WORK_FACTOR, ScryptIdentity, ScryptRecipient

_BINARY_START = b"age-encryption.org/"
_WHITESPACE = b" \t\r\n\v\f"


def is_protected_identity(data: bytes | str) -> bool:
    """Tell whether an identity file, as read, is a protected one (an age file).

    As the age command does, only the start is looked at: a binary age header,
    or the armor's BEGIN line (here after any whitespace, as pasted text has).
    A plain identity file starts with a ``#`` comment or ``AGE-SECRET-KEY-``.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return raw.startswith(_BINARY_START) or raw.lstrip(_WHITESPACE).startswith(ARMOR_BEGIN)


def protect_identity(
    identity_file: str, passphrase: str | bytes, *, work_factor: int = DEFAULT_WORK_FACTOR
) -> str:
    """Encrypt an identity file with a passphrase, as armored text.

    The age command opens records with the result (``age -d -i FILE``), asking
    for the passphrase, and so does :func:`open_protected_identity`.

    Parameters
    ----------
    identity_file : str
        The identity file's text, as :func:`format_identity_file` writes it.
    passphrase : str or bytes
        The passphrase; a ``str`` is encoded as UTF-8.
    work_factor : int, optional
        log2 of scrypt's N: each step doubles the work of every guess.

    Raises
    ------
    KeyFormatError
        If ``identity_file`` holds no identity, or the passphrase is empty.
    """
    # Refused here rather than found out when the protected file is needed.
    parse_identity_file(identity_file)
    recipient = ScryptRecipient(passphrase, work_factor)
    return encrypt_bytes(identity_file.encode("utf-8"), [recipient], armor=True).decode("ascii")


def open_protected_identity(data: bytes | str, passphrase: str | bytes, name: str = "") -> str:
    """Decrypt a protected identity file; return the identity file's text.

    Parameters
    ----------
    data : bytes or str
        The protected identity file, binary or armored.
    passphrase : str or bytes
        Its passphrase; a ``str`` is encoded as UTF-8.
    name : str, optional
        The file's name, for the errors' messages.

    Raises
    ------
    WrongIdentityPassphraseError
        If the passphrase does not open it.
    DamagedIdentityFileError
        If it is truncated, altered or malformed.
    KeyFormatError
        If the passphrase is empty.
    NotAnIdentityFileError
        If it is an age file encrypted to keys rather than a passphrase, or what
        the passphrase opens is not an identity file.
    WorkFactorTooHighError
        If its scrypt work factor is above the accepted cap.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    named = f"{name}: " if name else ""
    identity = ScryptIdentity(passphrase)
    try:
        plaintext = decrypt_bytes(raw, [identity])
    except WrongPassphraseError:
        raise WrongIdentityPassphraseError(name) from None
    except NoIdentityMatchError:
        raise NotAnIdentityFileError(
            f"{named}it is encrypted to keys, not protected by a passphrase"
        ) from None
    except WorkFactorTooHighError:
        # The file's own setting, not damage: its message says what to do.
        raise
    except AgeError as e:
        raise DamagedIdentityFileError(f"{named}{e.detail or e.summary}") from None
    try:
        text = plaintext.decode("utf-8")
        parse_identity_file(text)
    except (UnicodeDecodeError, KeyFormatError) as e:
        reason = e.detail if isinstance(e, KeyFormatError) else "it is not text"
        raise NotAnIdentityFileError(f"{named}{reason}") from None
    return text
