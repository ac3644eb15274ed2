"""Every output checked, not assumed: decrypted with age -d, its ZIP tested with unzip -t."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from . import records
from .machine import AGE, CLI_TIMEOUT_S, UNZIP, WORK
from .records import InputFile, Inputs
from .results import BenchError


def age_decrypted_sha256(sealed: Path, key_file: Path) -> str:
    """The sha256 of what ``age -d`` makes of ``sealed``, hashed as it streams out."""
    with subprocess.Popen(
        [AGE, "-d", "-i", str(key_file), str(sealed)], stdout=subprocess.PIPE
    ) as process:
        assert process.stdout is not None
        digest = records.sha256_of([process.stdout])
    if process.returncode != 0:
        raise BenchError(f"age -d could not decrypt {sealed.name}")
    return digest


def check_page_bundle(sealed: Path, key_file: Path, inputs: Inputs) -> int:
    """Decrypt with age, test the ZIP with unzip, and find every input in it byte for byte;
    return the ZIP's size."""
    bundle = WORK / f"page-{inputs.stem}.zip"
    try:
        subprocess.run(
            [AGE, "-d", "-i", str(key_file), "-o", str(bundle), str(sealed)],
            check=True,
            timeout=CLI_TIMEOUT_S,
        )
        subprocess.run(
            [UNZIP, "-tq", str(bundle)],
            check=True,
            timeout=CLI_TIMEOUT_S,
            stdout=subprocess.DEVNULL,
        )
        size = bundle.stat().st_size
        members: dict[str, list[str]] = {}
        with zipfile.ZipFile(bundle) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    members.setdefault(records.sha256_of([member]), []).append(info.filename)
    except subprocess.CalledProcessError as error:
        raise BenchError(f"the page's sealed file fails {error.cmd[0]}") from error
    finally:
        bundle.unlink(missing_ok=True)
    missing = [f.path.name for f in inputs.files if not in_bundle(f, members.get(f.sha256, []))]
    if missing:
        raise BenchError(f"not in the page's bundle byte for byte: {', '.join(missing[:5])}")
    return size


def in_bundle(original: InputFile, names: list[str]) -> bool:
    if original.kind == "dicom":
        return any(name.startswith("DICOM/") for name in names)
    return f"ORIGINAL/{original.path.name}" in names


def check_saved_bundle(saved: int, bundle: float | None, inputs: Inputs) -> None:
    """What "Save all" gave is the whole verified ZIP: as large as ``age -d`` made it of the
    sealed file (``bundle``, None when that check failed), or at least larger than the inputs."""
    if bundle is not None and saved != bundle:
        raise BenchError(f"Save all gave {saved} bytes, not the {bundle:.0f} of the sealed ZIP")
    if saved <= inputs.total:
        raise BenchError(f"Save all gave {saved} bytes, no more than the {inputs.total} put in")


def check_age_file(sealed: Path, key_file: Path, expected: str, who: str) -> None:
    if age_decrypted_sha256(sealed, key_file) != expected:
        raise BenchError(f"{who}'s file does not decrypt with age -d to the input's sha256")
