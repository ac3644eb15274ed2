"""A sealed bundle needs no orthoshare to open: `age -d`, then any unzip.

The `age` command decrypts it, Info-ZIP's `unzip -t` finds the ZIP sound, and
the manifest inside lists the sha256 of each original as read back from disk.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME, Manifest
from orthoshare.request import SealRequest

from .strategies import InputSet, input_sets, write_inputs
from .support import Tree, originals_of, sha256, write_tree

#: Seconds any single command may take; generous, since a hang is what it guards against.
TIMEOUT = 120.0
ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"


def run(*argv: str | Path) -> str:
    """Run a command without a terminal and return its stdout; fail with its output."""
    result = subprocess.run(
        [str(arg) for arg in argv], capture_output=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0, (
        f"{argv} exited with {result.returncode}:\n"
        f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}"
    )
    return result.stdout.decode(errors="replace")


def originals_on_disk(given: list[Path]) -> dict[str, bytes]:
    """Read back every input below ``given`` under the original name the manifest must use."""
    found: dict[str, bytes] = {}
    for path in given:
        if path.is_file():
            found[path.name] = path.read_bytes()
            continue
        for file in path.rglob("*"):
            if file.is_file():
                found["/".join((path.name, *file.relative_to(path).parts))] = file.read_bytes()
    return found


def check_with_cli(
    age_cli: str,
    unzip_cli: str,
    identity: age.X25519Identity,
    given: list[Path],
    tmp: Path,
    *,
    armor: bool = False,
) -> Manifest:
    """Seal ``given``, decrypt it with `age`, test it with `unzip`, compare manifest and disk."""
    (tmp / "sealed").mkdir()
    sealed = pipeline.seal(
        pipeline.collect_inputs(given),
        SealRequest([identity.recipient], armor=armor),
        tmp / "sealed",
    )
    assert sealed.path.read_bytes().startswith(ARMOR_BEGIN) == armor
    key = tmp / "key.txt"
    key.write_text(age.format_identity_file(identity))
    plain = tmp / "bundle.zip"
    run(age_cli, "-d", "-i", key, "-o", plain, sealed.path)

    tested = run(unzip_cli, "-t", plain)
    assert "No errors detected" in tested, tested
    # Names may hold U+0085 or U+2028, which splitlines() would take for line breaks.
    listed = run(unzip_cli, "-Z1", plain).rstrip("\n").split("\n")
    assert listed[:2] == [MANIFEST_NAME, COVER_NAME]
    assert len(listed) == 2 + len(sealed.manifest.entries)

    with zipfile.ZipFile(plain) as archive:
        manifest = Manifest.from_json(archive.read(MANIFEST_NAME))
        cover = archive.read(COVER_NAME)
    assert manifest == sealed.manifest
    assert manifest.cover is not None
    assert (manifest.cover.size, manifest.cover.sha256) == (len(cover), sha256(cover))
    on_disk = originals_on_disk(given)
    assert sorted(entry.original_name for entry in originals_of(manifest)) == sorted(on_disk)
    for entry in originals_of(manifest):
        data = on_disk[entry.original_name]
        assert (entry.size, entry.sha256) == (len(data), sha256(data)), entry.original_name
    return manifest


ODD_NAMES: Tree = {
    ("Photo.jpg",): b"\xff\xd8\xff\xe0 upper case",
    ("photo.jpg",): b"\xff\xd8\xff\xe0 lower case",
    ("caf\u00e9.txt",): b"composed",
    ("cafe\u0301.txt",): b"decomposed",
    ("CON",): b"reserved",
    ('a<b>c:d"e|f?g*h\\i.txt',): b"invalid on windows",
    ("\U0001f600 \U0001f9b7.stl",): b"solid x\nendsolid x\n",
    ("empty",): b"",
    ("upper", "scan.stl"): b"upper",
    ("lower", "scan.stl"): b"lower",
    ("lower", "deep", "er", "scan.stl"): b"deeper",
    ("lower", "deep", "empty too"): b"",
    ("\u65e5\u672c\u8a9e", "stra\u00dfe.pdf"): b"%PDF-1.4\n",
    ("\u65e5\u672c\u8a9e", "STRASSE.pdf"): b"%PDF-1.5\n",
}
# Sizes about the 64 KiB STREAM chunks, where age implementations most often disagree.
CHUNKY: Tree = {
    ("one chunk.bin",): random.Random(1).randbytes(65536),
    ("chunk and a bit.bin",): random.Random(2).randbytes(65537),
    ("three chunks and some.bin",): random.Random(3).randbytes(3 * 65536 + 5),
    ("nothing.bin",): b"",
}


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
@pytest.mark.parametrize("files", [ODD_NAMES, CHUNKY], ids=["odd-names", "chunk-sizes"])
def test_age_cli_decrypts_bundle_and_unzip_finds_it_sound(
    tmp_path: Path,
    age_cli: str,
    unzip_cli: str,
    identity: age.X25519Identity,
    files: Tree,
    armor: bool,
) -> None:
    write_tree(tmp_path / "in", files)
    given_paths = [tmp_path / "in"]
    manifest = check_with_cli(age_cli, unzip_cli, identity, given_paths, tmp_path, armor=armor)
    assert len(originals_of(manifest)) == len(files)


def test_age_cli_decrypts_bundle_of_loose_files_and_folders(
    tmp_path: Path, age_cli: str, unzip_cli: str, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "a" / "records", {("x.txt",): b"a", ("y", "z.txt"): b"az"})
    write_tree(tmp_path / "b" / "Records", {("x.txt",): b"b"})
    write_tree(tmp_path / "c", {("loose.pdf",): b"%PDF-1.7\n"})
    given = [tmp_path / "a" / "records", tmp_path / "b" / "Records", tmp_path / "c" / "loose.pdf"]
    manifest = check_with_cli(age_cli, unzip_cli, identity, given, tmp_path)
    assert len(originals_of(manifest)) == 4


@settings(max_examples=25, deadline=None)
@given(inputs=input_sets)
def test_age_cli_and_unzip_accept_any_generated_bundle(
    age_cli: str, unzip_cli: str, identity: age.X25519Identity, inputs: InputSet
) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        given_paths, expected = write_inputs(tmp, inputs)
        if not expected:
            return
        manifest = check_with_cli(age_cli, unzip_cli, identity, given_paths, tmp)
        assert len(originals_of(manifest)) == len(expected)


def test_bundle_decrypted_by_age_cli_is_a_zip_python_reads_identically(
    tmp_path: Path, age_cli: str, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "in", CHUNKY)
    (tmp_path / "sealed").mkdir()
    sealed = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        SealRequest([identity.recipient]),
        tmp_path / "sealed",
    )
    key = tmp_path / "key.txt"
    key.write_text(age.format_identity_file(identity))
    plain = tmp_path / "bundle.zip"
    run(age_cli, "-d", "-i", key, "-o", plain, sealed.path)
    assert plain.read_bytes() == age.decrypt_bytes(sealed.path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain.read_bytes())) as archive:
        assert archive.testzip() is None
        for entry in sealed.manifest.entries:
            parts = tuple(entry.original_name.split("/")[1:])
            assert archive.read(entry.path) == CHUNKY[parts]
