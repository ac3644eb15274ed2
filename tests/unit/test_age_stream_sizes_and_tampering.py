"""The payload at chunk boundaries, and every way of damaging a file is refused."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from orthoshare import age
from orthoshare.age.format import parse_header
from orthoshare.age.primitives import AuthenticationError, get_backend
from orthoshare.age.stream import BATCH, CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 1]
IDENTITY = age.X25519Identity.generate()
PAYLOAD_NONCE_SIZE = 16


def payload_offset(sealed: bytes) -> int:
    """Where the STREAM chunks start: after the header and the payload nonce."""
    source = io.BytesIO(sealed)
    parse_header(source)
    return source.tell() + PAYLOAD_NONCE_SIZE


def sealed_with_chunks(size: int) -> tuple[bytes, bytes, int]:
    plaintext = os.urandom(size)
    sealed = age.encrypt_bytes(plaintext, [IDENTITY.recipient])
    return plaintext, sealed, payload_offset(sealed)


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    plaintext, sealed, start = sealed_with_chunks(size)
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert len(sealed) - start == size + 16 * chunks
    assert age.decrypt_bytes(sealed, [IDENTITY]) == plaintext


def test_exactly_one_chunk_of_plaintext_is_one_full_final_chunk() -> None:
    _, sealed, start = sealed_with_chunks(CHUNK_SIZE)
    assert len(sealed) - start == ENCRYPTED_CHUNK_SIZE


def test_writes_of_any_size_give_the_same_plaintext() -> None:
    plaintext = os.urandom(3 * CHUNK_SIZE + 77)
    out = io.BytesIO()
    piece_sizes = [0, 1, 999, CHUNK_SIZE, 5, 2 * CHUNK_SIZE + 3]
    with age.Encryptor(out, [IDENTITY.recipient]) as encryptor:
        start = 0
        for size in piece_sizes * 3:
            encryptor.write(plaintext[start : start + size])
            start += size
        encryptor.write(plaintext[start:])
    assert age.decrypt_bytes(out.getvalue(), [IDENTITY]) == plaintext


def test_an_encryptor_left_by_an_exception_writes_no_final_chunk() -> None:
    out = io.BytesIO()
    with pytest.raises(RuntimeError), age.Encryptor(out, [IDENTITY.recipient]) as encryptor:
        encryptor.write(os.urandom(2 * CHUNK_SIZE + 5))
        raise RuntimeError("reading the input failed")
    with pytest.raises(age.PayloadError):
        age.decrypt_bytes(out.getvalue(), [IDENTITY])


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_a_flipped_byte_anywhere_in_the_header_is_refused() -> None:
    _, sealed, start = sealed_with_chunks(10)
    header_end = start - PAYLOAD_NONCE_SIZE
    for index in range(header_end):
        with pytest.raises((age.HeaderError, age.HeaderMACError, age.NoIdentityMatchError)):
            age.decrypt_bytes(flip(sealed, index), [IDENTITY])


def test_a_flipped_mac_byte_is_an_hmac_failure() -> None:
    _, sealed, start = sealed_with_chunks(10)
    first = sealed.rindex(b"--- ", 0, start) + 4
    # Another base64 letter keeps the header well-formed, so only the MAC is wrong.
    other = b"B" if sealed[first : first + 1] == b"A" else b"A"
    with pytest.raises(age.HeaderMACError):
        age.decrypt_bytes(sealed[:first] + other + sealed[first + 1 :], [IDENTITY])


def test_a_flipped_payload_nonce_byte_is_a_payload_failure() -> None:
    _, sealed, start = sealed_with_chunks(10)
    with pytest.raises(age.PayloadError):
        age.decrypt_bytes(flip(sealed, start - 1), [IDENTITY])


@pytest.mark.parametrize("chunk", [0, 1, 2, 3])
def test_a_flipped_byte_in_any_chunk_is_a_payload_failure(chunk: int) -> None:
    _, sealed, start = sealed_with_chunks(3 * CHUNK_SIZE + 100)
    for offset in (0, 1000, ENCRYPTED_CHUNK_SIZE - 1):
        index = min(start + chunk * ENCRYPTED_CHUNK_SIZE + offset, len(sealed) - 1)
        with pytest.raises(age.PayloadError):
            age.decrypt_bytes(flip(sealed, index), [IDENTITY])


def test_truncation_at_and_between_chunk_boundaries_is_a_payload_failure() -> None:
    _, sealed, start = sealed_with_chunks(3 * CHUNK_SIZE)
    cuts = []
    for chunk in range(3):
        boundary = start + chunk * ENCRYPTED_CHUNK_SIZE
        cuts += [boundary, boundary + 1, boundary + 16, boundary + ENCRYPTED_CHUNK_SIZE // 2]
    cuts.append(len(sealed) - 1)
    for cut in cuts:
        with pytest.raises(age.PayloadError):
            age.decrypt_bytes(sealed[:cut], [IDENTITY])


def test_truncation_inside_the_header_or_nonce_is_a_header_failure() -> None:
    _, sealed, start = sealed_with_chunks(10)
    for cut in range(0, start, 7):
        with pytest.raises(age.HeaderError):
            age.decrypt_bytes(sealed[:cut], [IDENTITY])


@pytest.mark.parametrize("extra", [b"\x00", b"\n", os.urandom(ENCRYPTED_CHUNK_SIZE)])
def test_trailing_data_after_a_full_final_chunk_is_a_payload_failure(extra: bytes) -> None:
    _, sealed, _ = sealed_with_chunks(2 * CHUNK_SIZE)
    with pytest.raises(age.PayloadError, match="after the final chunk"):
        age.decrypt_bytes(sealed + extra, [IDENTITY])


@pytest.mark.parametrize("extra", [b"\x00", os.urandom(ENCRYPTED_CHUNK_SIZE)])
def test_trailing_data_after_a_short_final_chunk_is_a_payload_failure(extra: bytes) -> None:
    # The extra bytes become part of the short chunk, which then fails authentication.
    _, sealed, _ = sealed_with_chunks(CHUNK_SIZE + 10)
    with pytest.raises(age.PayloadError):
        age.decrypt_bytes(sealed + extra, [IDENTITY])


def test_swapped_or_dropped_chunks_are_a_payload_failure() -> None:
    _, sealed, start = sealed_with_chunks(3 * CHUNK_SIZE + 100)
    head = sealed[:start]
    step = ENCRYPTED_CHUNK_SIZE
    chunks = [sealed[i : i + step] for i in range(start, len(sealed), step)]
    swapped = head + chunks[1] + chunks[0] + b"".join(chunks[2:])
    dropped = head + chunks[0] + b"".join(chunks[2:])
    duplicated = head + chunks[0] + b"".join(chunks)
    for damaged in (swapped, dropped, duplicated):
        with pytest.raises(age.PayloadError):
            age.decrypt_bytes(damaged, [IDENTITY])


def test_the_streaming_reader_releases_chunks_authenticated_before_the_damage() -> None:
    plaintext, sealed, start = sealed_with_chunks(3 * CHUNK_SIZE)
    damaged = flip(sealed, start + 2 * ENCRYPTED_CHUNK_SIZE + 5)
    released = bytearray()
    with pytest.raises(age.PayloadError):
        for chunk in age.Decryptor(io.BytesIO(damaged), [IDENTITY]).chunks():
            released += chunk
    assert bytes(released) == plaintext[: 2 * CHUNK_SIZE]


def test_a_failed_decrypt_file_leaves_no_output_and_keeps_an_existing_file(
    tmp_path: Path,
) -> None:
    _, sealed, _ = sealed_with_chunks(3 * CHUNK_SIZE)
    damaged = tmp_path / "damaged.age"
    damaged.write_bytes(sealed[:-1])
    fresh = tmp_path / "fresh.bin"
    existing = tmp_path / "existing.bin"
    existing.write_bytes(b"earlier result")

    for target in (fresh, existing):
        with pytest.raises(age.PayloadError):
            age.decrypt_file(damaged, target, [IDENTITY])

    assert not fresh.exists()
    assert existing.read_bytes() == b"earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.age", "existing.bin"]


def test_decrypt_file_and_encrypt_file_round_trip(tmp_path: Path) -> None:
    plaintext = os.urandom(2 * CHUNK_SIZE + 3)
    (tmp_path / "plain").write_bytes(plaintext)
    age.encrypt_file(tmp_path / "plain", tmp_path / "sealed.age", [IDENTITY.recipient])
    age.decrypt_file(tmp_path / "sealed.age", tmp_path / "opened", [IDENTITY])
    assert (tmp_path / "opened").read_bytes() == plaintext
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opened", "plain", "sealed.age"]


# Chunks in the middle of a batch (opened many in one call), its first and last, and
# the ones after the last full batch (opened one at a time).
@pytest.mark.parametrize("damaged_chunk", [0, 3, BATCH - 1, BATCH, 2 * BATCH + 1, 3 * BATCH])
def test_damage_inside_a_batch_releases_exactly_the_chunks_before_it(damaged_chunk: int) -> None:
    plaintext, sealed, start = sealed_with_chunks(3 * BATCH * CHUNK_SIZE + 10)
    damaged = flip(sealed, start + damaged_chunk * ENCRYPTED_CHUNK_SIZE + 5)
    released = bytearray()
    with pytest.raises(age.PayloadError, match=f"chunk {damaged_chunk} failed authentication"):
        for chunk in age.Decryptor(io.BytesIO(damaged), [IDENTITY]).chunks():
            released += chunk
    assert bytes(released) == plaintext[: damaged_chunk * CHUNK_SIZE]


@pytest.mark.parametrize("chunks", [BATCH - 1, BATCH, BATCH + 1, 2 * BATCH])
def test_payloads_around_a_whole_batch_of_full_chunks_round_trip(chunks: int) -> None:
    for size in (chunks * CHUNK_SIZE, chunks * CHUNK_SIZE + 1):
        plaintext, sealed, _ = sealed_with_chunks(size)
        assert age.decrypt_bytes(sealed, [IDENTITY]) == plaintext
        with pytest.raises(age.PayloadError):
            age.decrypt_bytes(sealed[: -ENCRYPTED_CHUNK_SIZE // 2], [IDENTITY])


class SealsWhereItWrites:
    """A SealingSink, as the page's is: it seals what STREAM hands it, in order."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.calls: list[int] = []

    def write(self, data: bytes) -> int:
        return self.out.write(data)

    def seal_each(self, key: bytes, nonces: bytes, plaintext: memoryview, size: int) -> None:
        self.calls.append(len(plaintext))
        self.out.write(get_backend().chacha20poly1305(key).seal_each(nonces, plaintext, size))


