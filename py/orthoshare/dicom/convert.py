"""Standard DICOM objects made from a clinician's files: photos, radiographs, PDFs, meshes.

Imaging software and PACS import DICOM, not JPEG or STL, and they file what they
import by patient and study. Each function here wraps one file in the standard
object for it, under the bundle's one :class:`~orthoshare.dicom.study.Study`:

============================  ==========================================  ========
input                         object (SOP Class)                          Modality
============================  ==========================================  ========
photo, JPEG or PNG            VL Photographic Image ``…1.77.1.4``         XC
panoramic radiograph          Secondary Capture Image ``…1.7``            PX
cephalometric radiograph      Secondary Capture Image ``…1.7``            DX
PDF                           Encapsulated PDF ``…1.104.1``               DOC
STL / OBJ / MTL               Encapsulated STL / OBJ / MTL ``…1.104.3-5`` M3D
============================  ==========================================  ========

Nothing is re-encoded: a JPEG is encapsulated byte for byte (its transfer
syntax is read from its frame header by :mod:`orthoshare.dicom.jpeg`), a PNG is
decoded losslessly by :mod:`orthoshare.dicom.png`, and a document or mesh is
embedded whole. Only a JPEG whose EXIF orientation says it is stored turned (a
camera held upright) is turned upright first, losslessly, by
:mod:`orthoshare.dicom.jpegtran`: DICOM viewers ignore EXIF, and would show
it on its side or mirrored. What cannot be carried that way is refused with
:class:`~orthoshare.errors.ConversionError`, and the file then travels as an original
only. The modules every object shares are filled in by :mod:`orthoshare.dicom.modules`.

Every function returns a :class:`pydicom.dataset.FileDataset` with its file meta
information, ready for ``pydicom.dcmwrite(path, ds, enforce_file_format=True)``.
The objects are checked with dicom3tools' ``dciodvfy`` in the tests.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydicom.dataset import Dataset, FileDataset
from pydicom.sequence import Sequence

from ..errors import ConversionError
from ..records import RADIOGRAPH_MODALITIES, Radiograph
from . import exif
from . import png as png_codec
from .jpeg import JpegFrame, read_frame
from .jpegtran import upright
from .modules import (
    EXPLICIT_VR_LITTLE_ENDIAN,
    finish,
    jpeg_pixels,
    mesh,
    new_document,
    new_image,
    png_pixels,
)
from .study import Placement, Study
from .values import long_text, short_text

__all__ = [
    "ViewCoding",
    "encapsulated_mtl",
    "encapsulated_obj",
    "encapsulated_pdf",
    "encapsulated_stl",
    "photo_from_jpeg",
    "photo_from_png",
    "radiograph",
]

VL_PHOTOGRAPHIC_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.77.1.4"
SECONDARY_CAPTURE_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.7"
ENCAPSULATED_PDF_STORAGE = "1.2.840.10008.5.1.4.1.1.104.1"
ENCAPSULATED_STL_STORAGE = "1.2.840.10008.5.1.4.1.1.104.3"
ENCAPSULATED_OBJ_STORAGE = "1.2.840.10008.5.1.4.1.1.104.4"
ENCAPSULATED_MTL_STORAGE = "1.2.840.10008.5.1.4.1.1.104.5"


class ViewCoding(Protocol):
    """The coded ADA-1100 view of a photo, as it goes into View Code Sequence (0054,0220).

    Any object with these three read-only attributes will do, such as the
    views table's entries.
    """

    @property
    def code_value(self) -> str:
        """Code Value (0008,0100), e.g. a SNOMED CT concept id."""
        ...

    @property
    def coding_scheme_designator(self) -> str:
        """Coding Scheme Designator (0008,0102), e.g. ``"SCT"``."""
        ...

    @property
    def code_meaning(self) -> str:
        """Code Meaning (0008,0104), the human-readable name of the code."""
        ...


# --------------------------------------------------------------------------- images

# The VL Image Module (PS3.3 C.8.12.1) allows only 8 bits allocated and stored.
_EIGHT_BITS_ONLY = (
    "a DICOM photograph holds 8 bits per sample, so this photo is kept as an original "
    "only (a radiograph of more bits can be sent as a radiograph)"
)


def photo_from_jpeg(
    jpeg: bytes,
    study: Study,
    placement: Placement,
    view: ViewCoding | None = None,
    label: str = "",
) -> FileDataset:
    """Wrap a JPEG photo as a VL Photographic Image (Modality XC), upright.

    Parameters
    ----------
    jpeg : bytes
        The whole JPEG file. It becomes the single encapsulated frame byte for
        byte (plus one zero byte when its length is odd, as DICOM requires
        even-length fragments; JPEG decoders stop at the EOI marker before it).
        If its EXIF orientation says it is stored turned or mirrored, the frame
        is the JPEG turned upright instead, losslessly
        (:func:`orthoshare.dicom.jpegtran.upright`), and Derivation Description
        (0008,2111) says how.
    study : Study
        The patient and study every object of the bundle shares.
    placement : Placement
        The series this photo belongs to and its number in it.
    view : ViewCoding or None
        The ADA-1100 view, written to View Code Sequence (0054,0220); None
        leaves the sequence out.
    label : str
        What the sender called the photo; it becomes Image Comments (0020,4000).

    Returns
    -------
    FileDataset
        VL Photographic Image Storage, transfer syntax JPEG Baseline (Process 1)
        for an SOF0 frame or JPEG Extended (Process 2 & 4) for an SOF1 frame.

    Raises
    ------
    ConversionError
        If the JPEG is not a baseline or extended sequential one (progressive,
        hierarchical and arithmetic-coded JPEG have only retired transfer
        syntaxes, and lossless JPEG is read by few viewers), has 12-bit samples (a VL
        image has 8) or RGB-coded colour (a VL image's JPEG colour is YCbCr), has
        neither 1 nor 3 components, or its header is malformed; or if it is to
        be turned upright and :func:`orthoshare.dicom.jpegtran.upright` cannot.
    """
    frame = read_frame(jpeg)
    check_photo_frame(frame)
    jpeg, frame, derivation = _upright(jpeg, frame)
    ds = new_image(VL_PHOTOGRAPHIC_IMAGE_STORAGE, frame.transfer_syntax, study, placement, "XC")
    _vl_photographic(ds, view, label)
    jpeg_pixels(ds, jpeg, frame, derivation)
    return finish(ds)


def _upright(jpeg: bytes, frame: JpegFrame) -> tuple[bytes, JpegFrame, str]:
    """The JPEG as a DICOM viewer must show it, its frame, and what was done to it.

    A JPEG whose EXIF orientation is other than 1 is turned upright, losslessly
    (:func:`orthoshare.dicom.jpegtran.upright`): viewers of DICOM ignore EXIF,
    and would show it on its side, upside down or mirrored, a left-right
    mistake waiting to happen. Any other JPEG comes back as it is, and no
    description.
    """
    orientation = exif.orientation(jpeg)
    if orientation == 1:
        return jpeg, frame, ""
    turned = upright(jpeg, orientation)
    return turned.jpeg, read_frame(turned.jpeg), turned.description


def photo_from_png(
    png: bytes,
    study: Study,
    placement: Placement,
    view: ViewCoding | None = None,
    label: str = "",
) -> FileDataset:
    """Decode a PNG photo losslessly into a VL Photographic Image (Modality XC).

    Parameters
    ----------
    png : bytes
        The whole PNG file.
    study, placement, view, label
        As for :func:`photo_from_jpeg`.

    Returns
    -------
    FileDataset
        VL Photographic Image Storage, Explicit VR Little Endian, with the
        decoded samples as uncompressed Pixel Data.

    Raises
    ------
    ConversionError
        If :func:`orthoshare.dicom.png.decode` refuses the file (invalid,
        interlaced, 16-bit colour, or transparent), or it is 16-bit grayscale
        (a VL image has 8 bits per sample).
    """
    image = png_codec.decode(png)
    if image.bits != 8:
        raise ConversionError(f"the PNG photo has {image.bits}-bit samples; {_EIGHT_BITS_ONLY}")
    ds = new_image(VL_PHOTOGRAPHIC_IMAGE_STORAGE, EXPLICIT_VR_LITTLE_ENDIAN, study, placement, "XC")
    _vl_photographic(ds, view, label)
    png_pixels(ds, image)
    return finish(ds)


def check_image_head(image_format: str, head: bytes, *, photo: bool) -> None:
    """Refuse, from the first bytes of a JPEG or PNG, what :func:`photo_from_jpeg`,
    :func:`photo_from_png` or :func:`radiograph` would refuse (as a photo when
    ``photo``, else as a radiograph); the rest is checked as the file is converted.

    Raises
    ------
    ConversionError
        Saying why.
    """
    if image_format == "jpeg":
        frame = read_frame(head)
        if photo:
            check_photo_frame(frame)
        return
    bits = png_codec.header_bits(head)
    if photo and bits == 16:
        raise ConversionError(f"the PNG photo has {bits}-bit samples; {_EIGHT_BITS_ONLY}")


def check_photo_frame(frame: JpegFrame) -> None:
    """Refuse a JPEG frame a DICOM photograph cannot hold unchanged.

    Raises
    ------
    ConversionError
        If its samples are not 8-bit, or its colour is RGB-coded.
    """
    if frame.precision != 8:
        raise ConversionError(
            f"the JPEG photo has {frame.precision}-bit samples; {_EIGHT_BITS_ONLY}"
        )
    if frame.photometric == "RGB":
        # The VL Image Module describes lossy JPEG colour as YBR_FULL_422 only
        # (PS3.3 C.8.12.1); RGB-coded JPEG (an Adobe export without colour
        # transform) would need recompressing, which would change the photo.
        raise ConversionError(
            "the JPEG photo stores RGB rather than YCbCr colour, which a DICOM photograph "
            "cannot hold unchanged, so this photo is kept as an original only"
        )


def _vl_photographic(ds: Dataset, view: ViewCoding | None, label: str) -> None:
    # VL Image: pixels as the camera recorded them.
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    # Acquisition Context (Type 2): nothing is known of the conditions.
    ds.AcquisitionContextSequence = Sequence()
    if view is not None:
        code = Dataset()
        code.CodeValue = view.code_value
        code.CodingSchemeDesignator = view.coding_scheme_designator
        code.CodeMeaning = short_text(view.code_meaning, 64)
        ds.ViewCodeSequence = Sequence([code])
    if label:
        ds.ImageComments = long_text(label)


def radiograph(
    image: bytes,
    image_format: Literal["jpeg", "png"],
    kind: Radiograph,
    study: Study,
    placement: Placement,
    label: str = "",
) -> FileDataset:
    """Wrap an exported panoramic or cephalometric radiograph as a Secondary Capture Image.

    Parameters
    ----------
    image : bytes
        The whole JPEG or PNG file, as the X-ray software exported it; a JPEG
        is turned upright if its EXIF orientation says so, as for
        :func:`photo_from_jpeg`.
    image_format : {"jpeg", "png"}
        What ``image`` is (see :func:`orthoshare.bundle.sniff.sniff`).
    kind : {"panoramic", "cephalometric"}
        Which radiograph it is; it sets the Modality (PX or DX).
    study, placement
        As for :func:`photo_from_jpeg`.
    label : str
        What the sender called the image; it becomes Image Comments (0020,4000).

    Returns
    -------
    FileDataset
        Secondary Capture Image Storage: the JPEG encapsulated unchanged, or
        turned upright (JPEG Baseline or Extended), or the PNG decoded
        losslessly (Explicit VR Little Endian).

    Raises
    ------
    ConversionError
        If the image cannot be carried unchanged (see :func:`photo_from_jpeg`
        and :func:`photo_from_png`).
    ValueError
        If ``image_format`` or ``kind`` is not one of the values above.

    Notes
    -----
    A JPEG or PNG export is no longer the modality's own object (its geometry,
    exposure and detector attributes are gone), so it cannot honestly be a
    Digital X-Ray or Panoramic image; Secondary Capture is the IOD for images
    converted from another format. Its Modality still says what the image
    shows, so a viewer files and hangs it as a radiograph.
    """
    # Modality (0008,0060), defined terms of PS3.3 C.7.3.1.1.1: PX is
    # "Panoramic X-Ray"; a cephalogram is a projection radiograph taken on a
    # cephalostat, and DX "Digital Radiography" is the term for those (there is
    # no cephalometric term; DX images record the cephalostat as Positioner Type).
    modality = RADIOGRAPH_MODALITIES.get(kind)
    if modality is None:
        raise ValueError(f"unknown radiograph kind {kind!r}")
    pixels: JpegFrame | png_codec.Image
    derivation = ""
    if image_format == "jpeg":
        image, pixels, derivation = _upright(image, read_frame(image))
        syntax = pixels.transfer_syntax
    elif image_format == "png":
        pixels = png_codec.decode(image)
        syntax = EXPLICIT_VR_LITTLE_ENDIAN
    else:
        raise ValueError(f"unknown image format {image_format!r}")
    ds = new_image(SECONDARY_CAPTURE_IMAGE_STORAGE, syntax, study, placement, modality)
    if isinstance(pixels, JpegFrame):
        jpeg_pixels(ds, image, pixels, derivation)
    else:
        png_pixels(ds, pixels)
    # Conversion Type (0008,0064), PS3.3 C.8.6.1: WSD ("Workstation") rather than
    # DI ("Digital Interface"). DI is for an image captured from the modality over
    # its digital interface; these files were exported by the practice's imaging
    # software to a file, and converted here on a workstation.
    ds.ConversionType = "WSD"
    # General Image: the pixels are another application's rendering of the
    # acquisition, not the acquisition itself.
    ds.ImageType = ["DERIVED", "SECONDARY"]
    if label:
        ds.ImageComments = long_text(label)
    return finish(ds)


# ------------------------------------------------------------------ encapsulated files


def encapsulated_pdf(
    pdf: bytes, study: Study, placement: Placement, label: str = "", name: str = ""
) -> FileDataset:
    """Embed a PDF in an Encapsulated PDF object (Modality DOC).

    Parameters
    ----------
    pdf : bytes
        The whole PDF file.
    study, placement
        As for :func:`photo_from_jpeg`.
    label, name : str
        What the sender called the document, and its original file name;
        Document Title (0042,0010) is the label, or the name without a label.

    Returns
    -------
    FileDataset
        Encapsulated PDF Storage, Explicit VR Little Endian.

    Raises
    ------
    ConversionError
        If the file is too large for one DICOM element.

    Notes
    -----
    Burned In Annotation (0028,0301) is YES: a clinical document nearly always
    names the patient, and a receiver that de-identifies must not pass it on
    unread.
    """
    return _embedded(document_header("pdf", len(pdf), study, placement, label, name), pdf)


def encapsulated_stl(
    data: bytes, study: Study, placement: Placement, label: str = "", name: str = ""
) -> FileDataset:
    """Embed an STL mesh (ASCII or binary) in an Encapsulated STL object (Modality M3D).

    Parameters
    ----------
    data : bytes
        The whole STL file.
    study, placement
        As for :func:`photo_from_jpeg`.
    label, name : str
        As for :func:`encapsulated_pdf`.

    Returns
    -------
    FileDataset
        Encapsulated STL Storage in the study's frame of reference, with
        coordinates declared in millimetres.

    Raises
    ------
    ConversionError
        If the file is too large for one DICOM element.
    """
    return _embedded(document_header("stl", len(data), study, placement, label, name), data)


def encapsulated_obj(
    data: bytes, study: Study, placement: Placement, label: str = "", name: str = ""
) -> FileDataset:
    """Embed a Wavefront OBJ mesh in an Encapsulated OBJ object (Modality M3D).

    Parameters and return value as for :func:`encapsulated_stl`.
    """
    return _embedded(document_header("obj", len(data), study, placement, label, name), data)


def encapsulated_mtl(
    data: bytes, study: Study, placement: Placement, label: str = "", name: str = ""
) -> FileDataset:
    """Embed a Wavefront MTL material library in an Encapsulated MTL object (Modality M3D).

    Parameters and return value as for :func:`encapsulated_stl`, except that
    an MTL file holds no coordinates and so has no frame of reference.
    """
    return _embedded(document_header("mtl", len(data), study, placement, label, name), data)


DocumentFormat = Literal["pdf", "stl", "obj", "mtl"]
#: The formats an Encapsulated Document object embeds as they are.
DOCUMENT_FORMATS: tuple[DocumentFormat, ...] = ("pdf", "stl", "obj", "mtl")


def document_header(
    fmt: DocumentFormat, size: int, study: Study, placement: Placement, label: str = "",
    name: str = "",
) -> FileDataset:  # fmt: skip
    """The object that embeds a document of ``size`` bytes, with the document left out.

    Everything is set as :func:`encapsulated_pdf` and the others set it,
    Encapsulated Document Length (0042,0015) included, except that Encapsulated
    Document (0042,0011) is empty: :class:`orthoshare.dicom.embed.EmbeddedDocument`
    writes the document's bytes there as they are read, so that a scan of
    hundreds of megabytes is never held whole.

    Raises
    ------
    ConversionError
        If the document is too large for one DICOM element.
    """
    if fmt == "pdf":
        mime_type = "application/pdf"
        ds = new_document(ENCAPSULATED_PDF_STORAGE, study, placement, "DOC", size, mime_type)
        # SC Equipment: converted on a workstation (see radiograph()).
        ds.ConversionType = "WSD"
        ds.DocumentTitle = short_text(label or name, 1024)
        ds.BurnedInAnnotation = "YES"
        return finish(ds)
    sop_class = {
        "stl": ENCAPSULATED_STL_STORAGE,
        "obj": ENCAPSULATED_OBJ_STORAGE,
        "mtl": ENCAPSULATED_MTL_STORAGE,
    }[fmt]
    ds = new_document(sop_class, study, placement, "M3D", size, f"model/{fmt}")
    # An MTL file holds no coordinates, and so has no frame of reference.
    mesh(ds, study, label or name, frame_of_reference=fmt != "mtl")
    return finish(ds)


def _embedded(ds: FileDataset, data: bytes) -> FileDataset:
    # Values have even length (PS3.5 7.1.1): an odd document gets one trailing
    # zero byte, and Encapsulated Document Length keeps its true size, so a
    # reader can hand back the exact file.
    ds.EncapsulatedDocument = data + b"\x00" * (len(data) % 2)
    return ds
