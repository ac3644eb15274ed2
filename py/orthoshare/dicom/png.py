"""A lossless PNG decoder in pure Python: zlib and the five filters, nothing else.

DICOM has no PNG transfer syntax, so a PNG photo or radiograph enters a DICOM
object as uncompressed pixels. Decoding must be exact (the receiver sees the
very samples the sender had) and must run in the page, where no imaging
library is available: the standard library's :mod:`zlib` inflates, and the
filters of the PNG specification (ISO/IEC 15948, W3C PNG 3rd edition, clause 9)
are undone here.

What DICOM cannot show faithfully is refused with :class:`~orthoshare.errors.ConversionError`
rather than approximated: transparency that is used, 16-bit colour, and
interlacing (its passes would have to be re-assembled, which only pays for
progressive display on the web). Such a file still travels byte-exact in
``ORIGINAL/``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import ConversionError

__all__ = ["SIGNATURE", "Image", "decode", "header_bits"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""

# DICOM's uncompressed Pixel Data carries a 32-bit length, and 0xFFFFFFFF means
# "undefined"; the even value below it is the largest image one element can hold.
_MAX_PIXEL_BYTES = 0xFFFFFFFE

_GRAY, _RGB, _PALETTE, _GRAY_ALPHA, _RGBA = 0, 2, 3, 4, 6
# Samples per pixel of each colour type, and the bit depths the PNG specification allows.
_CHANNELS = {_GRAY: 1, _RGB: 3, _PALETTE: 1, _GRAY_ALPHA: 2, _RGBA: 4}
_DEPTHS = {
    _GRAY: (1, 2, 4, 8, 16),
    _RGB: (8, 16),
    _PALETTE: (1, 2, 4, 8),
    _GRAY_ALPHA: (8, 16),
    _RGBA: (8, 16),
}
_KEPT_AS_ORIGINAL = "it is kept as an original only"


@dataclass(frozen=True)
class Image:
    """The pixels of a decoded PNG, ready to become DICOM Pixel Data.

    Attributes
    ----------
    width, height : int
        In pixels.
    samples_per_pixel : int
        1 (grayscale) or 3 (RGB). Alpha is never kept: :func:`decode` drops it
        only when every pixel is opaque.
    bits : int
        Bits per sample, 8 or 16. Grayscale of 1, 2 or 4 bits is scaled to 8
        bits exactly as the PNG specification maps sample values to intensities
        (``v * 255 / (2**depth - 1)``, an exact and reversible mapping).
    pixels : bytes
        Rows top to bottom, pixels left to right, samples interleaved (R, G, B).
        16-bit samples are little-endian, the byte order of DICOM's Explicit VR
        Little Endian transfer syntax.
    """

    width: int
    height: int
    samples_per_pixel: int
    bits: int
    pixels: bytes


@dataclass(frozen=True)
class _Header:
    width: int
    height: int
    depth: int
    color_type: int
    interlaced: bool


def decode(data: bytes) -> Image:
    """Decode a PNG file losslessly.

    Parameters
    ----------
    data : bytes
        The whole PNG file.

    Returns
    -------
    Image
        The pixels, grayscale or RGB, 8 or 16 bits per sample.

    Raises
    ------
    ConversionError
        If the file is not a valid PNG (bad signature, chunk order or length,
        CRC mismatch, truncated or malformed image data, unknown critical
        chunk, palette index out of range), or if it cannot be shown in DICOM
        as it is: interlaced, 16-bit colour, or with transparency that any
        pixel uses.

    Notes
    -----
    Ancillary chunks (gamma, colour profile, text, EXIF…) are checked for
    their CRC and otherwise ignored: the samples are passed on as stored.
    """
    header, palette, transparency, compressed = _read_chunks(data)
    _refuse_by_header(header)
    channels = _CHANNELS[header.color_type]
    bits_per_pixel = channels * header.depth
    row_size = (header.width * bits_per_pixel + 7) // 8
    # Each row starts with its filter type byte. The filters look ``bpp`` bytes
    # back, at the same sample of the pixel on the left: at least 1 (clause 9.2).
    raw = _inflate(compressed, header.height * (row_size + 1))
    unfiltered = _unfilter(raw, header.height, row_size, max(1, bits_per_pixel // 8))
    return _to_image(header, unfiltered, palette, transparency)


def header_bits(head: bytes) -> int:
    """The bits per sample of the PNG that starts with ``head``, from its header alone.

    Raises
    ------
    ConversionError
        If ``head`` does not start as a PNG does, or the header alone says
        :func:`decode` would refuse the image (interlaced, 16-bit colour).
        Whether transparency is used is known only once the image is decoded.
    """
    first = head[len(SIGNATURE) : len(SIGNATURE) + 8 + 13]
    if not head.startswith(SIGNATURE) or len(first) < 21 or first[4:8] != b"IHDR":
        raise ConversionError("the file does not start with a PNG header")
    header = _header(first[8:])
    _refuse_by_header(header)
    return header.depth


def _refuse_by_header(header: _Header) -> None:
    if header.interlaced:
        raise ConversionError(f"the PNG image is interlaced; {_KEPT_AS_ORIGINAL}")
    if header.depth == 16 and header.color_type in (_RGB, _RGBA):
        raise ConversionError(f"the PNG image has 16-bit colour; {_KEPT_AS_ORIGINAL}")


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Each chunk's type and data, CRC checked, up to and including IEND."""
    if not data.startswith(SIGNATURE):
        raise ConversionError("the file does not start with the PNG signature")
    at = len(SIGNATURE)
    while True:
        if at + 12 > len(data):
            raise ConversionError("the PNG file is truncated (no IEND chunk)")
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        end = at + 8 + length
        # Lengths are limited to 2**31 - 1 (clause 5.3).
        if length > 0x7FFFFFFF or end + 4 > len(data):
            raise ConversionError("the PNG file is truncated or a chunk length is invalid")
        if not all(65 <= c <= 90 or 97 <= c <= 122 for c in kind):
            raise ConversionError("the PNG file holds an invalid chunk type")
        body = data[at + 8 : end]
        crc = int.from_bytes(data[end : end + 4], "big")
        if zlib.crc32(kind + body) != crc:
            raise ConversionError(f"the PNG chunk {kind.decode('ascii')} fails its CRC check")
        yield kind, body
        if kind == b"IEND":
            return
        at = end + 4


