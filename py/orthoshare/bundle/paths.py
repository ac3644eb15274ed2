"""Names inside a bundle: made safe when writing, refused when unsafe on reading.

A bundle is extracted on Windows, macOS and Linux, so a name must be valid and
distinct on all three: no absolute paths, ``..``, backslashes, drive letters,
NUL or control characters, and no two names equal after Unicode
normalisation and case folding (macOS and Windows would merge them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from ..errors import UnsafePathError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"|?*\\/]')
# Most file systems allow 255 bytes per name; leave room for " (99999)".
_MAX_PART_BYTES = 240
_MAX_READ_PART_BYTES = 255
_DRIVE = re.compile(r"[A-Za-z]:")
# Names Windows reserves in every folder, with or without an extension.
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


def folded(name: str) -> str:
    """Return the form two names share if some file system would treat them as one."""
    return unicodedata.normalize("NFC", name).casefold()


def _ancestors(key: str) -> list[str]:
    parts = key.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def check_member_name(name: str) -> None:
    """Raise :class:`UnsafePathError` unless ``name`` is a safe relative POSIX file path."""
    if not name or name.startswith("/") or _DRIVE.match(name):
        raise UnsafePathError(f"{name!r} is not a relative path")
    if "\\" in name or _CONTROL.search(name):
        raise UnsafePathError(f"{name!r} holds a backslash or a control character")
    if _SURROGATE.search(name):
        # A surrogate alone is no character: it has no UTF-8 form to name a file with.
        raise UnsafePathError(f"{name!r} holds a UTF-16 surrogate")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise UnsafePathError(f"{name!r} has an empty, '.' or '..' component")
        if len(part.encode("utf-8")) > _MAX_READ_PART_BYTES:
            raise UnsafePathError(f"{name!r} has a component longer than 255 bytes")
        if _RESERVED.fullmatch(part) or part != part.rstrip(" ."):
            raise UnsafePathError(f"{name!r} is not a valid name on Windows")


def check_unique(names: Iterable[str]) -> None:
    """Raise :class:`UnsafePathError` if two names fold to the same, or one is another's folder."""
    seen: dict[str, str] = {}
    for name in names:
        key = folded(name)
        if key in seen:
            raise UnsafePathError(f"{seen[key]!r} and {name!r} would be the same file")
        seen[key] = name
    folders = {folder for key in seen for folder in _ancestors(key)}
    for key, name in seen.items():
        if key in folders:
            raise UnsafePathError(f"{name!r} is both a file and a folder")


def readable(part: str) -> str:
    """Return ``part`` as text: bytes of a name that are not UTF-8 become U+FFFD."""
    return part.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _shortened(part: str) -> str:
    if len(part.encode("utf-8")) <= _MAX_PART_BYTES:
        return part
    stem, dot, extension = part.rpartition(".")
    if not stem or len(extension) > 16:
        stem, dot, extension = part, "", ""
    budget = _MAX_PART_BYTES - len(f"{dot}{extension}".encode())
    short = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return f"{short}{dot}{extension}"


def _safe_part(part: str) -> str:
    part = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", readable(part)))
    part = _shortened(part).rstrip(" .")
    if not part or part in (".", ".."):
        return "_"
    return "_" + part if _RESERVED.fullmatch(part) else part


def _with_suffix(name: str, number: int) -> str:
    folder, _, base = name.rpartition("/")
    stem, dot, extension = base.rpartition(".")
    if not stem:
        stem, dot, extension = base, "", ""
    numbered = f"{stem} ({number}){dot}{extension}"
    return f"{folder}/{numbered}" if folder else numbered


def member_names(relative_paths: Sequence[Sequence[str]], prefix: str) -> list[str]:
    """Return a safe, distinct bundle name under ``prefix`` for each path (a list of parts).

    Characters invalid on some system become ``_``. A file whose name would
    clash with an earlier file or folder gets `` (2)``, `` (3)``… before its
    extension; a folder that would clash with an earlier file is numbered the
    same way, consistently for every file in it. No input is ever dropped.
    """
    files: set[str] = set()
    folders: set[str] = set()
    renamed: dict[str, str] = {}
    names = []
    for parts in relative_paths:
        safe = [_safe_part(p) for p in parts]
        folder = prefix.rstrip("/")
        for part in safe[:-1]:
            key = folded(f"{folder}/{part}")
            if key not in renamed:
                candidate, number = f"{folder}/{part}", 1
                while folded(candidate) in files:
                    number += 1
                    candidate = f"{folder}/{part} ({number})"
                renamed[key] = candidate
            folder = renamed[key]
        name = f"{folder}/{safe[-1]}"
        candidate, number = name, 1
        while folded(candidate) in files or folded(candidate) in folders:
            number += 1
            candidate = _with_suffix(name, number)
        files.add(folded(candidate))
        folders.update(_ancestors(folded(candidate)))
        names.append(candidate)
    return names
