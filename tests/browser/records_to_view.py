"""Records a receiver looks at, sealed once for every viewer test of the Open view.

One sealed file holds what the viewers must show: pydicom's shipped images of each
transfer syntax it has an example of, a generated CT volume of known geometry, a photo
series with ADA-1100 views filling the records composite, an upper and a lower arch
(STL), a textured OBJ with its MTL, a PDF, a letter and a file that only claims to be
a PDF. It is sealed with the command line's code to an X25519 key, so the page opens
it without a passphrase's work.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.encaps import generate_frames
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Annotation, Details
from orthoshare.records import Patient
from orthoshare.request import SealRequest

SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"

#: pydicom's shipped images, one per transfer syntax or pixel form the viewer must read.
SHIPPED_IMAGES = (
    "CT_small.dcm",  # explicit VR little endian, CT, signed 16-bit
    "MR_small_implicit.dcm",  # implicit VR little endian
    "MR_small_bigendian.dcm",  # explicit VR big endian
    "MR_small_RLE.dcm",  # RLE lossless
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS lossless
    "MR_small_jp2klossless.dcm",  # JPEG 2000 lossless
    "JPEG2000.dcm",  # JPEG 2000
    "JPGExtended.dcm",  # JPEG extended (12-bit)
    "SC_rgb_jpeg_dcmtk.dcm",  # JPEG baseline, YBR_FULL_422
    "SC_rgb_rle.dcm",  # RLE, RGB
    "SC_ybr_full_422_uncompressed.dcm",  # native YBR_FULL_422
    "examples_palette.dcm",  # PALETTE COLOR
    "image_dfl.dcm",  # deflated explicit VR little endian
)


@dataclass(frozen=True)
class Volume:
    """The generated CT volume's geometry, so tests can compute what must be seen.

    Stored values are Hounsfield units + 1024 (Rescale Intercept -1024). Patient
    coordinates (LPS) of pixel (row r, column c) of slice k are
    ``origin + c * spacing[1] * x + r * spacing[0] * y + k * slice_spacing * z``
    with x, y, z the patient's left, posterior and head directions.
    """

    slices: int
    rows: int
    columns: int
    spacing: tuple[float, float]  # row spacing, column spacing (mm)
    slice_spacing: float
    origin: tuple[float, float, float]
    window: tuple[float, float]  # center, width (HU)
    series_description: str

    def hounsfield(self) -> np.ndarray:
        """The volume in HU, indexed [slice, row, column]: air, a water cylinder along
        the slices, a bone sphere at its centre, a bone rod on the patient's left and
        one in front (so the orientation markers can be checked)."""
        k, r, c = np.meshgrid(
            np.arange(self.slices), np.arange(self.rows), np.arange(self.columns), indexing="ij"
        )
        x = self.origin[0] + c * self.spacing[1]
        y = self.origin[1] + r * self.spacing[0]
        z = self.origin[2] + k * self.slice_spacing
        middle = self.origin[2] + (self.slices - 1) * self.slice_spacing / 2
        hu = np.full(x.shape, -1000, dtype=np.int16)
        hu[x**2 + y**2 <= 50**2] = 0
        hu[x**2 + y**2 + (z - middle) ** 2 <= 20**2] = 1000
        hu[(x - 35) ** 2 + y**2 <= 4**2] = 1500  # patient's left
        hu[x**2 + (y + 35) ** 2 <= 3**2] = 1500  # anterior
        return hu


#: 200 slices of 256 x 256 at 0.5 mm, 1 mm apart: a small CBCT-like volume.
CT_VOLUME = Volume(
    slices=200,
    rows=256,
    columns=256,
    spacing=(0.5, 0.5),
    slice_spacing=1.0,
    origin=(-63.75, -63.75, -100.0),
    window=(40.0, 400.0),
    series_description="Generated CT volume",
)

#: The photos, by file name: their ADA-1100 view (None: no view given).
PHOTO_VIEWS: dict[str, str | None] = {
    "photos/profile.png": "EV01",
    "photos/face-rest.png": "EV15",
    "photos/face-smile.png": "EV19",
    "photos/upper-occlusal.png": "IV24",  # in a mirror, not corrected
    "photos/lower-occlusal.png": "IV27",  # in a mirror, corrected
    "photos/right-buccal.png": "IV03",  # in a mirror, corrected
    "photos/frontal.jpg": "IV07",
    "photos/left-buccal.png": "IV18",
    "photos/extra.png": None,
}

SCANS = ("scans/upper.stl", "scans/lower.stl", "scans/model.obj", "scans/model.mtl")
DOCUMENTS = ("documents/referral.pdf", "documents/letter.txt", "documents/not-a-pdf.pdf")
LETTER = "For the surgeon: CBCT, photos and scans before the osteotomy.\n"

IDENTITY = age.X25519Identity.generate()


@dataclass(frozen=True)
class RecordsToView:
    """The sealed file, the identity that opens it and what went in."""

    sealed: Path
    identity: str
    inputs: dict[str, bytes]
    volume: Volume


def png(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of ``pixels`` (rows x columns x 3)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels.astype(np.uint8))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def photo(index: int) -> bytes:
    """A 240 x 180 picture told apart from the others by its colours and its arrow,
    which points up and to the left, so a flip shows."""
    rows, columns = np.mgrid[0:180, 0:240]
    hue = np.array([(index * 67) % 256, (index * 131 + 80) % 256, (index * 29 + 160) % 256])
    pixels = np.empty((180, 240, 3), dtype=np.uint8)
    pixels[:] = hue
    pixels[(rows < 90) & (columns < 120) & (rows + columns < 120)] = (255, 255, 255)
    return png(pixels)


def jpeg_from_shipped() -> bytes:
    """A real baseline JPEG: the frame of one of pydicom's shipped JPEG images."""
    ds = pydicom.dcmread(SHIPPED / "SC_rgb_jpeg_dcmtk.dcm")
    return next(generate_frames(ds.PixelData, number_of_frames=1))


