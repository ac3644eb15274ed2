"""Typed errors of the bundle and the pipeline; the age layer has its own in ``age.errors``.

``str(error)`` starts with a plain sentence; :attr:`OrthoshareError.hint` says
what to do about it. The CLI and the page show both, and nothing else.
"""

from __future__ import annotations

from . import age


class OrthoshareError(Exception):
    """Base class of every error orthoshare raises outside the age layer."""

    summary = "the records could not be sealed or opened"
    hint = ""

    def __init__(self, detail: str = "", *, hint: str | None = None) -> None:
        self.detail = detail
        # One class covers errors of one kind; where a cause needs its own remedy,
        # the raise site says it.
        if hint is not None:
            self.hint = hint
        super().__init__(f"{self.summary}: {detail}" if detail else self.summary)


class NoInputsError(OrthoshareError):
    """Nothing to seal: no files were given, or the folders given hold none."""

    summary = "there is nothing to seal"
    hint = "give at least one file, or a folder that contains files"


class InputError(OrthoshareError):
    """An input file cannot be read, or changed while it was being read."""

    summary = "an input file cannot be used"
    hint = "check the file exists and is readable, and is not being written to"


class ConversionError(InputError):
    """An original cannot become a DICOM object without altering it.

    Sealing never stops for this: the original travels byte-exact, without a
    DICOM object, and the sender is told why (the detail says it).
    """

    summary = "no DICOM object can be made of this file unchanged"
    hint = (
        "nothing is lost: the file is sealed as it is; for a DICOM object too, export it "
        "again as a baseline JPEG or a non-interlaced PNG"
    )


class TooManyFilesError(InputError):
    """The records hold more files, or a longer manifest, than a receiver would open."""

    summary = "these records are too many to send as one file"
    hint = "send them as several sealed files, each with part of the records"


class MixedPatientsError(OrthoshareError):
    """The DICOM inputs name different patients, or another patient than the one entered.

    The detail lists each disagreement; sending anyway needs the sender's confirmation.
    """

    summary = "the inputs name more than one patient"
    hint = (
        "check you picked the right files; to send them anyway, confirm "
        "(CLI: --allow-mixed-patients)"
    )


class OutputExistsError(OrthoshareError):
    """The output folder exists and is not empty; nothing is ever overwritten."""

    summary = "the output folder already exists and is not empty"
    hint = "choose a new folder name, or empty the folder first"


class KeyBookError(OrthoshareError):
    """A key book line is not a named key, a name or key is there twice, or a name asked
    for is not in it. The detail names the line or the name."""

    summary = "the key book cannot be used"
    hint = (
        "each colleague is a line '# Name' and the line below it their age1… key; "
        "fix the line named, or add the colleague to the book"
    )


class BundleError(OrthoshareError):
    """The decrypted content is not a valid orthoshare bundle.

    The encryption was intact, so the file was made this way: by another tool,
    or by someone who altered the bundle before encrypting it again.
    """

    summary = "the records inside the file are not a valid orthoshare bundle"
    hint = "ask the sender to seal the records again with orthoshare"


class ManifestError(BundleError):
    """``ORTHOSHARE.json`` is missing, too large, not JSON, or not schema ``orthoshare/1``."""

    summary = "the bundle's manifest is invalid"


class UnsafePathError(BundleError):
    """A name in the bundle could write outside the output folder or clash on some systems."""

    summary = "the bundle contains an unsafe file name"


class EntryMismatchError(BundleError):
    """A file in the bundle differs from the manifest (size or sha256), or is missing or extra."""

    summary = "the bundle's files do not match its manifest"


# The age layer knows nothing of orthoshare; what to do about its errors is said here.
_AGE_HINTS: dict[type[age.AgeError], str] = {
    age.WrongIdentityPassphraseError: "type the passphrase chosen when the key was made "
    "(capitals count); no one can recover it if it is lost",
    age.DamagedIdentityFileError: "use another copy of the identity file; without one, make a "
    "new key and give senders its public key",
    age.NotAnIdentityFileError: "give the identity file saved when the key was made "
    "(orthoshare-identity.age), not a sealed file",
    age.WrongPassphraseError: "check the passphrase (capitals count) and try again",
    age.NoIdentityMatchError: "use the identity file of the key the file was sealed for, "
    "or the passphrase if it was sealed with one",
    age.WorkFactorTooHighError: "the file was not made by orthoshare; ask the sender to seal it "
    "again with a normal passphrase",
    age.HeaderMACError: "the file was altered after sealing: ask the sender to send it again",
    age.HeaderError: "the file is damaged, truncated or not an orthoshare file: "
    "ask the sender to send it again",
    age.PayloadError: "the file is damaged or truncated: ask the sender to send it again",
    age.ArmorError: "the text form was changed in transit: ask for the binary .age file instead",
    age.KeyFormatError: "check the key was copied whole: age1… (public) or "
    "AGE-SECRET-KEY-1… (identity file)",
}


def hint_for(error: BaseException) -> str:
    """Return what a person can do about ``error`` (empty when there is nothing to say)."""
    if isinstance(error, OrthoshareError):
        return error.hint
    for kind in type(error).__mro__:
        if kind in _AGE_HINTS:
            return _AGE_HINTS[kind]
    return ""
