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
syntax is read from its frame header), a PNG is decoded losslessly by
:mod:`orthoshare.dicom.png`, and a document or mesh is embedded whole. What
cannot be carried that way is refused with :class:`~orthoshare.errors.InputError`,
and the file then travels as an original only.

Every function returns a :class:`pydicom.dataset.FileDataset` with its file meta
information, ready for ``pydicom.dcmwrite(path, ds, enforce_file_format=True)``.
The objects are checked with dicom3tools' ``dciodvfy`` in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal, Protocol

from ..errors import InputError
from . import png as png_codec
from .study import Placement, Study

if TYPE_CHECKING:
    from pydicom.dataset import Dataset, FileDataset

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

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_EXTENDED = "1.2.840.10008.1.2.4.51"


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
    """Wrap a JPEG photo, unchanged, as a VL Photographic Image (Modality XC).

    Parameters
    ----------
    jpeg : bytes
        The whole JPEG file. It becomes the single encapsulated frame byte for
        byte (plus one zero byte when its length is odd, as DICOM requires
        even-length fragments; JPEG decoders stop at the EOI marker before it).
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
    InputError
        If the JPEG is not a baseline or extended sequential one (progressive,
        hierarchical and arithmetic-coded JPEG have only retired transfer
        syntaxes, and lossless JPEG is read by few viewers), has 12-bit samples (a VL
        image has 8) or RGB-coded colour (a VL image's JPEG colour is YCbCr), has
        neither 1 nor 3 components, or its header is malformed.
    """
    frame = _jpeg_frame(jpeg)
    if frame.precision != 8:
        raise InputError(f"the JPEG photo has {frame.precision}-bit samples; {_EIGHT_BITS_ONLY}")
    if frame.photometric == "RGB":
        # The VL Image Module describes lossy JPEG colour as YBR_FULL_422 only
        # (PS3.3 C.8.12.1); RGB-coded JPEG (an Adobe export without colour
        # transform) would need recompressing, which would change the photo.
        raise InputError(
            "the JPEG photo stores RGB rather than YCbCr colour, which a DICOM photograph "
            "cannot hold unchanged, so this photo is kept as an original only"
        )
    ds = _new_image(VL_PHOTOGRAPHIC_IMAGE_STORAGE, frame.transfer_syntax, study, placement, "XC")
    _vl_photographic(ds, view, label)
    _jpeg_pixels(ds, jpeg, frame)
    return _finish(ds)


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
    InputError
        If :func:`orthoshare.dicom.png.decode` refuses the file (invalid,
        interlaced, 16-bit colour, or transparent), or it is 16-bit grayscale
        (a VL image has 8 bits per sample).
    """
    image = png_codec.decode(png)
    if image.bits != 8:
        raise InputError(f"the PNG photo has {image.bits}-bit samples; {_EIGHT_BITS_ONLY}")
    ds = _new_image(
        VL_PHOTOGRAPHIC_IMAGE_STORAGE, EXPLICIT_VR_LITTLE_ENDIAN, study, placement, "XC"
    )
    _vl_photographic(ds, view, label)
    _png_pixels(ds, image)
    return _finish(ds)


def radiograph(
    image: bytes,
    image_format: Literal["jpeg", "png"],
    kind: Literal["panoramic", "cephalometric"],
    study: Study,
    placement: Placement,
    label: str = "",
) -> FileDataset:
    """Wrap an exported panoramic or cephalometric radiograph as a Secondary Capture Image.

    Parameters
    ----------
    image : bytes
        The whole JPEG or PNG file, as the X-ray software exported it.
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
        Secondary Capture Image Storage: the JPEG encapsulated unchanged
        (JPEG Baseline or Extended), or the PNG decoded losslessly (Explicit VR
        Little Endian).

    Raises
    ------
    InputError
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
    modality = {"panoramic": "PX", "cephalometric": "DX"}.get(kind)
    if modality is None:
        raise ValueError(f"unknown radiograph kind {kind!r}")
    pixels: _JpegFrame | png_codec.Image
    if image_format == "jpeg":
        pixels = _jpeg_frame(image)
        syntax = pixels.transfer_syntax
    elif image_format == "png":
        pixels = png_codec.decode(image)
        syntax = EXPLICIT_VR_LITTLE_ENDIAN
    else:
        raise ValueError(f"unknown image format {image_format!r}")
    ds = _new_image(SECONDARY_CAPTURE_IMAGE_STORAGE, syntax, study, placement, modality)
    if isinstance(pixels, _JpegFrame):
        _jpeg_pixels(ds, image, pixels)
    else:
        _png_pixels(ds, pixels)
    # Conversion Type (0008,0064), PS3.3 C.8.6.1: WSD ("Workstation") rather than
    # DI ("Digital Interface"). DI is for an image captured from the modality over
    # its digital interface; these files were exported by the practice's imaging
    # software to a file, and converted here on a workstation.
    ds.ConversionType = "WSD"
    # General Image: the pixels are another application's rendering of the
    # acquisition, not the acquisition itself.
    ds.ImageType = ["DERIVED", "SECONDARY"]
    if label:
        ds.ImageComments = _long_text(label)
    return _finish(ds)


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
    InputError
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
    InputError
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
    InputError
        If the document is too large for one DICOM element.
    """
    if fmt == "pdf":
        mime_type = "application/pdf"
        ds = _new_document(ENCAPSULATED_PDF_STORAGE, study, placement, "DOC", size, mime_type)
        # SC Equipment: converted on a workstation (see radiograph()).
        ds.ConversionType = "WSD"
        ds.DocumentTitle = _short_text(label or name, 1024)
        ds.BurnedInAnnotation = "YES"
        return _finish(ds)
    sop_class = {
        "stl": ENCAPSULATED_STL_STORAGE,
        "obj": ENCAPSULATED_OBJ_STORAGE,
        "mtl": ENCAPSULATED_MTL_STORAGE,
    }[fmt]
    ds = _new_document(sop_class, study, placement, "M3D", size, f"model/{fmt}")
    # An MTL file holds no coordinates, and so has no frame of reference.
    _mesh(ds, study, label or name, frame_of_reference=fmt != "mtl")
    return _finish(ds)


def _embedded(ds: FileDataset, data: bytes) -> FileDataset:
    # Values have even length (PS3.5 7.1.1): an odd document gets one trailing
    # zero byte, and Encapsulated Document Length keeps its true size, so a
    # reader can hand back the exact file.
    ds.EncapsulatedDocument = data + b"\x00" * (len(data) % 2)
    return ds


# ----------------------------------------------------------------------------- JPEG


@dataclass(frozen=True)
class _JpegFrame:
    transfer_syntax: str
    precision: int
    rows: int
    columns: int
    components: int
    photometric: str


# SOF markers (ITU-T T.81 table B.1) other than the two sequential DCT
# Huffman ones; each is refused, with the process named for the message.
_OTHER_SOF = {
    0xC2: "progressive",
    0xC3: "lossless",
    0xC5: "hierarchical",
    0xC6: "hierarchical progressive",
    0xC7: "hierarchical lossless",
    0xC9: "arithmetic-coded",
    0xCA: "arithmetic-coded progressive",
    0xCB: "arithmetic-coded lossless",
    0xCD: "hierarchical arithmetic-coded",
    0xCE: "hierarchical arithmetic-coded progressive",
    0xCF: "hierarchical arithmetic-coded lossless",
}
# Markers that stand alone, without a length: TEM and RST0-7 (T.81 B.1.1.3).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# An encapsulated fragment's length is a 32-bit even number; 0xFFFFFFFF is reserved.
_MAX_ELEMENT = 0xFFFFFFFE


def _jpeg_frame(jpeg: bytes) -> _JpegFrame:
    """Read what the DICOM image attributes need from the JPEG's markers, up to SOS."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise InputError("the file is not a JPEG image (no SOI marker)")
    if len(jpeg) + 1 > _MAX_ELEMENT:
        raise InputError("the JPEG image is too large for one DICOM frame")
    sof: tuple[int, bytes] | None = None
    jfif = False
    adobe_transform: int | None = None
    at = 2
    while True:
        # Any number of 0xFF fill bytes may precede a marker (T.81 B.1.1.2).
        if at >= len(jpeg) or jpeg[at] != 0xFF:
            raise InputError("the JPEG image's header is malformed")
        while at < len(jpeg) and jpeg[at] == 0xFF:
            at += 1
        if at >= len(jpeg):
            raise InputError("the JPEG image is truncated")
        marker = jpeg[at]
        at += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD8, 0xD9, 0x00):
            raise InputError("the JPEG image's header is malformed")
        if at + 2 > len(jpeg):
            raise InputError("the JPEG image is truncated")
        length = int.from_bytes(jpeg[at : at + 2], "big")
        segment = jpeg[at + 2 : at + length]
        if length < 2 or len(segment) != length - 2:
            raise InputError("the JPEG image is truncated or a segment length is invalid")
        at += length
        if marker == 0xDA:
            break
        if marker == 0xE0 and segment.startswith(b"JFIF\x00"):
            jfif = True
        elif marker == 0xEE and segment.startswith(b"Adobe") and len(segment) >= 12:
            adobe_transform = segment[11]
        elif (0xC0 <= marker <= 0xCF) and marker not in (0xC4, 0xC8, 0xCC):
            if sof is not None:
                raise InputError("the JPEG image has more than one frame header")
            sof = (marker, segment)
    if sof is None:
        raise InputError("the JPEG image has no frame header")
    marker, segment = sof
    if marker in _OTHER_SOF:
        raise InputError(
            f"the JPEG image is {_OTHER_SOF[marker]}; only baseline and extended sequential "
            "JPEG go into DICOM unchanged, so this image is kept as an original only"
        )
    if len(segment) < 6:
        raise InputError("the JPEG image's frame header is malformed")
    precision = segment[0]
    rows = int.from_bytes(segment[1:3], "big")
    columns = int.from_bytes(segment[3:5], "big")
    components = segment[5]
    if len(segment) != 6 + 3 * components:
        raise InputError("the JPEG image's frame header is malformed")
    allowed = (8,) if marker == 0xC0 else (8, 12)
    if precision not in allowed:
        raise InputError(f"the JPEG image has an invalid sample precision of {precision} bits")
    if rows == 0 or columns == 0:
        # A zero height is announced later by a DNL marker, which DICOM forbids.
        raise InputError("the JPEG image does not state its size in its frame header")
    if components not in (1, 3):
        raise InputError(
            f"the JPEG image has {components} colour components (DICOM shows 1 or 3), "
            "so this image is kept as an original only"
        )
    ids = bytes(segment[6 + 3 * k] for k in range(components))
    return _JpegFrame(
        transfer_syntax=JPEG_BASELINE if marker == 0xC0 else JPEG_EXTENDED,
        precision=precision,
        rows=rows,
        columns=columns,
        components=components,
        photometric=_jpeg_photometric(components, jfif, adobe_transform, ids),
    )


