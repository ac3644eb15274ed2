"""What views.json takes from open-ortho-terminology, read from its Python sources.

The ADA-1100 code systems (each concept's code, display text, definition and
synonyms), the DICOM coding scheme designator of ADA-1100 in its naming system,
and the map from each photographic view to its SNOMED CT concept.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from views_sources import SourceError, Wheel, called, keywords, literal

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