def _read_chunks(data: bytes) -> tuple[_Header, bytes | None, bytes | None, bytes]:
    header: _Header | None = None
    palette: bytes | None = None
    transparency: bytes | None = None
    image_data: list[bytes] = []
    idat_ended = False
    for kind, body in _chunks(data):
        if header is None:
            if kind != b"IHDR":
                raise ConversionError("the PNG file does not start with an IHDR chunk")
            header = _header(body)
        elif kind == b"IDAT":
            # All IDAT chunks are consecutive (clause 5.6).
            if idat_ended:
                raise ConversionError("the PNG file's IDAT chunks are not consecutive")
            image_data.append(body)
        else:
            if image_data:
                idat_ended = True
            if kind == b"IHDR" or (kind == b"PLTE" and palette is not None):
                raise ConversionError(
                    f"the PNG file holds more than one {kind.decode('ascii')} chunk"
                )
            if kind == b"PLTE":
                if image_data:
                    raise ConversionError("the PNG file's PLTE chunk follows its image data")
                if not body or len(body) % 3 or len(body) > 3 * 256:
                    raise ConversionError("the PNG file's palette has an invalid length")
                palette = body
            elif kind == b"tRNS":
                transparency = body
            elif kind != b"IEND" and 65 <= kind[0] <= 90:
                # An unknown critical chunk means the image cannot be shown correctly.
                raise ConversionError(
                    f"the PNG file needs the unknown critical chunk {kind.decode('ascii')}"
                )
    if header is None:
        raise ConversionError("the PNG file has no IHDR chunk")
    if not image_data:
        raise ConversionError("the PNG file has no image data")
    if header.color_type == _PALETTE and palette is None:
        raise ConversionError("the PNG file has a palette image but no PLTE chunk")
    return header, palette, transparency, b"".join(image_data)


def _header(body: bytes) -> _Header:
    if len(body) != 13:
        raise ConversionError("the PNG file's IHDR chunk has the wrong length")
    width = int.from_bytes(body[0:4], "big")
    height = int.from_bytes(body[4:8], "big")
    depth, color_type, compression, filter_method, interlace = body[8:13]
    if not (0 < width <= 0x7FFFFFFF and 0 < height <= 0x7FFFFFFF):
        raise ConversionError("the PNG image has an invalid size")
    if depth not in _DEPTHS.get(color_type, ()):
        raise ConversionError(
            f"the PNG image has an invalid colour type {color_type} / depth {depth}"
        )
    if compression != 0 or filter_method != 0 or interlace not in (0, 1):
        raise ConversionError(
            "the PNG image uses an unknown compression, filter or interlace method"
        )
    # Decline images whose pixels could not fit one DICOM element before
    # inflating anything: a tiny file can declare an enormous image.
    samples = 3 if color_type in (_RGB, _RGBA, _PALETTE) else 1
    if width * height * samples * (2 if depth == 16 else 1) > _MAX_PIXEL_BYTES:
        raise ConversionError(
            f"the PNG image is too large for uncompressed DICOM; {_KEPT_AS_ORIGINAL}"
        )
    return _Header(width, height, depth, color_type, interlace == 1)


