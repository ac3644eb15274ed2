"""The post-quantum recipient type: round trips, key strings, identity files, backends.

Conformance of decryption (every malformed stanza, implicit rejection) is in
the CCTV vectors of ``test_cctv.py``; this file covers what they do not:
encryption, key derivation, key encodings and a backend without ML-KEM.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from orthoshare import age
from orthoshare.age import hpke, primitives
from orthoshare.age.format import b64decode, parse_header
from orthoshare.age.primitives import AEAD, CryptographyPrimitives

# The example key pair of c2sp.org/age, section "The MLKEM768-X25519 (i.e.
# X-Wing) hybrid post-quantum recipient type".
SPEC_IDENTITY = "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR"
SPEC_RECIPIENT = (
    "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95paef6caq5aapdmwjj"
    "qpjfdyxnzr2zampc3uxy0dg4z2n2gm9su72p0pc3u0jvev55l694v78snxg3yzvcl7yda0eyytqj6a0ec477lnhcy5hz"
    "pz4zq3pxanve4cn62gqj3pjy5lqj9c6kyj4v2z8alktn8zh99970x79gjkv7522hv9kfz35zsnxhsx8wwtmu9cy3ftzj"
    "gwcp4sshn3llnylnpdsyz5jm72vefv4x5vfwytrefxg4wq3mv42wcrvkj742479zrxzpvp2p3e9fed9f0739vcu80r7m"
    "a28qfhnvlv4gfzel9q654dj3zmuvvz893azhxdvs9fxd0r7jzchzcfcs5mkyyjxhw0n2z6dvp9yn9qfdp29h0azxqyjw"
    "6v7fhyuzj7zel0uq6j9rd7wgrpz7mf5dnj43jwsgvrc8qcnhy7tu6dkdujuxzkp9xj43xe8h92ktre2a3u3s8mm5mrp9"
    "nr9pwkgtz4mdlq9hgn4fps4k57ff6wddn2fy23t47sm20r8km8sd2pcyyafnet8f0dajsrlyjeah4n3mssr6aseevuus"
    "kdvq5lzguyvpgwpta742c6698vgutzqgny8usfg0w2he7kq5vyxjd0f9hqg8xk26y9e4th0gezq92q4cpp5p2y9hf5f2c"
    "je5l0c3sa3a2qxmm38pxxvhxh99yzmfz0zk7r2s64nnwjhkfgfr3gf8xnmppcgmaykvh5sh6g7vk9790rf8ws0axmr2t7"
    "z8aae5fq2029uvcn2ghgt4fu4wgwdc0k0cz52qkvwmuzj8p8k5jgf3xzk5zmrkavjekjrpeq408xz3zxazwkc6tyfmha"
    "yrkfpjhwtz5mp8j8guqe43k2q6m2kte03vrw27y3wmqyu5etmt9dnkwcnnpmu9gz9dekfhdevf42ucshphnrk38ra6hx8"
    "w5f8q5ru0xdhrjxmwqf6cused7zc5xvq43r0zscjglpwlptpwydhqw64xz7ptjdyeyzpq2zkxtmzg29gzjpvzva4d3l0c"
    "enn9xs297wf4y4ukwrunf57xj6pm7nvrkwvtrt8hwcmgv8x7ajw7258ugf9wvkmk4052ekg87tw5vnx8nq2swyzv77v8y"
    "qlwsenvamr0zssknwts8rrhfuwj7ykysnq9jxy0uv3kuyt22djszjdtvpz6d0s0kwh8ryynddzud92emeyvvyqktd0jtj"
    "7rvvg5gch25v8smlvny3kvn5gagyz475ze2y6q466xqmz2n3hs77lddeqyta2nch5k2u5yacuk9ywnwfdzvyejnucz724"
    "hj77hrrmakm7pr3kxsrxq22ejexlud9fy2kdqmkg5yncz7jm5wv2qjk5w5kvcpqsry2yqffh2la52dxfjkjq5rzhjzeyn"
    "6dupn0qwtyv7s4lwg3xdarsdlwe2y3tujy480y7z39q259fzx6jhd2j0f5hagqpcpees7hzc2yrk5cy788uk3s7qvp5cp"
    "epx24gvws3m2g433exgwppnkjscec8qu4y9z9r7vccexjcjaen42245lmgmxmuavg9alej92322gvvyy2t6267v09ch64"
    "y0m53jff0vjj96s0ypk60hr3jw4myd6m5hpn3xjstx7tl2szhpr5qe8jj08ydjc4wy2rch2fhuy3pdfjax5awe9j99ly5"
    "hkntzz9fe5zatgjvzdd0kgtxs25njnajyf6ssekp7gelxquusn4pt25czh3scj68kq79wdn5tgm6yvm9nzavrg043x3ms"
    "nygf8dweknw5jmqd0uvny6ttsn09508k0c55zfnegrm9efhxpfqdkmhh6gjtqmwze9pyyzk3tlhl53k2ykx3qheyty7sa"
    "eq0d3fzv49zc0k"
)

IDENTITY = age.HybridIdentity.generate()
PLAINTEXT = b"records that must outlast a quantum computer"


class ClassicalOnlyPrimitives:
    """The default backend without ML-KEM-768, as a backend that has not added it yet."""

    name = "classical-only"

    def __init__(self) -> None:
        self._default = CryptographyPrimitives()

    def chacha20poly1305(self, key: bytes) -> AEAD:
        return self._default.chacha20poly1305(key)

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        return self._default.scrypt(passphrase, salt, log_n)

    def x25519(self, scalar: bytes, point: bytes) -> bytes:
        return self._default.x25519(scalar, point)


@pytest.fixture
def classical_only_backend() -> Iterator[None]:
    primitives.set_backend(ClassicalOnlyPrimitives())
    try:
        yield
    finally:
        primitives.set_backend(None)


# --- Encryption and decryption -------------------------------------------------


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armored"])
def test_round_trip(armor: bool) -> None:
    sealed = age.encrypt_bytes(PLAINTEXT, [IDENTITY.recipient], armor=armor)
    assert age.decrypt_bytes(sealed, [IDENTITY]) == PLAINTEXT


def test_stanza_is_one_encapsulated_key_and_a_sealed_file_key() -> None:
    sealed = age.encrypt_bytes(PLAINTEXT, [IDENTITY.recipient])
    [stanza] = parse_header(io.BytesIO(sealed)).stanzas
    assert stanza.type == "mlkem768x25519"
    [enc] = stanza.args
    assert len(b64decode(enc.encode("ascii"))) == 1088 + 32
    assert len(stanza.body) == 16 + 16


def test_each_file_gets_a_fresh_encapsulation() -> None:
    first, second = (
        parse_header(io.BytesIO(age.encrypt_bytes(b"", [IDENTITY.recipient]))).stanzas[0]
        for _ in range(2)
    )
    assert first.args != second.args


def test_a_file_to_several_hybrid_recipients_opens_with_each_identity() -> None:
    other = age.HybridIdentity.generate()
    sealed = age.encrypt_bytes(PLAINTEXT, [IDENTITY.recipient, other.recipient])
    assert age.decrypt_bytes(sealed, [IDENTITY]) == PLAINTEXT
    assert age.decrypt_bytes(sealed, [other]) == PLAINTEXT


def test_hybrid_and_x25519_recipients_cannot_be_mixed() -> None:
    # The file would only be as strong as X25519, defeating the hybrid's purpose.
    classical = age.X25519Identity.generate()
    recipients: list[age.Recipient] = [IDENTITY.recipient, classical.recipient]
    with pytest.raises(age.KeyFormatError, match="post-quantum"):
        age.encrypt_bytes(PLAINTEXT, recipients)


def test_another_hybrid_identity_does_not_match() -> None:
    sealed = age.encrypt_bytes(PLAINTEXT, [IDENTITY.recipient])
    with pytest.raises(age.NoIdentityMatchError):
        age.decrypt_bytes(sealed, [age.HybridIdentity.generate()])


def test_an_x25519_identity_does_not_match_a_hybrid_file() -> None:
    sealed = age.encrypt_bytes(PLAINTEXT, [IDENTITY.recipient])
    with pytest.raises(age.NoIdentityMatchError):
        age.decrypt_bytes(sealed, [age.X25519Identity.generate()])


def test_a_hybrid_identity_does_not_match_an_x25519_file() -> None:
    sealed = age.encrypt_bytes(PLAINTEXT, [age.X25519Identity.generate().recipient])
    with pytest.raises(age.NoIdentityMatchError):
        age.decrypt_bytes(sealed, [IDENTITY])


# --- Keys and their strings -----------------------------------------------------


def test_spec_example_identity_derives_the_spec_example_recipient() -> None:
    identity = age.HybridIdentity.parse(SPEC_IDENTITY)
    assert str(identity.recipient) == SPEC_RECIPIENT
    assert str(identity) == SPEC_IDENTITY


def test_identity_string_round_trips() -> None:
    text = str(IDENTITY)
    assert text.startswith("AGE-SECRET-KEY-PQ-1")
    parsed = age.HybridIdentity.parse(text)
    assert parsed.secret_key == IDENTITY.secret_key
    assert parsed.recipient == IDENTITY.recipient
    # Bech32 is case-insensitive as a whole; lower case is the same key.
    assert age.HybridIdentity.parse(text.lower()).recipient == IDENTITY.recipient


def test_recipient_string_round_trips() -> None:
    text = str(IDENTITY.recipient)
    assert text.startswith("age1pq1")
    parsed = age.HybridRecipient.parse(text)
    assert parsed == IDENTITY.recipient
    assert hash(parsed) == hash(IDENTITY.recipient)
    assert len(parsed.public_key) == 1184 + 32


def test_repr_never_shows_the_secret() -> None:
    secret = str(IDENTITY)[len("AGE-SECRET-KEY-PQ-1") :]
    assert secret not in repr(IDENTITY)
    assert secret.lower() not in repr(IDENTITY)


@pytest.mark.parametrize(
    "text",
    [
        SPEC_RECIPIENT[:-1],
        SPEC_RECIPIENT[:200],
        str(age.X25519Identity.generate().recipient),
        SPEC_IDENTITY,
    ],
    ids=["bad-checksum", "truncated", "x25519-recipient", "identity"],
)
def test_malformed_recipient_strings_are_refused(text: str) -> None:
    with pytest.raises(age.KeyFormatError):
        age.HybridRecipient.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        SPEC_IDENTITY[:-1],
        str(age.X25519Identity.generate()),
        SPEC_RECIPIENT,
    ],
    ids=["bad-checksum", "x25519-identity", "recipient"],
)
def test_malformed_identity_strings_are_refused(text: str) -> None:
    with pytest.raises(age.KeyFormatError):
        age.HybridIdentity.parse(text)


def test_recipient_with_an_ml_kem_coefficient_out_of_range_is_refused() -> None:
    public_key = bytearray(IDENTITY.recipient.public_key)
    # The first 12-bit coefficient becomes 0xFFF, above ML-KEM's modulus 3329.
    public_key[0] = 0xFF
    public_key[1] |= 0x0F
    with pytest.raises(age.KeyFormatError, match="ML-KEM-768"):
        age.HybridRecipient(bytes(public_key))


# --- Identity and recipients files ---------------------------------------------


def test_identity_file_holds_both_kinds_of_identity() -> None:
    classical = age.X25519Identity.generate()
    text = (
        age.format_identity_file(IDENTITY, datetime(2025, 1, 2, tzinfo=UTC))
        + "\n# a classical key as well\n"
        + f"{classical}\n"
    )
    hybrid, x25519 = age.parse_identity_file(text)
    assert isinstance(hybrid, age.HybridIdentity)
    assert hybrid.recipient == IDENTITY.recipient
    assert isinstance(x25519, age.X25519Identity)
    assert x25519.recipient == classical.recipient
    assert f"# public key: {IDENTITY.recipient}\n" in text


def test_identity_file_names_the_line_of_a_bad_hybrid_identity() -> None:
    text = f"# created: 2025-01-02T00:00:00Z\n{SPEC_IDENTITY[:-1]}\n"
    with pytest.raises(age.KeyFormatError, match="line 2: not an AGE-SECRET-KEY-PQ-1"):
        age.parse_identity_file(text)


def test_recipients_file_holds_both_kinds_of_recipient() -> None:
    classical = age.X25519Identity.generate().recipient
    text = f"# team\n{SPEC_RECIPIENT}\n{classical}\n"
    hybrid, x25519 = age.parse_recipients_file(text)
    assert hybrid == age.HybridRecipient.parse(SPEC_RECIPIENT)
    assert x25519 == classical


# --- The HPKE key schedule and backends without ML-KEM --------------------------


def test_hpke_key_schedule_matches_rfc9180_appendix_a_2_1() -> None:
    # DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode: the
    # key schedule is the same for every KEM but for the KEM id in suite_id.
    key, base_nonce = hpke.key_schedule(
        0x0020,
        bytes.fromhex("0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7"),
        b"Ode on a Grecian Urn",
    )
    assert key.hex() == "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91"
    assert base_nonce.hex() == "5c4d98150661b848853b547f"


@pytest.mark.usefixtures("classical_only_backend")
def test_backend_without_ml_kem_refuses_hybrid_identities_clearly() -> None:
    with pytest.raises(age.KeyFormatError, match=r"ML-KEM-768.*'classical-only'"):
        age.HybridIdentity.generate()
    with pytest.raises(age.KeyFormatError, match="ML-KEM-768"):
        age.parse_identity_file(SPEC_IDENTITY)


@pytest.mark.usefixtures("classical_only_backend")
def test_backend_without_ml_kem_parses_but_cannot_encrypt_to_hybrid_recipients() -> None:
    recipient = age.HybridRecipient.parse(SPEC_RECIPIENT)
    with pytest.raises(age.KeyFormatError, match="ML-KEM-768"):
        age.encrypt_bytes(PLAINTEXT, [recipient])


@pytest.mark.usefixtures("classical_only_backend")
def test_backend_without_ml_kem_still_handles_x25519() -> None:
    classical = age.X25519Identity.generate()
    sealed = age.encrypt_bytes(PLAINTEXT, [classical.recipient])
    assert age.decrypt_bytes(sealed, [classical]) == PLAINTEXT
