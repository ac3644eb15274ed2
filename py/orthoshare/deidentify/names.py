"""Neutral names: what a file is called when its name may be the patient's."""

from __future__ import annotations

from collections import Counter

#: The folder each kind of file goes in.
_FOLDERS = {
    "photo": "photos",
    "radiograph": "radiographs",
    "scan": "scans",
    "document": "documents",
    "dicom": "dicom",
    "other": "other",
}
#: The extension of each format (as bundle.sniff names it).
_EXTENSIONS = {
    "jpeg": ".jpg",
    "png": ".png",
    "heic": ".heic",
    "tiff": ".tif",
    "pdf": ".pdf",
    "dicom": ".dcm",
    "stl": ".stl",
    "ply": ".ply",
    "obj": ".obj",
    "mtl": ".mtl",
    "zip": ".zip",
}


class NeutralNames:
    """Names made of a file's kind, view and number: ``("photos", "photo-003-IV01.jpg")``.

    Numbers count within each kind, in the order the files are named.
    """

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def next(self, kind: str, fmt: str, view: str | None) -> tuple[str, str]:
        """The parts (folder, name) of the next file of ``kind`` and format ``fmt``."""
        self._counts[kind] += 1
        stem = f"{kind}-{self._counts[kind]:03d}" + (f"-{view}" if view else "")
        return _FOLDERS.get(kind, "other"), stem + _EXTENSIONS.get(fmt, ".bin")
