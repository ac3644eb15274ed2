"""What a sender asks for, as one typed object: the CLI builds it from its options, the
page's API from the JSON the page sends.

Both then hand the same :class:`SealRequest` to :func:`orthoshare.pipeline.seal`,
so the rules are the same whichever way the request came: the age layer checks
the recipients, :class:`~orthoshare.bundle.writer.Annotation` its own values, and
the writer whether the receiver's manifest check would accept the details.

The page's JSON is read against the dataclasses themselves (:func:`decode`): the
keys of ``details.patient`` are :class:`~orthoshare.records.Patient`'s fields,
and so on, each optional, nothing else allowed. A request of the wrong form is a
bug in the page, and raises :class:`RequestError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, TypeVar

from . import age
from .bundle.writer import Annotation, Details
from .dicom.identity import DicomIdentity
from .records import DeidentifyChoices, Patient

T = TypeVar("T")


class RequestError(ValueError):
    """A request from the page does not have the expected form: a bug in the page,
    which should send the keys and types this module's dataclasses name."""


@dataclass(frozen=True)
class SealRequest:
    """Who may open the sealed file, and what the sender says about the records.

    ``annotations`` is one per input, in the inputs' order, or None.
    ``allow_mixed_patients`` is the sender's confirmation that DICOM inputs
    naming different patients belong together; without it they are refused.
    ``deidentify``, if given, seals the records de-identified as it says
    (:func:`orthoshare.deidentify.prepare`).
    """

    recipients: Sequence[age.Recipient]
    details: Details = field(default_factory=Details)
    annotations: Sequence[Annotation] | None = None
    armor: bool = False
    allow_mixed_patients: bool = False
    deidentify: DeidentifyChoices | None = None

    @classmethod
    def from_json(cls, text: Any, files: int) -> SealRequest:
        """Read the page's request for sealing ``files`` inputs.

        The JSON object has ``details`` (:class:`~orthoshare.bundle.writer.Details`),
        ``annotations`` (a list of one :class:`~orthoshare.bundle.writer.Annotation`
        per file, or null), ``passphrase`` (or null), ``recipients`` (``age1…``
        keys), ``armor``, ``allow_mixed_patients`` and ``deidentify``
        (:class:`~orthoshare.records.DeidentifyChoices`, or null).

        Raises
        ------
        RequestError
            If the request is not of this form.
        orthoshare.age.KeyFormatError
            If a key is not a valid recipient.
        orthoshare.errors.InputError
            If an annotation's kind, view or radiograph is not one there is.
        """
        keys = ("details", "annotations", "passphrase", "recipients", "armor")
        flags = ("allow_mixed_patients", "deidentify")
        document = _object(_json(text), "the request", (*keys, *flags))
        recipients: list[age.Recipient] = []
        passphrase = _optional(document, "passphrase", str)
        if passphrase is not None:
            recipients.append(age.ScryptRecipient(passphrase))
        keys_typed = document.get("recipients") or []
        if not isinstance(keys_typed, list) or not all(isinstance(k, str) for k in keys_typed):
            raise RequestError("recipients is not a list of strings")
        # A passphrase mixed with keys, or no recipient at all, is refused by the age layer.
        recipients += [parse_recipient(key) for key in keys_typed]
        annotations = document.get("annotations")
        if annotations is not None:
            if not isinstance(annotations, list) or len(annotations) != files:
                raise RequestError(f"annotations is not a list of one item per file ({files})")
            annotations = tuple(
                decode(Annotation, item, f"annotations[{index}]")
                for index, item in enumerate(annotations)
            )
        return cls(
            recipients=tuple(recipients),
            details=decode(Details, document.get("details"), "details"),
            annotations=annotations,
            armor=_optional(document, "armor", bool) or False,
            allow_mixed_patients=_optional(document, "allow_mixed_patients", bool) or False,
            deidentify=None
            if document.get("deidentify") is None
            else decode(DeidentifyChoices, document["deidentify"], "deidentify"),
        )


def parse_recipient(text: str) -> age.X25519Recipient | age.HybridRecipient:
    """Parse a public key as typed; a post-quantum one only if this backend encrypts to it.

    Raises
    ------
    orthoshare.age.KeyFormatError
        If it is not an ``age1…`` key, or a post-quantum key the backend cannot use.
    """
    recipient = age.parse_recipient(text)
    if isinstance(recipient, age.HybridRecipient):
        # Wrapping a throwaway key is the one test of "can this backend encrypt
        # to it": without ML-KEM it raises the age layer's KeyFormatError saying so.
        recipient.wrap(bytes(16))
    return recipient


