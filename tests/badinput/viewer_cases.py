"""The viewers' bad input: files a hostile sender puts in a bundle that verifies.

A bundle opens only when every file matches its manifest, but a sender can still
write a manifest for files made to hurt the receiver's page: a DICOM object whose
lengths lie, a scan that declares more than it holds, a texture named by a URL, a
"PDF" that is HTML, a "photo" that is an SVG with a script. Each case here is one
such file (or an OBJ with its MTL), made by code from public samples, never
stored; :func:`hostile_bundle` adds every case to a good sealed bundle, with
manifest entries that send each to its viewer (a DICOM object as a series of its
own in an existing study), and seals it again to the same key.

What each must end in is the item's outcome in the Open view: ``error`` (the file is
damaged or is not what it claims), ``unsupported`` (a valid file this page does not
show), ``left-out`` (an OBJ's textures named outside the records: the model shows
without them) or ``pdf-viewer`` (handed to the browser's PDF viewer, never to an HTML
renderer; ``unsupported`` in a browser without one). No case may run a script, make
a request, stall the page or make it allocate what the file only declares.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.uid import UID

from orthoshare import age
from orthoshare.bundle.manifest import MANIFEST_NAME

from .cases.zips import bundle_zip

SHIPPED = Path(pydicom.__file__).parent / "data" / "test_files"
#: The DICOM study the hostile objects join, each as a series of its own: pydicom's CT.
STUDY_OF = "CT_small.dcm"

Viewer = Literal["dicom", "scan", "pdf", "photo"]
Expected = Literal["error", "unsupported", "left-out", "pdf-viewer"]

#: What a script in a hostile file tries, so the test can see whether one ran: it sets
#: a global of the page, posts a message to it and asks the page's origin for a URL.
SENTINEL = "hostile-script-ran"
#: The host a hostile file names (it resolves nowhere: a request to it is a failure).
HOSTILE_HOST = "exfiltrate.example"

# Where a case comes from: the README's headings, in brackets in the report.
PS35 = "DICOM PS3.5"
CODECS = "codecs"
STL = "STL"
OBJ = "OBJ/MTL"
SNIFFING = "sniffing"


@dataclass(frozen=True)
class Member:
    """One file a case adds: its path in the bundle, its manifest kind and media type."""

    path: str
    kind: str
    media_type: str
    make: Callable[[], bytes]


@dataclass(frozen=True)
class ViewerCase:
    """One hostile file, the viewer it lands in and the outcome it must end in.

    ``members[0]`` is the item whose outcome is read; an OBJ case adds its MTL too.
    """

    id: str
    what: str
    source: str
    viewer: Viewer
    expected: Expected
    members: tuple[Member, ...]

    @property
    def item(self) -> Member:
        return self.members[0]

    @property
    def name(self) -> str:
        """The item's file name, as the viewers show it."""
        return self.item.path.rsplit("/", 1)[-1]


def script(case_id: str) -> str:
    """JavaScript that tells the page it ran, in every way a script in a frame or an
    image could reach it."""
    tag = f"{SENTINEL}:{case_id}"
    return (
        f'try {{ (top.{SENTINEL.replace("-", "_")} ??= []).push("{tag}"); }} catch (e) {{}}'
        f' try {{ top.postMessage("{tag}", "*"); }} catch (e) {{}}'
        f' try {{ fetch("/{SENTINEL}/{case_id}"); }} catch (e) {{}}'
    )


def uid(case_id: str, what: str) -> str:
    """A UID of this case (UUID-derived, 2.25 root), the same on every run."""
    number = int.from_bytes(hashlib.sha256(f"{case_id}/{what}".encode()).digest()[:16], "big")
    return f"2.25.{number}"


# --- DICOM ----------------------------------------------------------------------------


def _shipped(name: str, case_id: str) -> Dataset:
    """pydicom's shipped ``name``, in :data:`STUDY_OF`'s study, as a series of the case's own."""
    ds = pydicom.dcmread(SHIPPED / name)
    study = pydicom.dcmread(SHIPPED / STUDY_OF, stop_before_pixels=True)
    ds.StudyInstanceUID = study.StudyInstanceUID
    ds.PatientName, ds.PatientID = study.PatientName, study.PatientID
    ds.SeriesInstanceUID = uid(case_id, "series")
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID(uid(case_id, "instance"))
    return ds


