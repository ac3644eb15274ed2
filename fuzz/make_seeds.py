"""Write the seed corpora under ``fuzz/corpus/<target>/`` (see ``fuzz/corpus/README.md``).

Seeds are what the fuzzer mutates first: well-formed inputs reach deep code
at once, the CCTV vectors bring the edge cases the age spec cares about. Run
it again when a format changes; it needs the CCTV vectors that ``scripts/test``
dumps to ``build/cctv`` from the npm package ``cctv-age``::

    .venv/bin/python fuzz/make_seeds.py
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from orthoshare import age
from orthoshare.age.armor import ArmorWriter
from orthoshare.bundle.manifest import MANIFEST_NAME
from orthoshare.bundle.writer import Annotation, Details, write_bundle
from orthoshare.dicom.collect import DicomPart
from orthoshare.records import BytesInput, Party, Patient

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "fuzz" / "corpus"
CCTV = REPO_ROOT / "build" / "cctv"
# A header seed needs the header and the payload nonce after it; the payload
# is never read, and the largest (mlkem768x25519) headers stay under this.
HEADER_SEED_LIMIT = 4096
# The armor target's inputs are no longer (fuzz/run.py's max_len for it).
ARMOR_SEED_LIMIT = 8192
# Fixed, so the bundles made here differ between runs only in their DICOM UIDs.
SEALED_AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
DETAILS = Details(
    patient=Patient("Ana Pérez", "P-17", "2011-04-02", "F"),
    sender=Party("Dr Jo Ortho", "Smile Clinic", "jo@example.org"),
    recipient=Party("Dr Sam Surgeon"),
    note="Pre-surgical records.",
    consent="Patient consented to sharing with the surgeon.",
)
# The smallest document sniff.py calls a PDF; the writer turns it into a DICOM object.
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def cctv_vectors() -> Iterator[tuple[str, bool, bytes]]:
    """Yield each CCTV vector's name, whether it is armored, and its age file."""
    if not CCTV.is_dir() or not any(CCTV.iterdir()):
        raise SystemExit(f"no CCTV vectors in {CCTV}: run scripts/test first, which dumps them")
    for path in sorted(CCTV.iterdir()):
        head, _, body = path.read_bytes().partition(b"\n\n")
        fields = head.decode().splitlines()
        if "compressed: zlib" in fields:
            body = zlib.decompress(body)
        yield path.name, "armored: yes" in fields, body


def header_part(age_file: bytes) -> bytes:
    """The header and the payload nonce, or the start of the file if it has no MAC line."""
    mac_line = age_file.find(b"\n--- ")
    end = age_file.find(b"\n", mac_line + 1) if mac_line >= 0 else -1
    if end < 0:
        return age_file[:HEADER_SEED_LIMIT]
    return age_file[: end + 1 + 16]


def armored(data: bytes) -> bytes:
    text = io.BytesIO()
    writer = ArmorWriter(text)
    writer.write(data)
    writer.close()
    return text.getvalue()


def bundle(inputs: list[BytesInput], annotations: list[Annotation]) -> bytes:
    out = io.BytesIO()
    write_bundle(
        out, inputs, DETAILS, annotations, dicom=DicomPart(DETAILS.patient, False), now=SEALED_AT
    )
    return out.getvalue()


def zip64_bundle(inputs: list[BytesInput], annotations: list[Annotation]) -> bytes:
    """A bundle with ZIP64 sizes and offsets, which zipfile writes only past 4 GiB otherwise."""
    with (
        mock.patch.object(zipfile, "ZIP64_LIMIT", -1),
        mock.patch.object(zipfile, "ZIP_FILECOUNT_LIMIT", 0),
    ):
        return bundle(inputs, annotations)


def seeds() -> dict[str, dict[str, bytes]]:
    """Every seed, by target and then by file name."""
    x25519 = [age.X25519Identity.generate().recipient for _ in range(2)]
    hybrid = age.HybridIdentity.generate().recipient
    passphrase = age.ScryptRecipient("correct horse battery staple")
    sealed = {
        "x25519": age.encrypt_bytes(b"records", x25519[:1]),
        "two-x25519": age.encrypt_bytes(b"records", x25519),
        "scrypt": age.encrypt_bytes(b"records", [passphrase]),
        "mlkem768x25519": age.encrypt_bytes(b"records", [hybrid]),
    }
    notes = BytesInput(parts=("records", "notes.txt"), data=b"Class II div 1, 6 mm overjet.\n")
    letter = BytesInput(parts=("records", "referral.pdf"), data=PDF)
    bundles = {
        "text": bundle([notes], [Annotation(label="Notes")]),
        "text-and-pdf": bundle([notes, letter], [Annotation(), Annotation(label="Referral")]),
        "text-zip64": zip64_bundle([notes], [Annotation()]),
    }
    corpora: dict[str, dict[str, bytes]] = {
        "age_header": {f"orthoshare-{n}": header_part(f) for n, f in sealed.items()},
        "age_armor": {
            "orthoshare-empty": armored(b""),
            "orthoshare-one-full-line": armored(bytes(range(48))),
            "orthoshare-x25519": armored(sealed["x25519"]),
        },
        "bundle_manifest": {},
        "bundle_zip": {f"orthoshare-{n}": z for n, z in bundles.items()},
    }
    for name in ("text", "text-and-pdf"):
        with zipfile.ZipFile(io.BytesIO(bundles[name])) as archive:
            manifest = archive.read(MANIFEST_NAME)
        corpora["bundle_manifest"][f"orthoshare-{name}"] = manifest
        # The same manifest as another tool may write it: \u escapes instead of UTF-8.
        escaped = json.dumps(json.loads(manifest), ensure_ascii=True).encode("ascii")
        corpora["bundle_manifest"][f"orthoshare-{name}-ascii"] = escaped
    for name, is_armored, age_file in cctv_vectors():
        if is_armored:
            corpora["age_armor"][f"cctv-{name}"] = age_file[:ARMOR_SEED_LIMIT]
        else:
            corpora["age_header"][f"cctv-{name}"] = header_part(age_file)
    return corpora


def main() -> None:
    for target, files in seeds().items():
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        # Many CCTV vectors share a header; one copy of each is enough.
        name_of: dict[bytes, str] = {}
        for name in sorted(files):
            name_of.setdefault(files[name], name)
        for data, name in name_of.items():
            (folder / name).write_bytes(data)
        print(f"{target}: {len(name_of)} seeds, {sum(map(len, name_of))} bytes")


if __name__ == "__main__":
    main()
