"""Fuzz target: the manifest parser, ``orthoshare.bundle.manifest.Manifest.from_json``.

Expected: :class:`~orthoshare.errors.ManifestError`. A manifest that parses is
one the program relies on without further checks, so writing it out and
reading it again must give the same manifest.
"""

from __future__ import annotations

from fuzz.harness import fuzz, instrumented

with instrumented():
    from orthoshare.bundle.manifest import Manifest
    from orthoshare.errors import ManifestError


def TestOneInput(data: bytes) -> None:  # noqa: N802 (the name libFuzzer's convention gives it)
    try:
        manifest = Manifest.from_json(data)
    except ManifestError:
        return
    assert Manifest.from_json(manifest.to_json()) == manifest, "manifest does not round-trip"


if __name__ == "__main__":
    fuzz(TestOneInput)