def binary_stl(triangles: np.ndarray, header: bytes = b"orthoshare test arch") -> bytes:
    """A binary STL of ``triangles`` (n x 3 x 3 floats)."""
    out = bytearray(header.ljust(80, b" ")[:80])
    out += struct.pack("<I", len(triangles))
    for triangle in triangles.astype(np.float32):
        a, b, c = triangle
        normal = np.cross(b - a, c - a)
        length = float(np.linalg.norm(normal)) or 1.0
        out += (normal / length).astype("<f4").tobytes() + triangle.astype("<f4").tobytes()
        out += b"\x00\x00"
    return bytes(out)


def arch(z: float, opening: float) -> np.ndarray:
    """A horseshoe of teeth-like bumps: a tube bent along a parabola, at height ``z``."""
    u = np.linspace(-1.0, 1.0, 40)
    v = np.linspace(0.0, 2 * np.pi, 12)
    path_x = 25 * u
    path_y = 30 * (1 - u**2)
    radius = 4 + 1.2 * np.abs(np.sin(u * 8 * np.pi))
    points = np.empty((len(u), len(v), 3))
    points[..., 0] = path_x[:, None] + radius[:, None] * np.cos(v)[None, :]
    points[..., 1] = path_y[:, None]
    points[..., 2] = z + opening * radius[:, None] * np.sin(v)[None, :]
    triangles = []
    for i in range(len(u) - 1):
        for j in range(len(v) - 1):
            a, b = points[i, j], points[i + 1, j]
            c, d = points[i + 1, j + 1], points[i, j + 1]
            triangles += [(a, b, c), (a, c, d)]
    return np.array(triangles)


OBJ = """# a textured block, as a scanner exports one
mtllib model.mtl
v -5 -5 -25
v 5 -5 -25
v 5 5 -25
v -5 5 -25
vt 0 0
vt 1 0
vt 1 1
vt 0 1
usemtl stone
f 1/1 2/2 3/3
f 1/1 3/3 4/4
"""

MTL = """newmtl stone
Kd 0.9 0.85 0.8
map_Kd texture.png
"""


