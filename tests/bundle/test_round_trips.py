"""Sealing then opening gives back every input byte-exact, whatever the files are called.

Inputs come from real folders on disk through ``collect_inputs``, as the CLI
takes them. Names are the hard part: a bundle is extracted on Windows, macOS
and Linux, so names that only Linux can tell apart must all be kept (one
renamed), and names other systems refuse must be made safe.
"""

from __future__ import annotations

import html
import io
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME
from orthoshare.bundle.paths import check_member_name, check_unique
from orthoshare.bundle.writer import Annotation, Details
from orthoshare.errors import NoInputsError
from orthoshare.records import Party, Patient
from orthoshare.request import SealRequest

from .strategies import InputSet, input_sets, write_inputs
from .support import (
    Tree,
    assert_round_trip,
    originals,
    originals_of,
    sha256,
    time_limit,
    write_tree,
)

SEALED_NAME = re.compile(r"orthoshare-\d{8}-[A-Z0-9]{6}\.zip\.age")
#: Seconds one seal and open of a few small files may take before it counts as a hang.
LIMIT = 20


def seal_and_open(
    identity: age.X25519Identity, paths: list[Path], tmp: Path, limit: int = LIMIT
) -> tuple[pipeline.SealResult, Path]:
    """Seal ``paths`` into the folder ``tmp/sealed``, open it into ``tmp/out``."""
    (tmp / "sealed").mkdir()
    out = tmp / "out"
    with time_limit(limit):
        result = pipeline.seal(
            pipeline.collect_inputs(paths), SealRequest([identity.recipient]), tmp / "sealed"
        )
        opened = pipeline.open_(result.path, [identity], out)
    assert opened == result.manifest
    return result, out


@settings(max_examples=300, deadline=None)
@given(inputs=input_sets)
def test_any_file_set_round_trips_byte_exact_under_safe_distinct_names(
    identity: age.X25519Identity, inputs: InputSet
) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        given_paths, expected = write_inputs(tmp, inputs)
        if not expected:
            with pytest.raises(NoInputsError):
                pipeline.collect_inputs(given_paths)
            return
        result, out = seal_and_open(identity, given_paths, tmp)
        assert_round_trip(result.manifest, expected, out)
        assert SEALED_NAME.fullmatch(result.path.name)
        paths = [entry.path for entry in result.manifest.entries]
        for path in paths:
            check_member_name(path)
            assert unicodedata.is_normalized("NFC", path), path
        check_unique([MANIFEST_NAME, COVER_NAME, *paths])


def names_of(
    tmp: Path, files: Tree, identity: age.X25519Identity, limit: int = LIMIT
) -> dict[str, str]:
    """Seal the folder ``in`` holding ``files``, open it, check it; return original → path."""
    write_tree(tmp / "in", files)
    result, out = seal_and_open(identity, [tmp / "in"], tmp, limit)
    assert_round_trip(result.manifest, originals(tmp / "in", files), out)
    return {entry.original_name: entry.path for entry in originals_of(result.manifest)}


@pytest.mark.parametrize(
    ("first", "second", "renamed"),
    [
        ("Photo.jpg", "photo.jpg", "photo (2).jpg"),
        ("STRASSE.txt", "stra\u00dfe.txt", "stra\u00dfe (2).txt"),
        ("file.txt", "\ufb01le.txt", "\ufb01le (2).txt"),
        ("README", "readme", "readme (2)"),
    ],
)
def test_names_differing_only_in_case_in_one_folder_are_both_kept_one_renamed(
    tmp_path: Path, identity: age.X25519Identity, first: str, second: str, renamed: str
) -> None:
    files: Tree = {(first,): b"first", (second,): b"second"}
    assert names_of(tmp_path, files, identity) == {
        f"in/{first}": f"ORIGINAL/in/{first}",
        f"in/{second}": f"ORIGINAL/in/{renamed}",
    }


