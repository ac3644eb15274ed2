"""The ADA-1100 orthodontic views and their DICOM coding, read from ``views.json``.

ANSI/ADA Standard No. 1100 names 73 photographic views (EV01-EV43 extraoral,
IV01-IV30 intraoral) and 9 3-D surface views (EV3D01-EV3D06, IV3D01-IV3D03).
The table is data, not code: ``scripts/regenerate_views.py`` writes it from the
MIT-licensed packages open-ortho-terminology (the codes and their texts) and
dicom4ortho (how a view is coded in a VL Photographic Image, per DICOM CP-1570),
and records their versions and digests under ``source`` in the file.

Each view carries two codes for View Code Sequence (0054,0220), as dicom4ortho
writes them:

- ``view_code``, the projection from CID 4062 "VL View" / CID 4063 "VL Dental View"
  (SNOMED CT, e.g. 399198007 "Right lateral projection"), with its modifiers from
  CID 4064. dicom4ortho leaves it to the caller for IV28, IV30 and EV40, where the
  projection varies, and has nothing for the 3-D views: there it is None.
- ``ada_view_code``, the ADA-1100 code itself (e.g. ``EV01``, scheme ``99ADA1100``)
  as an extension of CID 4063 (Context Group Extension Flag ``Y``): the item by
  which dicom4ortho, and any reader that knows ADA-1100, tells which view a
  photograph is. Every view has one.

The module imports nothing beyond the standard library, so the bundle code can
check view codes without loading pydicom, in Python and in Pyodide alike: the
file is read through :mod:`importlib.resources`, which finds it in an installed
wheel as well as in the source tree.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast

#: The ``format`` of views.json this module understands.
FORMAT = "orthoshare-views/1"
#: The table, beside this module in the package.
TABLE_NAME = "views.json"

_T = TypeVar("_T")


@dataclass(frozen=True)
class Code:
    """One DICOM coded entry (a Code Sequence item).

    Parameters
    ----------
    value : str
        Code Value (0008,0100).
    scheme : str
        Coding Scheme Designator (0008,0102): ``SCT``, ``DCM`` or ``99ADA1100``.
    meaning : str
        Code Meaning (0008,0104), at most 64 characters (LO) as dicom4ortho cuts it.
    context_identifier : str or None
        Context Identifier (0008,010F) when the item is written with one: ``4063``
        for the ADA-1100 code.
    context_group_extension : bool
        Whether the code extends that context group, i.e. Context Group Extension
        Flag (0008,010B) ``Y``; the writer then also owes Context Group Local
        Version (0008,0107) and Context Group Extension Creator UID (0008,010D).
    """

    value: str
    scheme: str
    meaning: str
    context_identifier: str | None = None
    context_group_extension: bool = False


@dataclass(frozen=True)
class ViewCoding:
    """How dicom4ortho describes one view in a VL Photographic Image.

    For the 3-D views only ``ada_view_code`` is known; every other field is None
    or empty.

    Parameters
    ----------
    ada_view_code : Code
        The ADA-1100 code as an extension of CID 4063, for View Code Sequence.
    view_code : Code or None
        The projection for View Code Sequence (0054,0220), CID 4062/4063.
    view_modifiers : tuple of Code
        View Modifier Code Sequence (0054,0222), nested in the ``view_code`` item.
    patient_orientation : tuple of (str, str), or None
        Patient Orientation (0020,0020), e.g. ``("A", "F")``; None where the
        orientation varies (IV28, IV30) or is unknown.
    image_laterality : str or None
        Image Laterality (0020,0062), ``U`` for every photograph in the source.
    anatomic_region, anatomic_region_modifier : Code or None
        Anatomic Region Sequence (0008,2218) and the modifier nested in it (0008,2220).
    primary_anatomic_structure, primary_anatomic_structure_modifier : Code or None
        Primary Anatomic Structure Sequence (0008,2228) and its modifier (0008,2230).
    devices : tuple of Code
        Device Sequence (0050,0010): mirror, ruler, tongue depressor, probe.
    orthognathic_functional_conditions, findings_by_inspection, observable_entities
        Acquisition Context Sequence (0040,0555) items of TID 3465, rows 1 to 3.
    dental_occlusion : Code or None
        TID 3465 row 4: centric occlusion or centric relation.
    image_comments : str or None
        Image Comments (0020,4000) as dicom4ortho writes it: ``code^description``.
    series_description : str or None
        Series Description (0008,103E) dicom4ortho gives the view's series.
    """

    ada_view_code: Code
    view_code: Code | None
    view_modifiers: tuple[Code, ...]
    patient_orientation: tuple[str, str] | None
    image_laterality: str | None
    anatomic_region: Code | None
    anatomic_region_modifier: Code | None
    primary_anatomic_structure: Code | None
    primary_anatomic_structure_modifier: Code | None
    devices: tuple[Code, ...]
    orthognathic_functional_conditions: tuple[Code, ...]
    findings_by_inspection: tuple[Code, ...]
    observable_entities: tuple[Code, ...]
    dental_occlusion: Code | None
    image_comments: str | None
    series_description: str | None


@dataclass(frozen=True)
class View:
    """One ADA-1100 view.

    Parameters
    ----------
    code : str
        The ADA-1100 code: ``EV01``…``EV43``, ``IV01``…``IV30``, ``EV3D01``…, ``IV3D01``….
    meaning : str
        Its display text, short enough for a Code Meaning, e.g.
        ``"Extraoral photo,right profile,lips relaxed,centric occlusion"``.
    definition : str
        The longer text of the standard.
    kind : {"photo", "3d"}
        A photograph, or a 3-D surface (scan).
    site : {"extraoral", "intraoral"}
        Where the view is taken.
    synonyms : tuple of str
        Other spellings, e.g. ``("EV-01", "EO.RP.LR.CO")``.
    snomed : str or None
        The equivalent SNOMED CT concept id open-ortho maps the view to, if any.
    dicom : ViewCoding
        The DICOM attributes that describe the view.
    """

    code: str
    meaning: str
    definition: str
    kind: Literal["photo", "3d"]
    site: Literal["extraoral", "intraoral"]
    synonyms: tuple[str, ...]
    snomed: str | None
    dicom: ViewCoding


@dataclass(frozen=True)
class CodingScheme:
    """The private coding scheme of the ADA-1100 codes, for Coding Scheme
    Identification Sequence (0008,0110) of an object that uses it.

    Parameters
    ----------
    designator : str
        Coding Scheme Designator, ``99ADA1100``.
    name : str
        Coding Scheme Name (0008,0115).
    url : str
        Where the code system is published (Coding Scheme External ID, if wanted).
    responsible : str
        Coding Scheme Responsible Organization (0008,0116).
    """

    designator: str
    name: str
    url: str
    responsible: str


def load_views() -> dict[str, View]:
    """Return every ADA-1100 view by code, in the order of the table.

    The file is read and checked once; each call returns a new dict, so a caller
    that changes its copy does not change what :func:`is_view` answers.

    Returns
    -------
    dict of str to View
        82 views: 43 extraoral and 30 intraoral photographs, 6 + 3 3-D views.
    """
    return dict(_table()[0])


def is_view(code: str) -> bool:
    """Whether ``code`` is an ADA-1100 view of the table, e.g. ``EV01`` (not ``EV99``).

    Codes are compared exactly: ``ev01`` and ``EV-01`` are not views.
    """
    # The manifest reader passes what it parsed; anything but a str is simply not a view
    # (an unhashable value must not turn into a TypeError there).
    return isinstance(code, str) and code in _table()[0]


def view(code: str) -> View:
    """Return the view of ``code``.

    Raises
    ------
    KeyError
        If ``code`` is not an ADA-1100 view code; the message names the valid ranges.
    """
    try:
        return _table()[0][code]
    except (KeyError, TypeError):
        raise KeyError(
            f"{code!r} is not an ADA-1100 view code: expected EV01-EV43, IV01-IV30 "
            "(photographs) or EV3D01-EV3D06, IV3D01-IV3D03 (3-D)"
        ) from None


def coding_scheme() -> CodingScheme:
    """Return the coding scheme of the ADA-1100 codes (``99ADA1100``)."""
    return _table()[1]


# --- reading the table ------------------------------------------------------------------


@functools.cache
def _table() -> tuple[Mapping[str, View], CodingScheme]:
    # Cached: every manifest entry asks is_view, and the file never changes at run time.
    text = (
        resources.files(__package__ or "orthoshare")
        .joinpath(TABLE_NAME)
        .read_text(encoding="utf-8")
    )
    return _parse(json.loads(text))


def _parse(document: Any) -> tuple[Mapping[str, View], CodingScheme]:
    """Check ``document`` (views.json, parsed) and return its views and coding scheme.

    The file ships with the package, but a strict reader turns a bad regeneration or a
    hand edit into one clear error at the first lookup rather than odd DICOM later.
    """
    top = _object(document, TABLE_NAME)
    if top.get("format") != FORMAT:
        raise ValueError(f"{TABLE_NAME}: format is {top.get('format')!r}, not {FORMAT!r}")
    raw_scheme = _object(top.get("coding_scheme"), f"{TABLE_NAME}: coding_scheme")
    scheme = CodingScheme(
        **{
            key: _typed(raw_scheme.get(key), str, f"{TABLE_NAME}: coding_scheme.{key}")
            for key in ("designator", "name", "url", "responsible")
        }
    )
    views: dict[str, View] = {}
    for index, raw in enumerate(_typed(top.get("views"), list, f"{TABLE_NAME}: views")):
        entry = _view(raw, f"{TABLE_NAME}: views[{index}]")
        if entry.code in views:
            raise ValueError(f"{TABLE_NAME}: {entry.code} is listed twice")
        views[entry.code] = entry
    # Read-only: the cached table is shared by every caller.
    return MappingProxyType(views), scheme


def _view(raw: Any, where: str) -> View:
    fields = _object(raw, where)
    kind = fields.get("kind")
    site = fields.get("site")
    if kind not in ("photo", "3d") or site not in ("extraoral", "intraoral"):
        raise ValueError(f"{where}: kind {kind!r} / site {site!r} are unknown")
    snomed = fields.get("snomed")
    return View(
        code=_typed(fields.get("code"), str, f"{where}.code"),
        meaning=_typed(fields.get("meaning"), str, f"{where}.meaning"),
        definition=_typed(fields.get("definition"), str, f"{where}.definition"),
        kind=kind,
        site=site,
        synonyms=_strings(fields.get("synonyms"), f"{where}.synonyms"),
        snomed=None if snomed is None else _typed(snomed, str, f"{where}.snomed"),
        dicom=_coding(fields.get("dicom"), f"{where}.dicom"),
    )


def _coding(raw: Any, where: str) -> ViewCoding:
    fields = _object(raw, where)

    def code(key: str) -> Code | None:
        value = fields.get(key)
        return None if value is None else _code(value, f"{where}.{key}")

    def codes(key: str) -> tuple[Code, ...]:
        items = _typed(fields.get(key), list, f"{where}.{key}")
        return tuple(_code(item, f"{where}.{key}[{i}]") for i, item in enumerate(items))

    def text(key: str) -> str | None:
        value = fields.get(key)
        return None if value is None else _typed(value, str, f"{where}.{key}")

    ada_view_code = code("ada_view_code")
    if ada_view_code is None:
        raise ValueError(f"{where}.ada_view_code is missing")
    orientation = fields.get("patient_orientation")
    if orientation is not None:
        pair = _strings(orientation, f"{where}.patient_orientation")
        if len(pair) != 2:
            raise ValueError(f"{where}.patient_orientation is not a pair")
        orientation = (pair[0], pair[1])
    return ViewCoding(
        ada_view_code=ada_view_code,
        view_code=code("view_code"),
        view_modifiers=codes("view_modifiers"),
        patient_orientation=orientation,
        image_laterality=text("image_laterality"),
        anatomic_region=code("anatomic_region"),
        anatomic_region_modifier=code("anatomic_region_modifier"),
        primary_anatomic_structure=code("primary_anatomic_structure"),
        primary_anatomic_structure_modifier=code("primary_anatomic_structure_modifier"),
        devices=codes("devices"),
        orthognathic_functional_conditions=codes("orthognathic_functional_conditions"),
        findings_by_inspection=codes("findings_by_inspection"),
        observable_entities=codes("observable_entities"),
        dental_occlusion=code("dental_occlusion"),
        image_comments=text("image_comments"),
        series_description=text("series_description"),
    )


def _code(raw: Any, where: str) -> Code:
    fields = _object(raw, where)
    context = fields.get("context_identifier")
    flag = fields.get("context_group_extension_flag", "N")
    if flag not in ("Y", "N"):
        raise ValueError(f"{where}.context_group_extension_flag is {flag!r}")
    return Code(
        value=_typed(fields.get("code_value"), str, f"{where}.code_value"),
        scheme=_typed(fields.get("coding_scheme_designator"), str, f"{where}.scheme"),
        meaning=_typed(fields.get("code_meaning"), str, f"{where}.code_meaning"),
        context_identifier=None if context is None else _typed(context, str, where),
        context_group_extension=flag == "Y",
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    return cast(dict[str, Any], _typed(value, dict, where))


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = _typed(value, list, where)
    return tuple(_typed(item, str, f"{where}[{i}]") for i, item in enumerate(items))


def _typed(value: Any, expected: type[_T], where: str) -> _T:
    if not isinstance(value, expected):
        raise ValueError(f"{where} is not a {expected.__name__}: {value!r}")
    return value