def _saved(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _frame(name: str) -> bytes:
    ds = pydicom.dcmread(SHIPPED / name)
    return next(generate_frames(ds.PixelData, number_of_frames=1))


def _even(data: bytes) -> bytes:
    return data if len(data) % 2 == 0 else data + b"\0"


def length_past_end(case_id: str) -> bytes:
    """CT_small with a private OB element, early in the data set, whose 32-bit length
    says 4 GiB while the file ends 39 KB later."""
    ds = _shipped("CT_small.dcm", case_id)
    block = ds.private_block(0x0009, "ORTHOSHARE HOSTILE", create=True)
    block.add_new(0x01, "OB", b"\xaa" * 8)
    tag = block.get_tag(0x01)
    data = _saved(ds)
    element = struct.pack("<HH", tag.group, tag.element) + b"OB\0\0" + struct.pack("<I", 8)
    assert data.count(element) == 1
    at = data.index(element) + 8
    return data[:at] + struct.pack("<I", 0xFFFFFFF0) + data[at + 4 :]


def native_pixels_cut(case_id: str) -> bytes:
    """CT_small (128 x 128, 16 bits) whose pixel data holds half a frame, its length
    saying so: the data set is well formed, the frame is not there."""
    ds = _shipped("CT_small.dcm", case_id)
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    return _saved(ds)


def compressed_frame_cut(name: str) -> Callable[[str], bytes]:
    """pydicom's ``name`` with its one compressed frame cut in half, re-encapsulated
    (basic offset table and item lengths right), so only the codec can tell."""

    def make(case_id: str) -> bytes:
        ds = _shipped(name, case_id)
        frame = _frame(name)
        ds.PixelData = encapsulate([_even(frame[: len(frame) // 2])])
        return _saved(ds)

    return make


def huge_native(frames: int) -> Callable[[str], bytes]:
    """CT_small declaring ``frames`` frames of 65535 x 65535 16-bit pixels with 4 KiB of
    pixel data (10,000 frames would be 80 TiB)."""

    def make(case_id: str) -> bytes:
        ds = _shipped("CT_small.dcm", case_id)
        ds.Rows = ds.Columns = 65535
        ds.NumberOfFrames = frames
        ds.PixelData = bytes(4096)
        return _saved(ds)

    return make


def huge_rle(case_id: str) -> bytes:
    """The RLE MR declaring one 65535 x 65535 16-bit frame (8 GiB decoded) in the 6 KB
    of RLE it holds: the codec must refuse before allocating the frame."""
    ds = _shipped("MR_small_RLE.dcm", case_id)
    ds.Rows = ds.Columns = 65535
    return _saved(ds)


def rle_256mib(case_id: str) -> bytes:
    """An RLE frame declaring 16384 x 16384 8-bit pixels (256 MiB, the most samples the
    page decodes) with one RLE segment of 64 bytes, which decodes to 4 KiB."""
    ds = _shipped("MR_small_RLE.dcm", case_id)
    ds.Rows = ds.Columns = 16384
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    # RLE header: one segment, starting after the 64-byte header; the segment is 32
    # replicate runs (byte -127, then the value: 128 zeros each).
    header = struct.pack("<16I", 1, 64, *([0] * 14))
    ds.PixelData = encapsulate([header + bytes([0x81, 0]) * 32])
    return _saved(ds)


def rows_zero(case_id: str) -> bytes:
    """CT_small with Rows 0: pixel data and no image size."""
    ds = _shipped("CT_small.dcm", case_id)
    ds.Rows = 0
    return _saved(ds)


def sequence_never_ends(case_id: str) -> bytes:
    """CT_small with a Referenced Image Sequence of undefined length early in the data
    set, its item of undefined length, and neither delimiter: every later element,
    the image's size and its pixels, falls inside an item that runs to the end of the
    file."""
    ds = _shipped("CT_small.dcm", case_id)
    item = Dataset()
    item.ReferencedSOPClassUID = ds.SOPClassUID
    item.ReferencedSOPInstanceUID = uid(case_id, "referenced")
    ds.ReferencedImageSequence = [item]
    ds["ReferencedImageSequence"].is_undefined_length = True
    ds.ReferencedImageSequence[0].is_undefined_length_sequence_item = True
    data = _saved(ds)
    item_end = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    sequence_end = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    assert data.count(item_end) == 1 and data.count(sequence_end) == 1
    return data.replace(item_end, b"").replace(sequence_end, b"")


def nested_deep(case_id: str) -> bytes:
    """A DICOM file whose data set is 100,000 sequences of undefined length, each in
    the item of the one before (PS3.5 7.5 sets no depth): a recursive reader
    overflows its stack."""
    ds = _shipped("CT_small.dcm", case_id)
    del ds.PixelData
    data = _saved(ds)
    level = (
        struct.pack("<HH", 0x0008, 0x1140)
        + b"SQ\0\0"
        + struct.pack("<I", 0xFFFFFFFF)
        + struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    )
    # Spliced where (0008,1140) sorts: before the first element of a higher tag.
    at = _element_offset(data, 0x00081140)
    return data[:at] + level * 100_000 + data[at:]


def _element_offset(data: bytes, tag: int) -> int:
    """Where the first top-level element whose tag is ``tag`` or more starts (explicit VR LE)."""
    at = 132
    while True:
        group, element = struct.unpack_from("<HH", data, at)
        vr = data[at + 4 : at + 6]
        if (group << 16 | element) >= tag and group != 0x0002:
            return at
        if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV"):
            (length,) = struct.unpack_from("<I", data, at + 8)
            at += 12 + length
        else:
            (length,) = struct.unpack_from("<H", data, at + 6)
            at += 8 + length


def video(case_id: str) -> bytes:
    """CT_small relabelled as MPEG-2 video, one fragment of bytes: a transfer syntax
    the page has no decoder for."""
    ds = _shipped("CT_small.dcm", case_id)
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")
    ds.PixelData = encapsulate([bytes(range(256)) * 16])
    ds["PixelData"].VR = "OB"
    return _saved(ds)


# --- Scans ------------------------------------------------------------------------------


def stl_declares_more() -> bytes:
    """A binary STL saying 4,294,967,295 triangles in a file of ten."""
    triangle = struct.pack("<12f", 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0) + b"\0\0"
    return b"hostile binary stl".ljust(80, b" ") + struct.pack("<I", 0xFFFFFFFF) + triangle * 10


def stl_ascii_garbage() -> bytes:
    """'solid' and then 200 KB of random bytes: STL readers take it for ASCII."""
    return b"solid hostile\n" + random.Random(2024).randbytes(200_000)


HOSTILE_OBJ = """# a block whose material names textures outside the records
mtllib hostile.mtl
v -5 -5 25
v 5 -5 25
v 5 5 25
v -5 5 25
vt 0 0
vt 1 0
vt 1 1
vt 0 1
usemtl outside
f 1/1 2/2 3/3
f 1/1 3/3 4/4
"""

HOSTILE_MTL = f"""newmtl outside
Kd 0.8 0.8 0.8
map_Kd http://{HOSTILE_HOST}/steal.png
map_Ks ../../../../etc/passwd
map_bump file:///etc/shadow
norm //{HOSTILE_HOST}/normal.png
"""


# --- Documents and photos -------------------------------------------------------------


def html_as_pdf(case_id: str) -> bytes:
    return f"<html><body><p>Referral</p><script>{script(case_id)}</script></body></html>".encode()


def pdf_magic_then_html(case_id: str) -> bytes:
    """'%PDF-' first, so it is taken for a PDF, then HTML with a script and an
    event handler: only an HTML renderer would run them."""
    return (
        b"%PDF-1.7\n"
        + f"<html><body><img src=x onerror='{script(case_id)}'>"
        f"<script>{script(case_id)}</script></body></html>\n".encode()
    )


def svg_as_jpeg(case_id: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="180" '
        f"onload='{script(case_id)}'><script>{script(case_id)}</script>"
        '<rect width="240" height="180" fill="red"/></svg>'
    ).encode()


# --- The table ------------------------------------------------------------------------


def _dicom(case_id: str, index: int, make: Callable[[str], bytes]) -> tuple[Member, ...]:
    path = f"DICOM/PT000000/ST000000/SE{900 + index:06d}/IM000000"
    return (Member(path, "dicom", "application/dicom", lambda: make(case_id)),)


def _case(
    index: int,
    id: str,
    what: str,
    source: str,
    expected: Expected,
    make: Callable[[str], bytes],
) -> ViewerCase:
    return ViewerCase(id, what, source, "dicom", expected, _dicom(id, index, make))


CASES: tuple[ViewerCase, ...] = (
    _case(
        1,
        "dicom-length-past-end",
        "an element's 32-bit length runs 4 GiB past the end of the file",
        PS35,
        "error",
        length_past_end,
    ),
    _case(
        2,
        "dicom-native-frame-cut",
        "native pixel data holding half of its one frame",
        PS35,
        "error",
        native_pixels_cut,
    ),
    _case(
        3,
        "dicom-rle-frame-cut",
        "an RLE frame cut in half",
        CODECS,
        "error",
        compressed_frame_cut("MR_small_RLE.dcm"),
    ),
    _case(
        4,
        "dicom-65535-squared-10000-frames",
        "65535 x 65535 x 10,000 frames declared (80 TiB), 4 KiB of pixel data",
        PS35,
        "error",
        huge_native(10_000),
    ),
    _case(
        13,
        "dicom-65535-squared-50000000-frames",
        "65535 x 65535 x 50,000,000 frames declared, 4 KiB of pixel data",
        PS35,
        "error",
        huge_native(50_000_000),
    ),
    _case(
        5,
        "dicom-rle-65535-squared",
        "an RLE frame declaring 65535 x 65535 16-bit pixels (8 GiB) in 6 KB",
        CODECS,
        "unsupported",
        huge_rle,
    ),
    _case(
        6,
        "dicom-rle-256mib-in-64-bytes",
        "an RLE frame declaring 256 MiB whose one segment decodes to 4 KiB",
        CODECS,
        "error",
        rle_256mib,
    ),
    _case(
        7,
        "dicom-sequence-never-ends",
        "a sequence and its item of undefined length, with no delimiter, to the end of the file",
        PS35,
        "error",
        sequence_never_ends,
    ),
    _case(
        8,
        "dicom-nested-100000-deep",
        "100,000 sequences nested in one another",
        PS35,
        "error",
        nested_deep,
    ),
    _case(
        9,
        "dicom-jpeg-ls-frame-cut",
        "a JPEG-LS frame cut in half",
        CODECS,
        "error",
        compressed_frame_cut("MR_small_jpeg_ls_lossless.dcm"),
    ),
    _case(
        10,
        "dicom-j2k-frame-cut",
        "a JPEG 2000 frame cut in half",
        CODECS,
        "error",
        compressed_frame_cut("MR_small_jp2klossless.dcm"),
    ),
    _case(11, "dicom-rows-zero", "Rows 0 with pixel data", PS35, "error", rows_zero),
    _case(
        12,
        "dicom-mpeg2-video",
        "a transfer syntax the page has no decoder for (MPEG-2)",
        PS35,
        "unsupported",
        video,
    ),
    ViewerCase(
        "stl-declares-more",
        "a binary STL declaring 4,294,967,295 triangles in a file of ten",
        STL,
        "scan",
        "error",
        (
            Member(
                "ORIGINAL/hostile/scans/declares-more.stl", "scan", "model/stl", stl_declares_more
            ),
        ),
    ),
    ViewerCase(
        "stl-ascii-garbage",
        "'solid' followed by 200 KB of random bytes",
        STL,
        "scan",
        "error",
        (Member("ORIGINAL/hostile/scans/garbage.stl", "scan", "model/stl", stl_ascii_garbage),),
    ),
    ViewerCase(
        "obj-textures-outside",
        f"an OBJ whose MTL names textures at http://{HOSTILE_HOST}/, "
        "//host/, file:///etc/shadow and ../../../../etc/passwd",
        OBJ,
        "scan",
        "left-out",
        (
            Member("ORIGINAL/hostile/scans/hostile.obj", "scan", "model/obj", HOSTILE_OBJ.encode),
            Member("ORIGINAL/hostile/scans/hostile.mtl", "scan", "model/mtl", HOSTILE_MTL.encode),
        ),
    ),
    ViewerCase(
        "pdf-that-is-html",
        "HTML with a script, claimed application/pdf",
        SNIFFING,
        "pdf",
        "error",
        (
            Member(
                "ORIGINAL/hostile/documents/report.pdf",
                "document",
                "application/pdf",
                lambda: html_as_pdf("pdf-that-is-html"),
            ),
        ),
    ),
    ViewerCase(
        "pdf-magic-then-html",
        "'%PDF-' and then HTML with a script and an event handler",
        SNIFFING,
        "pdf",
        "pdf-viewer",
        (
            Member(
                "ORIGINAL/hostile/documents/magic.pdf",
                "document",
                "application/pdf",
                lambda: pdf_magic_then_html("pdf-magic-then-html"),
            ),
        ),
    ),
    ViewerCase(
        "photo-svg-as-jpeg",
        "an SVG with a script and an onload handler, claimed image/jpeg",
        SNIFFING,
        "photo",
        "error",
        (
            Member(
                "ORIGINAL/hostile/photos/smile.jpg",
                "photo",
                "image/jpeg",
                lambda: svg_as_jpeg("photo-svg-as-jpeg"),
            ),
        ),
    ),
)
assert len({case.id for case in CASES}) == len(CASES), "two cases share an id"


def _entry(
    listed: list[dict[str, Any]], member: Member, data: bytes, case: ViewerCase
) -> dict[str, Any]:
    """The manifest entry of ``member``: right size and digest, so the bundle verifies,
    and for a DICOM object :data:`STUDY_OF`'s record with the case's own series."""
    dicom = None
    if member.kind == "dicom":
        study = next(e for e in listed if str(e["original_name"]).endswith(f"/{STUDY_OF}"))
        dicom = {
            **study["dicom"],
            "series_instance_uid": uid(case.id, "series"),
            "sop_instance_uid": uid(case.id, "instance"),
        }
    return {
        "path": member.path,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "media_type": member.media_type,
        "kind": member.kind,
        "original_name": f"records/hostile/{member.path.rsplit('/', 1)[-1]}",
        "label": None,
        "view": None,
        "derived_from": None,
        "dicom": dicom,
        "dicom_note": None,
    }


def hostile_plain(plain: bytes) -> bytes:
    """The bundle ZIP ``plain`` with every case's files added and listed, everything stored."""
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    manifest = json.loads(dict(members)[MANIFEST_NAME])
    good = [(name, data) for name, data in members if name != MANIFEST_NAME]
    added: list[tuple[str, bytes]] = []
    entries: list[dict[str, Any]] = []
    for case in CASES:
        for member in case.members:
            data = member.make()
            added.append((member.path, data))
            entries.append(_entry(manifest["entries"], member, data, case))
    manifest["entries"] = [*manifest["entries"], *entries]
    return bundle_zip(manifest, [*good, *added])


def hostile_bundle(sealed: bytes, identity: str) -> bytes:
    """``sealed`` (a good bundle sealed to ``identity``) with every case added, sealed
    again to the same identity: it verifies and opens."""
    key = age.X25519Identity.parse(identity)
    plain = age.decrypt_bytes(sealed, [key])
    return age.encrypt_bytes(hostile_plain(plain), [key.recipient])


def case_bytes() -> dict[str, bytes]:
    """Every case's item by its path, as the bundle holds it (for a look at the bytes)."""
    return {case.item.path: case.item.make() for case in CASES}
