"""The ADA-1100 view table: the committed views.json, its reader, and the manifest's check.

These tests read the committed file (and the wheel built from it) only. Whether it
still matches its sources is for ``scripts/regenerate_views.py --check``, which needs
the package index: tests/build/test_regenerated_tables.py runs it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from orthoshare import views
from orthoshare.bundle.manifest import Entry, Manifest, is_view_code
from orthoshare.errors import ManifestError
from orthoshare.records import Party, Patient
from orthoshare.views import Code, View, is_view, load_views, view

PY_ROOT = Path(__file__).resolve().parents[2] / "py"

PHOTOS_EXTRAORAL = [f"EV{n:02d}" for n in range(1, 44)]
PHOTOS_INTRAORAL = [f"IV{n:02d}" for n in range(1, 31)]
SURFACES_EXTRAORAL = [f"EV3D{n:02d}" for n in range(1, 7)]
SURFACES_INTRAORAL = [f"IV3D{n:02d}" for n in range(1, 4)]
ALL_CODES = PHOTOS_EXTRAORAL + PHOTOS_INTRAORAL + SURFACES_EXTRAORAL + SURFACES_INTRAORAL
CODE_PATTERN = re.compile(r"(EV|IV)(3D)?\d{2}")

#: dicom4ortho leaves the projection of these photographs to the caller: it varies.
VARIABLE_PROJECTION = {"IV28", "IV30", "EV40"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """views.json as the package ships it, parsed without the module's reader."""
    text = resources.files("orthoshare").joinpath("views.json").read_text("utf-8")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def coded_entries(value: Any) -> Iterator[dict[str, Any]]:
    """Every coded entry (an object with a code_value) anywhere inside ``value``."""
    if isinstance(value, dict):
        if "code_value" in value:
            yield value
        for item in value.values():
            yield from coded_entries(item)
    elif isinstance(value, list):
        for item in value:
            yield from coded_entries(item)


# --- the committed file -----------------------------------------------------------------


def test_the_file_names_its_sources_with_versions_digests_and_license(
    document: dict[str, Any],
) -> None:
    assert document["format"] == views.FORMAT
    packages = {package["name"]: package for package in document["source"]["packages"]}
    assert {name: package["version"] for name, package in packages.items()} == {
        "open-ortho-terminology": "2.1.1",
        "dicom4ortho": "0.5.3",
    }
    for package in packages.values():
        assert re.fullmatch(r"[0-9a-f]{64}", package["sha256"])
        assert package["license"] == "MIT"
        assert package["wheel"].endswith(f"-{package['version']}-py3-none-any.whl")
        assert package["files"]
    assert "dicom4ortho/resources/views.csv" in packages["dicom4ortho"]["files"]
    assert "dicom4ortho/resources/codes.csv" in packages["dicom4ortho"]["files"]
    assert document["coding_scheme"]["designator"] == "99ADA1100"


def test_the_file_holds_73_photographs_and_9_surfaces_each_once(
    document: dict[str, Any],
) -> None:
    entries = document["views"]
    codes = [entry["code"] for entry in entries]
    assert codes == ALL_CODES
    assert len(set(codes)) == len(codes) == 82
    assert all(CODE_PATTERN.fullmatch(code) for code in codes)
    by_kind: dict[tuple[str, str], list[str]] = {}
    for entry in entries:
        by_kind.setdefault((entry["kind"], entry["site"]), []).append(entry["code"])
    assert by_kind == {
        ("photo", "extraoral"): PHOTOS_EXTRAORAL,
        ("photo", "intraoral"): PHOTOS_INTRAORAL,
        ("3d", "extraoral"): SURFACES_EXTRAORAL,
        ("3d", "intraoral"): SURFACES_INTRAORAL,
    }
    assert sum(entry["kind"] == "photo" for entry in entries) == 73
    assert sum(entry["kind"] == "3d" for entry in entries) == 9


