"""Typed errors of the age layer.

Each class matches one outcome of the C2SP age conformance vectors (CCTV) and
carries a one-line message a person can act on; ``str(error)`` is that line.
"""

from __future__ import annotations


class AgeError(Exception):
    """Base class of every error raised while encrypting or decrypting an age file.

    ``str(error)`` is the class's plain summary followed by the technical
    detail, so the first words tell a person what happened.
    """

    summary = "the file could not be encrypted or decrypted"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{self.summary}: {detail}" if detail else self.summary)


class KeyFormatError(AgeError, ValueError):
    """A recipient, identity or passphrase argument is malformed; check it was copied whole."""

    summary = "invalid key, recipient or passphrase"


class HeaderError(AgeError):
    """The file is not a well-formed age v1 file (CCTV "header failure").

    The file is damaged, truncated, not an age file, or was written by a
    non-conforming tool; ask the sender to send it again.
    """

    summary = "this is not a valid age file, or its header is damaged"


class WorkFactorTooHighError(HeaderError):
    """The passphrase's scrypt work factor is above the accepted cap.

    Such a file would take minutes and gigabytes to open. If it is genuinely
    trusted, raise ``max_work_factor`` on :class:`~orthoshare.age.ScryptIdentity`.
    """

    summary = "the passphrase protection is set too high to open safely"


class HeaderMACError(AgeError):
    """The header's MAC does not verify (CCTV "HMAC failure").

    The key or passphrase matched, but the header was altered after encryption.
    """

    summary = "the file header was altered after encryption"


class NoIdentityMatchError(AgeError):
    """None of the given keys can open the file (CCTV "no match").

    The file was encrypted to someone else's key or to a passphrase.
    """

    summary = "none of the given keys can open this file"


class WrongPassphraseError(NoIdentityMatchError):
    """The passphrase does not open the file; check it and try again."""

    summary = "wrong passphrase"


class WrongIdentityPassphraseError(WrongPassphraseError):
    """The passphrase does not open the protected identity file; the detail names it."""

    summary = "wrong passphrase for the identity file"


class DamagedIdentityFileError(AgeError):
    """The protected identity file is truncated, altered or malformed.

    A copy of the file, or a new key, is the only way on: its secret cannot be
    recovered from the damaged file.
    """

    summary = "the protected identity file is damaged or truncated"


class NotAnIdentityFileError(KeyFormatError):
    """An age file given as a protected identity file holds no identity.

    It is encrypted to keys rather than a passphrase (a sealed file, say), or what
    its passphrase opens is not an identity file.
    """

    summary = "this age file is not a protected identity file"


class PayloadError(AgeError):
    """The encrypted content is damaged or truncated (CCTV "payload failure").

    Any data released before this error was authenticated, but it is
    incomplete: discard it and ask for the file again.
    """

    summary = "the encrypted content is damaged or truncated"


class ArmorError(AgeError):
    """The text (armored) form of the file is malformed (CCTV "armor failure").

    It was probably changed in transit, for example by an e-mail client
    re-wrapping lines; send the binary file instead.
    """

    summary = "the text (armored) file is malformed"
