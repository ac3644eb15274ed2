"""The pure-Python reference backend meets the RFCs and agrees with the default one.

Each primitive is checked twice: against the published test vectors (so the
reference is right on its own terms) and against ``cryptography`` (so the two
backends are interchangeable behind :class:`Primitives`). ``cryptography`` is
imported here, never in the reference backend itself.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from reference_primitives import (
    ReferencePrimitives,
    aead_open,
    aead_seal,
    chacha20_block,
    chacha20_xor,
    poly1305,
    x25519,
)

from orthoshare.age import primitives
from orthoshare.age.primitives import (
    BASEPOINT,
    AuthenticationError,
    CryptographyPrimitives,
    Primitives,
)

# Lengths around the 16-byte Poly1305 and 64-byte ChaCha20 block boundaries,
# where padding and keystream bookkeeping go wrong if they are going to.
MESSAGE_LENGTHS = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000]

SUNSCREEN = (
    b"Ladies and Gentlemen of the class of '99: If I could offer you only one"
    b" tip for the future, sunscreen would be it."
)


def _rng(seed: int) -> random.Random:
    # Seeded, so a failing "random" case can be replayed exactly.
    return random.Random(seed)


def _cryptography_x25519(scalar: bytes, point: bytes) -> bytes:
    private = X25519PrivateKey.from_private_bytes(scalar)
    return private.exchange(X25519PublicKey.from_public_bytes(point))


# --- ChaCha20 and Poly1305 on their own (RFC 8439) ---------------------------


def test_chacha20_block_matches_rfc8439_section_2_3_2() -> None:
    key = bytes(range(32))
    nonce = bytes.fromhex("000000090000004a00000000")
    expected = bytes.fromhex(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
    )
    assert chacha20_block(key, 1, nonce) == expected


def test_chacha20_encryption_matches_rfc8439_section_2_4_2() -> None:
    key = bytes(range(32))
    nonce = bytes.fromhex("000000000000004a00000000")
    expected = bytes.fromhex(
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        "5af90bbf74a35be6b40b8eedf2785e42874d"
    )
    assert chacha20_xor(key, 1, nonce, SUNSCREEN) == expected
    assert chacha20_xor(key, 1, nonce, expected) == SUNSCREEN


def test_poly1305_matches_rfc8439_section_2_5_2() -> None:
    key = bytes.fromhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
    tag = poly1305(key, b"Cryptographic Forum Research Group")
    assert tag == bytes.fromhex("a8061dc1305136c6c22b8baf0c0127a9")


def test_poly1305_key_generation_matches_rfc8439_section_2_6_2() -> None:
    key = bytes(range(0x80, 0xA0))
    nonce = bytes.fromhex("000000000001020304050607")
    expected = bytes.fromhex("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646")
    assert chacha20_block(key, 0, nonce)[:32] == expected


# --- ChaCha20-Poly1305 AEAD ----------------------------------------------------

RFC8439_AEAD_KEY = bytes(range(0x80, 0xA0))
RFC8439_AEAD_NONCE = bytes.fromhex("070000004041424344454647")
RFC8439_AEAD_AAD = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
RFC8439_AEAD_SEALED = bytes.fromhex(
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
    "3ff4def08e4b7a9de576d26586cec64b6116"
    "1ae10b594f09e26a7e902ecbd0600691"  # the tag
)


def test_aead_seal_matches_rfc8439_section_2_8_2() -> None:
    sealed = aead_seal(RFC8439_AEAD_KEY, RFC8439_AEAD_NONCE, SUNSCREEN, RFC8439_AEAD_AAD)
    assert sealed == RFC8439_AEAD_SEALED


def test_aead_open_recovers_rfc8439_section_2_8_2_plaintext() -> None:
    opened = aead_open(RFC8439_AEAD_KEY, RFC8439_AEAD_NONCE, RFC8439_AEAD_SEALED, RFC8439_AEAD_AAD)
    assert opened == SUNSCREEN


def test_aead_open_rejects_rfc8439_vector_without_its_aad() -> None:
    # The associated data is authenticated, so leaving it off must fail.
    with pytest.raises(AuthenticationError):
        aead_open(RFC8439_AEAD_KEY, RFC8439_AEAD_NONCE, RFC8439_AEAD_SEALED)


@pytest.mark.parametrize("length", MESSAGE_LENGTHS)
def test_seal_matches_cryptography_for_random_keys_and_nonces(length: int) -> None:
    rng = _rng(8439 + length)
    for _ in range(3):
        key, nonce = rng.randbytes(32), rng.randbytes(12)
        plaintext = rng.randbytes(length)
        expected = ChaCha20Poly1305(key).encrypt(nonce, plaintext, None)
        reference = ReferencePrimitives().chacha20poly1305(key)
        assert reference.seal(nonce, plaintext) == expected
        assert reference.open(nonce, expected) == plaintext


def _tamper_cases() -> list[tuple[str, bytes, bytes]]:
    key, nonce = bytes(range(32)), bytes(range(12))
    sealed = aead_seal(key, nonce, b"attack at dawn, bring snacks")

    def flip(index: int) -> bytes:
        changed = bytearray(sealed)
        changed[index] ^= 0x01
        return bytes(changed)

    return [
        ("first ciphertext byte", nonce, flip(0)),
        ("last ciphertext byte", nonce, flip(len(sealed) - 17)),
        ("first tag byte", nonce, flip(len(sealed) - 16)),
        ("last tag byte", nonce, flip(len(sealed) - 1)),
        ("truncated", nonce, sealed[:-1]),
        ("extended", nonce, sealed + b"\x00"),
        ("shorter than a tag", nonce, sealed[:15]),
        ("empty", nonce, b""),
        ("other nonce", bytes(12), sealed),
    ]


TAMPER_CASES = _tamper_cases()


@pytest.mark.parametrize(
    ("nonce", "sealed"),
    [case[1:] for case in TAMPER_CASES],
    ids=[case[0] for case in TAMPER_CASES],
)
def test_open_raises_authentication_error_on_tampered_ciphertext(
    nonce: bytes, sealed: bytes
) -> None:
    aead = ReferencePrimitives().chacha20poly1305(bytes(range(32)))
    with pytest.raises(AuthenticationError):
        aead.open(nonce, sealed)


def test_open_raises_authentication_error_under_another_key() -> None:
    nonce = bytes(12)
    sealed = ReferencePrimitives().chacha20poly1305(bytes(32)).seal(nonce, b"hello")
    with pytest.raises(AuthenticationError):
        ReferencePrimitives().chacha20poly1305(bytes([1]) + bytes(31)).open(nonce, sealed)


# --- X25519 (RFC 7748) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("scalar", "point", "expected"),
    [
        (
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
        ),
        (
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            # The top bit of this u-coordinate is set; it must be ignored.
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
        ),
    ],
    ids=["vector-1", "vector-2"],
)
def test_x25519_matches_rfc7748_section_5_2_vectors(scalar: str, point: str, expected: str) -> None:
    result = x25519(bytes.fromhex(scalar), bytes.fromhex(point))
    assert result == bytes.fromhex(expected)


def test_x25519_iterated_matches_rfc7748_section_5_2() -> None:
    # The RFC's million-iteration value would take minutes in pure Python;
    # one and a thousand iterations already exercise the ladder heavily.
    k = u = BASEPOINT
    for iteration in range(1, 1001):
        k, u = x25519(k, u), k
        if iteration == 1:
            assert k == bytes.fromhex(
                "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"
            )
    assert k == bytes.fromhex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")


def test_x25519_diffie_hellman_matches_rfc7748_section_6_1() -> None:
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    alice_public = x25519(alice, BASEPOINT)
    bob_public = x25519(bob, BASEPOINT)
    assert alice_public == bytes.fromhex(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    )
    assert bob_public == bytes.fromhex(
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    )
    shared = bytes.fromhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    assert x25519(alice, bob_public) == shared
    assert x25519(bob, alice_public) == shared


def test_x25519_matches_cryptography_for_random_keys() -> None:
    rng = _rng(7748)
    for _ in range(25):
        scalar, point = rng.randbytes(32), rng.randbytes(32)
        assert x25519(scalar, point) == _cryptography_x25519(scalar, point)
        assert x25519(scalar, BASEPOINT) == (
            X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes_raw()
        )


def test_x25519_ignores_the_top_bit_of_the_point() -> None:
    rng = _rng(255)
    scalar, point = rng.randbytes(32), bytearray(rng.randbytes(32))
    point[31] &= 0x7F
    with_top_bit = bytes(point[:31]) + bytes([point[31] | 0x80])
    assert x25519(scalar, with_top_bit) == x25519(scalar, bytes(point))


# The points of order dividing 8 on Curve25519, and non-canonical encodings of
# them (p - 1, p, p + 1): every one must give the all-zero shared secret.
LOW_ORDER_POINTS = {
    "zero": bytes(32),
    "one": bytes([1]) + bytes(31),
    "order-8-a": bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    "order-8-b": bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    "p-minus-1": bytes.fromhex("ec" + "ff" * 30 + "7f"),
    "p": bytes.fromhex("ed" + "ff" * 30 + "7f"),
    "p-plus-1": bytes.fromhex("ee" + "ff" * 30 + "7f"),
}


@pytest.mark.parametrize("point", list(LOW_ORDER_POINTS.values()), ids=list(LOW_ORDER_POINTS))
def test_x25519_returns_all_zeros_for_low_order_points(point: bytes) -> None:
    scalar = _rng(8).randbytes(32)
    assert ReferencePrimitives().x25519(scalar, point) == bytes(32)
    assert CryptographyPrimitives().x25519(scalar, point) == bytes(32)


# --- scrypt --------------------------------------------------------------------


def test_scrypt_matches_rfc7914_vector() -> None:
    # RFC 7914 section 12, N = 16384, r = 8, p = 1; the RFC derives 64 bytes
    # and age takes 32, so only the first half is compared.
    expected = bytes.fromhex(
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
        "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
    )
    derived = ReferencePrimitives().scrypt(b"pleaseletmein", b"SodiumChloride", 14)
    assert derived == expected[:32]


def test_scrypt_matches_cryptography_for_random_input() -> None:
    rng = _rng(7914)
    passphrase, salt = rng.randbytes(rng.randrange(1, 64)), rng.randbytes(16)
    expected = Scrypt(salt=salt, length=32, n=1 << 10, r=8, p=1).derive(passphrase)
    assert ReferencePrimitives().scrypt(passphrase, salt, 10) == expected


def test_scrypt_refuses_work_factors_hashlib_cannot_run() -> None:
    # CPython caps hashlib.scrypt's maxmem below 2 GiB, and log_n = 21 needs
    # 2 GiB for r = 8; the backend must say so instead of returning garbage.
    with pytest.raises(ValueError, match="log_n=21"):
        ReferencePrimitives().scrypt(b"passphrase", bytes(16), 21)


# --- The backend as a whole ----------------------------------------------------


def test_reference_backend_satisfies_the_primitives_protocol() -> None:
    backend: Primitives = ReferencePrimitives()
    assert backend.name == "reference"
    assert backend.name != CryptographyPrimitives().name


def test_default_and_reference_backends_agree_on_all_primitives() -> None:
    default: Primitives = CryptographyPrimitives()
    reference: Primitives = ReferencePrimitives()
    rng = _rng(1)

    for length in MESSAGE_LENGTHS:
        key, nonce = rng.randbytes(32), rng.randbytes(12)
        plaintext = rng.randbytes(length)
        sealed = default.chacha20poly1305(key).seal(nonce, plaintext)
        assert reference.chacha20poly1305(key).seal(nonce, plaintext) == sealed
        # Each opens what the other sealed.
        assert reference.chacha20poly1305(key).open(nonce, sealed) == plaintext
        resealed = reference.chacha20poly1305(key).seal(nonce, plaintext)
        assert default.chacha20poly1305(key).open(nonce, resealed) == plaintext

    for _ in range(10):
        scalar, point = rng.randbytes(32), rng.randbytes(32)
        assert reference.x25519(scalar, point) == default.x25519(scalar, point)
        assert reference.x25519(scalar, BASEPOINT) == default.x25519(scalar, BASEPOINT)

    for log_n in (1, 2, 8, 12):
        passphrase, salt = rng.randbytes(20), rng.randbytes(16)
        assert reference.scrypt(passphrase, salt, log_n) == default.scrypt(passphrase, salt, log_n)


def test_reference_backend_can_be_installed_as_the_active_backend() -> None:
    reference = ReferencePrimitives()
    primitives.set_backend(reference)
    try:
        assert primitives.get_backend() is reference
    finally:
        primitives.set_backend(None)
    assert primitives.get_backend().name == "cryptography"


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.chacha20poly1305(bytes(31)),
        lambda b: b.chacha20poly1305(bytes(32)).seal(bytes(11), b""),
        lambda b: b.chacha20poly1305(bytes(32)).open(bytes(13), bytes(16)),
        lambda b: b.x25519(bytes(31), BASEPOINT),
        # No wrong-sized point here: the default backend folds the ValueError
        # from cryptography into its low-order all-zero result, so the two
        # backends differ for that malformed input by design of the default.
    ],
    ids=["short-key", "short-nonce", "long-nonce", "short-scalar"],
)
@pytest.mark.parametrize(
    "backend",
    [CryptographyPrimitives(), ReferencePrimitives()],
    ids=["default", "reference"],
)
def test_both_backends_raise_value_error_for_wrong_sizes(
    backend: Primitives, call: Callable[[Primitives], object]
) -> None:
    with pytest.raises(ValueError):
        call(backend)


def test_reference_backend_works_where_cryptography_is_missing() -> None:
    # Run in a fresh interpreter with cryptography made unimportable, so the
    # proof does not depend on what this test process has already imported.
    package_root = Path(primitives.__file__).resolve().parents[2]
    here = Path(__file__).resolve().parent
    script = textwrap.dedent(
        """
        import sys
        sys.modules["cryptography"] = None  # any import of it now fails
        from reference_primitives import ReferencePrimitives
        from orthoshare.age.primitives import BASEPOINT
        backend = ReferencePrimitives()
        aead = backend.chacha20poly1305(bytes(32))
        assert aead.open(bytes(12), aead.seal(bytes(12), b"hi")) == b"hi"
        assert len(backend.x25519(bytes(32), BASEPOINT)) == 32
        assert len(backend.scrypt(b"pw", b"salt", 4)) == 32
        assert not any(name.startswith("cryptography.") for name in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=here,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(here), str(package_root)]),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
