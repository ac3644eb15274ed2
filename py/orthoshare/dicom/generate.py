"""Which DICOM object each original becomes, numbered into one study.

Photos become VL Photographic images, radiographs the sender marked panoramic
or cephalometric become Secondary Capture images (PX / DX), PDFs Encapsulated
PDF, and STL / OBJ / MTL scans the matching Encapsulated 3-D objects. One
series per kind of object, all in the bundle's one study. An original that
cannot be converted without altering it (a progressive JPEG, a 16-bit photo…)
stays an original only, and :class:`~orthoshare.errors.ConversionError` says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydicom.dataset import Dataset, FileDataset
from pydicom.uid import generate_uid

from ..errors import ConversionError, InputError
from ..records import PIECE, Radiograph, Readable
from ..views import view as ada_view
from . import convert
from .convert import DOCUMENT_FORMATS, DocumentFormat
from .embed import EmbeddedDocument
from .study import Placement, Study

#: The series number of each kind of generated object.
_SERIES = {"photo": 1, "radiograph": 2, "document": 3, "scan": 4}


@dataclass(frozen=True)
class _ViewCoding:
    code_value: str
    coding_scheme_designator: str
    code_meaning: str


@dataclass(frozen=True)
class Original:
    """An original to convert: the input, what it is, and what the sender said."""

    content: Readable
    format: str  # as bundle.sniff names it
    kind: str  # the manifest's kind (the sender's, or sniffed)
    label: str
    view: str | None
    radiograph: Radiograph | None
    name: str


#: What is done to each object made, in place, before it is encoded: de-identification.
Finish = Callable[[Dataset], None]


class Generator:
    """Makes the objects of one study, numbering them within their series; each is
    passed to ``finish``, if given, before it is encoded."""

    def __init__(self, study: Study, finish: Finish | None = None) -> None:
        self._study = study
        self._finish = finish
        self._series = {kind: generate_uid() for kind in _SERIES}
        self._counts = dict.fromkeys(_SERIES, 0)

    def _placement(self, kind: str) -> Placement:
        self._counts[kind] += 1
        return Placement(self._series[kind], _SERIES[kind], self._counts[kind])

    def generate(self, original: Original) -> FileDataset | EmbeddedDocument:
        """Return the object made of ``original``.

        A PDF or a mesh becomes an :class:`EmbeddedDocument`, which reads the
        original again as it is stored; a photo or a radiograph is read whole,
        to be checked and wrapped.

        Raises
        ------
        ConversionError
            If no object can be made of it without altering it (the detail says
            why): it stays an original only.
        InputError
            If the original changed size since it was sealed.
        """
        fmt = original.format
        if fmt in DOCUMENT_FORMATS:
            header = convert.document_header(
                fmt, original.content.size, self._study,
                self._placement(_DOCUMENT_KINDS[fmt]), original.label, original.name,
            )  # fmt: skip
            if self._finish is not None:
                self._finish(header)
            return EmbeddedDocument(header, original.content, original.name)
        make = self._converter(original)
        made = make(_read_whole(original.content, original.name))
        if self._finish is not None:
            self._finish(made)
        return made

    def _converter(self, original: Original) -> Callable[[bytes], FileDataset]:
        """What makes an image's object of its bytes."""
        study, label, fmt = self._study, original.label, original.format
        if original.kind == "photo" and fmt in ("jpeg", "png"):
            coding = None
            if original.view is not None:
                code = ada_view(original.view).dicom.ada_view_code
                coding = _ViewCoding(code.value, code.scheme, code.meaning)
            photo = convert.photo_from_jpeg if fmt == "jpeg" else convert.photo_from_png
            return lambda data: photo(data, study, self._placement("photo"), coding, label)
        if original.kind == "radiograph" and original.radiograph and fmt in ("jpeg", "png"):
            image_format: Literal["jpeg", "png"] = "jpeg" if fmt == "jpeg" else "png"
            radiograph = original.radiograph
            return lambda data: convert.radiograph(
                data, image_format, radiograph, study, self._placement("radiograph"), label
            )
        raise ConversionError(f"no DICOM object is made of a {fmt} file sent as a {original.kind}")


#: The series each embedded format goes in.
_DOCUMENT_KINDS: dict[DocumentFormat, str] = {
    "pdf": "document", "stl": "scan", "obj": "scan", "mtl": "scan",
}  # fmt: skip


def _read_whole(original: Readable, name: str) -> bytes:
    data = bytearray()
    with original.open() as stream:
        while len(data) <= original.size and (piece := stream.read(PIECE)):
            data += piece
    if len(data) != original.size:
        raise InputError(f"{name} changed size while it was being read")
    return bytes(data)