@pytest.mark.parametrize("size", [*SIZES, 10 * CHUNK_SIZE + 3])
def test_a_sink_that_seals_gets_every_chunk_and_the_file_opens(size: int) -> None:
    plaintext = os.urandom(size)
    sink = SealsWhereItWrites()
    with age.Encryptor(sink, [IDENTITY.recipient]) as encryptor:
        for at in range(0, size, 100_000):
            encryptor.write(plaintext[at : at + 100_000])
    assert age.decrypt_bytes(sink.out.getvalue(), [IDENTITY]) == plaintext
    assert sum(sink.calls) == size
    assert all(n > 0 and n % CHUNK_SIZE == 0 for n in sink.calls[:-1])


def test_an_armored_file_is_sealed_before_the_armor_not_by_the_sink() -> None:
    sink = SealsWhereItWrites()
    with age.Encryptor(sink, [IDENTITY.recipient], armor=True) as encryptor:
        encryptor.write(b"x" * (3 * CHUNK_SIZE))
    assert sink.calls == []
    assert age.decrypt_bytes(sink.out.getvalue(), [IDENTITY]) == b"x" * (3 * CHUNK_SIZE)


def opened_by_plan(sealed: bytes) -> bytes:
    """The payload opened as the page's second worker opens it: batch by batch, as planned."""
    plan = age.plan_payload(io.BytesIO(sealed), len(sealed), [IDENTITY])
    assert plan is not None
    aead = get_backend().chacha20poly1305(plan.key)
    opened = bytearray()
    for index, (offset, length, nonces) in enumerate(plan.batches):
        try:
            opened += aead.open_each(nonces, sealed[offset : offset + length], ENCRYPTED_CHUNK_SIZE)
        except AuthenticationError:
            src = io.BytesIO(sealed)
            src.seek(offset)
            raise plan.failure(src, index) from None
    return bytes(opened)


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE + 1, 3 * BATCH * CHUNK_SIZE + 7])
def test_a_payload_opened_as_planned_is_the_plaintext(size: int) -> None:
    plaintext, sealed, start = sealed_with_chunks(size)
    assert opened_by_plan(sealed) == plaintext
    plan = age.plan_payload(io.BytesIO(sealed), len(sealed), [IDENTITY])
    assert plan is not None
    assert (
        plan.batches[0][0] == start
        and sum(length for _, length, _ in plan.batches) == len(sealed) - start
    )
    assert all(len(nonces) == BATCH * 12 for _, _, nonces in plan.batches[:-1])


