"""Hypothesis strategies for sets of input files with awkward names, and writing them to disk."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from .support import Tree, originals, write_tree

STEMS = [
    "photo",
    "Photo",
    "caf\u00e9",  # NFC
    "cafe\u0301",  # NFD
    " spaced  out ",
    "\U0001f600\U0001f9b7",
    'a<b>c:d"e|f?g*h',
    "back\\slash",
    "CON",
    "con",
    "nul",
    "COM1",
    "LPT9",
    "tab\there\nnewline",
    "\u65e5\u672c\u8a9e",
    "stra\u00dfe",
    "STRASSE",
    "\ufb01le",  # the ligature "fi": it case-folds to "file"
    "file",
    "trailing dots..",
    "",
]
EXTENSIONS = ["jpg", "JPG", "stl", "pdf", "txt", "tar.gz", "dcm", "\U0001f600"]
FOLDERS = [
    "sub",
    "Sub",
    "SUB",
    "s\u00fcb",
    "su\u0308b",
    "two words ",
    "\U0001f4c1",
    "CON",
    "aux",
    "a:b",
    "a_b",
    "x<y>",
]
ROOTS = ["records", "Records", "r\u00ebcords", "re\u0308cords", "scans 2024"]
CONTENTS = [
    b"",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)),
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    b"solid tooth\nfacet normal 0 0 1\nendfacet\nendsolid tooth\n",
]

# Names that also serve as folder names (some only once made safe, or folded), so a
# file and a folder beside it clash on Windows and macOS though not on Linux.
SHARED = ["data", "Data", "notes.", "notes", "sub", "SUB ", "su\u0308b", "aux", "records"]

name_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="/.\x00"),
    max_size=12,
)
stems = st.one_of(st.sampled_from(STEMS), name_text)
file_names = st.one_of(
    st.builds(lambda stem, ext: f"{stem}.{ext}", stems, st.sampled_from(EXTENSIONS)),
    st.sampled_from(SHARED),
)
folder_names = st.one_of(
    st.sampled_from(FOLDERS + SHARED), name_text.filter(lambda s: s.strip() != "")
)
file_paths = st.builds(
    lambda folders, name: (*folders, name), st.lists(folder_names, max_size=3), file_names
)
contents = st.one_of(st.sampled_from(CONTENTS), st.binary(max_size=300))


@dataclass(frozen=True)
class InputSet:
    """Folders to give ``collect_inputs`` (name → tree), and maybe one loose file."""

    roots: dict[str, Tree]
    loose: tuple[str, bytes] | None


def _one_tree(files: dict[tuple[str, ...], bytes]) -> Tree:
    """``files`` less those a Linux folder cannot hold beside the others (a file named as
    a folder, or a folder named as a file, byte for byte)."""
    kept: dict[tuple[str, ...], bytes] = {}
    folders: set[tuple[str, ...]] = set()
    for parts, data in files.items():
        ancestors = {parts[:i] for i in range(1, len(parts))}
        if parts in folders or any(a in kept for a in ancestors):
            continue
        kept[parts] = data
        folders |= ancestors
    return kept


input_sets = st.builds(
    InputSet,
    roots=st.dictionaries(
        st.sampled_from(ROOTS),
        st.dictionaries(file_paths, contents, max_size=6).map(_one_tree),
        min_size=1,
    ),
    loose=st.none() | st.tuples(file_names, contents),
)


def write_inputs(tmp: Path, inputs: InputSet) -> tuple[list[Path], dict[str, bytes]]:
    """Write ``inputs`` below ``tmp``; return what to give ``collect_inputs`` and what to expect.

    Each root folder sits in a folder of its own, so roots may differ only in case.
    """
    given: list[Path] = []
    expected: dict[str, bytes] = {}
    for index, (name, files) in enumerate(inputs.roots.items()):
        root = tmp / f"given{index}" / name
        write_tree(root, files)
        given.append(root)
        expected.update(originals(root, files))
    if inputs.loose is not None:
        name, data = inputs.loose
        write_tree(tmp / "loose", {(name,): data})
        given.append(tmp / "loose" / name)
        expected[name] = data
    return given, expected
