"""The wrong-patient guard: DICOM inputs must name one patient, the one entered.

Sending a patient's records to a colleague with another patient's scan among
them is the error this module exists to catch. :func:`find_conflicts` compares
the identities read from the DICOM inputs with each other and with the patient
the sender entered; :func:`check_patients` refuses to go on unless the sender
confirmed; :func:`suggested_patient` gives the patient to prefill when the
inputs agree.

Comparisons are deliberately loose about form and strict about content. Names
are compared by their words, whatever their case, accents, order or
separators, because the same person is ``"SMITH^JOHN"`` in one system,
``"Smith^John"`` in another and ``"John Smith"`` as typed. A middle name or a
title present on one side only is a difference: the guard prefers a question
the sender can answer to a silent mix-up. A field missing on one side is never
a difference (anonymised exports and partial forms are common).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from ..errors import MixedPatientsError
from ..records import Patient
from .identity import DicomIdentity, readable_name

__all__ = ["check_patients", "find_conflicts", "suggested_patient"]

Found = Sequence[tuple[str, DicomIdentity]]
"""The DICOM inputs: each file's name as the sender knows it, and what it says."""

# A listing of files stops after this many names: a CT series has hundreds.
_NAMES_SHOWN = 3


def find_conflicts(found: Found, entered: Patient) -> list[str]:
    """Say, one sentence per problem, where the DICOM inputs disagree on the patient.

    Parameters
    ----------
    found : sequence of (str, DicomIdentity)
        Each DICOM input's name as the sender knows it, with its identity.
    entered : Patient
        The patient the sender entered; only the fields filled in are compared.

    Returns
    -------
    list of str
        Plain sentences, without final period, empty when all agree. First the
        disagreements between inputs (patient ID, then name, then birth date,
        each compared only where both have it), then each field of ``entered``
        that some input contradicts (ID, name, birth date, sex).
    """
    return _among_inputs(found) + _against_entered(found, entered)


def check_patients(found: Found, entered: Patient, allow_mixed: bool) -> None:
    """Refuse inputs that name more than one patient, unless the sender confirmed.

    Parameters
    ----------
    found : sequence of (str, DicomIdentity)
        As for :func:`find_conflicts`.
    entered : Patient
        The patient the sender entered.
    allow_mixed : bool
        The sender confirmed the inputs are right as they are: nothing is checked.

    Raises
    ------
    MixedPatientsError
        If :func:`find_conflicts` finds any; its detail lists them, ``"; "``-separated.
    """
    if allow_mixed:
        return
    conflicts = find_conflicts(found, entered)
    if conflicts:
        raise MixedPatientsError("; ".join(conflicts))


def suggested_patient(found: Found) -> Patient | None:
    """The patient to prefill from the DICOM inputs, when they agree.

    Parameters
    ----------
    found : sequence of (str, DicomIdentity)
        As for :func:`find_conflicts`.

    Returns
    -------
    Patient or None
        In the manifest's forms (name as a person reads it, birth date
        ``YYYY-MM-DD``, sex F, M or O), each field from the inputs that have it.
        Sex is left empty when inputs give different ones (it is not a sign of
        another patient: "O" and "F" may be the same person in two systems).
        ``None`` when there are no inputs, they disagree, or none names anyone.
    """
    identities = [identity for _, identity in found]
    if not identities or _among_inputs(found):
        return None
    named = _groups(found, _NAME)
    name = _representative(named[0], _NAME) if named else ""
    sexes = {i.sex for i in identities if i.sex}
    patient = Patient(
        name=name,
        id=next((i.patient_id for i in identities if i.patient_id), ""),
        birth_date=next((i.birth_date for i in identities if i.birth_date), ""),
        sex=sexes.pop() if len(sexes) == 1 else "",
    )
    return None if patient == Patient() else patient


def _among_inputs(found: Found) -> list[str]:
    conflicts = []
    for field in (_ID, _NAME, _BIRTH_DATE):
        groups = _groups(found, field)
        if len(groups) > 1:
            conflicts.append(
                f"the files give {len(groups)} {field.plural}: {_listing(groups, field)}"
            )
    return conflicts


def _against_entered(found: Found, entered: Patient) -> list[str]:
    conflicts = []
    for field, value in (
        (_ID, entered.id),
        (_NAME, entered.name),
        (_BIRTH_DATE, entered.birth_date),
        (_SEX, entered.sex),
    ):
        wanted = field.keys(value)
        if not wanted:
            continue
        differing = [
            (name, identity)
            for name, identity in found
            if (own := field.keys(field.value(identity))) and not own & wanted
        ]
        groups = _groups(differing, field)
        if groups:
            conflicts.append(
                f"the patient entered {field.entered.format(value.strip())}, "
                f"but the files give {_listing(groups, field)}"
            )
    return conflicts


