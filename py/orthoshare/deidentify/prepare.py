"""Which inputs go de-identified, cleaned how, under which names; which stay behind.

:func:`prepare` reads the start of every input (a DICOM file's header) once,
and decides for each, by its content and the sender's choices:

- a DICOM object is de-identified as PS3.15 Annex E says, as it is read; one
  that may show identity in its pixels (burned-in text) or holds a document is
  left out, unless the sender sends such objects knowingly;
- a JPEG or PNG photo, and an STL, OBJ, MTL or PLY scan, is cleaned of its
  metadata as it is read (:mod:`orthoshare.deidentify.originals`);
- any other file (a PDF, a HEIC or TIFF photo, a ZIP…) cannot be cleaned with
  certainty: it is left out, unless the sender includes such files;
- a photo that may show the face (an extraoral view, or no view given) is sent
  and said to be, unless the sender leaves such photos out.

Every file sent gets a neutral name (:mod:`orthoshare.deidentify.names`).
Nothing is held whole: a DICOM object's new header is made here and kept (some
kilobytes), its pixel data read from the original as it is sealed; a photo or a
scan is cleaned again, the same way, each time it is read.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, BinaryIO, cast

from ..bundle.manifest import Altered, Deidentification
from ..bundle.paths import readable
from ..bundle.sniff import SNIFF_SIZE, sniff
from ..bundle.writer import Annotation, Details, InputFile
from ..dicom.collect import CONVERTIBLE, deidentifier, read_for_deidentifying
from ..errors import InputError, NoInputsError
from ..records import ByteProgress, DeidentifyChoices, Patient
from .names import NeutralNames
from .originals import ALTERATIONS, CLEANABLE, NotCleanableError, cleaned_pieces
from .pieces import Pieces, PiecesReader

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from ..dicom.deidentify import DeidentifiedFile, DicomDeidentifier
    from ..dicom.identity import DicomIdentity

#: The profile every DICOM object and the manifest name.
METHOD = "DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile"
_DICOM_ALTERED = (
    "DICOM attributes de-identified as the profile says: UIDs replaced, private "
    "attributes removed; pixels untouched"
)
#: Why files of each category may be left out, as the manifest counts them.
_CATEGORIES = {
    "burned_in": "DICOM objects that may show identity in their pixels or hold a document",
    "uncleanable": "files whose identifying data cannot be removed with certainty",
    "face": "photos that may show the face",
}
#: The pseudonym goes into Patient's Name (PN) and Patient ID (LO): 64 characters
#: of plain text at most, without the separators those forms give a meaning to.
_PSEUDONYM_MAX = 64
_PSEUDONYM_FORBIDDEN = set("\\^=")
#: Dates move back by a whole number of days, between one and ten years.
_OFFSET_DAYS = (366, 3652)


@dataclass(frozen=True)
class SentInput:
    """An input as it is sent: under a neutral name (``parts``), read cleaned (or,
    chosen knowingly, as it is), ``size`` bytes."""

    parts: tuple[str, ...]
    size: int
    _open: Callable[[], BinaryIO]

    def open(self) -> BinaryIO:
        return self._open()


@dataclass(frozen=True)
class Prepared:
    """The inputs to seal, as de-identified, and what the manifest says of them.

    ``date_offset_days`` is how many days every date was moved (negative: back),
    for the sender alone: it is written nowhere in the bundle. None when dates
    were removed instead. ``finish`` de-identifies, in place, each DICOM object
    made of an original.
    """

    inputs: tuple[InputFile, ...]
    annotations: tuple[Annotation, ...]
    details: Details
    deidentification: Deidentification
    date_offset_days: int | None
    finish: Callable[[Dataset], None] | None


@dataclass
class _Input:
    item: InputFile
    name: str
    format: str
    kind: str
    view: str | None
    reasons: dict[str, str]
    #: The size of an original once cleaned (a DICOM object's is known only once
    #: every identifier in the bundle is).
    cleaned_size: int | None = None


def prepare(
    inputs: Sequence[InputFile],
    annotations: Sequence[Annotation] | None,
    details: Details,
    choices: DeidentifyChoices,
    *,
    allow_mixed_patients: bool = False,
    progress: ByteProgress | None = None,
) -> Prepared:
    """Prepare ``inputs`` to be sealed de-identified as ``choices`` says.

    Each photo and scan is read once whole here, to learn its size once cleaned,
    and each DICOM object's header to make its new one; all are read again
    when they are sealed.

    Parameters
    ----------
    inputs, annotations, details
        As :func:`orthoshare.bundle.writer.write_bundle` takes them; the
        patient's details are replaced by the pseudonym (and, if kept, sex).
    choices : DeidentifyChoices
        The pseudonym, the profile's options, and what is sent although it
        may show identity.
    allow_mixed_patients : bool
        Whether DICOM inputs may name different patients (before they all get
        the one pseudonym).
    progress : callable, optional
        Called as ``progress(done, total)``, in bytes of the inputs done.

    Raises
    ------
    InputError
        If the pseudonym is empty, too long, has ``\\``, ``^`` or ``=``, or is
        the patient's name or ID; or a DICOM input cannot be read.
    MixedPatientsError
        If DICOM inputs name different patients and that was not allowed.
    NoInputsError
        If every input is left out.
    """
    pseudonym = _checked_pseudonym(choices.pseudonym)
    annotations = annotations or [Annotation()] * len(inputs)
    found: list[tuple[str, DicomIdentity]] = []
    identifiers = _identifiers_entered(details.patient)
    planned = []
    total = sum(item.size for item in inputs)
    done = 0

    def finished(item: InputFile) -> None:
        nonlocal done
        done += item.size
        if progress is not None:
            progress(done, total)

    for item, annotation in zip(inputs, annotations, strict=True):
        entry, identity, seen = _look_at(item, annotation)
        planned.append(entry)
        if entry.format != "dicom":
            finished(item)
        if identity is not None:
            found.append((entry.name, identity))
            identifiers |= seen
    if found:
        from ..dicom.patients import check_patients

        check_patients(found, details.patient, allow_mixed_patients)
    if pseudonym.casefold() in {value.casefold() for value in identifiers}:
        raise InputError(
            "the pseudonym is the patient's name or ID",
            hint="type a pseudonym that says nothing of the patient, such as Case 12",
        )

    offset = -secrets.choice(range(*_OFFSET_DAYS)) if choices.retain_modified_dates else None
    dicom = None
    if any(entry.format in ("dicom", *CONVERTIBLE) for entry in planned):
        dicom = deidentifier(
            choices, date_offset_days=offset or 0, uid_secret=secrets.token_bytes(32),
            identifiers=identifiers,
        )  # fmt: skip

    sent: list[InputFile] = []
    sent_annotations: list[Annotation] = []
    altered: list[Altered] = []
    sent_anyway: list[Altered] = []
    left_out: Counter[str] = Counter()
    names = NeutralNames()
    allowed = {
        "burned_in": choices.send_burned_in,
        "uncleanable": choices.send_uncleanable,
        "face": choices.send_face_photos,
    }
    for entry, annotation in zip(planned, annotations, strict=True):
        withheld = [category for category in entry.reasons if not allowed[category]]
        if withheld:
            left_out[withheld[0]] += 1
            if entry.format == "dicom":
                finished(entry.item)
            continue
        parts = names.next(entry.kind, entry.format, entry.view)
        name = "/".join(parts)
        if entry.format == "dicom":
            assert dicom is not None  # made whenever there is a DICOM input
            made = _deidentified(entry, dicom)
            finished(entry.item)
            sent.append(SentInput(parts, made.size, partial(made.open, entry.item)))
            altered.append(Altered(name, _DICOM_ALTERED))
        elif "uncleanable" in entry.reasons:
            sent.append(SentInput(parts, entry.item.size, entry.item.open))
        else:
            assert entry.cleaned_size is not None  # measured when looked at
            opener = partial(_read_cleaned, entry.item, entry.format)
            sent.append(SentInput(parts, entry.cleaned_size, opener))
            altered.append(Altered(name, ALTERATIONS[entry.format]))
        sent_anyway += [Altered(name, why) for why in entry.reasons.values()]
        sent_annotations.append(annotation)
    if not sent:
        raise NoInputsError(
            "every file was left out by the de-identification",
            hint="choose to send the files listed knowingly, or send without de-identifying",
        )
    kept_sex = details.patient.sex if choices.retain_patient_characteristics else ""
    record = Deidentification(
        pseudonym=pseudonym,
        method=METHOD,
        options=_options(choices),
        altered=tuple(altered),
        sent_anyway=tuple(sent_anyway),
        left_out=tuple(f"{_CATEGORIES[c]}: {n}" for c, n in sorted(left_out.items())),
    )
    return Prepared(
        inputs=tuple(sent),
        annotations=tuple(sent_annotations),
        details=replace(details, patient=Patient(pseudonym, pseudonym, "", kept_sex)),
        deidentification=record,
        date_offset_days=offset,
        finish=None if dicom is None else dicom.clean,
    )


def _checked_pseudonym(text: str) -> str:
    pseudonym = text.strip()
    problem = ""
    if not pseudonym:
        problem = "no pseudonym was given"
    elif len(pseudonym) > _PSEUDONYM_MAX:
        problem = f"the pseudonym is longer than {_PSEUDONYM_MAX} characters"
    elif not pseudonym.isprintable() or _PSEUDONYM_FORBIDDEN & set(pseudonym):
        problem = "the pseudonym holds a character a DICOM name cannot (\\, ^, = or a control)"
    elif not pseudonym.isascii():
        problem = "the pseudonym holds a character outside plain ASCII"
    if problem:
        raise InputError(problem, hint="type a pseudonym such as Case 12")
    return pseudonym


def _identifiers_entered(patient: Patient) -> set[str]:
    """What the sender typed of the patient, as it might appear in the records."""
    found = {value for value in (patient.name, patient.id, patient.birth_date) if value.strip()}
    found |= {word for word in patient.name.split() if len(word) >= 2}
    if patient.birth_date:
        found.add(patient.birth_date.replace("-", ""))
    return found


def _look_at(
    item: InputFile, annotation: Annotation
) -> tuple[_Input, DicomIdentity | None, set[str]]:
    """What ``item`` is, and for a DICOM input who it names and its identifiers."""
    name = "/".join(readable(part) for part in item.parts)
    identity = None
    seen: set[str] = set()
    reasons: dict[str, str] = {}
    try:
        with item.open() as stream:
            sniffed = sniff(stream.read(SNIFF_SIZE), item.size)
            if sniffed.kind == "dicom":
                stream.seek(0)
                identity, seen, why = read_for_deidentifying(stream, item.size, name=name)
                if why:
                    reasons["burned_in"] = why
    except OSError as e:
        raise InputError(f"{name}: {e.strerror or e}") from e
    kind = "dicom" if identity is not None else annotation.kind or sniffed.kind
    view = annotation.view or (identity.view if identity is not None else None) or None
    cleaned_size = None
    if identity is None and sniffed.format not in CLEANABLE:
        reasons["uncleanable"] = f"a {sniffed.format} file cannot be cleaned with certainty"
    elif identity is None:
        try:
            cleaned_size = sum(len(piece) for piece in _cleaned(item, sniffed.format))
        except NotCleanableError as e:
            reasons["uncleanable"] = f"this {sniffed.format} file cannot be cleaned: {e.detail}"
    # A DICOM photograph (XC) names a view only if its maker knew ADA-1100.
    looks_like_photo = kind == "photo" or (
        identity is not None and (view is not None or identity.modality == "XC")
    )
    if looks_like_photo and (view is None or view.startswith("EV")):
        reasons["face"] = (
            f"an extraoral photo ({view}) shows the face"
            if view
            else "a photo without a view may show the face"
        )
    entry = _Input(item, name, sniffed.format, kind, view, reasons, cleaned_size)
    return entry, identity, seen


def _deidentified(entry: _Input, dicom: DicomDeidentifier) -> DeidentifiedFile:
    try:
        with entry.item.open() as stream:
            return dicom.deidentified_file(stream, entry.item.size, name=entry.name)
    except OSError as e:
        raise InputError(f"{entry.name}: {e.strerror or e}") from e


def _cleaned(item: InputFile, fmt: str) -> Pieces:
    """``item``, an original of format ``fmt``, cleaned as it is read."""
    with item.open() as stream:
        yield from cleaned_pieces(fmt, stream, item.size)


def _read_cleaned(item: InputFile, fmt: str) -> BinaryIO:
    return cast(BinaryIO, PiecesReader(_cleaned(item, fmt)))


def _options(choices: DeidentifyChoices) -> tuple[str, ...]:
    dates = "Retain Longitudinal Temporal Information with Modified Dates"
    chosen = (
        (choices.retain_modified_dates, dates),
        (choices.clean_descriptors, "Clean Descriptors"),
        (choices.retain_patient_characteristics, "Retain Patient Characteristics"),
    )
    return tuple(name for on, name in chosen if on)


def review(
    inputs: Sequence[InputFile], annotations: Sequence[Annotation] | None = None
) -> list[dict[str, str]]:
    """Why each input would be left out, or sent although it may show identity: for
    each, ``{category: why}``, empty when it is simply cleaned.

    The categories are ``"burned_in"`` (left out unless ``send_burned_in``),
    ``"uncleanable"`` (unless ``send_uncleanable``) and ``"face"`` (sent unless
    ``send_face_photos`` is false), as :class:`~orthoshare.records.DeidentifyChoices` has them.

    Raises
    ------
    InputError
        If a DICOM input cannot be read.
    """
    annotations = annotations or [Annotation()] * len(inputs)
    return [
        _look_at(item, annotation)[0].reasons
        for item, annotation in zip(inputs, annotations, strict=True)
    ]
