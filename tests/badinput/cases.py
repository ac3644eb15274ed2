"""Every bad input in one table: what each case tests, how its bytes are made, what must happen.

The same table drives the CPython test (``test_bad_input_cpython.py`` here) and
the page test (``tests/browser/test_bad_input_in_page.py``); the report
``build/reports/bad-input.md`` lists each case with its outcome in both.

Every sealed case starts from one small good sealed file made here, always the
same bytes: a fixed key, fixed inputs and sealing time, and a seeded generator
in place of the system's randomness while sealing. So an altered byte falls on
the same character on every run, and has the same outcome.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import io
import json
import random
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from unittest import mock

import pydicom

from orthoshare import age, pipeline
from orthoshare.age.armor import ArmorWriter
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
from orthoshare.bundle.manifest import MANIFEST_NAME
from orthoshare.errors import EntryMismatchError, InputError, ManifestError, UnsafePathError
from orthoshare.records import BytesInput

IDENTITY = age.X25519Identity(hashlib.sha256(b"orthoshare bad-input identity").digest())
#: The identity as the receiver keeps it, in a file (what the page is given).
IDENTITY_FILE = age.format_identity_file(IDENTITY)
PASSPHRASE = "bad-input-passphrase"
LETTER = "ORIGINAL/records/letter.txt"
SCAN = "ORIGINAL/records/scan.bin"
CAFE = "ORIGINAL/records/caf\u00e9.txt"
#: Big enough for a payload of a few 64 KiB chunks (the bundle ZIP is about 200 KB).
_SCAN_SIZE = 200_000
_SEED = 2024
_SEALED_AT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
_NONCE_SIZE = 16
_MIB = 1 << 20
#: Highest tracemalloc peak any case may reach on CPython: a few chunks, and a manifest
#: of up to 16 MiB read whole; far below what the largest cases would take if read.
MEMORY_LIMIT_MIB = 32
_PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
# ZIP records (APPNOTE 4.3.7, 4.3.12, 4.3.16): local file header, central directory
# record, end of central directory.
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_DIRECTORY_RECORD = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")

Build = Callable[["Material"], bytes]
Secret = Literal["key", "passphrase"]
Action = Literal["open", "seal"]


@dataclass(frozen=True)
class Case:
    """One bad input and what must become of it.

    ``expected`` is the exception class the pipeline raises on CPython; the page's
    error ``kind`` is its name. ``None`` (sealing only) means the input is sealed,
    as an original and not as DICOM.
    """

    id: str
    what: str
    source: str
    build: Build
    expected: type[Exception] | None
    action: Action = "open"
    secret: Secret = "key"
    file_name: str = "records.zip.age"
    #: Longest it may take, on CPython and, from the request to the answer, in the page.
    seconds: float = 20.0

    @property
    def expected_name(self) -> str:
        return "sealed" if self.expected is None else self.expected.__name__


@dataclass(frozen=True)
class Material:
    """The good sealed file every case is made from, and the bundle inside it."""

    sealed: bytes
    plain: bytes
    manifest: dict[str, Any]
    #: Every member but the manifest, in the ZIP's order.
    members: dict[str, bytes]

    @property
    def header_end(self) -> int:
        """Where the payload nonce starts: just after the header's MAC line."""
        source = io.BytesIO(self.sealed)
        parse_header(source)
        return source.tell()

    @property
    def payload_start(self) -> int:
        return self.header_end + _NONCE_SIZE

    @property
    def chunk_count(self) -> int:
        return -(-(len(self.sealed) - self.payload_start) // ENCRYPTED_CHUNK_SIZE)

    def chunk_start(self, index: int) -> int:
        return self.payload_start + index * ENCRYPTED_CHUNK_SIZE


@contextlib.contextmanager
def _seeded_randomness() -> Iterator[None]:
    """The file key, nonces, salts and ephemeral keys drawn while sealing, the same every run."""
    generator = random.Random(_SEED)
    with mock.patch("os.urandom", generator.randbytes):
        yield


def seal_plaintext(
    plain: bytes, recipient: age.Recipient = IDENTITY.recipient, *, armor: bool = False
) -> bytes:
    """``plain`` encrypted as an age file, repeatably."""
    with _seeded_randomness():
        return age.encrypt_bytes(plain, [recipient], armor=armor)


@functools.cache
def material() -> Material:
    """Seal two small records, a letter and a 200 KB scan, to :data:`IDENTITY`."""
    inputs = [
        BytesInput(
            parts=("records", "letter.txt"), data=b"For the surgeon: records before surgery.\n"
        ),
        BytesInput(parts=("records", "scan.bin"), data=random.Random(_SEED).randbytes(_SCAN_SIZE)),
    ]
    out = io.BytesIO()
    with _seeded_randomness():
        pipeline.seal_to(out, inputs, [IDENTITY.recipient], now=_SEALED_AT)
    sealed = out.getvalue()
    plain = age.decrypt_bytes(sealed, [IDENTITY])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members.pop(MANIFEST_NAME))
    return Material(sealed, plain, manifest, members)


