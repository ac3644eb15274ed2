"""Who and what a DICOM file is about, as the manifest and the page say it.

:class:`DicomIdentity` holds the patient, the study, the object's UIDs and a
photograph's view of a DICOM file, as :mod:`orthoshare.dicom.header` reads them;
:func:`readable_name` turns a DICOM Person Name into the words a person reads.
Neither needs pydicom, so the page compares patients before it has loaded it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["DicomIdentity", "readable_name"]


@dataclass(frozen=True)
class DicomIdentity:
    """The patient, study and object a DICOM file is about.

    Every attribute is a string, empty when the file does not have it or its
    value is not valid; values are as the file has them, with padding removed.

    Attributes
    ----------
    patient_name : str
        Patient's Name as a person reads it: ``"Buc^Jérôme"`` gives
        ``"Jérôme Buc"`` (see :func:`readable_name`).
    patient_name_dicom : str
        Patient's Name in its DICOM form, components separated by ``^`` and the
        alphabetic, ideographic and phonetic groups by ``=``: ``"Buc^Jérôme"``.
    patient_id : str
        Patient ID.
    birth_date : str
        Patient's Birth Date as ``YYYY-MM-DD``.
    sex : str
        Patient's Sex: ``F``, ``M`` or ``O``.
    study_date : str
        Study Date as ``YYYY-MM-DD``.
    study_description, modality : str
        Study Description; Modality (``CT``, ``XC``, ``M3D``…).
    sop_class_uid, sop_instance_uid : str
        From the data set, or from the file meta information when the data set
        lacks them.
    study_instance_uid, series_instance_uid : str
        Study and Series Instance UID.
    transfer_syntax_uid : str
        Transfer Syntax UID of the file meta information.
    view : str
        The ADA-1100 view (``IV07``…) a VL Photographic Image names in its View
        Code Sequence, by either coding :mod:`orthoshare.views` gives a view;
        empty for any other object, or when no one view is named.
    """

    patient_name: str
    patient_name_dicom: str
    patient_id: str
    birth_date: str
    sex: str
    study_date: str
    study_description: str
    modality: str
    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    transfer_syntax_uid: str
    view: str = ""


def readable_name(dicom_name: str) -> str:
    """A DICOM Person Name as a person reads it.

    Parameters
    ----------
    dicom_name : str
        The PN value: up to three component groups (alphabetic, ideographic,
        phonetic) separated by ``=``, each with components family, given,
        middle, prefix and suffix separated by ``^``.

    Returns
    -------
    str
        The alphabetic group as prefix, given, middle, family, suffix:
        ``"Smith^John^^Dr"`` gives ``"Dr John Smith"``. When it is empty, the
        ideographic or else the phonetic group, family name first as those
        scripts write it: ``"=山田^太郎"`` gives ``"山田 太郎"``. Case is kept
        (title-casing would spoil McDonald or van der Berg); control characters
        and runs of spaces become one space.
    """
    groups = dicom_name.split("=")
    alphabetic = groups[0]
    if _components(alphabetic):
        family, given, middle, prefix, suffix = (_components(alphabetic) + [""] * 5)[:5]
        words = [prefix, given, middle, family, suffix]
    else:
        other = next((group for group in groups[1:] if _components(group)), "")
        words = _components(other)
    return " ".join(word for word in words if word)


def _components(group: str) -> list[str]:
    """The ``^`` components of one PN group, cleaned; ``[]`` when all are empty."""
    parts = [_clean(part) for part in group.split("^")]
    return parts if any(parts) else []


def _clean(text: str) -> str:
    printable = "".join(
        " " if unicodedata.category(char).startswith("C") else char for char in text
    )
    return " ".join(printable.split())