def _jpeg_photometric(components: int, jfif: bool, adobe: int | None, ids: bytes) -> str:
    """The colour space the decoder will deliver, by the rules libjpeg applies."""
    if components == 1:
        return "MONOCHROME2"
    # JFIF is always YCbCr; an Adobe APP14 marker says so with its transform flag
    # (0: none, i.e. RGB); without either, component ids "R", "G", "B" mean RGB.
    rgb = (not jfif) and (adobe == 0 or (adobe is None and ids == b"RGB"))
    # PS3.5 8.2.1: lossy JPEG of YCbCr data is described as YBR_FULL_422, which
    # is also one of the interpretations the VL Image Module allows.
    return "RGB" if rgb else "YBR_FULL_422"


def _jpeg_pixels(ds: Dataset, jpeg: bytes, frame: _JpegFrame) -> None:
    from pydicom.encaps import encapsulate

    _image_pixel(
        ds, frame.rows, frame.columns, frame.components, frame.precision, frame.photometric
    )
    # encapsulate() pads an odd-length frame with one trailing zero byte, the
    # padding PS3.5 A.4 allows after the EOI marker; the JPEG bytes are untouched.
    ds.PixelData = encapsulate([jpeg])
    ds["PixelData"].VR = "OB"
    # PS3.3 C.7.6.1.1.5: once lossy-compressed, always marked so. The ratio is
    # left out: the camera's original is unknown, and a guess would mislead.
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionMethod = "ISO_10918_1"


