"""What a file is, judged by its leading bytes and its size, never by its name.

Clinicians' files are often misnamed: some 3Shape ``.dcm`` files are ZIPs, exports
arrive renamed or without an extension, and a name is whatever someone typed.
The bundle records what a file *is*, so :func:`sniff` looks only at content:
magic numbers where a format has one, and strict structural rules for the text
formats (ASCII STL, OBJ, MTL) that have none.

The result is a :class:`Sniffed`: a short format name, an IANA media type and
the kind the manifest uses. The kind is never ``"radiograph"``: a radiograph
is a photo or a DICOM object to the bytes, and only the user can tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FORMATS", "KINDS", "SNIFF_SIZE", "Sniffed", "sniff"]

SNIFF_SIZE = 4096
"""How many leading bytes :func:`sniff` looks at; pass this many, or the whole file if shorter."""

FORMATS = (
    "jpeg",
    "png",
    "heic",
    "tiff",
    "pdf",
    "dicom",
    "stl",
    "ply",
    "obj",
    "mtl",
    "zip",
    "other",
)
"""Every value :attr:`Sniffed.format` can take."""

KINDS = ("photo", "scan", "document", "dicom", "other")
"""Every value :attr:`Sniffed.kind` can take."""


@dataclass(frozen=True)
class Sniffed:
    """What :func:`sniff` found.

    Attributes
    ----------
    format : str
        One of :data:`FORMATS`; ``"other"`` when no rule matched.
    media_type : str
        The media type for the manifest, e.g. ``"image/jpeg"``, ``"model/stl"``;
        ``"application/octet-stream"`` for ``"other"``.
    kind : str
        One of :data:`KINDS`: ``"photo"`` for images, ``"document"`` for PDF,
        ``"scan"`` for 3-D formats, ``"dicom"``, or ``"other"`` (ZIP included).
    """

    format: str
    media_type: str
    kind: str


_OTHER = Sniffed("other", "application/octet-stream", "other")
_JPEG = Sniffed("jpeg", "image/jpeg", "photo")
_PNG = Sniffed("png", "image/png", "photo")
_TIFF = Sniffed("tiff", "image/tiff", "photo")
_PDF = Sniffed("pdf", "application/pdf", "document")
_DICOM = Sniffed("dicom", "application/dicom", "dicom")
_STL = Sniffed("stl", "model/stl", "scan")
# PLY has no IANA registration. Desktop entries, MIME tables and other sniffers
# most often say model/x-ply; it also keeps PLY in the model tree beside STL and OBJ.
_PLY = Sniffed("ply", "model/x-ply", "scan")
_OBJ = Sniffed("obj", "model/obj", "scan")
_MTL = Sniffed("mtl", "model/mtl", "scan")
_ZIP = Sniffed("zip", "application/zip", "other")

# Below this, a match would rest on two to four bytes and the file could hold no
# image, page or mesh anyway (an empty ZIP archive alone is 22 bytes): such scraps
# are almost always truncated files, and calling them "other" is the honest answer.
_MIN_SIZE = 16

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TIFF_SIGNATURES = (
    b"II*\x00",
    b"MM\x00*",
    # BigTIFF: version 43, then offset size 8 and a zero pad, which classic TIFF never has.
    b"II+\x00\x08\x00\x00\x00",
    b"MM\x00+\x00\x08\x00\x00",
)
_ZIP_SIGNATURES = (
    b"PK\x03\x04",
    # An archive with no entries is only its end-of-central-directory record.
    b"PK\x05\x06",
)
# Media types from ISO/IEC 23008-12 Annex C, as registered with IANA; the sequence
# brands get the -sequence types so a burst or an animation is not called a still image.
_HEIF_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevc": "image/heic-sequence",
    b"hevx": "image/heic-sequence",
    b"hevm": "image/heic-sequence",
    b"hevs": "image/heic-sequence",
    b"mif1": "image/heif",
    b"msf1": "image/heif-sequence",
}
# AVIF files are HEIF files (they list mif1) whose pictures are AV1, not HEVC;
# their own registered type tells a viewer which decoder it needs.
_AVIF_BRANDS = (b"avif", b"avis")
# Readers accept the PDF header anywhere in the first 1024 bytes, after junk such as a
# mail gateway's or a download tool's prefix (PDF Reference 1.7, appendix H).
_PDF_HEADER_WINDOW = 1024
_PLY_ENCODINGS = (b"ascii", b"binary_little_endian", b"binary_big_endian")
_PLY_HEADER_NOTES = (b"comment", b"obj_info")
# The whole Wavefront OBJ keyword set, free-form curves and surfaces included, so a
# file from a CAD tool is not turned away for using a rarer statement.
_OBJ_KEYWORDS = frozenset(
    b"v vt vn vp f l p o g s mg mtllib usemtl maplib usemap "
    b"cstype deg bmat step curv curv2 surf parm trim hole scrv sp end con "
    b"lod bevel c_interp d_interp shadow_obj trace_obj ctech stech call csh".split()
)
# 0x1A stays allowed: DOS-era exporters end their text files with it.
_NOT_TEXT = (frozenset(range(0x20)) - frozenset(b"\t\n\v\f\r\x1a")) | {0x7F}
_UTF8_BOM = b"\xef\xbb\xbf"


def sniff(head: bytes, size: int) -> Sniffed:
    """Tell what a file is from its first bytes and its size.

    Parameters
    ----------
    head : bytes
        The first :data:`SNIFF_SIZE` bytes of the file, or all of it if it is
        shorter. Bytes beyond :data:`SNIFF_SIZE` are ignored, so the answer does
        not depend on how much a caller happened to read.
    size : int
        The size of the whole file in bytes. Binary STL is recognised by it, and
        it tells whether the last line of ``head`` may have been cut.

    Returns
    -------
    Sniffed
        The format, media type and kind; :attr:`Sniffed.format` is ``"other"``
        (``application/octet-stream``) when no rule matches.

    Notes
    -----
    Never raises on any bytes, including empty and truncated input. Rules are
    tried from the most to the least specific: ``DICM`` at offset 128 first (the
    DICOM preamble is free-form and may itself hold a TIFF header), then
    signatures at offset 0, then the binary STL size rule (its 80-byte header is
    free-form and often starts with ``solid``), then the text formats, and last
    a PDF header later than offset 0.
    """
    head = bytes(head[:SNIFF_SIZE])
    if min(len(head), size) < _MIN_SIZE:
        return _OTHER
    for rule in _RULES:
        found = rule(head, size)
        if found is not None:
            return found
    return _OTHER


def _dicom(head: bytes, size: int) -> Sniffed | None:
    # PS3.10 7.1: a 128-byte preamble, then "DICM"; a file without it is not a DICOM
    # file whatever its name, which is what sends a ZIP named .dcm to the ZIP rule.
    return _DICOM if head[128:132] == b"DICM" else None


def _signature(head: bytes, size: int) -> Sniffed | None:
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(_PNG_SIGNATURE):
        return _PNG
    if head.startswith(_TIFF_SIGNATURES):
        return _TIFF
    if head.startswith(_ZIP_SIGNATURES):
        return _ZIP
    if head.startswith(b"%PDF-"):
        return _PDF
    if _is_ply(head):
        return _PLY
    return _heif(head)


def _heif(head: bytes) -> Sniffed | None:
    # ISO BMFF starts with a ftyp box: size, "ftyp", major brand, minor version,
    # then compatible brands up to the end of the box.
    if head[4:8] != b"ftyp":
        return None
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    if box_end < 16:
        return None
    major = head[8:12]
    compatible = [head[at : at + 4] for at in range(16, box_end - 3, 4)]
    for brand in (major, *compatible):
        media_type = _HEIF_BRANDS.get(brand)
        if media_type is not None:
            if major in _AVIF_BRANDS:
                media_type = "image/avif"
            return Sniffed("heic", media_type, "photo")
    return None


def _is_ply(head: bytes) -> bool:
    lines = head.split(b"\n")
    if lines[0].rstrip(b"\r") != b"ply" or len(lines) < 3:
        return False
    # Only complete lines count: the one after the last newline may have been cut.
    for line in lines[1:-1]:
        words = line.split()
        if words and words[0] in _PLY_HEADER_NOTES:
            continue
        return len(words) == 3 and words[0] == b"format" and words[1] in _PLY_ENCODINGS
    return False


def _binary_stl(head: bytes, size: int) -> Sniffed | None:
    # The 80-byte header is free text (often "solid ..."), so only the arithmetic
    # proves binary STL. An ASCII STL cannot pass it by accident: its bytes 80..84 read
    # as a count of at least 0x20202020 triangles, a file of some 27 GB. Zero triangles
    # is refused: an empty mesh is no scan, and the rule would then take any 84-byte
    # file ending in four zero bytes.
    if len(head) < 84:
        return None
    triangles = int.from_bytes(head[80:84], "little")
    return _STL if triangles > 0 and size == 84 + 50 * triangles else None


def _ascii_stl(head: bytes, size: int) -> Sniffed | None:
    text = _text(head)
    if text is None:
        return None
    # Old CAD exporters write the keywords in capitals.
    text = text.lstrip().lower()
    if not text.startswith(b"solid") or text[5:6] not in (b"", b" ", b"\t", b"\r", b"\n"):
        return None
    return _STL if b"facet" in text or b"endsolid" in text else None


def _obj(head: bytes, size: int) -> Sniffed | None:
    statements = _statements(head, size)
    if not statements:
        return None
    vertices = 0
    for words in statements:
        if words[0] not in _OBJ_KEYWORDS:
            return None
        if words[0] == b"v":
            # x y z, optionally w or r g b: a vertex without three numbers is prose.
            if len(words) < 4 or not all(_is_number(word) for word in words[1:]):
                return None
            vertices += 1
    return _OBJ if vertices else None


def _mtl(head: bytes, size: int) -> Sniffed | None:
    # Every MTL statement belongs to a material, so a real file names one before anything else.
    statements = _statements(head, size)
    if not statements or statements[0][0] != b"newmtl" or len(statements[0]) < 2:
        return None
    return _MTL


def _late_pdf(head: bytes, size: int) -> Sniffed | None:
    return _PDF if b"%PDF-" in head[:_PDF_HEADER_WINDOW] else None


_RULES: tuple[Callable[[bytes, int], Sniffed | None], ...] = (
    _dicom,
    _signature,
    _binary_stl,
    _ascii_stl,
    _obj,
    _mtl,
    _late_pdf,
)


def _text(head: bytes) -> bytes | None:
    """``head`` without a UTF-8 byte order mark, or None if it holds bytes text never has."""
    if not _NOT_TEXT.isdisjoint(head):
        return None
    return head.removeprefix(_UTF8_BOM)


def _statements(head: bytes, size: int) -> list[list[bytes]]:
    """The words of each line of text that is neither blank nor a comment; empty if not text."""
    text = _text(head)
    if text is None:
        return []
    if len(head) < size:
        # The head stops inside the file: its last line may be cut, so it proves nothing.
        text = text[: text.rfind(b"\n") + 1]
    # A backslash at the end of a line continues the statement on the next one.
    text = text.replace(b"\\\r\n", b" ").replace(b"\\\n", b" ")
    statements = []
    for line in text.splitlines():
        words = line.split()
        if words and not words[0].startswith(b"#"):
            statements.append(words)
    return statements


def _is_number(word: bytes) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True
