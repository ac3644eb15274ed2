"""Our wheel: the package's sources and matching metadata, installable without them,
and the same bytes whatever py/ holds beside them and whatever the umask."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

from .support import REPO, package_version


def test_wheel_holds_the_package_sources_and_matching_metadata(
    wheel: Path, source_root: Path
) -> None:
    package = source_root / "py" / "orthoshare"
    with (source_root / "py" / "pyproject.toml").open("rb") as file:
        package_data = tomllib.load(file)["tool"]["setuptools"].get("package-data", {})
    # The modules, and the data files pyproject.toml declares (globs relative to their package).
    data = [
        path
        for name, patterns in package_data.items()
        for pattern in patterns
        for path in package.parent.joinpath(*name.split(".")).glob(pattern)
    ]
    sources = sorted(
        path.relative_to(package.parent).as_posix()
        for path in [*package.rglob("*.py"), *data]
        if "__pycache__" not in path.parts
    )
    version = package_version()
    dist_info = f"orthoshare-{version}.dist-info/"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(dist_info + "METADATA").decode())
        wheel_file = Parser().parsestr(archive.read(dist_info + "WHEEL").decode())
        record = archive.read(dist_info + "RECORD").decode()
        contents = {name: archive.read(name) for name in names}
        stamps = {info.date_time for info in archive.infolist()}
    assert sorted(name for name in names if not name.startswith(dist_info)) == sources
    assert metadata["Name"] == "orthoshare"
    assert metadata["Version"] == version
    assert wheel_file["Tag"] == "py3-none-any"
    assert wheel_file["Root-Is-Purelib"] == "true"
    assert stamps == {(1980, 1, 1, 0, 0, 0)}
    for line in record.splitlines():
        name, digest, size = line.rsplit(",", 2)
        if name == dist_info + "RECORD":
            continue
        expected = base64.urlsafe_b64encode(hashlib.sha256(contents[name]).digest())
        assert digest == "sha256=" + expected.rstrip(b"=").decode(), name
        assert int(size) == len(contents[name]), name


def test_wheel_installs_and_imports_without_the_sources(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=120,
    )
    # -I -S: no environment, no site-packages (so not the editable install of py/).
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import importlib.metadata as m, orthoshare, orthoshare.age;"
        "print(orthoshare.__file__.startswith(sys.argv[1]), m.version('orthoshare'))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, str(target)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", package_version()]


def test_leftovers_in_py_and_the_umask_do_not_change_the_wheel(
    source_root: Path, wheel: Path, tmp_path: Path
) -> None:
    messy = tmp_path / "source"
    shutil.copytree(source_root, messy)
    py = messy / "py"
    for leftover in (
        "build/lib/orthoshare/stale.py",
        "orthoshare.egg-info/PKG-INFO",
        "orthoshare/__pycache__/cli.cpython-311.pyc",
        "orthoshare/.editor-backup.py",
    ):
        (py / leftover).parent.mkdir(parents=True, exist_ok=True)
        (py / leftover).write_text("# not a source\n")
    (py / "orthoshare" / "cli.py").chmod(0o664)  # as a checkout under umask 002 makes it
    out = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--source-root", str(messy), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        umask=0o002,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "wheels" / wheel.name).read_bytes() == wheel.read_bytes()