def test_no_plan_where_only_trying_the_last_chunk_tells_or_the_file_is_armored() -> None:
    _, full_final, _ = sealed_with_chunks(2 * CHUNK_SIZE)
    _, cut_at_a_chunk, start = sealed_with_chunks(3 * CHUNK_SIZE + 5)
    cut_at_a_chunk = cut_at_a_chunk[: start + 2 * ENCRYPTED_CHUNK_SIZE]
    armored = age.encrypt_bytes(b"x" * 100, [IDENTITY.recipient], armor=True)
    for sealed in (full_final, cut_at_a_chunk, armored):
        assert age.plan_payload(io.BytesIO(sealed), len(sealed), [IDENTITY]) is None


@pytest.mark.parametrize("damage", ["flip 0", "flip 9", "flip last", "cut short", "add a byte"])
def test_a_damaged_payload_fails_as_planned_exactly_as_when_streamed(damage: str) -> None:
    _, sealed, start = sealed_with_chunks(2 * BATCH * CHUNK_SIZE + 1000)
    damaged = {
        "flip 0": flip(sealed, start + 3),
        "flip 9": flip(sealed, start + 9 * ENCRYPTED_CHUNK_SIZE + 3),
        "flip last": flip(sealed, len(sealed) - 1),
        "cut short": sealed[:-100],
        "add a byte": sealed + b"\0",
    }[damage]
    with pytest.raises(age.PayloadError) as streamed:
        age.decrypt_bytes(damaged, [IDENTITY])
    with pytest.raises(age.PayloadError) as planned:
        opened_by_plan(damaged)
    assert str(planned.value) == str(streamed.value)
