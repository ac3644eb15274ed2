"""Cases given to sealing instead: DICOM files that lie, and a ``.dcm`` that is a ZIP."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pydicom

from orthoshare.errors import InputError

from .material import DESIGN, DICOM, Case, Material, random_bytes

_PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def _ct_small() -> bytes:
    return (_PYDICOM_FILES / "CT_small.dcm").read_bytes()


def _element(data: bytes, group: int, element: int, vr: bytes) -> int:
    """Where an explicit VR little endian element starts (its tag)."""
    return data.index(struct.pack("<HH", group, element) + vr)


def _dicom_cut(m: Material) -> bytes:
    data = _ct_small()
    return data[: len(data) // 2]


def _dicom_name_length_lies(m: Material) -> bytes:
    data = _ct_small()
    at = _element(data, 0x0010, 0x0010, b"PN")
    (length,) = struct.unpack_from("<H", data, at + 6)
    return data[: at + 6] + struct.pack("<H", length + 0xFF00) + data[at + 8 :]


def _dicom_pixel_length_lies(m: Material) -> bytes:
    data = _ct_small()
    at = _element(data, 0x7FE0, 0x0010, b"OW")
    return data[: at + 8] + struct.pack("<I", 0xFFFFFFF0) + data[at + 12 :]


def _zip_named_dcm(m: Material) -> bytes:
    # What some 3Shape exports named .dcm are: a ZIP of the scan, not DICOM.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("scan/model.xml", b"<model/>" * 40)
        archive.writestr("scan/model.bin", random_bytes(3000))
    return out.getvalue()


def table() -> list[Case]:
    return [
        Case("dicom-truncated", "a DICOM CT cut in half, given to seal", DICOM, _dicom_cut,
             InputError, action="seal", file_name="CT_small-cut.dcm"),
        Case("dicom-name-length-lies", "a DICOM CT whose PatientName length points past its end",
             DICOM, _dicom_name_length_lies, InputError, action="seal",
             file_name="CT_small-name.dcm"),
        Case("dicom-pixel-length-lies", "a DICOM CT whose Pixel Data says 4 GB", DICOM,
             _dicom_pixel_length_lies, InputError, action="seal", file_name="CT_small-pixels.dcm"),
        Case("dcm-that-is-a-zip",
             "a 3Shape-style `.dcm` that is a ZIP: sealed byte-exact as an original, not as DICOM",
             DESIGN, _zip_named_dcm, None, action="seal", file_name="upper_jaw.dcm"),
    ]  # fmt: skip
