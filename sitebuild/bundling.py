"""esbuild, which makes the page's scripts: each one minified file, bundled from web/'s
modules and npm files that the pin file covers, and from nothing else."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import BuildError, run
from .pins import PINS_NAME, esbuild_path, read_json

#: How every module of the page is bundled: one ES module, minified, for browsers
#: that run Pyodide (ES2022), so the site and the single file get the same code. A
#: codec's .wasm is carried inside its bundle as bytes, so it is never fetched.
ESBUILD_BUNDLE = (
    "--bundle",
    "--format=esm",
    "--minify",
    "--platform=browser",
    "--target=es2022",
    "--loader:.wasm=binary",
)

#: The web/ files that are bundled with the npm packages they import rather than
#: copied: the crypto primitives, the image codecs and the 3-D scan viewer's library.
#: Only these may import npm packages.
BUNDLED_SCRIPTS = ("crypto.js", "codecs.js", "scan3d.js")

#: What Pyodide and the codecs' Emscripten loaders import only when they run in Node;
#: no bundle for a browser holds it.
NODE_ONLY_IMPORTS = ("node:*", "ws", "fs", "path")

#: The single file's worker is a classic script (see web/single-early-start.js), where
#: import.meta is empty; Pyodide reads it only to find its files, which indexURL gives.
SINGLE_FILE_WORKER_FORMAT = ("--format=iife", "--log-override:empty-import-meta=silent")


def bundle(source: Path, inputs_root: Path, out_file: Path) -> list[str]:
    """Bundle one ES module with its npm imports into a single minified file.

    The module is handed to esbuild on standard input with ``inputs_root`` as the
    working directory, so its imports resolve against the pinned ``node_modules/``
    there, wherever the sources live. ``--platform=browser`` honours the packages'
    ``browser`` fields (libsodium's fallback ``require("crypto")`` becomes an empty
    module), and the result runs in a module worker and in Node alike. The entry may
    import npm packages only: a relative import would resolve against ``inputs_root``
    and fail loudly.

    Parameters
    ----------
    source
        The entry module.
    inputs_root
        The folder whose ``node_modules/`` provides the imports.
    out_file
        Where to write the bundle.

    Returns
    -------
    list of str
        The files esbuild read from ``inputs_root`` (its metafile's inputs, relative to
        ``inputs_root``, the entry itself and disabled modules left out).
    """
    with tempfile.TemporaryDirectory() as scratch:
        metafile = Path(scratch) / "meta.json"
        run(
            [
                str(esbuild_path(inputs_root)),
                *ESBUILD_BUNDLE,
                f"--sourcefile={source.name}",
                f"--metafile={metafile}",
                f"--outfile={out_file}",
                "--log-level=warning",
                *(f"--external:{name}" for name in NODE_ONLY_IMPORTS),
            ],
            inputs_root,
            input=source.read_text(encoding="utf-8"),
        )
        inputs = read_json(metafile)["inputs"]
    return sorted(
        name for name in inputs if name != source.name and not name.startswith("(disabled):")
    )


def check_bundle_inputs(read: list[str], inputs_root: Path, pinned: dict[str, str]) -> None:
    """Stop the build if esbuild read a file that the pin file does not cover.

    Paths are compared once resolved, because esbuild reports the real path of a
    symlinked package.
    """
    covered = {(inputs_root / name).resolve() for name in pinned}
    for name in read:
        if (inputs_root / name).resolve() not in covered:
            raise BuildError(
                f"esbuild read {name}, which {PINS_NAME} does not pin; "
                "run 'build.py --update-pins' and review the diff"
            )


def bundle_web_module(
    web: Path,
    entry: str,
    inputs_root: Path,
    swap: dict[str, str],
    *,
    pinned: dict[str, str] | None = None,
    classic: bool = False,
) -> str:
    """Bundle one web/ module with the modules it imports; return the minified script.

    esbuild reads a copy of web/'s scripts in a temporary folder, so ``swap`` can put
    one module's text in another's place (the single file's worker hook in place of
    the site's) without touching the sources. npm packages are found in
    ``inputs_root``'s ``node_modules/`` and may be imported only when ``pinned`` is
    given: every file esbuild reads from there must be one of them. Node's own
    modules, which Pyodide imports only when it runs in Node, are left out.

    Parameters
    ----------
    web
        The web/ folder of the sources.
    entry
        The module to bundle, a file name in web/.
    inputs_root
        The folder whose ``node_modules/`` holds esbuild and the npm packages.
    swap
        File name of a module -> file name of the web/ module whose text replaces it.
    pinned
        Path relative to ``inputs_root`` -> sha256 of the npm files the bundle may hold.
    classic
        Whether to make a classic script (SINGLE_FILE_WORKER_FORMAT) instead of a module.
    """
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "web"
        copy.mkdir()
        for path in web.iterdir():
            if path.suffix == ".js" and path.is_file():
                shutil.copyfile(path, copy / path.name)
        for name, replacement in sorted(swap.items()):
            if not (web / replacement).is_file():
                raise BuildError(f"{web / replacement} is missing: the single file needs it")
            shutil.copyfile(web / replacement, copy / name)
        if not (copy / entry).is_file():
            raise BuildError(f"{web / entry} is missing: the single file needs it")
        out_file, metafile = Path(scratch) / "out.js", Path(scratch) / "meta.json"
        run(
            [
                str(esbuild_path(inputs_root)),
                *ESBUILD_BUNDLE,
                *(SINGLE_FILE_WORKER_FORMAT if classic else ()),
                f"--metafile={metafile}",
                f"--outfile={out_file}",
                "--log-level=warning",
                *(f"--external:{name}" for name in NODE_ONLY_IMPORTS),
                f"web/{entry}",
            ],
            Path(scratch),
            env={**os.environ, "NODE_PATH": str(inputs_root.resolve() / "node_modules")},
        )
        inputs = read_json(metafile)["inputs"]
        # esbuild names a module a package's "browser" field turns off "(disabled):…".
        outside = sorted(n for n in inputs if not n.startswith(("web/", "(disabled):")))
        if outside and pinned is None:
            raise BuildError(
                f"web/{entry} imports {outside[0]}; the page's script inlines web/ modules "
                f"only (npm packages belong in one of {', '.join(BUNDLED_SCRIPTS)})"
            )
        root = inputs_root.resolve()
        read = [(Path(scratch) / name).resolve() for name in outside]
        strays = [str(path) for path in read if not path.is_relative_to(root)]
        if strays:
            raise BuildError(f"web/{entry} imports {strays[0]}, which is not an npm input")
        check_bundle_inputs(
            [path.relative_to(root).as_posix() for path in read], root, pinned or {}
        )
        return out_file.read_text(encoding="utf-8")