def _png_pixels(ds: Dataset, image: png_codec.Image) -> None:
    photometric = "MONOCHROME2" if image.samples_per_pixel == 1 else "RGB"
    _image_pixel(ds, image.height, image.width, image.samples_per_pixel, image.bits, photometric)
    pixels = image.pixels
    if len(pixels) % 2:
        # Values have even length (PS3.5 7.1.1); the pad byte follows the last pixel.
        pixels += b"\x00"
    ds.PixelData = pixels
    ds["PixelData"].VR = "OW" if image.bits == 16 else "OB"
    # PNG is lossless and so is this copy of its samples.
    ds.LossyImageCompression = "00"


def _image_pixel(
    ds: Dataset, rows: int, columns: int, samples: int, bits: int, photometric: str
) -> None:
    """The Image Pixel Module, PS3.3 C.7.6.3."""
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsAllocated = 8 if bits <= 8 else 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if samples > 1:
        # Samples interleaved pixel by pixel, as in PNG rows and JPEG output.
        ds.PlanarConfiguration = 0


# ---------------------------------------------------------------------- common modules


def _new(
    sop_class: str, transfer_syntax: str, study: Study, placement: Placement, modality: str
) -> FileDataset:
    """File meta, SOP Common, Patient, General Study, (Document) Series and Equipment."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, generate_uid

    sop_instance = generate_uid()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = UID(transfer_syntax)
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = FileDataset("", {}, file_meta=meta, preamble=b"\x00" * 128)

    # SOP Common. The instance was made at sealing time, which the study records.
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.InstanceCreationDate = study.date
    ds.InstanceCreationTime = study.time

    # Patient
    patient = study.patient
    ds.PatientName = _person_name(patient.name)
    ds.PatientID = _patient_id(patient.id)
    ds.PatientBirthDate = _birth_date(patient.birth_date)
    ds.PatientSex = _sex(patient.sex)

    # General Study
    ds.StudyInstanceUID = study.study_instance_uid
    ds.StudyDate = study.date
    ds.StudyTime = study.time
    ds.ReferringPhysicianName = ""
    # Study ID is Type 2 here but Type 1 in a DICOMDIR study record, so it has a
    # value: the date of sealing, the same for every object of the bundle.
    ds.StudyID = study.date
    ds.AccessionNumber = ""
    lines = study.description.strip().splitlines()
    if lines:
        ds.StudyDescription = _short_text(lines[0], 64)

    # General Series, or Encapsulated Document Series
    ds.Modality = modality
    ds.SeriesInstanceUID = placement.series_instance_uid
    ds.SeriesNumber = placement.series_number
    ds.InstanceNumber = placement.instance_number

    # General Equipment (Type 2): who made the camera, X-ray unit or scanner is unknown.
    ds.Manufacturer = ""
    return ds


def _new_image(
    sop_class: str, transfer_syntax: str, study: Study, placement: Placement, modality: str
) -> FileDataset:
    ds = _new(sop_class, transfer_syntax, study, placement, modality)
    # General Image: Patient Orientation is Type 2C for these objects and no
    # orientation is known, so it is present and empty.
    ds.PatientOrientation = ""
    # General Series: Laterality is Type 2C, required unless the body part is
    # unpaired; a validator cannot tell, and the side is not known for a face,
    # a dental arch or a panoramic, so it is present and empty.
    ds.Laterality = ""
    return ds


def _vl_photographic(ds: Dataset, view: ViewCoding | None, label: str) -> None:
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    # VL Image: pixels as the camera recorded them.
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    # Acquisition Context (Type 2): nothing is known of the conditions.
    ds.AcquisitionContextSequence = Sequence()
    if view is not None:
        code = Dataset()
        code.CodeValue = view.code_value
        code.CodingSchemeDesignator = view.coding_scheme_designator
        code.CodeMeaning = _short_text(view.code_meaning, 64)
        ds.ViewCodeSequence = Sequence([code])
    if label:
        ds.ImageComments = _long_text(label)


def _new_document(
    sop_class: str,
    study: Study,
    placement: Placement,
    modality: str,
    size: int,
    mime_type: str,
) -> FileDataset:
    """The common modules and the Encapsulated Document Module, for ``size`` bytes."""
    if size + 1 > _MAX_ELEMENT:
        raise InputError("the file is too large to be embedded in one DICOM object")
    from pydicom.sequence import Sequence

    ds = _new(sop_class, EXPLICIT_VR_LITTLE_ENDIAN, study, placement, modality)
    # Type 2, and unknown: when the document or mesh was made, and a coded title.
    ds.ContentDate = ""
    ds.ContentTime = ""
    ds.AcquisitionDateTime = ""
    ds.ConceptNameCodeSequence = Sequence()
    ds.MIMETypeOfEncapsulatedDocument = mime_type
    ds.EncapsulatedDocument = b""
    ds.EncapsulatedDocumentLength = size
    return ds


def _mesh(ds: Dataset, study: Study, title: str, *, frame_of_reference: bool) -> None:
    """Encapsulated Document details, Frame of Reference and Manufacturing 3D Model."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds.DocumentTitle = _short_text(title, 1024)
    # A mesh is geometry only: it cannot show a name the way a page or a photo can.
    ds.BurnedInAnnotation = "NO"
    if frame_of_reference:
        # Frame of Reference (STL and OBJ IODs): every mesh of the bundle shares
        # the study's, so a viewer may show the upper and lower arch together,
        # in the coordinates the scanner exported them in.
        ds.FrameOfReferenceUID = study.frame_of_reference_uid
        ds.PositionReferenceIndicator = ""
    # Manufacturing 3D Model (all three model IODs): coordinates in
    # millimetres, the unit dental scanners and CAD software write (UCUM "mm").
    units = Dataset()
    units.CodeValue = "mm"
    units.CodingSchemeDesignator = "UCUM"
    units.CodeMeaning = "millimeter"
    ds.MeasurementUnitsCodeSequence = Sequence([units])
    _equipment(ds)


