"""The package's layers import one way: read from the sources, not from running them.

Every ``import`` of every module under ``py/orthoshare`` is read with :mod:`ast`
(inside functions too) and resolved to the orthoshare module it names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orthoshare

PACKAGE = Path(orthoshare.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path) for path in PACKAGE.rglob("*.py")}


def imported(path: Path) -> set[str]:
    """The orthoshare modules (or packages) that the module at ``path`` imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                # "from . import age" names a module; "from .x import y", a name in x.
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
    return {target for target in found if target in MODULES and target != name}


def imports_of(package: str) -> dict[str, set[str]]:
    root = PACKAGE.parent / package.replace(".", "/")
    return {module_name(path): imported(path) for path in sorted(root.rglob("*.py"))}


def test_the_age_layer_imports_nothing_else_of_the_package() -> None:
    outside = {
        module: sorted(t for t in targets if not t.startswith("orthoshare.age"))
        for module, targets in imports_of("orthoshare.age").items()
    }
    assert {module: targets for module, targets in outside.items() if targets} == {}


def test_the_records_vocabulary_and_the_view_table_are_leaves() -> None:
    assert imported(PACKAGE / "records.py") == set()
    assert imported(PACKAGE / "views.py") == set()


def test_the_key_book_builds_on_the_age_layer_alone() -> None:
    above = {
        module: sorted(
            t for t in targets if not t.startswith(("orthoshare.age", "orthoshare.keys"))
        )
        for module, targets in imports_of("orthoshare.keys").items()
    }
    assert {module: targets for module, targets in above.items() if targets} == {
        "orthoshare.keys.book": ["orthoshare.errors"]
    }


def test_dicom_builds_on_the_records_vocabulary_not_on_the_bundle() -> None:
    into_bundle = {
        module: sorted(t for t in targets if t.startswith("orthoshare.bundle"))
        for module, targets in imports_of("orthoshare.dicom").items()
    }
    assert {module: targets for module, targets in into_bundle.items() if targets} == {}


def test_the_bundle_does_not_import_dicom() -> None:
    # The pipeline hands the writer its DICOM collector (bundle.writer.DicomCollector).
    into_dicom = {
        module: sorted(t for t in targets if t.startswith("orthoshare.dicom"))
        for module, targets in imports_of("orthoshare.bundle").items()
    }
    assert {module: targets for module, targets in into_dicom.items() if targets} == {}


def test_deidentifying_sits_above_bundle_and_dicom_and_only_the_pipeline_imports_it() -> None:
    below = ("orthoshare.bundle", "orthoshare.dicom", "orthoshare.records",
             "orthoshare.errors", "orthoshare.deidentify")  # fmt: skip
    above = {
        module: sorted(t for t in targets if not t.startswith(below))
        for module, targets in imports_of("orthoshare.deidentify").items()
    }
    assert {module: targets for module, targets in above.items() if targets} == {}
    importers = {
        module
        for module, targets in imports_of("orthoshare").items()
        if not module.startswith("orthoshare.deidentify")
        and any(t.startswith("orthoshare.deidentify") for t in targets)
    }
    assert importers == {"orthoshare.pipeline"}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``graph`` meets, as the modules along it."""
    found: list[list[str]] = []
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "on the path"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "on the path":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_no_module_of_the_package_imports_itself_through_others() -> None:
    assert cycles(imports_of("orthoshare")) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_import_reader_sees_relative_and_absolute_imports() -> None:
    # pipeline imports the age package by name and its interfaces by a relative path.
    assert {"orthoshare.age", "orthoshare.age.interfaces"} <= imported(PACKAGE / "pipeline.py")
    assert "orthoshare.age.outfile" in imported(PACKAGE / "age" / "encrypt.py")
    # and an import inside a function (dicom/ delays pydicom's that way).
    assert "orthoshare.dicom.fileset" in imported(PACKAGE / "dicom" / "collect.py")