def test_nfc_and_nfd_spellings_of_one_name_are_both_kept_one_renamed(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    nfd, nfc = "cafe\u0301.txt", "caf\u00e9.txt"
    names = names_of(tmp_path, {(nfd,): b"decomposed", (nfc,): b"composed"}, identity)
    # The folder walk meets the decomposed name first ("e" sorts before "é").
    assert names == {
        f"in/{nfd}": f"ORIGINAL/in/{nfc}",
        f"in/{nfc}": "ORIGINAL/in/caf\u00e9 (2).txt",
    }


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ('a<b>c:d"e|f?g*h\\i.txt', "a_b_c_d_e_f_g_h_i.txt"),
        ("tab\there.txt", "tab_here.txt"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1.log", "_LPT1.log"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("ends in dot. .", "ends in dot"),
        ("...", "_"),
        ("\U0001f600 \U0001f9b7.stl", "\U0001f600 \U0001f9b7.stl"),
    ],
)
def test_names_invalid_on_windows_are_made_safe_and_the_original_kept(
    tmp_path: Path, identity: age.X25519Identity, name: str, safe: str
) -> None:
    assert names_of(tmp_path, {(name,): b"x"}, identity) == {f"in/{name}": f"ORIGINAL/in/{safe}"}


def test_reserved_folder_name_is_made_safe(tmp_path: Path, identity: age.X25519Identity) -> None:
    names = names_of(tmp_path, {("aux", "x.txt"): b"x", ("com3", "y"): b"y"}, identity)
    assert names == {"in/aux/x.txt": "ORIGINAL/in/_aux/x.txt", "in/com3/y": "ORIGINAL/in/_com3/y"}


