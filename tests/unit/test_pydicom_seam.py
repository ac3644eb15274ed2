"""pydicom, a 2 MB wheel the page loads only before DICOM work, is loaded through one module.

The rest of the package imports ``dicom/collect.py``, the identity record and
the patient guard, none of which imports pydicom, directly or through another
module; the dicom modules that read or write DICOM import it at their top, and
only ``collect`` imports those, inside its functions. Each claim is tried in a
fresh interpreter, and every import of the package is read with :mod:`ast`, as
``test_package_layers.py`` reads them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

from test_package_layers import MODULES, PACKAGE, module_name

SEAM = "orthoshare.dicom.collect"

#: What the page imports before pydicom is loaded.
PYDICOM_FREE = [
    "orthoshare.pipeline",
    "orthoshare.dicom.collect",
    "orthoshare.dicom.patients",
    "orthoshare.dicom.identity",
]

LOADED = "print('pydicom' in sys.modules)"


def run(code: str, *args: str) -> list[str]:
    """The output lines of ``code`` in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def test_importing_the_pipeline_and_the_patient_guard_leaves_pydicom_unloaded() -> None:
    code = f"import sys\nimport {', '.join(PYDICOM_FREE)}\n{LOADED}\n"
    # The same interpreter then reads a header, proving it can see pydicom.
    after = "import orthoshare.dicom.header\n" + LOADED
    assert run(code + after) == ["False", "True"]


def test_sealing_files_that_are_no_dicom_work_leaves_pydicom_unloaded(tmp_path: Path) -> None:
    code = f"""import sys
from pathlib import Path

from orthoshare import age, pipeline
from orthoshare.request import SealRequest

letter = Path(sys.argv[1]) / "letter.txt"
letter.write_text("Dear colleague, the records of our patient.")
recipient = age.X25519Identity.generate().recipient
request = SealRequest([recipient])
pipeline.seal(pipeline.collect_inputs([letter]), request, letter.with_suffix(".zip.age"))
{LOADED}
"""
    assert run(code, str(tmp_path)) == ["False"]
    assert (tmp_path / "letter.zip.age").stat().st_size > 0


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(node: ast.AST, *, in_function: bool) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import under ``node``, with whether it runs inside a function; none of
    ``if TYPE_CHECKING:`` (those never run)."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.append((child, in_function))
        elif isinstance(child, ast.stmt) and _is_type_checking(child):
            continue
        else:
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            found += _imports(child, in_function=inside)
    return found


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool) -> set[str]:
    """The orthoshare modules, or the other top-level packages, an import names."""
    if isinstance(node, ast.Import):
        named = {alias.name for alias in node.names}
    else:
        target = node.module or ""
        if node.level:
            base = (name if is_package else name.rpartition(".")[0]).split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
        # "from . import png" names a module; "from .jpeg import read_frame", a name in one.
        named = {
            f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target
            for alias in node.names
        }
    return {
        target if target.partition(".")[0] == "orthoshare" else target.partition(".")[0]
        for target in named
    }


@cache
def _module_imports() -> dict[str, list[tuple[str, bool]]]:
    """Each orthoshare module's imports: (what it names, whether inside a function)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, is_package = module_name(path), path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found[name] = [
            (target, in_function)
            for node, in_function in _imports(tree, in_function=False)
            for target in _targets(node, name, is_package)
        ]
    return found


@cache
def loads_pydicom(target: str) -> bool:
    """Whether importing ``target`` (which imports its packages first) imports pydicom."""
    seen: set[str] = set()
    waiting = [target]
    while waiting:
        module = waiting.pop()
        if module == "pydicom":
            return True
        if module in seen or module not in MODULES:
            continue
        seen.add(module)
        waiting.append(module.rpartition(".")[0])
        waiting += [named for named, in_function in _module_imports()[module] if not in_function]
    return False


def test_only_the_seam_defers_an_import_that_loads_pydicom() -> None:
    deferred = {
        module: sorted(
            named for named, in_function in imports if in_function and loads_pydicom(named)
        )
        for module, imports in _module_imports().items()
    }
    assert {module: named for module, named in deferred.items() if named and module != SEAM} == {}
    assert "orthoshare.dicom.header" in deferred[SEAM]


def test_the_seams_own_imports_leave_pydicom_unloaded() -> None:
    assert not loads_pydicom(SEAM)
    assert [module for module in PYDICOM_FREE if loads_pydicom(module)] == []


def test_the_import_reader_follows_pydicom_through_the_package() -> None:
    assert loads_pydicom("orthoshare.dicom.header")  # imports pydicom itself
    assert loads_pydicom("orthoshare.dicom.generate")  # through convert and embed
    assert not loads_pydicom("orthoshare.dicom.jpeg")
