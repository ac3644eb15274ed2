"""The PNG decoder: every colour type and bit depth, every filter, and what it refuses.

Each PNG is written here by a small encoder (zlib and the five filters, as the
PNG specification defines them), so a test's source samples sit next to the
decoded ones they must equal.
"""

from __future__ import annotations

import random
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orthoshare.dicom import png
from orthoshare.errors import InputError

GRAY, RGB, PALETTE, GRAY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GRAY: 1, RGB: 3, PALETTE: 1, GRAY_ALPHA: 2, RGBA: 4}


# ------------------------------------------------------------------------- the encoder


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def ihdr(width: int, height: int, depth: int, color_type: int, interlace: int = 0) -> bytes:
    return chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, interlace)
    )


def pack_row(samples: list[int], depth: int) -> bytes:
    """One row of samples as PNG stores it: big-endian 16-bit, or sub-byte packed MSB first."""
    if depth == 16:
        return b"".join(s.to_bytes(2, "big") for s in samples)
    if depth == 8:
        return bytes(samples)
    bits = "".join(format(s, f"0{depth}b") for s in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind: int, row: bytes, prior: bytes, bpp: int) -> bytes:
    """The forward filter of PNG clause 9.2 (the decoder must undo it)."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        predictor = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
        out.append((x - predictor) & 0xFF)
    return bytes([kind]) + bytes(out)


def encode(
    rows: list[list[int]],
    depth: int,
    color_type: int,
    filters: list[int] | None = None,
    extra_chunks: bytes = b"",
    idat_parts: int = 1,
) -> bytes:
    """A PNG of ``rows`` (each a flat list of samples, channels interleaved)."""
    channels = CHANNELS[color_type]
    width = len(rows[0]) // channels
    bpp = max(1, channels * depth // 8)
    packed = [pack_row(r, depth) for r in rows]
    prior = bytes(len(packed[0]))
    raw = b""
    for y, row in enumerate(packed):
        kind = filters[y % len(filters)] if filters else 0
        raw += filter_row(kind, row, prior, bpp)
        prior = row
    compressed = zlib.compress(raw, 9)
    cut = [len(compressed) * k // idat_parts for k in range(idat_parts + 1)]
    idats = b"".join(chunk(b"IDAT", compressed[cut[k] : cut[k + 1]]) for k in range(idat_parts))
    return (
        png.SIGNATURE
        + ihdr(width, len(rows), depth, color_type)
        + extra_chunks
        + idats
        + chunk(b"IEND", b"")
    )


def random_rows(
    rng: random.Random, width: int, height: int, channels: int, depth: int
) -> list[list[int]]:
    top = (1 << depth) - 1
    return [[rng.randint(0, top) for _ in range(width * channels)] for _ in range(height)]


def flat8(rows: list[list[int]]) -> bytes:
    return bytes(s for row in rows for s in row)


def flat16le(rows: list[list[int]]) -> bytes:
    return b"".join(s.to_bytes(2, "little") for row in rows for s in row)


# ------------------------------------------------------------------ colour types, depths


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_low_depth_gray_is_scaled_exactly_to_8_bits(depth: int) -> None:
    rng = random.Random(depth)
    rows = random_rows(rng, 11, 5, 1, depth)  # 11 samples: the last byte of a row is partial
    image = png.decode(encode(rows, depth, GRAY))
    factor = 255 // ((1 << depth) - 1)
    assert (image.width, image.height, image.samples_per_pixel, image.bits) == (11, 5, 1, 8)
    assert image.pixels == bytes(s * factor for row in rows for s in row)


def test_8_bit_gray() -> None:
    rows = random_rows(random.Random(8), 7, 4, 1, 8)
    image = png.decode(encode(rows, 8, GRAY))
    assert (image.samples_per_pixel, image.bits) == (1, 8)
    assert image.pixels == flat8(rows)


def test_16_bit_gray_comes_out_little_endian() -> None:
    rows = [[0x0102, 0xFFFE, 0x8000], [0, 1, 0xABCD]]
    image = png.decode(encode(rows, 16, GRAY))
    assert (image.width, image.height, image.samples_per_pixel, image.bits) == (3, 2, 1, 16)
    assert image.pixels == flat16le(rows)


def test_8_bit_rgb() -> None:
    rows = random_rows(random.Random(3), 6, 5, 3, 8)
    image = png.decode(encode(rows, 8, RGB))
    assert (image.width, image.height, image.samples_per_pixel, image.bits) == (6, 5, 3, 8)
    assert image.pixels == flat8(rows)


def test_opaque_gray_alpha_loses_only_its_alpha() -> None:
    gray = random_rows(random.Random(4), 5, 3, 1, 8)
    rows = [[v for g in row for v in (g, 255)] for row in gray]
    image = png.decode(encode(rows, 8, GRAY_ALPHA))
    assert (image.samples_per_pixel, image.bits) == (1, 8)
    assert image.pixels == flat8(gray)


def test_opaque_16_bit_gray_alpha_loses_only_its_alpha() -> None:
    gray = random_rows(random.Random(5), 4, 3, 1, 16)
    rows = [[v for g in row for v in (g, 0xFFFF)] for row in gray]
    image = png.decode(encode(rows, 16, GRAY_ALPHA))
    assert (image.samples_per_pixel, image.bits) == (1, 16)
    assert image.pixels == flat16le(gray)


def test_opaque_rgba_loses_only_its_alpha() -> None:
    rgb = random_rows(random.Random(6), 5, 4, 3, 8)
    rows = [[v for k in range(0, len(row), 3) for v in (*row[k : k + 3], 255)] for row in rgb]
    image = png.decode(encode(rows, 8, RGBA, filters=[0, 1, 2, 3, 4]))
    assert (image.samples_per_pixel, image.bits) == (3, 8)
    assert image.pixels == flat8(rgb)


@pytest.mark.parametrize("depth", [1, 2, 4, 8])
def test_palette_is_expanded_to_rgb(depth: int) -> None:
    rng = random.Random(depth + 100)
    entries = 1 << depth
    palette = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(entries)]
    rows = random_rows(rng, 9, 4, 1, depth)
    plte = chunk(b"PLTE", b"".join(bytes(p) for p in palette))
    image = png.decode(encode(rows, depth, PALETTE, filters=[0, 1, 2, 3, 4], extra_chunks=plte))
    assert (image.width, image.height, image.samples_per_pixel, image.bits) == (9, 4, 3, 8)
    assert image.pixels == b"".join(bytes(palette[i]) for row in rows for i in row)


def test_palette_with_opaque_or_unused_transparent_entries_is_accepted() -> None:
    plte = chunk(b"PLTE", bytes([10, 20, 30, 40, 50, 60, 70, 80, 90]))
    # Entry 2 is fully transparent but no pixel uses it; entry 0 is declared opaque.
    trns = chunk(b"tRNS", bytes([255, 255, 0]))
    image = png.decode(encode([[0, 1], [1, 0]], 8, PALETTE, extra_chunks=plte + trns))
    assert image.pixels == bytes([10, 20, 30, 40, 50, 60, 40, 50, 60, 10, 20, 30])


def test_colour_key_that_no_pixel_has_is_accepted() -> None:
    trns = chunk(b"tRNS", struct.pack(">HHH", 1, 2, 3))
    rows = [[1, 2, 4, 9, 9, 9]]
    assert png.decode(encode(rows, 8, RGB, extra_chunks=trns)).pixels == flat8(rows)


def test_ancillary_chunks_are_skipped_and_idat_may_be_split() -> None:
    rows = random_rows(random.Random(9), 8, 6, 3, 8)
    extra = chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"tEXt", b"Comment\x00hello")
    image = png.decode(encode(rows, 8, RGB, filters=[4, 3], extra_chunks=extra, idat_parts=3))
    assert image.pixels == flat8(rows)


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
@pytest.mark.parametrize(
    ("color_type", "depth"),
    [(GRAY, 1), (GRAY, 4), (GRAY, 8), (GRAY, 16), (RGB, 8), (GRAY_ALPHA, 8), (RGBA, 8)],
)
def test_each_filter_is_undone(kind: int, color_type: int, depth: int) -> None:
    rng = random.Random(kind * 100 + color_type * 10 + depth)
    channels = CHANNELS[color_type]
    rows = random_rows(rng, 13, 6, channels, depth)
    if color_type in (GRAY_ALPHA, RGBA):
        # Only opaque images decode: make every alpha sample opaque.
        for row in rows:
            for k in range(channels - 1, len(row), channels):
                row[k] = (1 << depth) - 1
    image = png.decode(encode(rows, depth, color_type, filters=[kind]))
    colour = channels - (1 if color_type in (GRAY_ALPHA, RGBA) else 0)
    kept = [[s for k, s in enumerate(row) if k % channels < colour] for row in rows]
    if depth == 16:
        assert image.pixels == flat16le(kept)
    else:
        factor = 255 // ((1 << depth) - 1)
        assert image.pixels == bytes(s * factor for row in kept for s in row)


def test_sub_and_up_on_a_wide_row() -> None:
    # Rows long enough for the whole-row additions to take many doubling steps.
    rows = random_rows(random.Random(11), 1500, 4, 3, 8)
    assert png.decode(encode(rows, 8, RGB, filters=[1, 2])).pixels == flat8(rows)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([(GRAY, 1), (GRAY, 2), (GRAY, 8), (GRAY, 16), (RGB, 8), (PALETTE, 2)]),
    st.integers(1, 17),
    st.integers(1, 6),
    st.lists(st.integers(0, 4), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
)
def test_any_image_and_filter_mix_round_trips(
    kind: tuple[int, int], width: int, height: int, filters: list[int], rng: random.Random
) -> None:
    color_type, depth = kind
    rows = random_rows(rng, width, height, CHANNELS[color_type], depth)
    extra = b""
    if color_type == PALETTE:
        extra = chunk(b"PLTE", bytes(range(3 * (1 << depth))))
    image = png.decode(encode(rows, depth, color_type, filters=filters, extra_chunks=extra))
    if color_type == PALETTE:
        expected = bytes(v for row in rows for i in row for v in (3 * i, 3 * i + 1, 3 * i + 2))
    elif depth == 16:
        expected = flat16le(rows)
    else:
        expected = bytes(s * (255 // ((1 << depth) - 1)) for row in rows for s in row)
    assert image.pixels == expected


# ---------------------------------------------------------------------------- refusals


def test_interlaced_is_kept_as_an_original_only() -> None:
    data = png.SIGNATURE + ihdr(2, 2, 8, GRAY, interlace=1)
    data += chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")
    with pytest.raises(InputError, match=r"interlaced.*kept as an original only"):
        png.decode(data)


@pytest.mark.parametrize("where", ["IHDR", "IDAT", "IEND"])
def test_a_crc_mismatch_is_refused(where: str) -> None:
    data = bytearray(encode([[1, 2, 3]], 8, RGB))
    at = data.index(where.encode("ascii"))
    length = int.from_bytes(data[at - 4 : at], "big")
    data[at + 4 + length] ^= 0x01  # the first byte of the chunk's CRC
    with pytest.raises(InputError, match=f"{where} fails its CRC"):
        png.decode(bytes(data))


def test_a_changed_data_byte_fails_the_crc() -> None:
    data = bytearray(encode([[1, 2, 3]], 8, RGB))
    data[data.index(b"IDAT") + 5] ^= 0x40
    with pytest.raises(InputError, match="CRC"):
        png.decode(bytes(data))


def test_16_bit_colour_is_refused() -> None:
    with pytest.raises(InputError, match=r"16-bit colour.*original only"):
        png.decode(encode([[1, 2, 3]], 16, RGB))


def test_transparent_rgba_is_refused() -> None:
    with pytest.raises(InputError, match="transparent"):
        png.decode(encode([[1, 2, 3, 255, 4, 5, 6, 254]], 8, RGBA))


def test_used_transparent_palette_entry_is_refused() -> None:
    plte = chunk(b"PLTE", bytes(6))
    trns = chunk(b"tRNS", bytes([255, 0]))
    with pytest.raises(InputError, match="transparent"):
        png.decode(encode([[0, 1]], 8, PALETTE, extra_chunks=plte + trns))


def test_used_colour_key_is_refused() -> None:
    trns = chunk(b"tRNS", struct.pack(">H", 7))
    with pytest.raises(InputError, match="transparent"):
        png.decode(encode([[1, 7, 3]], 8, GRAY, extra_chunks=trns))


def test_palette_index_out_of_range_is_refused() -> None:
    plte = chunk(b"PLTE", bytes(6))  # two entries
    with pytest.raises(InputError, match="outside its palette"):
        png.decode(encode([[0, 2]], 8, PALETTE, extra_chunks=plte))


def test_palette_image_without_palette_is_refused() -> None:
    with pytest.raises(InputError, match="no PLTE"):
        png.decode(encode([[0, 1]], 8, PALETTE))


def test_unknown_critical_chunk_is_refused() -> None:
    with pytest.raises(InputError, match="unknown critical chunk"):
        png.decode(encode([[1]], 8, GRAY, extra_chunks=chunk(b"ABCD", b"")))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: b"\x89PNG\r\n\x1a\x0b" + d[8:],  # signature
        lambda d: d[: d.index(b"IEND") - 4],  # no IEND
        lambda d: d[:20],  # cut inside IHDR
    ],
)
def test_broken_files_are_refused(mangle: object) -> None:
    assert callable(mangle)
    with pytest.raises(InputError):
        png.decode(mangle(encode([[1, 2]], 8, GRAY)))


def test_image_data_of_the_wrong_size_is_refused() -> None:
    short = chunk(b"IDAT", zlib.compress(b"\x00\x01"))
    long = chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x00\x01\x02\x00"))
    truncated = chunk(b"IDAT", zlib.compress(b"\x00\x01\x02")[:-4])
    for idat in (short, long, truncated):
        with pytest.raises(InputError, match="image data"):
            png.decode(png.SIGNATURE + ihdr(2, 1, 8, GRAY) + idat + chunk(b"IEND", b""))


def test_unknown_filter_type_is_refused() -> None:
    idat = chunk(b"IDAT", zlib.compress(b"\x05\x01\x02"))
    with pytest.raises(InputError, match="filter type 5"):
        png.decode(png.SIGNATURE + ihdr(2, 1, 8, GRAY) + idat + chunk(b"IEND", b""))


def test_an_image_too_large_for_dicom_is_refused_before_inflating() -> None:
    data = png.SIGNATURE + ihdr(70000, 70000, 8, RGB) + chunk(b"IEND", b"")
    with pytest.raises(InputError, match="too large"):
        png.decode(data)


def test_invalid_depth_for_colour_type_is_refused() -> None:
    with pytest.raises(InputError, match="colour type"):
        png.decode(png.SIGNATURE + ihdr(1, 1, 4, RGB) + chunk(b"IEND", b""))
