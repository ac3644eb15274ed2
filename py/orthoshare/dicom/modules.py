"""The DICOM modules the objects made here share: who, which study, which series, what made it.

Every object made of an original starts as :func:`new_image` or
:func:`new_document` (file meta information, SOP Common, Patient, General
Study, the series and equipment), takes its pixel data from :func:`jpeg_pixels`
or :func:`png_pixels`, or the 3-D model modules from :func:`mesh`, and ends with
:func:`finish`, which declares the character set its text needs. Which modules
make which object is :mod:`orthoshare.dicom.convert`'s choice.
"""

from __future__ import annotations

from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, generate_uid

from .. import __version__
from ..errors import ConversionError
from . import png as png_codec
from .jpeg import JpegFrame
from .study import Placement, Study
from .values import (
    MAX_ELEMENT,
    TEXT_VRS,
    birth_date,
    is_ascii,
    patient_id,
    patient_sex,
    person_name,
    short_text,
)

__all__ = [
    "EXPLICIT_VR_LITTLE_ENDIAN",
    "finish",
    "jpeg_pixels",
    "mesh",
    "new_document",
    "new_image",
    "png_pixels",
]

EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"


def _new(
    sop_class: str, transfer_syntax: str, study: Study, placement: Placement, modality: str
) -> FileDataset:
    """File meta, SOP Common, Patient, General Study, (Document) Series and Equipment."""
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
    ds.PatientName = person_name(patient.name)
    ds.PatientID = patient_id(patient.id)
    ds.PatientBirthDate = birth_date(patient.birth_date)
    ds.PatientSex = patient_sex(patient.sex)

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
        ds.StudyDescription = short_text(lines[0], 64)

    # General Series, or Encapsulated Document Series
    ds.Modality = modality
    ds.SeriesInstanceUID = placement.series_instance_uid
    ds.SeriesNumber = placement.series_number
    ds.InstanceNumber = placement.instance_number

    # General Equipment (Type 2): who made the camera, X-ray unit or scanner is unknown.
    ds.Manufacturer = ""
    return ds


def new_image(
    sop_class: str, transfer_syntax: str, study: Study, placement: Placement, modality: str
) -> FileDataset:
    """The common modules of an image, General Image included; its pixels come next."""
    ds = _new(sop_class, transfer_syntax, study, placement, modality)
    # General Image: Patient Orientation is Type 2C for these objects and no
    # orientation is known, so it is present and empty.
    ds.PatientOrientation = ""
    # General Series: Laterality is Type 2C, required unless the body part is
    # unpaired; a validator cannot tell, and the side is not known for a face,
    # a dental arch or a panoramic, so it is present and empty.
    ds.Laterality = ""
    return ds


def new_document(
    sop_class: str,
    study: Study,
    placement: Placement,
    modality: str,
    size: int,
    mime_type: str,
) -> FileDataset:
    """The common modules and the Encapsulated Document Module, for ``size`` bytes."""
    if size + 1 > MAX_ELEMENT:
        raise ConversionError("the file is too large to be embedded in one DICOM object")
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


def mesh(ds: Dataset, study: Study, title: str, *, frame_of_reference: bool) -> None:
    """Encapsulated Document details, Frame of Reference and Manufacturing 3D Model."""
    ds.DocumentTitle = short_text(title, 1024)
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
    ds.Manufacturer = "orthoshare"
    ds.ManufacturerModelName = "orthoshare"
    ds.DeviceSerialNumber = "none"
    ds.SoftwareVersions = __version__


def finish(ds: FileDataset) -> FileDataset:
    """Return ``ds``, declaring the character set its text needs once every value is in."""
    # Specific Character Set (0008,0005): without it the repertoire is ASCII, so
    # one other character in any text, however deep, makes the object UTF-8.
    if not all(is_ascii(elem.value) for elem in ds.iterall() if elem.VR in TEXT_VRS):
        ds.SpecificCharacterSet = "ISO_IR 192"
    return ds


def jpeg_pixels(ds: Dataset, jpeg: bytes, frame: JpegFrame, derivation: str = "") -> None:
    """The Image Pixel Module as ``frame`` says, and ``jpeg`` as the one encapsulated frame.

    ``derivation`` says what was done to the original's JPEG to make ``jpeg``,
    if anything: it becomes Derivation Description (0008,2111).
    """
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
    if derivation:
        # A receiver comparing the object with the original file learns why
        # the two differ; the turn itself loses nothing, so the compression
        # attributes stay those of the original.
        ds.DerivationDescription = short_text(derivation, 1024)


def png_pixels(ds: Dataset, image: png_codec.Image) -> None:
    """The Image Pixel Module of ``image``, and its samples as uncompressed Pixel Data."""
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
