"""Build ``dist/``, the static site of the page, and ``dist/orthoshare.html``, the
same page as one self-contained file, from pinned inputs.

Run ``.venv/bin/python build.py``. The site, for any web server (an intranet
one is enough, it needs no secure context)::

    dist/index.html                      the page shell, copied
    dist/web/crypto.js                   web/crypto.js bundled by esbuild (one file, no imports)
    dist/web/*.js, dist/web/*.css        every other script and style sheet of web/, copied
                                         (except the modules only the single file uses)
    dist/pyodide/                        the Pyodide core files the page boots from
    dist/wheels/orthoshare-<version>-py3-none-any.whl
    dist/wheels/pydicom-<version>-py3-none-any.whl
                                         pydicom's wheel from PyPI, byte for byte (the
                                         package imports it when an input is DICOM)
    dist/build-info.json                 every other file of dist/ with its size and sha256,
                                         and the wheels the worker loads

and the single file, for a USB stick or a double-click (browsers refuse to fetch
the site's files from ``file://``)::

    dist/orthoshare.html                 index.html with the styles and the page script
                                         inlined, the worker's code (one script: Pyodide's
                                         modules and crypto.js bundled in), and every file
                                         the worker fetches (Pyodide's wasm and standard
                                         library, the wheels) gzip+base64 in blocks the
                                         browser never runs,
                                         under a Content-Security-Policy of its own that
                                         allows the inline script and styles by sha256

The third-party inputs (the npm packages, each file taken from them, and the
wheels from PyPI) are pinned in ``build-inputs.lock.json``; any difference stops
the build, and the output folder is replaced only by a complete build. A PyPI
wheel is downloaded once with ``pip download`` into ``build/pypi/`` under the
inputs root and checked against its pinned sha256 before every use, so later
builds need no network. Two builds of the same sources give byte-identical
``dist/``: esbuild is deterministic, our wheel's timestamps and file modes are
fixed, PyPI's wheels are copied as they are, and nothing records the time or the
place of the build.

Options: ``--check`` rebuilds in a temporary folder and compares with the
existing output; ``--update-pins`` records the installed inputs after a
deliberate upgrade (review the diff of the pin file, then commit it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sitebuild.commands import build, check, update_pins
from sitebuild.errors import BuildError
from sitebuild.pins import PINS_NAME
from sitebuild.pypi import WHEEL_CACHE

ROOT = Path(__file__).resolve().parent


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="the site's folder")
    parser.add_argument(
        "--source-root", type=Path, default=ROOT, help="folder with index.html, web/ and py/"
    )
    parser.add_argument(
        "--inputs-root",
        type=Path,
        default=ROOT,
        help=f"folder with node_modules/, package-lock.json, {PINS_NAME} and {WHEEL_CACHE}/",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--check", action="store_true", help="rebuild elsewhere and compare with --out"
    )
    action.add_argument(
        "--update-pins", action="store_true", help=f"record the installed inputs in {PINS_NAME}"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build (or ``--check`` / ``--update-pins``) and return the exit status."""
    options = parse_arguments(argv)
    source_root, inputs_root = options.source_root.resolve(), options.inputs_root.resolve()
    out = options.out.resolve()
    try:
        if options.update_pins:
            update_pins(source_root, inputs_root)
            print(f"wrote {inputs_root / PINS_NAME}")
        elif options.check:
            changed = check(source_root, inputs_root, out)
            if changed:
                print(f"{out} differs from a fresh build: {', '.join(changed)}", file=sys.stderr)
                return 1
            print(f"{out} is identical to a fresh build")
        else:
            build(source_root, inputs_root, out)
            print(f"built {out}")
    except BuildError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