def _random_bytes(size: int, seed: int = _SEED) -> bytes:
    return random.Random(seed).randbytes(size)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the age layer -------------------------------------------------------------------------


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
    return m.sealed[: m.payload_start] + _random_bytes(len(m.sealed) - m.payload_start)


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


# --- armor -----------------------------------------------------------------------------------


def _armored(m: Material) -> bytes:
    return seal_plaintext(m.plain, armor=True)


def _armor_lines(m: Material) -> list[bytes]:
    return _armored(m).split(b"\n")


def _armor_rewrapped(columns: int) -> Build:
    def build(m: Material) -> bytes:
        begin, *body, end, _ = _armor_lines(m)
        text = b"".join(body)
        lines = [text[i : i + columns] for i in range(0, len(text), columns)]
        return b"\n".join([begin, *lines, end, b""])

    return build


def _armor_short_line(m: Material) -> bytes:
    begin, first, *rest = _armor_lines(m)
    return b"\n".join([begin, first[:32], first[32:], *rest])


def _armor_without_end(m: Material) -> bytes:
    *lines, _, _ = _armor_lines(m)
    return b"\n".join(lines) + b"\n"


def _armor_of_garbage(m: Material) -> bytes:
    out = io.BytesIO()
    writer = ArmorWriter(out)
    writer.write(_random_bytes(5000))
    writer.close()
    return out.getvalue()


# --- the bundle ZIP inside a correctly encrypted file ------------------------------------------


