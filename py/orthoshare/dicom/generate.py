"""Which DICOM object each original becomes, numbered into one study.

Photos become VL Photographic images, radiographs the sender marked panoramic
or cephalometric become Secondary Capture images (PX / DX), PDFs Encapsulated
PDF, and STL / OBJ / MTL scans the matching Encapsulated 3-D objects. One
series per kind of object, all in the bundle's one study. An original that
cannot be converted without altering it (a progressive JPEG, a 16-bit photo…)
stays an original only, as does anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..errors import InputError
from . import convert
from .study import Placement, Study
from .views import view as ada_view

if TYPE_CHECKING:
    from pydicom.dataset import FileDataset

Radiograph = Literal["panoramic", "cephalometric"]
#: The series number of each kind of generated object.
_SERIES = {"photo": 1, "radiograph": 2, "document": 3, "scan": 4}


@dataclass(frozen=True)
class _ViewCoding:
    code_value: str
    coding_scheme_designator: str
    code_meaning: str


@dataclass(frozen=True)
class Source:
    """An original to convert: how to read its bytes, what it is, and what the sender said."""

    read: Callable[[], bytes]
    format: str  # as bundle.sniff names it
    kind: str  # the manifest's kind (the sender's, or sniffed)
    label: str
    view: str | None
    radiograph: Radiograph | None
    name: str


class Generator:
    """Makes the objects of one study, numbering them within their series."""

    def __init__(self, study: Study) -> None:
        from pydicom.uid import generate_uid

        self._study = study
        self._series = {kind: generate_uid() for kind in _SERIES}
        self._counts = dict.fromkeys(_SERIES, 0)

    def _placement(self, kind: str) -> Placement:
        self._counts[kind] += 1
        return Placement(self._series[kind], _SERIES[kind], self._counts[kind])

    def generate(self, source: Source) -> FileDataset | None:
        """Return the object made of ``source``, or None if it stays an original only.

        Raises
        ------
        InputError
            If the original changed size since it was sealed.
        """
        make = self._converter(source)
        if make is None:
            return None
        data = source.read()
        try:
            return make(data)
        except InputError:
            # Converting would alter it (see convert.py's reasons): the original suffices.
            return None

    def _converter(self, source: Source) -> Callable[[bytes], FileDataset] | None:
        """What makes ``source``'s object of its bytes, if anything does."""
        study, label = self._study, source.label
        if source.kind == "photo" and source.format in ("jpeg", "png"):
            coding = None
            if source.view is not None:
                code = ada_view(source.view).dicom.ada_view_code
                coding = _ViewCoding(code.value, code.scheme, code.meaning)
            photo = convert.photo_from_jpeg if source.format == "jpeg" else convert.photo_from_png
            return lambda data: photo(data, study, self._placement("photo"), coding, label)
        if source.kind == "radiograph" and source.radiograph and source.format in ("jpeg", "png"):
            image_format: Literal["jpeg", "png"] = "jpeg" if source.format == "jpeg" else "png"
            radiograph = source.radiograph
            return lambda data: convert.radiograph(
                data, image_format, radiograph, study, self._placement("radiograph"), label
            )
        if source.format == "pdf":
            return lambda data: convert.encapsulated_pdf(
                data, study, self._placement("document"), label, source.name
            )
        if source.format in ("stl", "obj", "mtl"):
            mesh = {
                "stl": convert.encapsulated_stl,
                "obj": convert.encapsulated_obj,
                "mtl": convert.encapsulated_mtl,
            }[source.format]
            return lambda data: mesh(data, study, self._placement("scan"), label, source.name)
        return None
