"""What views.json takes from dicom4ortho: its views.csv and codes.csv, checked against its code.

For each photographic view, the codes dicom4ortho writes into View Code Sequence
and its modifiers, Patient Orientation, Image Laterality, the anatomic region and
structure, the devices and the acquisition context. Its ``_generated_codes.py``
is parsed too, to confirm that the CSV files say what the library writes at run
time.
"""

from __future__ import annotations

import ast
import csv
import io
from typing import Any

from views_sources import SourceError, Wheel, called, keywords, literal

VIEWS_CSV = "dicom4ortho/resources/views.csv"
CODES_CSV = "dicom4ortho/resources/codes.csv"
GENERATED = "dicom4ortho/_generated_codes.py"

#: Code Meaning is LO: dicom4ortho cuts every meaning to 64 characters when it
#: writes one, so the table holds the text that ends up in the data set.
LO_MAX = 64

#: views.csv column → the field of the table, for the single coded entries.
SINGLE_CODES = {
    "AnatomicRegionSequence": "anatomic_region",
    "AnatomicRegionModifierSequence": "anatomic_region_modifier",
    "PrimaryAnatomicStructureSequence": "primary_anatomic_structure",
    "PrimaryAnatomicStructureModifierSequence": "primary_anatomic_structure_modifier",
    "ViewCodeSequence": "view_code",
    "AcquisitionContextSequence^DentalOcclusion": "dental_occlusion",
}
#: views.csv column → field, for the lists (several keywords joined by ``^``).
CODE_LISTS = {
    "DeviceSequence": "devices",
    "ViewModifierCodeSequence": "view_modifiers",
    "AcquisitionContextSequence^OrthognathicFunctionalConditions": (
        "orthognathic_functional_conditions"
    ),
    "AcquisitionContextSequence^FindingByInspection": "findings_by_inspection",
    "AcquisitionContextSequence^ObservableEntity": "observable_entities",
}


def code_entry(row: dict[str, str]) -> dict[str, str]:
    return {
        "code_value": row["code"],
        "coding_scheme_designator": row["codeset"],
        "code_meaning": row["meaning"][:LO_MAX],
    }


def read_codes(wheel: Wheel) -> tuple[dict[str, dict[str, str]], set[str]]:
    """Return keyword → coded entry from codes.csv, and the keywords defined twice."""
    rows = csv.DictReader(io.StringIO(wheel.text(CODES_CSV)))
    codes: dict[str, dict[str, str]] = {}
    twice = set()
    for row in rows:
        keyword = row["keyword"]
        if keyword in codes:
            twice.add(keyword)
        codes[keyword] = row
    return {k: code_entry(r) for k, r in codes.items()}, twice


def split(cell: str) -> list[str]:
    return [part for part in cell.split("^") if part]


def read_views(wheel: Wheel) -> tuple[str, dict[str, dict[str, Any]]]:
    """Return the version of views.csv and code → DICOM attributes of each view."""
    codes, twice = read_codes(wheel)
    rows = list(csv.DictReader(io.StringIO(wheel.text(VIEWS_CSV))))
    # The first row under the header carries the table's version and the DICOM tags.
    version = rows[0]["keyword"].removeprefix("VER:")
    if rows[0]["keyword"] == version:
        raise SourceError(f"{VIEWS_CSV}: no version row")

    def coded(keyword: str, where: str) -> dict[str, str]:
        if keyword not in codes or keyword in twice:
            raise SourceError(f"{where}: {keyword!r} is not one code of {CODES_CSV}")
        return codes[keyword]

    views = {}
    for row in rows[1:]:
        code = row["keyword"]
        where = f"{VIEWS_CSV} {code}"
        orientation = None
        if row["PatientOrientation"]:
            value = coded(row["PatientOrientation"], where)["code_value"]
            orientation = value.split("^")
        attributes: dict[str, Any] = {
            "patient_orientation": orientation,
            "image_laterality": coded(row["ImageLaterality"], where)["code_value"],
        }
        for column, field in SINGLE_CODES.items():
            attributes[field] = coded(row[column], where) if row[column] else None
        for column, field in CODE_LISTS.items():
            attributes[field] = [coded(k, where) for k in split(row[column])]
        # As dicom4ortho writes Image Comments: the keyword, a caret, the description.
        attributes["image_comments"] = f"{code}^{row['ImageComments']}".replace("\xa0", " ")
        attributes["series_description"] = row["SeriesDescription"]
        if code in views:
            raise SourceError(f"{where}: defined twice")
        views[code] = attributes
    return version, views


def read_generated(wheel: Wheel) -> dict[str, dict[str, Any]]:
    """Return the VIEWS of dicom4ortho's ``_generated_codes.py``, in the table's fields.

    This is what the library applies at run time; the script compares it with what
    it read from the CSV files, so the table follows the library, not a stale copy.
    """
    tree = ast.parse(wheel.text(GENERATED), GENERATED)
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and called(node.value, "DicomCode"):
            assert isinstance(node.value, ast.Call)
            fields = {k: literal(v, GENERATED) for k, v in keywords(node.value).items()}
            for target in node.targets:
                assert isinstance(target, ast.Name)
                constants[target.id] = {
                    "code_value": fields["value"],
                    "coding_scheme_designator": fields["scheme"],
                    "code_meaning": fields["meaning"][:LO_MAX],
                }

    def value(node: ast.expr) -> Any:
        if isinstance(node, ast.Name):
            return constants[node.id]
        if isinstance(node, ast.Tuple):
            return [value(item) for item in node.elts]
        return literal(node, GENERATED)

    views = {}
    for call in ast.walk(tree):
        if called(call, "OrthoView"):
            assert isinstance(call, ast.Call)
            fields = {k: value(v) for k, v in keywords(call).items()}
            views[fields.pop("keyword")] = fields
    return views


def compare_with_generated(views: dict[str, dict[str, Any]], generated: dict[str, Any]) -> None:
    if sorted(views) != sorted(generated):
        raise SourceError(f"{VIEWS_CSV} and {GENERATED} list different views")
    for code, attributes in views.items():
        expected = dict(generated[code])
        description = expected.pop("description")
        expected["image_comments"] = f"{code}^{description}".replace("\xa0", " ")
        if attributes != expected:
            changed = sorted(k for k in attributes if attributes[k] != expected.get(k))
            raise SourceError(f"{code}: {VIEWS_CSV} and {GENERATED} differ in {changed}")