def test_same_name_in_different_folders_is_not_renamed(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    files = {
        ("upper", "scan.stl"): b"upper",
        ("lower", "scan.stl"): b"lower",
        ("lower", "deep", "er", "scan.stl"): b"deeper",
        ("scan.stl",): b"top",
    }
    assert names_of(tmp_path, files, identity) == {
        f"in/{'/'.join(parts)}": f"ORIGINAL/in/{'/'.join(parts)}" for parts in files
    }


def test_empty_files_round_trip(tmp_path: Path, identity: age.X25519Identity) -> None:
    files = {("empty.txt",): b"", ("sub", "also empty"): b"", ("sub", "one"): b"1"}
    names = names_of(tmp_path, files, identity)
    assert len(names) == 3


@pytest.mark.parametrize(
    ("file_name", "folder_name", "safe_file_name"),
    [
        ("data", "Data", "data"),
        ("caf\u00e9", "cafe\u0301", "caf\u00e9"),
        ("notes.", "notes", "notes"),
    ],
)
def test_file_and_folder_whose_names_clash_elsewhere_are_both_kept(
    tmp_path: Path,
    identity: age.X25519Identity,
    file_name: str,
    folder_name: str,
    safe_file_name: str,
) -> None:
    # The walk lists a folder's files before its subfolders, so the file is named first;
    # on Windows or macOS the folder would land on top of it, so one must be renamed.
    files: Tree = {(file_name,): b"file", (folder_name, "inside.txt"): b"inside"}
    names = names_of(tmp_path, files, identity, limit=5)
    assert names[f"in/{file_name}"] == f"ORIGINAL/in/{safe_file_name}"
    assert names[f"in/{folder_name}/inside.txt"] != f"ORIGINAL/in/{safe_file_name}/inside.txt"


def test_long_names_differing_only_in_case_still_extract(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    # 255 bytes is the longest name Linux, macOS and Windows all accept; renaming the
    # second must not make a name none of them can create.
    first, second = "x" * 251 + ".txt", "X" * 251 + ".txt"
    names = names_of(tmp_path, {(first,): b"lower", (second,): b"upper"}, identity)
    for path in names.values():
        assert len(path.rpartition("/")[2].encode()) <= 255, path


def test_file_name_that_is_not_utf8_is_sealed_under_a_valid_name(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    # Linux names are bytes: a Latin-1 "café.txt" from an old disk is b"caf\xe9.txt".
    root = tmp_path / "in"
    root.mkdir()
    (root / "caf\udce9.txt").write_bytes(b"latin-1 named")
    result, out = seal_and_open(identity, [root], tmp_path)
    [entry] = result.manifest.entries
    entry.original_name.encode("utf-8")
    entry.path.encode("utf-8")
    assert (out / entry.path).read_bytes() == b"latin-1 named"


def test_empty_folder_gives_no_inputs_error_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "empty" / "also empty").mkdir(parents=True)
    with pytest.raises(NoInputsError) as info:
        pipeline.collect_inputs([tmp_path / "empty"])
    assert str(info.value).startswith("there is nothing to seal")
    assert "no files" in str(info.value)
    assert info.value.hint


def test_empty_list_gives_no_inputs_error(tmp_path: Path) -> None:
    with pytest.raises(NoInputsError) as info:
        pipeline.collect_inputs([])
    assert str(info.value).startswith("there is nothing to seal")


def test_sealing_no_inputs_raises_and_writes_nothing(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    out = tmp_path / "sealed"
    out.mkdir()
    with pytest.raises(NoInputsError) as info:
        pipeline.seal([], SealRequest([identity.recipient]), out)
    assert str(info.value).startswith("there is nothing to seal")
    assert list(out.iterdir()) == []


DETAILS = Details(
    patient=Patient(
        name="Zo\u00eb O'Brien & <Sons>", id="P-0042<b>", birth_date="2011-03-04", sex="F"
    ),
    sender=Party(name='Dr. A "Ortho" Smith', organization="Smile & Co", contact="a@b.example"),
    recipient=Party(name="Dr. B <Surgeon>"),
    note="<script>alert('records')</script>\nSecond line & more",
    consent="Consent given 2024-01-02 <signed>",
)
ANNOTATIONS = [
    Annotation(label="Upper arch <3", view="IV3D01"),
    Annotation(label="Pano & ceph", view="EV01", kind="radiograph"),
]


def test_details_survive_into_manifest_and_escaped_cover_sheet(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "in", {("upper.stl",): b"solid\nendsolid\n", ("pano.jpg",): b"jpg"})
    inputs = pipeline.collect_inputs([tmp_path / "in"])
    assert [item.parts[-1] for item in inputs] == ["pano.jpg", "upper.stl"]
    annotations = ANNOTATIONS[::-1]  # one per input, in the order of the inputs
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        inputs, SealRequest([identity.recipient], DETAILS, annotations), tmp_path / "sealed"
    )
    manifest = pipeline.open_(result.path, [identity], tmp_path / "out")
    assert manifest == result.manifest
    assert manifest.patient == DETAILS.patient
    assert manifest.sender == DETAILS.sender
    assert manifest.recipient == DETAILS.recipient
    assert (manifest.note, manifest.consent) == (DETAILS.note, DETAILS.consent)
    by_name = {entry.original_name: entry for entry in manifest.entries}
    assert (by_name["in/pano.jpg"].label, by_name["in/pano.jpg"].view) == ("Pano & ceph", "EV01")
    assert by_name["in/pano.jpg"].kind == "radiograph"
    assert (by_name["in/upper.stl"].label, by_name["in/upper.stl"].view) == (
        "Upper arch <3",
        "IV3D01",
    )

    cover = (tmp_path / "out" / COVER_NAME).read_text("utf-8")
    values = [
        *(DETAILS.patient.name, DETAILS.patient.id, DETAILS.patient.birth_date),
        *(DETAILS.sender.name, DETAILS.sender.organization, DETAILS.sender.contact),
        *(DETAILS.recipient.name, DETAILS.note, DETAILS.consent),
        *(a.label or "" for a in ANNOTATIONS),
        *(a.view or "" for a in ANNOTATIONS),
    ]
    for value in values:
        assert html.escape(value) in cover, value
    assert "<script" not in cover.lower()
    assert "<Sons>" not in cover and "<Surgeon>" not in cover and "<3" not in cover


def test_sealed_file_name_has_the_fixed_form_and_no_patient_data(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "Zoe OBrien P-0042", {("Zoe OBrien 2011-03-04.jpg",): b"photo"})
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "Zoe OBrien P-0042"]),
        SealRequest([identity.recipient], DETAILS),
        tmp_path / "sealed",
    )
    assert result.path.parent == tmp_path / "sealed"
    assert SEALED_NAME.fullmatch(result.path.name), result.path.name
    for secret in ("Zoe", "OBrien", "P-0042", "2011", "0304", DETAILS.patient.id):
        assert secret.lower() not in result.path.name.lower()
    assert [p.name for p in (tmp_path / "sealed").iterdir()] == [result.path.name]


def test_manifest_and_cover_sheet_come_first_in_the_central_directory(
    tmp_path: Path, identity: age.X25519Identity
) -> None:
    write_tree(tmp_path / "in", {("a.txt",): b"a", ("b", "c.bin"): bytes(70_000)})
    (tmp_path / "sealed").mkdir()
    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        SealRequest([identity.recipient]),
        tmp_path / "sealed",
    )
    plain = age.decrypt_bytes(result.path.read_bytes(), [identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        names = archive.namelist()
        manifest = archive.read(MANIFEST_NAME)
    assert names == [MANIFEST_NAME, COVER_NAME, "ORIGINAL/in/a.txt", "ORIGINAL/in/b/c.bin"]
    assert result.manifest.to_json() == manifest
    assert [e.sha256 for e in result.manifest.entries] == [sha256(b"a"), sha256(bytes(70_000))]