def _zip(manifest: dict[str, Any] | bytes, members: list[tuple[str, bytes]]) -> bytes:
    """A bundle ZIP, everything stored: the manifest (a dict becomes JSON), then ``members``."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate names a case needs
        with zipfile.ZipFile(out, "w") as archive:
            data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            for name, content in [(MANIFEST_NAME, data), *members]:
                archive.writestr(zipfile.ZipInfo(name, (2024, 1, 2, 3, 4, 6)), content)
    return out.getvalue()


def rebuilt(m: Material) -> bytes:
    """The good bundle as the ZIP cases rebuild it, sealed again: it opens."""
    return seal_plaintext(_zip(m.manifest, _members(m)))


def _sealed_zip(make: Callable[[Material], bytes]) -> Build:
    return lambda m: seal_plaintext(make(m))


def _members(m: Material) -> list[tuple[str, bytes]]:
    return list(m.members.items())


def _renamed(name: str) -> Build:
    """The letter under ``name``, in the ZIP and in the manifest alike."""

    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        _letter_entry(path=name)(manifest)
        members = [(name if n == LETTER else n, d) for n, d in _members(m)]
        return _zip(manifest, members)

    return _sealed_zip(make)


def _added(name: str, data: bytes, *, listed: bool) -> Build:
    """Another member ``name``, listed in the manifest (as a copy of the letter's entry) or not."""

    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        if listed:
            entry = next(e for e in manifest["entries"] if e["path"] == LETTER)
            manifest["entries"].append(
                {**entry, "path": name, "size": len(data), "sha256": _sha256(data)}
            )
        return _zip(manifest, [*_members(m), (name, data)])

    return _sealed_zip(make)


def _name_replaced(plain: bytes, name: str, raw: bytes) -> bytes:
    """``name`` replaced by the bytes ``raw`` (as long) in its local header and directory record."""
    encoded = name.encode()
    assert len(raw) == len(encoded), raw
    patched = bytearray(plain)
    record = _directory_record(plain, name)
    local = _DIRECTORY_RECORD.unpack_from(plain, record)[-1]
    for at in (record + _DIRECTORY_RECORD.size, local + _LOCAL_HEADER.size):
        assert patched[at : at + len(encoded)] == encoded
        patched[at : at + len(encoded)] = raw
    return bytes(patched)


def _stored_as(listed: str, placeholder: str, raw: bytes) -> Build:
    """The letter listed in the manifest as ``listed`` and stored under the raw name ``raw``.

    zipfile writes ``placeholder``, as long as ``raw`` and marked UTF-8 when it is
    not ASCII, as zipfile marks every such name; its bytes are then replaced.
    """

    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        _letter_entry(path=listed)(manifest)
        members = [(placeholder if n == LETTER else n, d) for n, d in _members(m)]
        return _name_replaced(_zip(manifest, members), placeholder, raw)

    return _sealed_zip(make)


def _nul_in_name(m: Material) -> bytes:
    # zipfile cuts a name at NUL when it writes it, so the NUL is put in afterwards;
    # Python then reads the name up to the NUL, as the manifest has it; other tools may not.
    members = [(LETTER + "#.exe" if n == LETTER else n, d) for n, d in _members(m)]
    return _name_replaced(_zip(m.manifest, members), LETTER + "#.exe", LETTER.encode() + b"\0.exe")


def _directory_offset(plain: bytes) -> int:
    """Where the central directory starts, as the end record says (no comment follows it)."""
    offset: int = _END.unpack_from(plain, len(plain) - _END.size)[-2]
    return offset


def _directory_record(plain: bytes, name: str) -> int:
    """The offset of ``name``'s record in the central directory."""
    at = _directory_offset(plain)
    while plain[at : at + 4] == b"PK\x01\x02":
        *_, name_size, extra_size, comment_size, _, _, _, _ = _DIRECTORY_RECORD.unpack_from(
            plain, at
        )
        start = at + _DIRECTORY_RECORD.size
        if plain[start : start + name_size] == name.encode():
            return at
        at = start + name_size + extra_size + comment_size
    raise AssertionError(f"{name} is not in the central directory")


def _directory_edited(name: str, offset: int, fmt: str, change: Callable[[int], int]) -> Build:
    """A field of ``name``'s directory record (at ``offset`` into it) changed by ``change``."""

    def make(m: Material) -> bytes:
        plain = bytearray(m.plain)
        at = _directory_record(m.plain, name) + offset
        (value,) = struct.unpack_from(fmt, plain, at)
        struct.pack_into(fmt, plain, at, change(value) % (1 << (8 * struct.calcsize(fmt))))
        return bytes(plain)

    return _sealed_zip(make)


def _sizes_lie(name: str, size: Callable[[int], int]) -> Build:
    """``name``'s sizes in the central directory (compressed and not) set by ``size``."""

    def make(m: Material) -> bytes:
        plain = bytearray(m.plain)
        record = _directory_record(m.plain, name)
        for offset in (20, 24):
            (actual,) = struct.unpack_from("<I", plain, record + offset)
            struct.pack_into("<I", plain, record + offset, size(actual) % (1 << 32))
        return bytes(plain)

    return _sealed_zip(make)


def _local_name_differs(m: Material) -> bytes:
    plain = bytearray(m.plain)
    local = _DIRECTORY_RECORD.unpack_from(plain, _directory_record(m.plain, SCAN))[-1]
    last = local + _LOCAL_HEADER.size + len(SCAN) - 1
    assert plain[last] == ord("n")
    plain[last] = ord("X")
    return bytes(plain)


def _overlapping_members(count: int, kernel_size: int) -> Build:
    """Members whose data overlap: each one's data is every later member, headers included.

    The "quoted overlap" of David Fifield's "A better zip bomb" (2019), stored: every
    member matches its manifest entry, yet verifying and extracting them all reads
    and writes about ``count`` times the file.
    """

    def make(m: Material) -> bytes:
        # Made from the last member back: a member's data is the next member's
        # local header followed by that member's data.
        kernel = _random_bytes(kernel_size)
        members: list[tuple[bytes, bytes, bytes]] = []  # name, local header, data
        data = kernel
        for index in reversed(range(count)):
            name = f"ORIGINAL/o{index:03d}".encode()
            local = _LOCAL_HEADER.pack(
                b"PK\x03\x04", 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data), len(name), 0
            )
            members.insert(0, (name, local + name, data))
            data = local + name + data
        manifest = copy.deepcopy(m.manifest)
        template = manifest["entries"][0]
        manifest["entries"] = [
            {**template, "path": name.decode(), "size": len(d), "sha256": _sha256(d)}
            for name, _, d in members
        ]
        # The manifest and the cover sheet as zipfile writes them, then the members.
        front = _zip(manifest, [(n, d) for n, d in _members(m) if n not in (LETTER, SCAN)])
        *_, front_count, _, size, directory_at, _ = _END.unpack_from(front, len(front) - _END.size)
        body = front[:directory_at] + b"".join(local for _, local, _ in members) + kernel
        records, offset = [], directory_at
        for name, local, d in members:
            record = _DIRECTORY_RECORD.pack(
                b"PK\x01\x02", 20, 20, 0, 0, 0, 0, zlib.crc32(d), len(d), len(d),
                len(name), 0, 0, 0, 0, 0, offset,
            )  # fmt: skip
            records.append(record + name)
            offset += len(local)
        directory = front[directory_at : directory_at + size] + b"".join(records)
        total = front_count + count
        end = _END.pack(b"PK\x05\x06", 0, 0, total, total, len(directory), len(body), 0)
        return body + directory + end

    return _sealed_zip(make)


