"""A manifest that is not JSON, not a manifest, or off its schema in any field is refused.

Each is put in a bundle ZIP with the good members and encrypted again; it ends in
``ManifestError`` and nothing is written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orthoshare import age
from orthoshare.errors import ManifestError

from .support import Sealed, build_zip, good_members, open_crafted


@pytest.mark.parametrize(
    "manifest",
    [
        b"",
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'"orthoshare/1"',
        b"\xff\xfe{\x00}\x00",
        b'{"format": "orthoshare/1"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["empty", "text", "cut", "array", "null", "string", "utf16", "almost-empty", "deep"],
)
def test_manifest_that_is_not_a_manifest_raises_manifest_error(
    tmp_path: Path,
    dest: Path,
    sealed: Sealed,
    identity: age.X25519Identity,
    manifest: bytes,
) -> None:
    open_crafted(tmp_path, dest, identity, build_zip(manifest, good_members(sealed)), ManifestError)


def edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit setting ``value`` at ``path`` (dot-separated keys and list indexes)."""
    *parents, last = path.split(".")

    def apply(manifest: dict[str, Any]) -> None:
        node: Any = manifest
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return apply


def drop(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def apply(manifest: dict[str, Any]) -> None:
        node: Any = manifest
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[last]

    return apply


MANIFEST_EDITS = {
    "extra-key": edit("extra", "smuggled"),
    "extra-entry-key": edit("entries.0.extra", 1),
    "extra-patient-key": edit("patient.address", "1 Main St"),
    "extra-cover-key": edit("cover.extra", None),
    "missing-key": drop("note"),
    "missing-entry-key": drop("entries.1.original_name"),
    "format-v4": edit("format", "orthoshare/4"),
    "format-empty": edit("format", ""),
    "format-case": edit("format", "Orthoshare/1"),
    "format-number": edit("format", 1),
    "created-local-time": edit("created", "2024-01-02T03:04:05+01:00"),
    "size-string": edit("entries.0.size", "6"),
    "size-bool": edit("entries.0.size", True),
    "size-negative": edit("entries.0.size", -1),
    "size-float": edit("entries.0.size", 6.0),
    "sha256-upper": edit("entries.0.sha256", "A" * 64),
    "kind-unknown": edit("entries.0.kind", "xray"),
    "view-invalid": edit("entries.0.view", "front"),
    "birth-date-invalid": edit("patient.birth_date", "04/03/2011"),
    "sex-invalid": edit("patient.sex", "female"),
    "deidentified-string": edit("deidentified", "no"),
    "deidentification-string": edit("deidentification", "yes"),
    "deidentification-partial": edit("deidentification", {"pseudonym": "Case 12"}),
    "entries-object": edit("entries", {}),
    "cover-null": edit("cover", None),
    "cover-elsewhere": edit("cover.path", "ORIGINAL/in/a.txt"),
}


@pytest.mark.parametrize("change", MANIFEST_EDITS.values(), ids=MANIFEST_EDITS.keys())
def test_manifest_off_schema_raises_manifest_error(
    tmp_path: Path,
    dest: Path,
    sealed: Sealed,
    identity: age.X25519Identity,
    change: Callable[[dict[str, Any]], None],
) -> None:
    manifest = copy.deepcopy(sealed.manifest)
    change(manifest)
    plain = build_zip(manifest, good_members(sealed))
    open_crafted(tmp_path, dest, identity, plain, ManifestError)
