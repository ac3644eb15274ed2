"""The page's Python code in the page's Pyodide, under Node, and files crossing to CPython.

``tests/node/run.mjs`` boots Pyodide with the page's crypto module and checks
``orthoshare.browser``: every CCTV vector, seal/inspect/open round trips and
the error results. Here a file sealed by CPython is handed to it, and the files
it seals are opened by CPython. Node and Pyodide are part of the suite: their
absence fails the test rather than skipping it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME
from orthoshare.bundle.reader import verify_bundle
from orthoshare.bundle.writer import Details, write_bundle
from orthoshare.dicom.collect import DicomPart
from orthoshare.records import Patient
from orthoshare.request import SealRequest

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN = REPO_ROOT / "tests" / "node" / "run.mjs"
PYODIDE = REPO_ROOT / "node_modules" / "pyodide" / "pyodide.mjs"
TIMEOUT_SECONDS = 300
#: A check of run.mjs's harness: a test() call with a literal name, in any of its modules.
CHECK = re.compile(r"""(?<![\w.])test\(\s*["'`]""")


def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not installed: the page's Python code is tested under Node")
    if not PYODIDE.is_file():
        pytest.fail("node_modules/pyodide is missing: run scripts/test, which runs npm ci")
    return path


def defined_checks() -> int:
    """How many checks the modules beside run.mjs define (the harness's own definition of
    test() takes no literal name, so it is not one)."""
    return sum(len(CHECK.findall(path.read_text())) for path in RUN.parent.glob("*.mjs"))


def assert_every_check_passed(output: str, defined: int) -> None:
    """run.mjs exits 0 when nothing failed, which also holds when a module's checks never
    ran: its summary must count every check defined, all passed."""
    summary = re.search(r"^(\d+) of (\d+) checks passed", output, re.MULTILINE)
    assert summary is not None, output[-2000:]
    assert defined > 0
    assert summary.groups() == (str(defined), str(defined)), summary.group(0)


def seal_for_pyodide(folder: Path) -> dict[str, str]:
    """Seal a few records with CPython; return the sha256 of each by its original name."""
    records = folder / "records"
    (records / "letters").mkdir(parents=True)
    (records / "smile.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 300)
    (records / "letters" / "referral.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 70_000)
    identity = age.X25519Identity.generate()
    (folder / "cpython-identity.txt").write_text(age.format_identity_file(identity))
    pipeline.seal(
        pipeline.collect_inputs([records]),
        SealRequest([identity.recipient]),
        folder / "cpython.zip.age",
    )
    expected = {
        "/".join(path.relative_to(folder).parts): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in records.rglob("*")
        if path.is_file()
    }
    (folder / "cpython-expected.json").write_text(json.dumps(expected))
    return expected


def open_from_pyodide(folder: Path, name: str, identities: list[age.Identity]) -> int:
    """Open a file sealed in Pyodide; check every original's bytes; return how many there are.

    DICOM objects made from the originals (under DICOM/) are verified by open_ itself.
    """
    expected = json.loads((folder / "pyodide-expected.json").read_text())
    out = folder / name.removesuffix(".zip.age")
    manifest = pipeline.open_(folder / name, identities, out)
    originals = [entry for entry in manifest.entries if entry.path.startswith("ORIGINAL/")]
    for entry in originals:
        data = out.joinpath(*entry.path.split("/")).read_bytes()
        assert hashlib.sha256(data).hexdigest() == expected[entry.original_name], entry.path
    return len(originals)


def test_browser_api_in_pyodide_under_node(cctv_dir: Path, tmp_path: Path) -> None:
    seal_for_pyodide(tmp_path)

    run = subprocess.run(
        [node(), str(RUN), "--exchange", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )

    print(run.stdout)
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
    assert_every_check_passed(run.stdout, defined_checks())
    passphrase = age.ScryptIdentity((tmp_path / "pyodide-passphrase.txt").read_text())
    assert open_from_pyodide(tmp_path, "pyodide-passphrase.zip.age", [passphrase]) == 5
    identities = age.parse_identity_file((tmp_path / "pyodide-identity.txt").read_text())
    assert open_from_pyodide(tmp_path, "pyodide-key.zip.age", list(identities)) == 3


def test_the_check_count_refuses_a_run_short_of_the_checks_defined() -> None:
    defined = defined_checks()
    assert_every_check_passed(f"{defined} of {defined} checks passed in 9.0 s", defined)
    for short in (f"{defined - 1} of {defined - 1}", "0 of 0"):
        with pytest.raises(AssertionError):
            assert_every_check_passed(f"{short} checks passed in 9.0 s", defined)


def test_data_offsets_find_stored_bytes_past_local_extra_fields(tmp_path: Path) -> None:
    # The page slices files out of the verified ZIP at VerifiedBundle.data_offset; a local
    # header may carry an extra field (ZIP64 sizes, timestamps from other tools), so the
    # offset must come from the local header, not from the central directory's name alone.
    records = tmp_path / "records"
    records.mkdir()
    originals = {"a.jpg": b"\xff\xd8\xff\xe0" + b"a" * 5000, "b.pdf": b"%PDF-1.7\n" + b"b" * 300}
    for name, data in originals.items():
        (records / name).write_bytes(data)
    plain = io.BytesIO()
    write_bundle(
        plain, pipeline.collect_inputs([records]), Details(), dicom=DicomPart(Patient(), False)
    )
    with_extra = io.BytesIO()
    # An "unknown" extra record (id 0xCAFE, 4 bytes); zipfile writes it in the local header.
    extra = struct.pack("<HH4s", 0xCAFE, 4, b"test")
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(with_extra, "w") as target:
        for info in source.infolist():
            info.extra = extra
            target.writestr(info, source.read(info))

    for zipped in (plain, with_extra):
        zipped.seek(0)
        with verify_bundle(zipped) as bundle:
            content = zipped.getvalue()
            for entry in bundle.manifest.entries:
                start = bundle.data_offset(entry.path)
                data = content[start : start + entry.size]
                if entry.derived_from is None and entry.original_name:
                    assert data == originals[entry.original_name.split("/")[-1]]
                else:  # the PDF's object, the DICOMDIR, the README: each where it says
                    assert hashlib.sha256(data).hexdigest() == entry.sha256


def test_the_layout_slices_every_file_a_folder_of_the_records_holds(tmp_path: Path) -> None:
    # The page saves opened records to a folder file by file from VerifiedBundle.layout:
    # it must name what `orthoshare open` writes, each slice the member's stored bytes.
    records = tmp_path / "records"
    records.mkdir()
    (records / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"a" * 5000)
    (records / "b.pdf").write_bytes(b"%PDF-1.7\n" + b"b" * 300)
    zipped = io.BytesIO()
    write_bundle(
        zipped, pipeline.collect_inputs([records]), Details(), dicom=DicomPart(Patient(), False)
    )
    with zipfile.ZipFile(zipped) as archive:
        stored = {name: archive.read(name) for name in archive.namelist()}
    zipped.seek(0)
    with verify_bundle(zipped) as bundle:
        layout = bundle.layout()
        bundle.extract(tmp_path / "opened")
    content = zipped.getvalue()
    assert [path for path, _, _ in layout][:2] == [MANIFEST_NAME, COVER_NAME]
    assert sorted(path for path, _, _ in layout) == sorted(stored)
    written = sorted(
        p.relative_to(tmp_path / "opened").as_posix()
        for p in (tmp_path / "opened").rglob("*")
        if p.is_file()
    )
    assert written == sorted(stored)
    for path, offset, size in layout:
        assert content[offset : offset + size] == stored[path]