def _equipment(ds: Dataset) -> None:
    # Enhanced General Equipment (Type 1 for the 3-D model objects) describes
    # what made this object; the scanner is unknown, so orthoshare names itself.
    from .. import __version__

    ds.Manufacturer = "orthoshare"
    ds.ManufacturerModelName = "orthoshare"
    ds.DeviceSerialNumber = "none"
    ds.SoftwareVersions = __version__


def _finish(ds: FileDataset) -> FileDataset:
    # Specific Character Set (0008,0005): without it the repertoire is ASCII, so
    # one other character in any text, however deep, makes the object UTF-8.
    if not all(_is_ascii(elem.value) for elem in ds.iterall() if elem.VR in _TEXT_VRS):
        ds.SpecificCharacterSet = "ISO_IR 192"
    return ds


# ---------------------------------------------------------------------------- values

_TEXT_VRS = frozenset({"SH", "LO", "ST", "LT", "UT", "UC", "PN"})
# What no text value may hold: C0 controls but TAB, LF, FF and CR (which LT and
# ST allow), and DEL. ESC would switch character sets, which UTF-8 does not use.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _is_ascii(value: object) -> bool:
    if isinstance(value, SequenceABC) and not isinstance(value, str):
        # A multi-valued element, such as Image Type.
        return all(str(v).isascii() for v in value)
    return str(value).isascii()


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character.

    The VRs' limits count characters; counting bytes is stricter, and keeps
    every reader within bounds however it counts.
    """
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore").rstrip()


def _one_line(text: str) -> str:
    """``text`` on one line: control characters and runs of white space become one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _short_text(text: str, limit: int) -> str:
    """A value for SH, LO or ST: one line, without backslashes (the value separator)."""
    return _fit(_one_line(text.replace("\\", " ")), limit)


