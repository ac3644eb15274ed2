"""build.py, run as a person runs it: the site it makes, its reproducibility, its pins.

The builds here read a stand-in page shell and web/ folder made in a temporary
folder (``--source-root``), so they test the build, not the page that is being
written beside it; the package is a copy of the real py/ and the third-party
inputs are the installed node_modules/ and the PyPI wheels kept in build/pypi/
(``--inputs-root``). The first build fills that cache (from PyPI, once); the tests
that download again use a local folder as the only index, never the network.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
PINS = "build-inputs.lock.json"
PYODIDE_FILES = [
    "pyodide-lock.json",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "pyodide.mjs",
    "python_stdlib.zip",
]
CRYPTO_EXPORTS = "chacha20poly1305Open,chacha20poly1305Seal,ready,scrypt,x25519"
SHELL = (
    b"<!doctype html><title>stand-in shell</title>\n"
    b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">\n'
    b'<link rel="stylesheet" href="web/style.css">\n'
    b'<script type="module" src="web/main.js"></script>\n'
    b"<body></body>\n"
)
SINGLE_FILE = "orthoshare.html"
WHEEL_CACHE = "build/pypi"
#: The wheel the page loads beside ours; the pin file has its version and sha256.
PYDICOM = "pydicom-3.0.2-py3-none-any.whl"


def run_build(
    *arguments: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run build.py with the given arguments (and environment); return the finished process."""
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *map(str, arguments)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )


def build_ok(source_root: Path, out: Path, inputs_root: Path = REPO) -> Path:
    """Build into ``out`` and fail the test with build.py's message if it does not succeed."""
    result = run_build("--source-root", source_root, "--inputs-root", inputs_root, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def package_version() -> str:
    with (REPO / "py" / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def pins() -> dict[str, Any]:
    return dict(json.loads((REPO / PINS).read_text()))


@pytest.fixture(scope="session")
def source_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html, web/ (the real crypto.js and stand-ins) and a copy of py/."""
    root = tmp_path_factory.mktemp("source")
    (root / "index.html").write_bytes(SHELL)
    web = root / "web"
    web.mkdir()
    shutil.copyfile(REPO / "web" / "crypto.js", web / "crypto.js")
    (web / "main.js").write_text("// stand-in page script\n")
    (web / "single-start-worker.js").write_text("// stand-in worker hook of the single file\n")
    (web / "single-worker.js").write_text("// stand-in worker of the single file\n")
    (web / "single-early-start.js").write_text("// stand-in first script of the single file\n")
    (web / "style.css").write_text("body { margin: 0 }\n")
    (web / "notes.txt").write_text("neither script nor style: not copied\n")
    shutil.copytree(
        REPO / "py", root / "py", ignore=shutil.ignore_patterns("__pycache__", ".*", "build")
    )
    return root


@pytest.fixture(scope="session")
def dist(source_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_ok(source_root, tmp_path_factory.mktemp("first") / "dist")


@pytest.fixture(scope="session")
def wheel(dist: Path) -> Path:
    return dist / "wheels" / f"orthoshare-{package_version()}-py3-none-any.whl"


@pytest.fixture(scope="session")
def cached_wheels(dist: Path) -> Path:
    """The repository's cache of PyPI wheels, which the first build filled."""
    cache = REPO / WHEEL_CACHE
    assert (cache / PYDICOM).is_file()
    return cache


def test_two_builds_give_identical_bytes(source_root: Path, dist: Path, tmp_path: Path) -> None:
    again = build_ok(source_root, tmp_path / "elsewhere" / "site")
    assert tree(again) == tree(dist)


def test_dist_holds_exactly_the_site(dist: Path) -> None:
    assert sorted(tree(dist)) == sorted(
        [
            "build-info.json",
            "index.html",
            SINGLE_FILE,
            *(f"pyodide/{name}" for name in PYODIDE_FILES),
            "web/crypto.js",
            "web/main.js",
            "web/style.css",
            f"wheels/orthoshare-{package_version()}-py3-none-any.whl",
            f"wheels/{PYDICOM}",
        ]
    )
    assert (dist / "index.html").read_bytes() == SHELL
    assert (dist / "web" / "main.js").read_text() == "// stand-in page script\n"


def test_build_info_lists_every_other_file_with_size_and_sha256(dist: Path, wheel: Path) -> None:
    info = json.loads((dist / "build-info.json").read_text())
    listed = {entry["path"]: entry for entry in info["files"]}
    files = tree(dist)
    del files["build-info.json"]
    assert sorted(listed) == sorted(files)
    for name, content in files.items():
        assert listed[name]["size"] == len(content), name
        assert listed[name]["sha256"] == hashlib.sha256(content).hexdigest(), name
    # Ours first (loaded at boot), then PyPI's (loaded when first needed); these are all.
    assert info["wheels"] == [wheel.relative_to(dist).as_posix(), f"wheels/{PYDICOM}"]
    assert sorted(info["wheels"]) == sorted(name for name in files if name.startswith("wheels/"))
    assert info["pyodide"] == json.loads((REPO / PINS).read_text())["npm"]["pyodide"]["version"]


def test_pyodide_files_are_the_pinned_bytes(dist: Path) -> None:
    pinned = json.loads((REPO / PINS).read_text())["pyodide"]
    for name in PYODIDE_FILES:
        actual = hashlib.sha256((dist / "pyodide" / name).read_bytes()).hexdigest()
        assert actual == pinned[f"node_modules/pyodide/{name}"], name


def test_pydicom_is_the_pinned_wheel_of_pypi_as_it_is(dist: Path) -> None:
    pin = pins()["pypi"]["pydicom"]
    assert pin["file"] == PYDICOM and pin["version"] == "3.0.2"
    shipped = dist / "wheels" / PYDICOM
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == pin["sha256"]
    assert shipped.read_bytes() == (REPO / WHEEL_CACHE / PYDICOM).read_bytes()
    with zipfile.ZipFile(shipped) as archive:
        metadata = Parser().parsestr(archive.read("pydicom-3.0.2.dist-info/METADATA").decode())
        tag = Parser().parsestr(archive.read("pydicom-3.0.2.dist-info/WHEEL").decode())["Tag"]
        names = set(archive.namelist())
    assert (metadata["Name"], metadata["Version"], tag) == ("pydicom", "3.0.2", "py3-none-any")
    # Not repacked: the test files stay, among them those the page tests seal.
    assert {"pydicom/data/test_files/CT_small.dcm", "pydicom/data/test_files/MR_small.dcm"} <= names


def test_the_page_and_the_command_line_pin_the_same_pydicom() -> None:
    pin = pins()["pypi"]["pydicom"]
    requirements = (REPO / "requirements-test.txt").read_text()
    match = re.search(
        r"^pydicom==(\S+)((?:\s*\\\s*--hash=sha256:[0-9a-f]{64})+)", requirements, re.M
    )
    assert match is not None, "requirements-test.txt pins no pydicom"
    assert match.group(1) == pin["version"]
    assert pin["sha256"] in re.findall(r"sha256:([0-9a-f]{64})", match.group(2))


def test_crypto_bundle_is_one_self_contained_module(dist: Path, tmp_path: Path) -> None:
    # A folder with no node_modules anywhere above it: an import left in the bundle fails.
    alone = tmp_path / "crypto.js"
    shutil.copyfile(dist / "web" / "crypto.js", alone)
    script = (
        f"const m = await import({json.dumps(alone.as_uri())}); await m.ready();"
        "console.log(Object.keys(m).sort().join());"
    )
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == CRYPTO_EXPORTS


def test_node_tests_of_the_bundled_crypto_pass(dist: Path) -> None:
    result = subprocess.run(
        ["node", "--test", str(REPO / "tests" / "js")],
        env={**os.environ, "ORTHOSHARE_DIST": str(dist)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


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


def test_check_compares_a_fresh_build_with_the_output(source_root: Path, tmp_path: Path) -> None:
    out = build_ok(source_root, tmp_path / "dist")
    arguments = ("--source-root", source_root, "--inputs-root", REPO, "--out", out, "--check")
    assert run_build(*arguments).returncode == 0
    (out / "web" / "main.js").write_text("// changed after the build\n")
    result = run_build(*arguments)
    assert result.returncode == 1
    assert "web/main.js" in result.stderr


def test_a_missing_page_shell_stops_the_build(source_root: Path, tmp_path: Path) -> None:
    shell_less = tmp_path / "source"
    shutil.copytree(source_root, shell_less)
    (shell_less / "index.html").unlink()
    result = run_build("--source-root", shell_less, "--out", tmp_path / "dist")
    assert result.returncode == 1
    assert "index.html is missing" in result.stderr
    assert not (tmp_path / "dist").exists()


# --- tampered inputs -------------------------------------------------------------------


def inputs_copy(root: Path, cache: Path | None, *real: str) -> Path:
    """An inputs root whose node_modules links to the installed packages, except the
    packages named in ``real``, which are copies that a test may change; its cache of
    PyPI wheels is a copy of ``cache``, or empty if that is None."""
    root.mkdir()
    for name in ("package-lock.json", PINS):
        shutil.copyfile(REPO / name, root / name)
    if cache is not None:
        shutil.copytree(cache, root / WHEEL_CACHE)
    modules = root / "node_modules"
    modules.mkdir()
    for entry in (REPO / "node_modules").iterdir():
        if entry.name == "@noble" and "@noble/hashes" in real:
            (modules / "@noble").mkdir()
            shutil.copytree(entry / "hashes", modules / "@noble" / "hashes")
        elif entry.name in real:
            shutil.copytree(entry, modules / entry.name)
        else:
            (modules / entry.name).symlink_to(entry)
    return root


def tamper(path: Path) -> tuple[str, str]:
    """Append a byte to ``path``; return its sha256 before and after."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with path.open("ab") as file:
        file.write(b"\n")
    return before, hashlib.sha256(path.read_bytes()).hexdigest()


def assert_stopped(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """The build failed with one line on stderr that holds every word and says what to do."""
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in (*words, "npm ci", "--update-pins"):
        assert word in lines[0]


@pytest.mark.parametrize(
    ("package", "file"),
    [
        ("pyodide", "node_modules/pyodide/pyodide.asm.wasm"),
        ("pyodide", "node_modules/pyodide/pyodide-lock.json"),
        ("@noble/hashes", "node_modules/@noble/hashes/scrypt.js"),
        ("libsodium", "node_modules/libsodium/dist/modules-esm/libsodium.mjs"),
    ],
)
def test_a_tampered_input_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path, package: str, file: str
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels, package)
    expected, actual = tamper(inputs / file)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier build")
    result = run_build("--source-root", source_root, "--inputs-root", inputs, "--out", out)
    assert_stopped(result, file, expected, actual)
    assert tree(out) == {"earlier.txt": b"an earlier build"}, "the earlier output is kept"


def test_an_upgrade_without_new_pins_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    lock_path = inputs / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["node_modules/libsodium-wrappers"]["integrity"] = "sha512-upgraded"
    lock_path.write_text(json.dumps(lock))
    result = run_build(
        "--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist"
    )
    assert_stopped(result, "package-lock.json", "libsodium-wrappers", "sha512-upgraded")


def test_an_unpinned_file_in_the_bundle_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    pins_path = inputs / PINS
    pins = json.loads(pins_path.read_text())
    del pins["bundle"]["node_modules/@noble/hashes/sha2.js"]
    pins_path.write_text(json.dumps(pins))
    result = run_build(
        "--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist"
    )
    assert result.returncode == 1
    assert "node_modules/@noble/hashes/sha2.js" in result.stderr
    assert "--update-pins" in result.stderr


# --- the wheels from PyPI ---------------------------------------------------------------


def index_of(folder: Path) -> dict[str, str]:
    """An environment where pip's only index is ``folder`` (no configuration file read)."""
    return {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(folder),
    }


def test_a_tampered_cached_wheel_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    expected, actual = tamper(inputs / WHEEL_CACHE / PYDICOM)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier build")
    result = run_build("--source-root", source_root, "--inputs-root", inputs, "--out", out)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    for word in (f"{WHEEL_CACHE}/{PYDICOM}", expected, actual, "delete it", "--update-pins"):
        assert word in line
    assert tree(out) == {"earlier.txt": b"an earlier build"}, "the earlier output is kept"


def test_a_missing_wheel_is_downloaded_once_and_then_needs_no_index(
    source_root: Path, dist: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    shutil.copyfile(cached_wheels / PYDICOM, index / PYDICOM)
    inputs = inputs_copy(tmp_path / "inputs", None)
    arguments = ("--source-root", source_root, "--inputs-root", inputs)
    result = run_build(*arguments, "--out", tmp_path / "first", env=index_of(index))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (inputs / WHEEL_CACHE).iterdir()) == [PYDICOM]
    assert tree(tmp_path / "first") == tree(dist)
    # The cache now serves the build: an empty index is enough.
    (index / PYDICOM).unlink()
    result = run_build(*arguments, "--out", tmp_path / "second", env=index_of(index))
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "second") == tree(dist)


def test_a_download_that_differs_from_the_pin_stops_the_build_and_is_not_kept(
    source_root: Path, cached_wheels: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    other = shutil.copyfile(cached_wheels / PYDICOM, index / PYDICOM)
    with zipfile.ZipFile(other, "a") as archive:  # still a valid wheel, other bytes
        archive.comment = b"not the pinned wheel"
    actual = hashlib.sha256(other.read_bytes()).hexdigest()
    inputs = inputs_copy(tmp_path / "inputs", None)
    arguments = ("--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist")
    result = run_build(*arguments, env=index_of(index))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    for word in ("pydicom==3.0.2", pins()["pypi"]["pydicom"]["sha256"], actual, "--update-pins"):
        assert word in line
    assert list((inputs / WHEEL_CACHE).iterdir()) == [], "nothing unchecked enters the cache"
    assert not (tmp_path / "dist").exists()


def test_no_index_and_no_cached_wheel_stops_the_build_plainly(
    source_root: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "index"
    empty.mkdir()
    inputs = inputs_copy(tmp_path / "inputs", None)
    arguments = ("--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist")
    result = run_build(*arguments, env=index_of(empty))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "could not download pydicom==3.0.2" in line
    assert f"{WHEEL_CACHE}/" in line
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, f"{PINS} does not pin pydicom; run 'build.py --update-pins'"),
        ({"file": f"../{PYDICOM}"}, "not a pure-Python wheel of pydicom 3.0.2"),
        ({"file": "pydicom-3.0.2-cp314-cp314-emscripten_5_0_3_wasm32.whl"}, "not a pure-Python"),
        ({"sha256": "abf971a5"}, "with a sha256; run 'build.py --update-pins'"),
    ],
)
def test_a_pin_file_without_a_sound_pydicom_pin_stops_the_build(
    source_root: Path, cached_wheels: Path, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    inputs = inputs_copy(tmp_path / "inputs", cached_wheels)
    pin_file = inputs / PINS
    changed = json.loads(pin_file.read_text())
    if change:
        changed["pypi"]["pydicom"].update(change)
    else:
        del changed["pypi"]
    pin_file.write_text(json.dumps(changed))
    result = run_build(
        "--source-root", source_root, "--inputs-root", inputs, "--out", tmp_path / "dist"
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert message in line
    assert not (tmp_path / "dist").exists()


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


# --- the single file -------------------------------------------------------------------


class Block(NamedTuple):
    """A script element of the single file: its attributes and its text."""

    attrs: dict[str, str | None]
    text: str


class SingleFile(html.parser.HTMLParser):
    """The single file read as a browser would: links it would follow, and script blocks."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.blocks: list[Block] = []
        self._open: dict[str, str | None] | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [f"{tag} {name}={value}" for name, value in attrs if name in ("src", "href")]
        if tag == "script":
            self._open = dict(attrs)
            self.blocks.append(Block(self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.blocks[-1] = Block(self._open, self.blocks[-1].text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


@pytest.fixture(scope="session")
def real_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of the real page (index.html, web/, py/ of this repository)."""
    return build_ok(REPO, tmp_path_factory.mktemp("real") / "dist")


def test_the_single_file_of_two_builds_is_byte_identical(real_dist: Path, tmp_path: Path) -> None:
    again = build_ok(REPO, tmp_path / "again")
    assert (again / SINGLE_FILE).read_bytes() == (real_dist / SINGLE_FILE).read_bytes()
    assert tree(again) == tree(real_dist)


def test_the_single_file_refers_to_no_other_file_and_no_server(real_dist: Path) -> None:
    page = (real_dist / SINGLE_FILE).read_text(encoding="utf-8")
    parsed = SingleFile(page)
    assert parsed.links == []
    assert "http://" not in page
    assert "https://" not in page
    assert "<link" not in page
    # Two scripts run (the page's module and the classic one that starts the worker);
    # every other block is data.
    types = [block.attrs.get("type") for block in parsed.blocks]
    assert types.count("module") == 1
    assert types.count(None) == 1
    assert set(types) == {"module", None, "application/octet-stream"}


def test_the_single_file_carries_the_sites_files_gzipped_without_a_time_stamp(
    real_dist: Path,
) -> None:
    parsed = SingleFile((real_dist / SINGLE_FILE).read_text(encoding="utf-8"))
    carried = {
        str(block.attrs["data-path"]): base64.b64decode(block.text, validate=True)
        for block in parsed.blocks
        if block.attrs.get("type") == "application/octet-stream" and "data-path" in block.attrs
    }
    wheels = [f"wheels/orthoshare-{package_version()}-py3-none-any.whl", f"wheels/{PYDICOM}"]
    # Pyodide's two modules are bundled into the worker's script, not carried as files.
    fetched = [name for name in PYODIDE_FILES if not name.endswith(".mjs")]
    assert sorted(carried) == sorted([*(f"pyodide/{name}" for name in fetched), *wheels])
    for path, packed in carried.items():
        assert packed[:2] == b"\x1f\x8b", path  # gzip
        assert packed[4:8] == bytes(4), f"{path}: a gzip time stamp makes builds differ"
        assert gzip.decompress(packed) == (real_dist / path).read_bytes(), path


def test_the_single_file_inlines_the_page_and_its_worker(real_dist: Path) -> None:
    page = (real_dist / SINGLE_FILE).read_text(encoding="utf-8")
    parsed = SingleFile(page)
    (script,) = [block.text for block in parsed.blocks if block.attrs.get("type") == "module"]
    (worker,) = [block for block in parsed.blocks if "data-worker" in block.attrs]
    assert worker.attrs["data-worker"] == "web/single-worker.js"
    worker_code = gzip.decompress(base64.b64decode(worker.text, validate=True)).decode("utf-8")
    (early,) = [block.text for block in parsed.blocks if block.attrs.get("type") is None]
    # The classic script right after the worker's code starts it from a blob: URL.
    after_worker = parsed.blocks[parsed.blocks.index(worker) + 1]
    assert after_worker.text == early
    assert early.strip() == (REPO / "web" / "single-early-start.js").read_text().strip()
    # The bundles hold no import left to resolve: the page would have nothing to fetch it
    # from, and WebKit would refuse a blob: import in the worker.
    for code in (script, worker_code):
        assert not static_imports(code), code[:200]
    assert not re.search(r"""(?<![\w$.])import\(\s*["'](?!node:|ws["'])""", worker_code)
    assert "orthoshare-memory:/" in worker_code  # the worker answers Pyodide's fetches itself
    assert "createPyodideModule" in worker_code or "pyodide.asm" in worker_code
    css = (REPO / "web" / "style.css").read_text(encoding="utf-8")
    assert f"<style>\n{css}</style>" in page
    # The site keeps its own worker; the single file's modules stay out of it.
    assert sorted(path.name for path in (real_dist / "web").iterdir()) == [
        "api.js", "crypto.js", "main.js", "service.js", "start-worker.js", "style.css", "worker.js",
    ]  # fmt: skip


def static_imports(code: str) -> list[str]:
    """The static imports and exports-from left in a bundled module."""
    return re.findall(r"""(?:^|[;}\s])(?:import|export)[^;(]*?from\s*["'][^"']+["']""", code)


def test_a_shell_without_the_page_script_stops_the_build(source_root: Path, tmp_path: Path) -> None:
    plain = tmp_path / "source"
    shutil.copytree(source_root, plain)
    (plain / "index.html").write_text("<!doctype html><title>no script</title><body></body>\n")
    result = run_build("--source-root", plain, "--out", tmp_path / "dist")
    assert result.returncode == 1
    assert '<script type="module" src="web/main.js"></script>' in result.stderr
    assert not (tmp_path / "dist").exists()


def policy_sources(page: str) -> dict[str, list[str]]:
    """The directives of the page's Content-Security-Policy meta element, by name."""
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    directives = (part.split() for part in policy.split(";"))
    return {name: sources for name, *sources in directives}


def policy_hash(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def test_the_single_file_allows_by_hash_only_the_script_and_style_it_carries(
    real_dist: Path,
) -> None:
    page = (real_dist / SINGLE_FILE).read_text(encoding="utf-8")
    parsed = SingleFile(page)
    (script,) = [block.text for block in parsed.blocks if block.attrs.get("type") == "module"]
    (early,) = [block.text for block in parsed.blocks if block.attrs.get("type") is None]
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.DOTALL)
    assert policy_sources(page) == {
        "default-src": ["'none'"],
        "script-src": [policy_hash(early), policy_hash(script), "'wasm-unsafe-eval'"],
        "worker-src": ["blob:"],
        "img-src": ["blob:"],
        "style-src": [policy_hash(style)],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
    # The policy comes before everything it must cover.
    assert page.index("Content-Security-Policy") < min(page.index("<style>"), page.index("<script"))


def test_the_site_keeps_the_policy_of_its_shell(real_dist: Path) -> None:
    shell = (REPO / "index.html").read_text(encoding="utf-8")
    assert (real_dist / "index.html").read_text(encoding="utf-8") == shell
    assert "'unsafe-inline'" not in shell and "'unsafe-eval'" not in shell
    assert policy_sources(shell)["script-src"] == ["'self'", "'wasm-unsafe-eval'"]


@pytest.mark.parametrize(
    "shell",
    [
        b'<!doctype html><script type="module" src="web/main.js"></script><body></body>\n',
        b'<!doctype html><script type="module" src="web/main.js"></script>\n'
        b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
        b"<body></body>\n",
    ],
    ids=["no policy", "policy after the script"],
)
def test_a_shell_whose_policy_would_not_cover_the_single_file_stops_the_build(
    source_root: Path, tmp_path: Path, shell: bytes
) -> None:
    unsafe = tmp_path / "source"
    shutil.copytree(source_root, unsafe)
    (unsafe / "index.html").write_bytes(shell)
    result = run_build("--source-root", unsafe, "--out", tmp_path / "dist")
    assert result.returncode == 1
    assert "Content-Security-Policy" in result.stderr
    assert not (tmp_path / "dist").exists()
