"""Cases against the bundle's manifest: missing, too large, too dense or deep, not UTF-8."""

from __future__ import annotations

import copy
import io
import json
import zipfile

from orthoshare.bundle.manifest import MANIFEST_NAME
from orthoshare.errors import ManifestError

from .material import FUZZ, LIMITS, MIB, ZIP, Build, Case, Material
from .zips import bundle_zip, good_members, letter_entry, sealed_zip, sizes_lie


def _manifest_bytes(data: bytes) -> Build:
    return sealed_zip(lambda m: bundle_zip(data, good_members(m)))


def _huge_number(m: Material) -> bytes:
    # Written by hand: Python refuses to turn an int this long into text.
    manifest = copy.deepcopy(m.manifest)
    letter_entry(size=-1)(manifest)
    text = json.dumps(manifest).encode()
    assert text.count(b'"size": -1') == 1
    return bundle_zip(text.replace(b'"size": -1', b'"size": 1' + b"0" * 5000), good_members(m))


def _without_manifest(m: Material) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in good_members(m):
            archive.writestr(name, data)
    return out.getvalue()


def table() -> list[Case]:
    return [
        Case("manifest-missing", "a bundle without `ORTHOSHARE.json`", ZIP,
             sealed_zip(_without_manifest), ManifestError),
        Case("manifest-declared-100mb", "the directory says `ORTHOSHARE.json` is 100 MB", LIMITS,
             sizes_lie(MANIFEST_NAME, lambda _: 100_000_000), ManifestError),
        Case("manifest-100mb", "a real `ORTHOSHARE.json` of 100 MB", LIMITS,
             _manifest_bytes(b"{" + b" " * 100_000_000 + b"}"), ManifestError, seconds=60.0),
        Case("manifest-dense", "an 8 MiB manifest of tiny JSON values: `[[],[],…]`", LIMITS,
             _manifest_bytes(b"[" + b"[]," * (8 * MIB // 3) + b"[]]"), ManifestError),
        Case("manifest-deep", "a manifest nested 100 000 levels deep", LIMITS,
             _manifest_bytes(b"[" * 100_000 + b"]" * 100_000), ManifestError),
        Case("manifest-open-escaped-quotes", "an 8 MiB manifest of one string left open: "
             "`\"\\\"\\\"…`", LIMITS,
             _manifest_bytes(b'"' + b'\\"' * (4 * MIB)), ManifestError),
        Case("manifest-quotes", "an 8 MiB manifest of quotes: four million empty strings",
             LIMITS, _manifest_bytes(b'"' * (8 * MIB)), ManifestError),
        Case("manifest-huge-number", "a size of 5000 digits", FUZZ,
             sealed_zip(_huge_number), ManifestError),
        Case("manifest-not-utf8", "a manifest in UTF-16", ZIP,
             _manifest_bytes(json.dumps({"format": "orthoshare/1"}).encode("utf-16")),
             ManifestError),
    ]  # fmt: skip
