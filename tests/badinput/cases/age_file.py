"""Cases against the age file itself: its header, its encrypted payload, its limits.

Version line, stanzas, MAC and nonce, each STREAM chunk cut, flipped, swapped or
dropped, trailing bytes, a header past orthoshare's bounds, and scrypt stanzas
asking for more work than an identity accepts.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable

from orthoshare import age
from orthoshare.age.format import (
    Header,
    Stanza,
    b64decode,
    b64encode,
    marshal_header,
    marshal_stanza,
    parse_header,
)
from orthoshare.age.stream import ENCRYPTED_CHUNK_SIZE

from .material import (
    CCTV,
    LIMITS,
    PASSPHRASE,
    SPEC,
    Build,
    Case,
    Material,
    random_bytes,
    seal_plaintext,
)


def _flip(data: bytes, at: int, bit: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1 :]


def _flipped(where: Callable[[Material], int], bit: int = 0) -> Build:
    return lambda m: _flip(m.sealed, where(m), bit)


def _cut(where: Callable[[Material], int]) -> Build:
    return lambda m: m.sealed[: where(m)]


def _chunk_at(index: int, offset: int = 0) -> Callable[[Material], int]:
    return lambda m: m.chunk_start(index) + offset


def _after(text: bytes, offset: int = 0) -> Callable[[Material], int]:
    """The position ``offset`` bytes into the first ``text`` of the sealed file."""
    return lambda m: m.sealed.index(text) + offset


def _header_of(m: Material) -> Header:
    return parse_header(io.BytesIO(m.sealed))


def _with_header(m: Material, stanzas: tuple[Stanza, ...], mac: bytes | None = None) -> bytes:
    """The sealed file with its header rewritten; the MAC is kept unless given."""
    header = Header(stanzas, _header_of(m).mac if mac is None else mac)
    return marshal_header(header) + m.sealed[m.header_end :]


def _flip_decoded(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def _our_stanza(m: Material) -> Stanza:
    (stanza,) = _header_of(m).stanzas
    return stanza


def _share_flipped(m: Material) -> bytes:
    ours = _our_stanza(m)
    share = b64encode(_flip_decoded(b64decode(ours.args[0].encode()))).decode()
    return _with_header(m, (Stanza(ours.type, (share,), ours.body),))


def _body_flipped(m: Material) -> bytes:
    ours = _our_stanza(m)
    return _with_header(m, (Stanza(ours.type, ours.args, _flip_decoded(ours.body)),))


def _mac_flipped(m: Material) -> bytes:
    header = _header_of(m)
    return _with_header(m, header.stanzas, _flip_decoded(header.mac))


def _someone_else() -> age.X25519Identity:
    return age.X25519Identity(hashlib.sha256(b"someone else").digest())


def _someone_elses_stanza() -> Stanza:
    """An X25519 stanza for another key: a valid share, and a wrapped key nobody can open."""
    share = _someone_else().recipient.public_key
    return Stanza("X25519", (b64encode(share).decode(),), bytes(32))


def _many_stanzas(count: int) -> Build:
    return lambda m: _with_header(m, (_someone_elses_stanza(),) * count)


def _stanza_with_body(size: int) -> Build:
    args = _someone_elses_stanza().args
    return lambda m: _with_header(m, (Stanza("X25519", args, bytes(size)),))


def _unwrapped_body(m: Material) -> bytes:
    # One base64 line of 1.4 MB where age wraps at 64 columns.
    (share,) = _someone_elses_stanza().args
    header = b"age-encryption.org/v1\n-> X25519 " + share.encode() + b"\n"
    return header + b64encode(bytes(1 << 20)) + b"\n" + m.sealed[m.sealed.index(b"--- ") :]


def _long_argument(m: Material) -> bytes:
    stanza = Stanza("X25519", ("A" * 10_000,), bytes(32))
    return b"age-encryption.org/v1\n" + marshal_stanza(stanza) + m.sealed[m.sealed.index(b"--- ") :]


def _garbage_payload(m: Material) -> bytes:
    return m.sealed[: m.payload_start] + random_bytes(len(m.sealed) - m.payload_start)


def _chunks_swapped(m: Material) -> bytes:
    first, second = m.chunk_start(0), m.chunk_start(1)
    third = m.chunk_start(2)
    return m.sealed[:first] + m.sealed[second:third] + m.sealed[first:second] + m.sealed[third:]


def _chunk_dropped(m: Material) -> bytes:
    return m.sealed[: m.chunk_start(1)] + m.sealed[m.chunk_start(2) :]


@functools.cache
def _scrypt_stanza() -> Stanza:
    """The stanza of a file sealed with :data:`PASSPHRASE` at work factor 10."""
    sealed = seal_plaintext(b"", age.ScryptRecipient(PASSPHRASE, work_factor=10))
    (stanza,) = parse_header(io.BytesIO(sealed)).stanzas
    return stanza


def _scrypt_work_factor(work_factor: str) -> Build:
    def build(m: Material) -> bytes:
        stanza = _scrypt_stanza()
        salt, _ = stanza.args
        return _with_header(m, (Stanza("scrypt", (salt, work_factor), stanza.body),))

    return build


def _scrypt_beside_a_key(m: Material) -> bytes:
    return _with_header(m, (_scrypt_stanza(), _our_stanza(m)))


def _to_someone_else(m: Material) -> bytes:
    return seal_plaintext(m.plain, _someone_else().recipient)


def table() -> list[Case]:
    cases = [
        Case("empty-file", "an empty file", CCTV, lambda _: b"", age.HeaderError),
        Case("random-bytes", "4 KiB of random bytes", SPEC,
             lambda _: random_bytes(4096), age.HeaderError),
        Case("intro-only", "the version line and nothing else", SPEC,
             lambda _: b"age-encryption.org/v1\n", age.HeaderError),
        Case("garbage-body", "a valid header and nonce followed by random bytes", SPEC,
             _garbage_payload, age.PayloadError),
        Case("wrong-key", "a good file sealed to another key", CCTV,
             _to_someone_else, age.NoIdentityMatchError),
    ]  # fmt: skip
    truncations = [
        ("truncated-in-version-line", "cut inside the version line", _after(b"-encryption"),
         age.HeaderError),
        ("truncated-in-stanza", "cut inside the recipient stanza", _after(b"-> X25519 ", 20),
         age.HeaderError),
        ("truncated-in-mac", "cut inside the MAC line", _after(b"\n--- ", 10), age.HeaderError),
        ("truncated-before-nonce", "cut just after the header", lambda mm: mm.header_end,
         age.HeaderError),
        ("truncated-in-nonce", "cut inside the payload nonce", lambda mm: mm.header_end + 8,
         age.HeaderError),
    ]  # fmt: skip
    for case_id, what, where, expected in truncations:
        cases.append(Case(case_id, what, CCTV, _cut(where), expected))
    for index in range(4):
        cases.append(
            Case(
                f"truncated-at-chunk-{index}",
                f"cut at the start of chunk {index} (of 4), on a chunk boundary",
                CCTV,
                _cut(_chunk_at(index)),
                age.PayloadError,
            )
        )
    cases += [
        Case("truncated-in-last-chunk", "the last byte cut off", CCTV,
             _cut(lambda mm: len(mm.sealed) - 1), age.PayloadError),
        Case("header-flip-intro", "a bit flipped in the version line's first letter", SPEC,
             _flipped(lambda _: 0), age.HeaderError),
        Case("header-flip-version", "a bit flipped in the version: v1 becomes v0", SPEC,
             _flipped(_after(b"v1", 1)), age.HeaderError),
        Case("header-flip-arrow", "a bit flipped in a stanza's `->`", SPEC,
             _flipped(_after(b"-> ", 1)), age.HeaderError),
        Case("header-flip-stanza-type", "a bit flipped in the stanza type: X25519 becomes Y25519",
             SPEC, _flipped(_after(b"-> X25519", 3)), age.NoIdentityMatchError),
        Case("header-flip-share-text", "the top bit of a base64 letter of the share set",
             SPEC, _flipped(_after(b"-> X25519 ", 15), bit=7), age.HeaderError),
        Case("header-flip-share", "a bit flipped in the X25519 share (still base64)", SPEC,
             _share_flipped, age.NoIdentityMatchError),
        Case("header-flip-wrapped-key", "a bit flipped in the wrapped file key", SPEC,
             _body_flipped, age.NoIdentityMatchError),
        Case("header-flip-footer", "a bit flipped in the MAC line's `---`", SPEC,
             _flipped(_after(b"\n--- ", 1)), age.HeaderError),
        Case("mac-flip", "a bit flipped in the header MAC (still base64)", CCTV,
             _mac_flipped, age.HeaderMACError),
        Case("mac-flip-text", "the top bit of a base64 letter of the MAC set", CCTV,
             _flipped(_after(b"\n--- ", 8), bit=7), age.HeaderError),
        Case("payload-flip-nonce", "a bit flipped in the payload nonce", CCTV,
             _flipped(lambda mm: mm.header_end + 3), age.PayloadError),
    ]  # fmt: skip
    for index in range(4):
        cases.append(
            Case(
                f"payload-flip-chunk-{index}",
                f"a bit flipped in chunk {index} (of 4)",
                CCTV,
                _flipped(_chunk_at(index, 1000)),
                age.PayloadError,
            )
        )
    cases += [
        Case("payload-flip-last-tag", "a bit flipped in the last chunk's tag", CCTV,
             _flipped(lambda mm: len(mm.sealed) - 1), age.PayloadError),
        Case("chunks-swapped", "chunks 0 and 1 swapped", CCTV, _chunks_swapped,
             age.PayloadError),
        Case("chunk-dropped", "chunk 1 left out", CCTV, _chunk_dropped, age.PayloadError),
        Case("trailing-byte", "one byte after the last chunk", CCTV,
             lambda mm: mm.sealed + b"\0", age.PayloadError),
        Case("trailing-chunk", "a whole chunk of random bytes after the last chunk", CCTV,
             lambda mm: mm.sealed + random_bytes(ENCRYPTED_CHUNK_SIZE), age.PayloadError),
        Case("header-line-10kb", "a stanza argument of 10 000 characters", LIMITS,
             _long_argument, age.HeaderError),
        Case("stanzas-10000", "10 000 X25519 stanzas, none for this key (a 980 KB header)",
             LIMITS, _many_stanzas(10_000), age.NoIdentityMatchError),
        Case("stanzas-20000", "20 000 stanzas: a header over 1 MiB", LIMITS,
             _many_stanzas(20_000), age.HeaderError),
        Case("stanza-body-1mb", "a stanza body of 1 MB", LIMITS, _stanza_with_body(1_000_000),
             age.HeaderError),
        Case("stanza-body-one-line", "a stanza body of 1 MiB on one base64 line", LIMITS,
             _unwrapped_body, age.HeaderError),
        Case("scrypt-work-factor-30",
             "a passphrase stanza asking for scrypt work factor 30 (minutes and 128 GiB)",
             SPEC, _scrypt_work_factor("30"), age.WorkFactorTooHighError, secret="passphrase",
             seconds=1.0),
        Case("scrypt-work-factor-huge", "a passphrase stanza asking for work factor 4294967296",
             CCTV, _scrypt_work_factor("4294967296"), age.WorkFactorTooHighError,
             secret="passphrase", seconds=1.0),
        Case("scrypt-beside-a-key", "a passphrase stanza beside an X25519 stanza", CCTV,
             _scrypt_beside_a_key, age.HeaderError),
    ]  # fmt: skip
    return cases