def _long_text(text: str) -> str:
    """A value for LT (10240 characters): lines separated by CR LF, as the VR expects."""
    return _fit("\r\n".join(_one_line(line) for line in text.strip().splitlines()), 10240)


def _person_name(name: str) -> str:
    """The patient's name as DICOM PN, as it was entered.

    A name typed "Given Family" cannot be reordered safely: many names are
    written family name first, and family names may have several words. So the
    text goes whole into the first (family name) component, and viewers show
    it as it was typed. A name already in DICOM form, "Family^Given", is kept.
    """
    text = _one_line(name.replace("\\", " "))
    if "=" in text or text.count("^") > 4:
        # "=" would start an ideographic group and a fifth "^" is no component:
        # typed so, they are plain characters.
        text = " ".join(text.replace("^", " ").replace("=", " ").split())
    # PS3.5 6.2: at most 64 characters per component group.
    return _fit(text, 64)


def _patient_id(identifier: str) -> str:
    # An identifier cannot be shortened or rewritten without naming someone else.
    identifier = identifier.strip()
    if (
        len(identifier.encode("utf-8")) > 64
        or "\\" in identifier
        or any(ord(c) < 0x20 or c == "\x7f" for c in identifier)
    ):
        raise ValueError(
            "the patient ID must be at most 64 bytes, without backslashes or control characters"
        )
    return identifier


def _sex(sex: str) -> str:
    if sex not in ("", "F", "M", "O"):
        raise ValueError(f"the patient sex {sex!r} is not F, M, O or empty")
    return sex


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _birth_date(value: str) -> str:
    """``YYYY-MM-DD`` as DICOM DA, ``YYYYMMDD``; empty stays empty (Type 2)."""
    if not value:
        return ""
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"the birth date {value!r} is not a date YYYY-MM-DD") from None
    return match[1] + match[2] + match[3]