def pdf() -> bytes:
    """A one-page PDF that says a sentence, with a correct cross-reference table."""
    text = b"BT /F1 18 Tf 72 720 Td (Referral: please see the CBCT and the photos.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def ct_slices(volume: Volume) -> list[bytes]:
    """The volume as one CT image per slice, a study and a series of their own."""
    hu = volume.hounsfield()
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    files = []
    for k in range(volume.slices):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = pydicom.uid.CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = pydicom.Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID = "Pérez^Ana", "P-17"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20240301", "101500", "1", ""
        ds.StudyDescription, ds.SeriesDescription = "CBCT", volume.series_description
        ds.SeriesDate, ds.SeriesTime = "20240301", "101600"
        ds.Modality, ds.SeriesNumber, ds.InstanceNumber = "CT", 1, k + 1
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        z = volume.origin[2] + k * volume.slice_spacing
        ds.ImagePositionPatient = [volume.origin[0], volume.origin[1], z]
        ds.SliceThickness = volume.slice_spacing
        ds.PixelSpacing = list(volume.spacing)
        ds.Rows, ds.Columns = volume.rows, volume.columns
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = volume.window
        ds.PixelData = (hu[k].astype(np.int32) + 1024).astype("<u2").tobytes()
        buffer = BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        files.append(buffer.getvalue())
    return files


def with_new_uids(data: bytes, index: int) -> bytes:
    """``data`` with its SOP Instance and Series Instance UIDs changed in place (same
    length), so pydicom's variants of one image can travel together, each its own
    series; every other byte stays as shipped."""
    ds = pydicom.dcmread(BytesIO(data), stop_before_pixels=True)
    for uid in (str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID)):
        parts = uid.split(".")
        at = max(i for i, part in enumerate(parts) if len(part) >= 3)
        parts[at] = f"{parts[at][:-2]}{index:02d}"
        data = data.replace(uid.encode(), ".".join(parts).encode())
    return data


def make_inputs() -> tuple[dict[str, bytes], dict[str, Annotation]]:
    """Every input by its relative path, and the sender's annotation of some."""
    inputs: dict[str, bytes] = {}
    for index, name in enumerate(SHIPPED_IMAGES, 10):
        inputs[f"dicom/{name}"] = with_new_uids((SHIPPED / name).read_bytes(), index)
    for k, data in enumerate(ct_slices(CT_VOLUME)):
        inputs[f"cbct/slice{k:03d}.dcm"] = data
    for index, name in enumerate(PHOTO_VIEWS):
        inputs[name] = jpeg_from_shipped() if name.endswith(".jpg") else photo(index)
    inputs["scans/upper.stl"] = binary_stl(arch(6.0, 1.0), b"upper arch")
    inputs["scans/lower.stl"] = binary_stl(arch(-6.0, 1.0), b"lower arch")
    inputs["scans/model.obj"] = OBJ.encode()
    inputs["scans/model.mtl"] = MTL.encode()
    inputs["scans/texture.png"] = photo(40)
    inputs["documents/referral.pdf"] = pdf()
    inputs["documents/letter.txt"] = LETTER.encode()
    inputs["documents/not-a-pdf.pdf"] = b"this is a note saved with the wrong name\n" * 20
    annotations = {name: Annotation(view=view) for name, view in PHOTO_VIEWS.items() if view}
    annotations["scans/texture.png"] = Annotation(kind="scan")
    return inputs, annotations


def seal_records_to_view(folder: Path) -> RecordsToView:
    """Write the inputs under ``folder/records`` and seal them into ``folder``."""
    inputs, annotations = make_inputs()
    root = folder / "records"
    for name, data in inputs.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    collected = pipeline.collect_inputs([root])
    by_name = {"/".join(item.parts[1:]): item for item in collected}
    ordered = [by_name[name] for name in inputs]
    request = SealRequest(
        [IDENTITY.recipient],
        details=Details(
            patient=Patient(name="Pérez^Ana", id="P-17", birth_date="2011-04-02", sex="F"),
            note="Records to view",
        ),
        annotations=[annotations.get(name, Annotation()) for name in inputs],
        allow_mixed_patients=True,  # pydicom's samples are of other, made-up patients
    )
    sealed = pipeline.seal(ordered, request, folder / "records-to-view.zip.age")
    return RecordsToView(sealed.path, str(IDENTITY), inputs, CT_VOLUME)