def identities_from_json(text: Any) -> list[age.Identity]:
    """Read the page's request for opening: ``{"passphrase": str}``, or an identity
    file: ``{"identities": its text}`` as pasted, or ``{"identity_file": its bytes
    in base64, "identity_name": its name}`` as picked; with
    ``"identity_passphrase"`` if it is protected (:func:`orthoshare.age.is_protected_identity`).

    Raises
    ------
    RequestError
        If the request is not of this form, or gives no passphrase for a
        protected identity file.
    orthoshare.age.KeyFormatError
        If the identity file holds no valid identity.
    orthoshare.age.WrongIdentityPassphraseError, orthoshare.age.DamagedIdentityFileError
        If a protected identity file does not open with the passphrase given.
    """
    keys = ("identities", "identity_file", "identity_name", "identity_passphrase")
    document = _object(_json(text), "the request", ("passphrase", *keys))
    identities: list[age.Identity] = []
    passphrase = _optional(document, "passphrase", str)
    if passphrase is not None:
        identities.append(age.ScryptIdentity(passphrase))
    pasted = _optional(document, "identities", str)
    encoded = _optional(document, "identity_file", str)
    if encoded is not None:
        try:
            data = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise RequestError("identity_file is not base64") from None
    elif pasted is not None:
        data = pasted.encode("utf-8")
    else:
        return identities
    name = _optional(document, "identity_name", str) or ""
    if age.is_protected_identity(data):
        identity_passphrase = _optional(document, "identity_passphrase", str)
        if not identity_passphrase:
            raise RequestError("the identity file is protected, and no passphrase was given")
        data = age.open_protected_identity(data, identity_passphrase, name).encode("utf-8")
    try:
        return identities + list(age.parse_identity_file(data.decode("utf-8")))
    except UnicodeDecodeError:
        raise age.KeyFormatError(f"{name or 'the identity file'} is not text") from None


@dataclass(frozen=True)
class PatientsRequest:
    """The patients the DICOM files name (each with the file's path), and the one entered."""

    found: tuple[tuple[str, DicomIdentity], ...]
    entered: Patient

    @classmethod
    def from_json(cls, text: Any) -> PatientsRequest:
        """Read ``{"found": [{"path", "dicom"}, …], "entered": patient}``, where each
        ``dicom`` has :class:`~orthoshare.dicom.identity.DicomIdentity`'s fields.

        Raises
        ------
        RequestError
            If the request is not of this form.
        """
        document = _object(_json(text), "the request", ("found", "entered"))
        listed = document.get("found")
        if not isinstance(listed, list):
            raise RequestError("found is not a list")
        found = []
        for index, item in enumerate(listed):
            where = f"found[{index}]"
            pair = _object(item, where, ("path", "dicom"))
            path = _optional(pair, "path", str) or ""
            found.append((path, decode(DicomIdentity, pair.get("dicom"), f"{where}.dicom")))
        return cls(tuple(found), decode(Patient, document.get("entered"), "entered"))


def decode(kind: type[T], value: Any, where: str) -> T:
    """``value``, parsed JSON, as the dataclass ``kind``.

    Its keys are ``kind``'s fields, each optional (absent or null takes the
    field's default); text fields take strings (an empty one is None where the
    field may be None), flags true or false, nested dataclasses objects.

    Raises
    ------
    RequestError
        If ``value`` is not an object, has another key, or a value of another type.
    """
    if not is_dataclass(kind):
        raise TypeError(f"decode: {kind!r} is not a dataclass")
    names = [f.name for f in fields(kind)]
    document = _object(value, where, names)
    hints = typing.get_type_hints(kind)
    values = {}
    for name in names:
        given = document.get(name)
        if given is not None:
            values[name] = _field(hints[name], given, f"{where}.{name}")
    return kind(**values)


def _field(hint: Any, value: Any, where: str) -> Any:
    optional = isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)
    if optional:
        (hint,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is str:
        if not isinstance(value, str):
            raise RequestError(f"{where} is not a string")
        return value or (None if optional else "")
    if hint is bool:
        if not isinstance(value, bool):
            raise RequestError(f"{where} is not true or false")
        return value
    if is_dataclass(hint):
        return decode(hint, value, where)  # type: ignore[arg-type]
    raise TypeError(f"decode: no JSON form for {where} ({hint!r})")


def _json(text: Any) -> dict[str, Any]:
    if not isinstance(text, str):
        raise RequestError("the request is not a JSON string")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise RequestError(f"the request is not JSON ({e})") from None
    if not isinstance(document, dict):
        raise RequestError("the request is not a JSON object")
    return document


def _object(value: Any, where: str, keys: Sequence[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestError(f"{where} is not an object")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise RequestError(f"{where} has unknown keys {unknown}")
    return value


def _optional(document: dict[str, Any], key: str, kind: type[T]) -> T | None:
    value = document.get(key)
    if value is not None and not isinstance(value, kind):
        expected = "true or false" if kind is bool else "a string"
        raise RequestError(f"{key} is not {expected}")
    return value
