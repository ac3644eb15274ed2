"""The values of the DICOM objects made here: what a person typed, made valid for its VR.

Every text a sender typed (a patient's name, a label, a study description)
becomes a value of some VR, which limits its length and the characters it may
hold; such text is made to fit, never refused. The patient's ID, sex and birth
date must not be rewritten, so they are checked and refused with
:class:`ValueError` instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence as SequenceABC
from datetime import date

__all__ = [
    "MAX_ELEMENT",
    "TEXT_VRS",
    "birth_date",
    "is_ascii",
    "long_text",
    "patient_id",
    "patient_sex",
    "person_name",
    "short_text",
]

#: The longest value an element, or an encapsulated fragment, may hold: its length
#: is a 32-bit even number, and 0xFFFFFFFF is reserved.
MAX_ELEMENT = 0xFFFFFFFE

#: The VRs of text, whose characters decide the object's Specific Character Set.
TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UT", "UC", "PN"})
# What no text value may hold: C0 controls but TAB, LF, FF and CR (which LT and
# ST allow), and DEL. ESC would switch character sets, which UTF-8 does not use.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def is_ascii(value: object) -> bool:
    """Whether an element's value, or each of its values, is ASCII text."""
    if isinstance(value, SequenceABC) and not isinstance(value, str):
        # A multi-valued element, such as Image Type.
        return all(str(v).isascii() for v in value)
    return str(value).isascii()


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character.

    The VRs' limits count characters; counting bytes is stricter, and keeps
    every reader within bounds however it counts.
    """
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore").rstrip()


def _one_line(text: str) -> str:
    """``text`` on one line: control characters and runs of white space become one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def short_text(text: str, limit: int) -> str:
    """A value for SH, LO or ST: one line, without backslashes (the value separator)."""
    return _fit(_one_line(text.replace("\\", " ")), limit)


def long_text(text: str) -> str:
    """A value for LT (10240 characters): lines separated by CR LF, as the VR expects."""
    return _fit("\r\n".join(_one_line(line) for line in text.strip().splitlines()), 10240)


def person_name(name: str) -> str:
    """The patient's name as DICOM PN, as it was entered.

    A name typed "Given Family" cannot be reordered safely: many names are
    written family name first, and family names may have several words. So the
    text goes whole into the first (family name) component, and viewers show
    it as it was typed. A name already in DICOM form, "Family^Given", is kept.
    """
    text = _one_line(name.replace("\\", " "))
    if "=" in text or text.count("^") > 4:
        # "=" would start an ideographic group and a fifth "^" is no component:
        # typed so, they are plain characters.
        text = " ".join(text.replace("^", " ").replace("=", " ").split())
    # PS3.5 6.2: at most 64 characters per component group.
    return _fit(text, 64)


def patient_id(identifier: str) -> str:
    """The patient ID as DICOM LO, as it was entered, without surrounding spaces.

    Raises
    ------
    ValueError
        If it is longer than 64 bytes, or holds a backslash or a control character.
    """
    # An identifier cannot be shortened or rewritten without naming someone else.
    identifier = identifier.strip()
    if (
        len(identifier.encode("utf-8")) > 64
        or "\\" in identifier
        or any(ord(c) < 0x20 or c == "\x7f" for c in identifier)
    ):
        raise ValueError(
            "the patient ID must be at most 64 bytes, without backslashes or control characters"
        )
    return identifier


def patient_sex(sex: str) -> str:
    """The patient's sex as DICOM CS: ``F``, ``M``, ``O`` or empty.

    Raises
    ------
    ValueError
        If it is anything else.
    """
    if sex not in ("", "F", "M", "O"):
        raise ValueError(f"the patient sex {sex!r} is not F, M, O or empty")
    return sex


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def birth_date(value: str) -> str:
    """``YYYY-MM-DD`` as DICOM DA, ``YYYYMMDD``; empty stays empty (Type 2).

    Raises
    ------
    ValueError
        If it is not a date written ``YYYY-MM-DD``.
    """
    if not value:
        return ""
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"the birth date {value!r} is not a date YYYY-MM-DD") from None
    return match[1] + match[2] + match[3]
