"""The "mixed records" workload: a patient's records as an orthodontist sends them.

Shares of the bytes as in an orthodontic record: mostly a CBCT series and
intraoral scans, some photos and letters. Every file is valid of its kind:

- a CT series (CT Image Storage, 512 x 512, 16-bit) of one patient and study, whose
  pixels are noise so that nothing about it compresses;
- binary STL scans whose coordinates are finite floats in a plausible range;
- baseline JPEG photos: a real 100 x 100 JPEG that pydicom ships, grown by comment
  segments of noise, which decoders skip;
- PDFs of one page showing a scanned image of noise.

The page keeps each scan, photo and PDF twice (the original and the DICOM object it
makes of it) and each CT slice once, and parses every DICOM header.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from pathlib import Path

import pydicom
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import generate_frames
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from .records import BLOCK, MB, InputFile, Workload, rng_for, sha256_of_files, write_blocks

PHOTO_SHARE, PDF_SHARE, STL_SHARE = 0.08, 0.02, 0.25  # the CT series has the rest
PHOTO_BYTES = 5 * MB
PDF_COUNT, STL_COUNT = 2, 4
CT_SIDE = 512
CT_HEADER_BYTES = 1500  # about, to plan how many slices fill the rest
STL_HEADER = b"binary STL, an intraoral scan made by the orthoshare page bench".ljust(80)
STL_TRIANGLE = 50
# The last byte of a little-endian float32 holds its sign and most of its exponent:
# 0x3F puts a value in [0.5, 2) (normals), 0x42 in [32, 128) (vertices, in mm), so
# random bytes become finite, plausible coordinates.
STL_NORMAL_TOP, STL_VERTEX_TOP = b"\x3f", b"\x42"
JPEG_COMMENT = b"\xff\xfe"
JPEG_SEGMENT_MAX = 65533
PDF_PAGE_WIDTH_PX = 2480  # A4 at 300 dpi


def ct_slice(series: dict[str, str], index: int, pixels: bytes) -> Dataset:
    """One slice of a CT series with the attributes the CT Image IOD requires."""
    uid = generate_uid(entropy_srcs=[series["seed"], str(index)])
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260101"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "090000"
    ds.AccessionNumber, ds.Modality, ds.Manufacturer = "", "CT", "orthoshare bench"
    ds.ReferringPhysicianName = ""
    ds.PatientName, ds.PatientID = "BENCH^CBCT", "BENCH-1"
    ds.PatientBirthDate, ds.PatientSex = "20110402", "F"
    ds.KVP, ds.SliceThickness = "90", "0.3"
    ds.PatientPosition, ds.BodyPartExamined = "HFS", "HEAD"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = series["study"], series["series"]
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = series["frame"], ""
    ds.StudyID, ds.SeriesNumber, ds.InstanceNumber, ds.AcquisitionNumber = "1", 1, index + 1, 1
    ds.ImagePositionPatient = [0, 0, round(index * 0.3, 1)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = CT_SIDE
    ds.PixelSpacing = [0.3, 0.3]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = 0, 1, "HU"
    ds.PixelData = pixels
    return ds


def write_ct_series(folder: Path, size_mb: int, count: int) -> list[InputFile]:
    rng = rng_for(size_mb, "ct")
    seed = f"orthoshare page bench {size_mb}"
    series = {"seed": seed}
    for part in ("study", "series", "frame"):
        series[part] = generate_uid(entropy_srcs=[seed, part])
    files = []
    for index in range(count):
        path = folder / f"ct-{index + 1:04d}.dcm"
        pixels = rng.randbytes(CT_SIDE * CT_SIDE * 2)
        pydicom.dcmwrite(path, ct_slice(series, index, pixels), enforce_file_format=True)
        files.append(InputFile(path, "dicom", path.stat().st_size, sha256_of_files([path])))
    return files


def stl_triangles(rng: random.Random, count: int) -> bytes:
    block = bytearray(rng.randbytes(count * STL_TRIANGLE))
    for number in range(12):  # a normal, then three vertices: 12 float32
        top = STL_NORMAL_TOP if number < 3 else STL_VERTEX_TOP
        block[4 * number + 3 :: STL_TRIANGLE] = top * count
    block[48::STL_TRIANGLE] = bytes(count)  # the attribute byte count: 0
    block[49::STL_TRIANGLE] = bytes(count)
    return bytes(block)


def stl_blocks(rng: random.Random, size: int) -> Iterator[bytes]:
    triangles = (size - 84) // STL_TRIANGLE
    yield STL_HEADER + triangles.to_bytes(4, "little")
    per_block = BLOCK // STL_TRIANGLE
    for start in range(0, triangles, per_block):
        yield stl_triangles(rng, min(per_block, triangles - start))


def baseline_jpeg() -> bytes:
    """A real 100 x 100 baseline JFIF JPEG: the frame of a test file pydicom ships."""
    path = get_testdata_file("SC_rgb_jpeg_dcmtk.dcm", download=False)
    if not isinstance(path, str):
        raise FileNotFoundError("pydicom's test file SC_rgb_jpeg_dcmtk.dcm is missing")
    frame = next(generate_frames(pydicom.dcmread(path).PixelData, number_of_frames=1))
    return frame[: frame.rindex(b"\xff\xd9") + 2]  # without the frame's padding


def photo_blocks(rng: random.Random, jpeg: bytes, size: int) -> Iterator[bytes]:
    """``jpeg`` grown to about ``size`` bytes by comment segments of noise after its APP0."""
    app0_end = 4 + int.from_bytes(jpeg[4:6], "big")
    yield jpeg[:app0_end]
    for _ in range(max(0, size - len(jpeg)) // (JPEG_SEGMENT_MAX + 4)):
        yield JPEG_COMMENT + (JPEG_SEGMENT_MAX + 2).to_bytes(2, "big")
        yield rng.randbytes(JPEG_SEGMENT_MAX)
    yield jpeg[app0_end:]


def pdf_bytes(rng: random.Random, size: int) -> bytes:
    """A one-page PDF showing a scanned page of noise: an RGB image of about ``size`` bytes."""
    height = max(1, size // (PDF_PAGE_WIDTH_PX * 3))
    image = rng.randbytes(PDF_PAGE_WIDTH_PX * height * 3)
    content = b"q 595 0 0 842 0 0 cm /Scan Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%b\nendstream"
        % (PDF_PAGE_WIDTH_PX, height, len(image), image),
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def generate(folder: Path, size_mb: int) -> list[InputFile]:
    """Write about ``size_mb`` MB of records into ``folder``, the CT series first."""
    total = size_mb * MB
    photos = max(2, round(total * PHOTO_SHARE / PHOTO_BYTES))
    files: list[InputFile] = []

    def add(name: str, kind: str, blocks: Iterable[bytes]) -> None:
        size, digest = write_blocks(folder / name, blocks)
        files.append(InputFile(folder / name, kind, size, digest))

    for number in range(1, STL_COUNT + 1):
        rng = rng_for(size_mb, f"stl {number}")
        add(f"scan-{number}.stl", "scan", stl_blocks(rng, int(total * STL_SHARE / STL_COUNT)))
    jpeg = baseline_jpeg()
    for number in range(1, photos + 1):
        rng = rng_for(size_mb, f"jpeg {number}")
        add(
            f"photo-{number:02d}.jpg",
            "photo",
            photo_blocks(rng, jpeg, int(total * PHOTO_SHARE / photos)),
        )
    for number in range(1, PDF_COUNT + 1):
        rng = rng_for(size_mb, f"pdf {number}")
        add(
            f"letter-{number}.pdf", "document", [pdf_bytes(rng, int(total * PDF_SHARE / PDF_COUNT))]
        )
    slices = max(
        1, (total - sum(f.size for f in files)) // (CT_SIDE * CT_SIDE * 2 + CT_HEADER_BYTES)
    )
    return write_ct_series(folder, size_mb, slices) + files


WORKLOAD = Workload(
    name="mixed",
    label="mixed records",
    contents="a CT series, STL, JPEG, PDF",
    folder_prefix="data-",
    generate=generate,
    source=Path(__file__),
)