def test_every_view_has_a_meaning_and_its_ada_code_for_view_code_sequence(
    document: dict[str, Any],
) -> None:
    meanings = set()
    for entry in document["views"]:
        assert entry["meaning"].strip() and entry["definition"].strip()
        meanings.add(entry["meaning"])
        assert entry["dicom"]["ada_view_code"] == {
            "code_value": entry["code"],
            "coding_scheme_designator": "99ADA1100",
            "code_meaning": entry["meaning"],
            "context_identifier": "4063",
            "context_group_extension_flag": "Y",
        }
    assert len(meanings) == 82, "two views share a display text"


def test_every_coded_entry_is_complete_and_fits_dicom(document: dict[str, Any]) -> None:
    entries = list(coded_entries(document["views"]))
    assert len(entries) > 82
    for entry in entries:
        assert entry["code_value"] and len(entry["code_value"]) <= 16, entry
        assert entry["coding_scheme_designator"] in {"SCT", "DCM", "99ADA1100"}, entry
        # Code Meaning is LO: 64 characters at most.
        assert 0 < len(entry["code_meaning"]) <= 64, entry


def test_photographs_carry_dicom4orthos_attributes_and_surfaces_only_their_code(
    document: dict[str, Any],
) -> None:
    for entry in document["views"]:
        dicom = entry["dicom"]
        if entry["kind"] == "3d":
            assert {key for key, value in dicom.items() if value} == {"ada_view_code"}
            continue
        assert dicom["image_laterality"] in {"R", "L", "U", "B"}
        assert dicom["anatomic_region"]["coding_scheme_designator"] == "SCT"
        assert dicom["primary_anatomic_structure"] is not None
        assert dicom["image_comments"].startswith(entry["code"] + "^")
        assert dicom["series_description"]
        orientation = dicom["patient_orientation"]
        if orientation is not None:
            assert len(orientation) == 2
            assert all(re.fullmatch(r"[APLRHF]+", value) for value in orientation)
        if entry["code"] in VARIABLE_PROJECTION:
            assert dicom["view_code"] is None
        else:
            assert dicom["view_code"]["coding_scheme_designator"] == "SCT"


# --- the reader -------------------------------------------------------------------------


def test_load_views_returns_every_view_in_order_as_frozen_values() -> None:
    table = load_views()
    assert list(table) == ALL_CODES
    first = table["EV01"]
    assert isinstance(first, View)
    assert first.code == "EV01" and first.kind == "photo" and first.site == "extraoral"
    assert first.dicom.ada_view_code == Code(
        "EV01", "99ADA1100", first.meaning, context_identifier="4063", context_group_extension=True
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.code = "EV02"  # type: ignore[misc]


def test_load_views_matches_the_file(document: dict[str, Any]) -> None:
    table = load_views()
    for entry in document["views"]:
        found = table[entry["code"]]
        assert (found.meaning, found.definition, found.snomed) == (
            entry["meaning"],
            entry["definition"],
            entry["snomed"],
        )
        assert found.synonyms == tuple(entry["synonyms"])
        orientation = entry["dicom"]["patient_orientation"]
        assert found.dicom.patient_orientation == (
            None if orientation is None else tuple(orientation)
        )


def test_a_photograph_with_mirror_has_its_projection_modifier_and_device() -> None:
    coding = view("IV02").dicom
    assert coding.view_code is not None and coding.view_code.value == "399198007"
    assert [code.value for code in coding.view_modifiers] == ["789135000"]
    assert [code.meaning for code in coding.devices] == ["Mirror, device (physical object)"]
    assert coding.patient_orientation == ("P", "F")
    assert coding.dental_occlusion is not None
    assert coding.dental_occlusion.meaning == "Centric occlusion (observable entity)"


def test_changing_a_loaded_copy_does_not_change_the_table() -> None:
    table = load_views()
    table.pop("EV01")
    table["EV99"] = view("EV02")
    assert is_view("EV01") and not is_view("EV99")
    assert "EV01" in load_views()


@pytest.mark.parametrize("code", ["EV01", "EV43", "IV01", "IV30", "EV3D01", "EV3D06", "IV3D03"])
def test_existing_codes_are_views(code: str) -> None:
    assert is_view(code) and is_view_code(code)
    assert view(code).code == code


@pytest.mark.parametrize(
    "code",
    ["EV99", "EV00", "EV44", "IV31", "EV3D07", "IV3D04", "ev01", "EV-01", "EV1", " EV01", "",
     "EO.RP.LR.CO"],
)  # fmt: skip
def test_other_strings_are_not_views(code: str) -> None:
    assert not is_view(code)
    assert not is_view_code(code)
    with pytest.raises(KeyError, match="not an ADA-1100 view code"):
        view(code)


def test_values_that_are_not_strings_are_not_views() -> None:
    for value in (None, 1, ["EV01"], {"EV01": 1}):
        assert not is_view(value)  # type: ignore[arg-type]
        with pytest.raises(KeyError):
            view(value)  # type: ignore[arg-type]


def test_the_coding_scheme_is_the_one_of_the_file(document: dict[str, Any]) -> None:
    scheme = views.coding_scheme()
    assert dataclasses.asdict(scheme) == document["coding_scheme"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="orthoshare-views/2"), "format"),
        (lambda d: d["views"].append(d["views"][0]), "listed twice"),
        (lambda d: d["views"][0]["dicom"].update(ada_view_code=None), "ada_view_code"),
        (lambda d: d["views"][0].update(kind="video"), "kind"),
        (lambda d: d["views"][0]["dicom"].update(patient_orientation=["A"]), "pair"),
        (lambda d: d["views"][0]["dicom"]["view_code"].pop("code_meaning"), "code_meaning"),
    ],
)
def test_the_reader_refuses_a_damaged_table(
    document: dict[str, Any], change: Any, message: str
) -> None:
    damaged = json.loads(json.dumps(document))
    change(damaged)
    with pytest.raises(ValueError, match=message):
        views._parse(damaged)