def _deflated_letter(m: Material) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo(MANIFEST_NAME), json.dumps(m.manifest))
        for name, data in _members(m):
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED if name == LETTER else zipfile.ZIP_STORED
            archive.writestr(info, data)
    return out.getvalue()


def _many_members(count: int) -> Build:
    def make(m: Material) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for index in range(count):
                archive.writestr(zipfile.ZipInfo(f"{index:05x}"), b"")
        return out.getvalue()

    return _sealed_zip(make)


def _directory_offset_lies(m: Material) -> bytes:
    # The directory said to start 1000 bytes later than it does: zipfile then places
    # every member 1000 bytes earlier, the first one before the start of the file.
    end = _END.unpack_from(m.plain, len(m.plain) - _END.size)
    moved = _END.pack(*end[:-2], end[-2] + 1000, end[-1])
    return m.plain[: -_END.size] + moved


def _manifest_bytes(data: bytes) -> Build:
    return _sealed_zip(lambda m: _zip(data, _members(m)))


def _manifest_edited(edit: Callable[[dict[str, Any]], None]) -> Build:
    def make(m: Material) -> bytes:
        manifest = copy.deepcopy(m.manifest)
        edit(manifest)
        return _zip(manifest, _members(m))

    return _sealed_zip(make)


def _letter_entry(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        for entry in manifest["entries"]:
            if entry["path"] == LETTER:
                entry.update(changes)

    return edit


def _huge_number(m: Material) -> bytes:
    # Written by hand: Python refuses to turn an int this long into text.
    manifest = copy.deepcopy(m.manifest)
    _letter_entry(size=-1)(manifest)
    text = json.dumps(manifest).encode()
    assert text.count(b'"size": -1') == 1
    return _zip(text.replace(b'"size": -1', b'"size": 1' + b"0" * 5000), _members(m))


def _without_manifest(m: Material) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in _members(m):
            archive.writestr(name, data)
    return out.getvalue()


# --- inputs to sealing ------------------------------------------------------------------------


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
        archive.writestr("scan/model.bin", _random_bytes(3000))
    return out.getvalue()


# --- the table --------------------------------------------------------------------------------

_SPEC = "age spec"
_CCTV = "CCTV"
_LIMITS = "limits"
_ZIP = "ZIP"
_TRAVERSAL = "path traversal"
_FUZZ = "fuzzing"
_DICOM = "DICOM"
_DESIGN = "design"


def _age_cases() -> list[Case]:
    cases = [
        Case("empty-file", "an empty file", _CCTV, lambda _: b"", age.HeaderError),
        Case("random-bytes", "4 KiB of random bytes", _SPEC,
             lambda _: _random_bytes(4096), age.HeaderError),
        Case("intro-only", "the version line and nothing else", _SPEC,
             lambda _: b"age-encryption.org/v1\n", age.HeaderError),
        Case("garbage-body", "a valid header and nonce followed by random bytes", _SPEC,
             _garbage_payload, age.PayloadError),
        Case("wrong-key", "a good file sealed to another key", _CCTV,
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
        cases.append(Case(case_id, what, _CCTV, _cut(where), expected))
    for index in range(4):
        cases.append(
            Case(
                f"truncated-at-chunk-{index}",
                f"cut at the start of chunk {index} (of 4), on a chunk boundary",
                _CCTV,
                _cut(_chunk_at(index)),
                age.PayloadError,
            )
        )
    cases += [
        Case("truncated-in-last-chunk", "the last byte cut off", _CCTV,
             _cut(lambda mm: len(mm.sealed) - 1), age.PayloadError),
        Case("header-flip-intro", "a bit flipped in the version line's first letter", _SPEC,
             _flipped(lambda _: 0), age.HeaderError),
        Case("header-flip-version", "a bit flipped in the version: v1 becomes v0", _SPEC,
             _flipped(_after(b"v1", 1)), age.HeaderError),
        Case("header-flip-arrow", "a bit flipped in a stanza's `->`", _SPEC,
             _flipped(_after(b"-> ", 1)), age.HeaderError),
        Case("header-flip-stanza-type", "a bit flipped in the stanza type: X25519 becomes Y25519",
             _SPEC, _flipped(_after(b"-> X25519", 3)), age.NoIdentityMatchError),
        Case("header-flip-share-text", "the top bit of a base64 letter of the share set",
             _SPEC, _flipped(_after(b"-> X25519 ", 15), bit=7), age.HeaderError),
        Case("header-flip-share", "a bit flipped in the X25519 share (still base64)", _SPEC,
             _share_flipped, age.NoIdentityMatchError),
        Case("header-flip-wrapped-key", "a bit flipped in the wrapped file key", _SPEC,
             _body_flipped, age.NoIdentityMatchError),
        Case("header-flip-footer", "a bit flipped in the MAC line's `---`", _SPEC,
             _flipped(_after(b"\n--- ", 1)), age.HeaderError),
        Case("mac-flip", "a bit flipped in the header MAC (still base64)", _CCTV,
             _mac_flipped, age.HeaderMACError),
        Case("mac-flip-text", "the top bit of a base64 letter of the MAC set", _CCTV,
             _flipped(_after(b"\n--- ", 8), bit=7), age.HeaderError),
        Case("payload-flip-nonce", "a bit flipped in the payload nonce", _CCTV,
             _flipped(lambda mm: mm.header_end + 3), age.PayloadError),
    ]  # fmt: skip
    for index in range(4):
        cases.append(
            Case(
                f"payload-flip-chunk-{index}",
                f"a bit flipped in chunk {index} (of 4)",
                _CCTV,
                _flipped(_chunk_at(index, 1000)),
                age.PayloadError,
            )
        )
    cases += [
        Case("payload-flip-last-tag", "a bit flipped in the last chunk's tag", _CCTV,
             _flipped(lambda mm: len(mm.sealed) - 1), age.PayloadError),
        Case("chunks-swapped", "chunks 0 and 1 swapped", _CCTV, _chunks_swapped,
             age.PayloadError),
        Case("chunk-dropped", "chunk 1 left out", _CCTV, _chunk_dropped, age.PayloadError),
        Case("trailing-byte", "one byte after the last chunk", _CCTV,
             lambda mm: mm.sealed + b"\0", age.PayloadError),
        Case("trailing-chunk", "a whole chunk of random bytes after the last chunk", _CCTV,
             lambda mm: mm.sealed + _random_bytes(ENCRYPTED_CHUNK_SIZE), age.PayloadError),
        Case("header-line-10kb", "a stanza argument of 10 000 characters", _LIMITS,
             _long_argument, age.HeaderError),
        Case("stanzas-10000", "10 000 X25519 stanzas, none for this key (a 980 KB header)",
             _LIMITS, _many_stanzas(10_000), age.NoIdentityMatchError),
        Case("stanzas-20000", "20 000 stanzas: a header over 1 MiB", _LIMITS,
             _many_stanzas(20_000), age.HeaderError),
        Case("stanza-body-1mb", "a stanza body of 1 MB", _LIMITS, _stanza_with_body(1_000_000),
             age.HeaderError),
        Case("stanza-body-one-line", "a stanza body of 1 MiB on one base64 line", _LIMITS,
             _unwrapped_body, age.HeaderError),
        Case("scrypt-work-factor-30",
             "a passphrase stanza asking for scrypt work factor 30 (minutes and 128 GiB)",
             _SPEC, _scrypt_work_factor("30"), age.WorkFactorTooHighError, secret="passphrase",
             seconds=1.0),
        Case("scrypt-work-factor-huge", "a passphrase stanza asking for work factor 4294967296",
             _CCTV, _scrypt_work_factor("4294967296"), age.WorkFactorTooHighError,
             secret="passphrase", seconds=1.0),
        Case("scrypt-beside-a-key", "a passphrase stanza beside an X25519 stanza", _CCTV,
             _scrypt_beside_a_key, age.HeaderError),
    ]  # fmt: skip
    return cases


def _armor_cases() -> list[Case]:
    return [
        Case("armor-junk-before", "armored text after a line of e-mail text", _CCTV,
             lambda mm: b"Forwarded message:\n" + _armored(mm), age.ArmorError),
        Case("armor-junk-after", "armored text followed by an e-mail signature", _CCTV,
             lambda mm: _armored(mm) + b"-- \nSent from my phone\n", age.ArmorError),
        Case("armor-lines-76", "armored text re-wrapped at 76 columns, as mail clients do",
             _CCTV, _armor_rewrapped(76), age.ArmorError),
        Case("armor-short-line", "a 32-column line inside the armor", _CCTV, _armor_short_line,
             age.ArmorError),
        Case("armor-no-end", "armored text without its END line", _CCTV, _armor_without_end,
             age.ArmorError),
        Case("armor-of-garbage", "well-formed armor around random bytes", _SPEC,
             _armor_of_garbage, age.HeaderError),
    ]  # fmt: skip


def _zip_cases() -> list[Case]:
    return [
        Case("zip-dotdot", "a member named `../letter.txt` (in the manifest too)", _TRAVERSAL,
             _renamed("../letter.txt"), UnsafePathError),
        Case("zip-dotdot-inside", "a member named `ORIGINAL/../../letter.txt`", _TRAVERSAL,
             _renamed("ORIGINAL/../../letter.txt"), UnsafePathError),
        Case("zip-absolute", "a member named `/etc/cron.d/letter`", _TRAVERSAL,
             _renamed("/etc/cron.d/letter"), UnsafePathError),
        Case("zip-drive-letter", "a member named `C:/Users/Public/letter.txt`", _TRAVERSAL,
             _renamed("C:/Users/Public/letter.txt"), UnsafePathError),
        Case("zip-drive-relative", "a member named `c:letter.txt`", _TRAVERSAL,
             _renamed("c:letter.txt"), UnsafePathError),
        Case("zip-backslash", "a member named `ORIGINAL\\..\\..\\letter.txt`", _TRAVERSAL,
             _renamed("ORIGINAL\\..\\..\\letter.txt"), UnsafePathError),
        Case("zip-nul", "a member named `letter.txt`, NUL, `.exe`", _TRAVERSAL,
             _sealed_zip(_nul_in_name), UnsafePathError),
        Case("zip-duplicate", "the letter twice under the same name", _TRAVERSAL,
             _added(LETTER, b"another letter\n", listed=False), UnsafePathError),
        Case("zip-duplicate-folded", "`letter.txt` and `LETTER.TXT`, both in the manifest",
             _TRAVERSAL, _added(LETTER.upper(), b"another letter\n", listed=True),
             UnsafePathError),
        Case("zip-name-not-utf8", "a name marked UTF-8 whose bytes are not", _ZIP,
             _stored_as(CAFE, CAFE, b"ORIGINAL/records/caf\xff\xfe.txt"), UnsafePathError),
        Case("zip-name-legacy",
             "a name not marked UTF-8 with a byte above 127 (code page 437 to Python)", _ZIP,
             _stored_as(CAFE, "ORIGINAL/records/caf#.txt", b"ORIGINAL/records/caf\x82.txt"),
             UnsafePathError),
        # A lone surrogate is no character, wherever it is: the manifest is not Unicode.
        Case("manifest-path-surrogate", "a manifest path holding a lone UTF-16 surrogate",
             _TRAVERSAL, _manifest_edited(_letter_entry(path="ORIGINAL/records/\ud800.txt")),
             ManifestError),
        Case("zip-sizes-lie", "the directory says the letter is one byte longer", _ZIP,
             _sizes_lie(LETTER, lambda size: size + 1), EntryMismatchError),
        Case("zip-sizes-lie-2gib", "the directory says the letter is 2 GiB longer", _ZIP,
             _sizes_lie(LETTER, lambda size: size + (1 << 31)), EntryMismatchError),
        Case("zip-local-name-differs", "a local header naming another file than the directory",
             _ZIP, _sealed_zip(_local_name_differs), EntryMismatchError),
        Case("zip-overlapping-members",
             "100 members whose data overlap: a zip bomb of 2 MiB that verifies as 200 MiB",
             _ZIP, _overlapping_members(100, 2 * _MIB), EntryMismatchError),
        Case("zip-deflated-member", "the letter compressed (bundles store every file)", _ZIP,
             _sealed_zip(_deflated_letter), EntryMismatchError),
        Case("zip-encrypted-member", "the letter marked as encrypted", _ZIP,
             _directory_edited(LETTER, 8, "<H", lambda flags: flags | 1), EntryMismatchError),
        Case("zip-unsupported-version", "a member needing ZIP version 9.9 to extract", _FUZZ,
             _directory_edited(LETTER, 6, "<H", lambda _: 99), ManifestError),
        Case("zip-directory-offset-lies", "the directory's offset 1000 bytes too far", _FUZZ,
             _sealed_zip(_directory_offset_lies), EntryMismatchError),
        Case("zip-70000-members", "70 000 empty members (far more than a manifest can list)",
             _LIMITS, _many_members(70_000), EntryMismatchError),
        Case("zip-extra-member", "a member the manifest does not list", _ZIP,
             _added("ORIGINAL/records/extra.txt", b"smuggled\n", listed=False),
             EntryMismatchError),
        Case("zip-missing-member", "a member the manifest lists is not in the ZIP", _ZIP,
             _sealed_zip(lambda mm: _zip(mm.manifest, [(n, d) for n, d in _members(mm)
                                                     if n != LETTER])),
             EntryMismatchError),
        Case("zip-member-altered", "the letter's bytes differ from its sha256", _ZIP,
             _sealed_zip(lambda mm: _zip(mm.manifest, [(n, d.upper() if n == LETTER else d)
                                                     for n, d in _members(mm)])),
             EntryMismatchError),
        Case("zip-truncated", "the bundle ZIP cut in half", _ZIP,
             _sealed_zip(lambda mm: mm.plain[: len(mm.plain) // 2]), ManifestError),
        Case("zip-not-a-zip", "random bytes where the bundle ZIP should be", _ZIP,
             _sealed_zip(lambda _: _random_bytes(50_000)), ManifestError),
        Case("manifest-missing", "a bundle without `ORTHOSHARE.json`", _ZIP,
             _sealed_zip(_without_manifest), ManifestError),
        Case("manifest-declared-100mb", "the directory says `ORTHOSHARE.json` is 100 MB", _LIMITS,
             _sizes_lie(MANIFEST_NAME, lambda _: 100_000_000), ManifestError),
        Case("manifest-100mb", "a real `ORTHOSHARE.json` of 100 MB", _LIMITS,
             _manifest_bytes(b"{" + b" " * 100_000_000 + b"}"), ManifestError, seconds=60.0),
        Case("manifest-dense", "an 8 MiB manifest of tiny JSON values: `[[],[],…]`", _LIMITS,
             _manifest_bytes(b"[" + b"[]," * (8 * _MIB // 3) + b"[]]"), ManifestError),
        Case("manifest-deep", "a manifest nested 100 000 levels deep", _LIMITS,
             _manifest_bytes(b"[" * 100_000 + b"]" * 100_000), ManifestError),
        Case("manifest-open-escaped-quotes", "an 8 MiB manifest of one string left open: "
             "`\"\\\"\\\"…`", _LIMITS,
             _manifest_bytes(b'"' + b'\\"' * (4 * _MIB)), ManifestError),
        Case("manifest-quotes", "an 8 MiB manifest of quotes: four million empty strings",
             _LIMITS, _manifest_bytes(b'"' * (8 * _MIB)), ManifestError),
        Case("manifest-huge-number", "a size of 5000 digits", _FUZZ,
             _sealed_zip(_huge_number), ManifestError),
        Case("manifest-not-utf8", "a manifest in UTF-16", _ZIP,
             _manifest_bytes(json.dumps({"format": "orthoshare/1"}).encode("utf-16")),
             ManifestError),
    ]  # fmt: skip


def _seal_cases() -> list[Case]:
    return [
        Case("dicom-truncated", "a DICOM CT cut in half, given to seal", _DICOM, _dicom_cut,
             InputError, action="seal", file_name="CT_small-cut.dcm"),
        Case("dicom-name-length-lies", "a DICOM CT whose PatientName length points past its end",
             _DICOM, _dicom_name_length_lies, InputError, action="seal",
             file_name="CT_small-name.dcm"),
        Case("dicom-pixel-length-lies", "a DICOM CT whose Pixel Data says 4 GB", _DICOM,
             _dicom_pixel_length_lies, InputError, action="seal", file_name="CT_small-pixels.dcm"),
        Case("dcm-that-is-a-zip",
             "a 3Shape-style `.dcm` that is a ZIP: sealed byte-exact as an original, not as DICOM",
             _DESIGN, _zip_named_dcm, None, action="seal", file_name="upper_jaw.dcm"),
    ]  # fmt: skip


CASES: tuple[Case, ...] = (*_age_cases(), *_armor_cases(), *_zip_cases(), *_seal_cases())
OPEN_CASES = tuple(case for case in CASES if case.action == "open")
SEAL_CASES = tuple(case for case in CASES if case.action == "seal")
assert len({case.id for case in CASES}) == len(CASES), "two cases share an id"