def _inflate(compressed: bytes, expected: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        # One byte more than expected is enough to tell "too much data" apart,
        # without ever holding more than the image's own size in memory.
        raw = inflater.decompress(compressed, expected + 1)
    except zlib.error as e:
        raise ConversionError(f"the PNG image data is corrupt ({e})") from None
    if len(raw) != expected:
        raise ConversionError("the PNG image data does not match the image size")
    if not inflater.eof:
        # The stream may still hold its end marker (or more data than the image
        # needs): whatever it yields beyond the image is an error.
        try:
            extra = inflater.decompress(inflater.unconsumed_tail, 1)
        except zlib.error as e:
            raise ConversionError(f"the PNG image data is corrupt ({e})") from None
        if extra or not inflater.eof:
            raise ConversionError("the PNG image data is truncated or longer than the image")
    return raw


def _unfilter(raw: bytes, height: int, row_size: int, bpp: int) -> bytes:
    """Undo the per-row filters (clause 9.2); returns the rows without filter bytes."""
    out = bytearray(height * row_size)
    prior = bytearray(row_size)
    lanes = _Lanes(row_size)
    stride = row_size + 1
    for y in range(height):
        start = y * stride
        kind = raw[start]
        row = bytearray(raw[start + 1 : start + stride])
        if kind == 1:
            lanes.sub(row, bpp)
        elif kind == 2:
            lanes.up(row, prior)
        elif kind == 3:
            _average(row, prior, bpp)
        elif kind == 4:
            _paeth(row, prior, bpp)
        elif kind != 0:
            raise ConversionError(f"the PNG image uses the unknown filter type {kind}")
        out[y * row_size : (y + 1) * row_size] = row
        prior = row
    return bytes(out)


class _Lanes:
    """Byte-wise addition modulo 256 over whole rows, for the Sub and Up filters.

    Python has no vector type, but one int can hold a whole row: adding the low
    7 bits of every byte never carries into the next byte, and the top bits are
    then put back with XOR. A row of a large photo then costs a few big-integer
    operations instead of a Python loop over its bytes.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.all = int.from_bytes(b"\xff" * size, "little")
        self.low = int.from_bytes(b"\x7f" * size, "little")
        self.high = self.all ^ self.low

    def add(self, a: int, b: int) -> int:
        return ((a & self.low) + (b & self.low)) ^ ((a ^ b) & self.high)

    def up(self, row: bytearray, prior: bytearray) -> None:
        total = self.add(int.from_bytes(row, "little"), int.from_bytes(prior, "little"))
        row[:] = total.to_bytes(self.size, "little")

    def sub(self, row: bytearray, bpp: int) -> None:
        # Each byte adds the reconstructed byte ``bpp`` to its left: a running sum
        # per byte lane. Adding copies shifted by bpp, 2*bpp, 4*bpp… (a prefix-sum
        # ladder) gets there in log2(len / bpp) whole-row additions.
        value = int.from_bytes(row, "little")
        shift = bpp
        while shift < self.size:
            value = self.add(value, (value << (8 * shift)) & self.all)
            shift *= 2
        row[:] = value.to_bytes(self.size, "little")


def _average(row: bytearray, prior: bytearray, bpp: int) -> None:
    for i in range(min(bpp, len(row))):
        row[i] = (row[i] + (prior[i] >> 1)) & 0xFF
    for i in range(bpp, len(row)):
        row[i] = (row[i] + ((row[i - bpp] + prior[i]) >> 1)) & 0xFF


def _paeth(row: bytearray, prior: bytearray, bpp: int) -> None:
    for i in range(min(bpp, len(row))):
        # With no pixel on the left, a and c are 0 and the predictor is b.
        row[i] = (row[i] + prior[i]) & 0xFF
    for i in range(bpp, len(row)):
        a = row[i - bpp]
        b = prior[i]
        c = prior[i - bpp]
        # p = a + b - c; the distances |p - a|, |p - b|, |p - c| without forming p.
        pa = abs(b - c)
        pb = abs(a - c)
        pc = abs(a + b - c - c)
        if pa <= pb and pa <= pc:
            predictor = a
        elif pb <= pc:
            predictor = b
        else:
            predictor = c
        row[i] = (row[i] + predictor) & 0xFF


def _to_image(
    header: _Header, data: bytes, palette: bytes | None, transparency: bytes | None
) -> Image:
    width, height, depth, color_type = header.width, header.height, header.depth, header.color_type
    if color_type == _PALETTE:
        assert palette is not None
        return Image(width, height, 3, 8, _expand_palette(header, data, palette, transparency))
    if depth < 8:
        data = _scale_low_depth(_unpack(data, width, height, depth), depth)
        depth = 8
    samples = 1 if color_type in (_GRAY, _GRAY_ALPHA) else 3
    size = depth // 8
    if color_type in (_GRAY_ALPHA, _RGBA):
        data = _drop_opaque_alpha(data, samples, size)
    elif transparency is not None:
        _refuse_used_colour_key(data, samples, size, transparency, header.depth)
    if size == 2:
        data = _swap_bytes(data)
    return Image(width, height, samples, depth, data)


def _unpack(data: bytes, width: int, height: int, depth: int) -> bytes:
    """One byte per sample from rows of 1-, 2- or 4-bit samples, most significant bits first."""
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    row_size = (width * depth + 7) // 8
    # The samples of every possible byte, computed once.
    shifts = [8 - depth * (k + 1) for k in range(per_byte)]
    table = [bytes((byte >> shift) & mask for shift in shifts) for byte in range(256)]
    out = bytearray()
    for y in range(height):
        row = data[y * row_size : (y + 1) * row_size]
        out += b"".join(table[byte] for byte in row)[:width]
    return bytes(out)


def _scale_low_depth(samples: bytes, depth: int) -> bytes:
    # Clause 13.12: the exact intensity of sample v is v / (2**depth - 1), so
    # v * 255 / (2**depth - 1) (17 * v for 4 bits, 85 * v for 2, 255 * v for 1) is
    # the same intensity on 8 bits; it is an integer, and the mapping is one to one.
    factor = 255 // ((1 << depth) - 1)
    return samples.translate(bytes((v * factor) & 0xFF for v in range(256)))


def _expand_palette(
    header: _Header, data: bytes, palette: bytes, transparency: bytes | None
) -> bytes:
    indices = data
    if header.depth < 8:
        indices = _unpack(data, header.width, header.height, header.depth)
    entries = len(palette) // 3
    used = set(indices)
    if max(used) >= entries:
        raise ConversionError("the PNG image uses a colour outside its palette")
    if transparency is not None:
        if len(transparency) > entries:
            raise ConversionError("the PNG file's tRNS chunk is longer than its palette")
        if any(transparency[i] != 255 for i in used if i < len(transparency)):
            raise ConversionError(f"the PNG image has transparent pixels; {_KEPT_AS_ORIGINAL}")
    # Three translate() passes pick the red, green and blue of every index; a
    # slice assignment then interleaves them. No per-pixel Python work.
    out = bytearray(len(indices) * 3)
    for channel in range(3):
        table = bytes(palette[channel::3]).ljust(256, b"\x00")
        out[channel::3] = indices.translate(table)
    return bytes(out)


def _drop_opaque_alpha(data: bytes, samples: int, size: int) -> bytes:
    pixel = (samples + 1) * size
    alpha = data[samples * size :: pixel]
    if size == 2:
        alpha += data[samples * size + 1 :: pixel]
    if alpha.count(0xFF) != len(alpha):
        raise ConversionError(f"the PNG image has transparent pixels; {_KEPT_AS_ORIGINAL}")
    out = bytearray(len(data) // pixel * samples * size)
    kept = samples * size
    for k in range(kept):
        out[k::kept] = data[k::pixel]
    return bytes(out)


def _refuse_used_colour_key(data: bytes, samples: int, size: int, key: bytes, depth: int) -> None:
    # For grayscale and RGB, tRNS names one colour that is fully transparent
    # (clause 11.3.2.1); it matters only if some pixel has that colour.
    if len(key) != 2 * samples:
        raise ConversionError("the PNG file's tRNS chunk has the wrong length")
    values = [int.from_bytes(key[2 * k : 2 * k + 2], "big") for k in range(samples)]
    if depth < 8:
        values = [v * (255 // ((1 << depth) - 1)) for v in values]
    if any(v >= 1 << (8 * size) for v in values):
        return
    colour = b"".join(v.to_bytes(size, "big") for v in values)
    pixel = samples * size
    at = data.find(colour)
    while at != -1:
        if at % pixel == 0:
            raise ConversionError(f"the PNG image has transparent pixels; {_KEPT_AS_ORIGINAL}")
        at = data.find(colour, at + 1)


def _swap_bytes(data: bytes) -> bytes:
    out = bytearray(len(data))
    out[0::2] = data[1::2]
    out[1::2] = data[0::2]
    return bytes(out)