# --- the manifest and the wheel ---------------------------------------------------------


def manifest_with_view(code: str) -> bytes:
    manifest = Manifest(
        created="2026-11-28T09:30:00Z",
        generator="orthoshare 0.1.0",
        sender=Party("Dr Lee"),
        recipient=Party("Dr Kim"),
        note="",
        consent="given",
        patient=Patient("Ana Pérez"),
        deidentified=False,
        entries=(Entry("ORIGINAL/a.jpg", 10, "0" * 64, "image/jpeg", "photo", "a.jpg", "", code),),
    )
    return manifest.to_json()


def test_a_manifest_naming_an_existing_view_reads_back() -> None:
    manifest = Manifest.from_json(manifest_with_view("IV3D02"))
    assert manifest.entries[0].view == "IV3D02"


def test_a_manifest_naming_a_well_formed_but_missing_view_is_refused() -> None:
    with pytest.raises(ManifestError, match="view"):
        Manifest.from_json(manifest_with_view("EV99"))


def test_the_wheel_ships_the_data_files_the_package_reads(tmp_path: Path) -> None:
    # Built as pip builds it for an install, with the venv's setuptools and no index, on a
    # copy of py/ so that nothing is written into the sources: the files the package reads
    # at run time must be inside the archive, not just named in pyproject.toml.
    sources = tmp_path / "py"
    shutil.copytree(
        PY_ROOT,
        sources,
        ignore=shutil.ignore_patterns("__pycache__", ".*", "build", "dist", "*.egg-info"),
    )
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index"),
            *("--no-build-isolation", "--disable-pip-version-check", "--no-cache-dir"),
            *("--wheel-dir", str(tmp_path / "wheels"), str(sources)),
        ],
        cwd=tmp_path,
        check=True,
        timeout=300,
    )
    [wheel] = (tmp_path / "wheels").glob("orthoshare-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        for name in (
            "orthoshare/views.json",
            "orthoshare/keys/words.txt",
            "orthoshare/dicom/confidentiality.json",
        ):
            assert archive.read(name) == PY_ROOT.joinpath(*name.split("/")).read_bytes(), name