@dataclass(frozen=True)
class _Field:
    """How one patient attribute is read, compared and shown."""

    plural: str
    entered: str
    value: Callable[[DicomIdentity], str]
    keys: Callable[[str], frozenset[Hashable]]
    shown: Callable[[DicomIdentity], str]


def _id_keys(value: str) -> frozenset[Hashable]:
    # IDs are compared without case or spaces: "ab 123" and "AB123" are typed, not
    # assigned, differences. Leading zeros are kept: 0123 and 123 may be two people.
    key = "".join(value.split()).casefold()
    return frozenset({key}) if key else frozenset()


def _name_keys(value: str) -> frozenset[Hashable]:
    """Keys of a name, DICOM (``Family^Given=…``) or as typed; two names agree if one is shared."""
    keys: set[Hashable] = set()
    # Each PN group (alphabetic, ideographic, phonetic) is a spelling of the name:
    # "Yamada^Tarou=山田^太郎" and "=山田^太郎" are the same person.
    for group in value.split("="):
        words = _words(group)
        if words:
            # Order-blind: "Smith^John" is "John Smith" as typed.
            keys.add(tuple(sorted(words)))
            # Spacing-blind, in the order written: "山田太郎" typed without a
            # space is "山田^太郎", and "VanDerBerg" is "Van Der Berg".
            keys.add("".join(words))
    return frozenset(keys)


def _words(text: str) -> list[str]:
    """The words of a name, without case or accents: "Buc^Jérôme" gives ["buc", "jerome"]."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    # Anything not a letter or digit separates words: ^, spaces, commas, hyphens,
    # apostrophes, so "O'Brien-Smith, Ann" is ["o", "brien", "smith", "ann"].
    return "".join(char if char.isalnum() else " " for char in bare).split()


def _exact_keys(value: str) -> frozenset[Hashable]:
    # Birth dates (YYYY-MM-DD on both sides) and sexes (F, M, O) have one form.
    key = value.strip().upper()
    return frozenset({key}) if key else frozenset()


_ID = _Field("patient IDs", "has ID {}", lambda i: i.patient_id, _id_keys, lambda i: i.patient_id)
_NAME = _Field(
    "patient names",
    "is named {}",
    lambda i: i.patient_name_dicom,
    _name_keys,
    lambda i: i.patient_name or readable_name(i.patient_name_dicom),
)
_BIRTH_DATE = _Field(
    "birth dates", "was born {}", lambda i: i.birth_date, _exact_keys, lambda i: i.birth_date
)
_SEX = _Field("sexes", "has sex {}", lambda i: i.sex, _exact_keys, lambda i: i.sex)

_Member = tuple[str, DicomIdentity]


def _groups(found: Found, field: _Field) -> list[list[_Member]]:
    """Group the inputs that share a key of ``field``; inputs without one are left out.

    A name has several keys, so "agrees with" is not transitive: groups merge as
    keys link them. Groups and their members keep the order the files were given in.
    """
    groups: list[tuple[set[Hashable], list[int]]] = []
    for index, (_, identity) in enumerate(found):
        own = field.keys(field.value(identity))
        if not own:
            continue
        keys, members = set(own), [index]
        for group in [g for g in groups if g[0] & own]:
            groups.remove(group)
            keys |= group[0]
            members += group[1]
        groups.append((keys, members))
    ordered = sorted(sorted(members) for _, members in groups)
    return [[found[index] for index in members] for members in ordered]


def _listing(groups: Sequence[Sequence[_Member]], field: _Field) -> str:
    """``"123 (a.dcm, b.dcm) and 456 (c.dcm)"``: each group's value, then its files."""
    return _and([f"{_representative(group, field)} ({_files(group)})" for group in groups])


def _representative(group: Sequence[_Member], field: _Field) -> str:
    # Many systems store names in capitals; a mixed-case spelling of the same
    # value is kinder to read, and changing case ourselves would spoil McDonald.
    values = [field.shown(identity) for _, identity in group]
    return next((value for value in values if value != value.upper()), values[0])


def _files(members: Sequence[_Member]) -> str:
    names = [name for name, _ in members]
    if len(names) > _NAMES_SHOWN:
        return f"{', '.join(names[:_NAMES_SHOWN])} and {len(names) - _NAMES_SHOWN} more"
    return ", ".join(names)


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
