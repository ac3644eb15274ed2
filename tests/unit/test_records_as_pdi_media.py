"""Saved records are IHE PDI media any importer takes, with or without a patient ID,
and every file that stays out of DICOM says why.

pydicom's shipped files, a photo, a PDF and an STL are sealed as a sender would,
then opened into a folder that is checked as an import wizard would see it:
DICOMDIR at the root, PS3.12 file IDs, dcmtk's ``dcmftest`` on every DICOM file,
``dciodvfy`` on the DICOMDIR and every object made, pydicom's FileSet and dcmtk's
``dcmmkdir`` loading it from the root.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pydicom
import pytest
from dicom_checks import PYDICOM_FILES, baseline_jpeg, binary_stl, dciodvfy_report
from pydicom.fileset import FileSet
from test_dicom_jpeg import with_sof
from test_png import chunk, ihdr

from orthoshare import age, pipeline
from orthoshare.bundle.manifest import COVER_NAME, MANIFEST_NAME, Manifest
from orthoshare.bundle.writer import Details
from orthoshare.cli import main
from orthoshare.dicom import png
from orthoshare.records import BytesInput, Patient
from orthoshare.request import SealRequest

pytest_plugins = ["dicom_fixtures"]

IDENTITY = age.X25519Identity.generate()
SHIPPED = ["CT_small.dcm", "MR_small.dcm", "SC_rgb_jpeg_dcmtk.dcm"]
# A CT without a Study Date, which a DICOMDIR's study record requires (PS3.3 F.5).
UNINDEXABLE = "693_J2KI.dcm"
ORIGINALS = {
    "smile.jpg": baseline_jpeg(),
    "letter.pdf": b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "upper.stl": binary_stl(),
    "progressive.jpg": with_sof(baseline_jpeg(), 0xC2),
    "notes.txt": b"plain text",
}
MADE_OF = ("smile.jpg", "letter.pdf", "upper.stl")
# PS3.10 8.2 and the PS3.12 media profiles: at most 8 of A-Z, 0-9 and _ per component.
FILE_ID_COMPONENT = re.compile(r"[A-Z0-9_]{1,8}")


def records(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    folder.mkdir()
    for name in [*SHIPPED, UNINDEXABLE]:
        shutil.copy(PYDICOM_FILES / name, folder / name)
    for name, data in ORIGINALS.items():
        (folder / name).write_bytes(data)
    return folder


def seal_and_open(tmp_path: Path, patient: Patient) -> tuple[Path, Manifest]:
    request = SealRequest([IDENTITY.recipient], Details(patient=patient), allow_mixed_patients=True)
    sealed = pipeline.seal(pipeline.collect_inputs([records(tmp_path)]), request, tmp_path)
    out = tmp_path / "out"
    return out, pipeline.open_(sealed.path, [IDENTITY], out)


@pytest.fixture(scope="module", params=["without-patient-id", "with-patient-id"])
def opened(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Opened:
    given = (
        Patient("Doe^Jane") if request.param == "without-patient-id" else Patient("Doe^Jane", "P1")
    )
    out, manifest = seal_and_open(tmp_path_factory.mktemp(request.param), given)
    return Opened(out, manifest, given)


class Opened:
    def __init__(self, out: Path, manifest: Manifest, given: Patient) -> None:
        self.out, self.manifest, self.given = out, manifest, given

    def made(self) -> dict[str, pydicom.Dataset]:
        """The objects made of the originals, by the original's file name."""
        return {
            Path(e.derived_from).name: pydicom.dcmread(self.out / e.path)
            for e in self.manifest.entries
            if e.derived_from is not None
        }


def test_the_photo_pdf_and_stl_become_objects_whatever_the_patient_id(opened: Opened) -> None:
    made = opened.made()
    assert sorted(made) == sorted(MADE_OF)
    ids = {str(ds.PatientID) for ds in made.values()}
    assert len(ids) == 1
    if opened.given.id:
        assert ids == {"P1"} and opened.manifest.made_up_patient_id == ""
    else:
        (made_up,) = ids
        assert re.fullmatch(r"ORTHOSHARE-[0-9A-F]{10}", made_up)
        assert opened.manifest.patient.id == ""
        assert opened.manifest.made_up_patient_id == made_up
        cover = (opened.out / COVER_NAME).read_text(encoding="utf-8")
        assert f"carry the made-up ID {made_up}" in cover


def test_the_records_are_pdi_media_with_the_dicomdir_at_the_root(opened: Opened) -> None:
    out = opened.out
    root = sorted(p.name for p in out.iterdir())
    assert root == ["DICOM", "DICOMDIR", COVER_NAME, "ORIGINAL", MANIFEST_NAME, "README.TXT"]
    readme = (out / "README.TXT").read_bytes()
    assert readme.isascii() and b"\r\n" in readme and b"DICOMDIR" in readme
    assert b"Doe" not in readme  # it names no patient
    for path in (out / "DICOM").rglob("*"):
        parts = path.relative_to(out).parts
        assert all(FILE_ID_COMPONENT.fullmatch(part) for part in parts), parts
        assert len(parts) <= 8


def test_every_dicom_file_passes_dcmftest_and_the_dicomdir_and_made_objects_dciodvfy(
    opened: Opened, dciodvfy: str, dcmtk: dict[str, str]
) -> None:
    dicom_files = [opened.out / "DICOMDIR", *sorted((opened.out / "DICOM").rglob("IM*"))]
    assert len(dicom_files) == 1 + len(SHIPPED) + len(MADE_OF)
    test = subprocess.run(
        [dcmtk["dcmftest"], *map(str, dicom_files)], capture_output=True, text=True
    )
    assert test.returncode == 0, test.stdout
    assert test.stdout.count("yes:") == len(dicom_files), test.stdout
    made = [opened.out / e.path for e in opened.manifest.entries if e.derived_from is not None]
    for path in [opened.out / "DICOMDIR", *made]:
        dciodvfy_report(dciodvfy, path)


def test_pydicom_and_dcmmkdir_load_the_file_set_from_the_root(
    opened: Opened, tmp_path: Path
) -> None:
    file_set = FileSet(pydicom.dcmread(opened.out / "DICOMDIR"))
    in_set = {str(instance.SOPInstanceUID) for instance in file_set}
    expected = {
        e.dicom.sop_instance_uid
        for e in opened.manifest.entries
        if e.dicom is not None and e.path.startswith("DICOM/")
    }
    assert in_set == expected and len(in_set) == len(SHIPPED) + len(MADE_OF)
    for instance in file_set:
        assert Path(instance.path).is_file()
    # dcmmkdir's USB and flash media profile (STD-GEN-USB-JPEG) refuses, or leaves out
    # with a warning, file IDs and objects it does not allow; the index it makes of the
    # same folder has the same instances as ours.
    copy = tmp_path / "media"
    shutil.copytree(opened.out / "DICOM", copy / "DICOM")
    made = subprocess.run(
        ["dcmmkdir", "-Pfl", "+id", str(copy), "+D", str(copy / "DICOMDIR"), "+r", "DICOM"],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0 and made.stdout + made.stderr == "", made.stderr
    theirs = pydicom.dcmread(copy / "DICOMDIR")
    ours = pydicom.dcmread(opened.out / "DICOMDIR")

    def instances(dicomdir: pydicom.Dataset) -> set[str]:
        return {
            str(r.ReferencedSOPInstanceUIDInFile)
            for r in dicomdir.DirectoryRecordSequence
            if "ReferencedSOPInstanceUIDInFile" in r
        }

    assert instances(theirs) == instances(ours) == in_set
    # The control: a file ID the profile does not allow is refused.
    first = next((copy / "DICOM").rglob("IM*"))
    first.rename(first.with_name("image.dcm"))
    refused = subprocess.run(
        ["dcmmkdir", "-Pfl", "+id", str(copy), "+D", str(tmp_path / "again"), "+r", "DICOM"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 or "image.dcm" in refused.stdout + refused.stderr


def test_every_file_kept_out_of_dicom_says_why(opened: Opened) -> None:
    notes = {
        e.original_name.rsplit("/", 1)[-1]: e.dicom_note
        for e in opened.manifest.entries
        if e.dicom_note
    }
    assert notes == {
        "progressive.jpg": "no DICOM object: the JPEG image is progressive; only baseline and "
        "extended sequential JPEG go into DICOM unchanged, so this image is kept as an "
        "original only",
        "notes.txt": "no DICOM object: DICOM has no object for this kind of file",
        UNINDEXABLE: "not in the DICOMDIR: a DICOMDIR study record needs the Study Date, "
        "which this file leaves empty",
    }
    cover = (opened.out / COVER_NAME).read_text(encoding="utf-8")
    assert all(note in cover for note in notes.values())


def test_the_command_line_says_each_note_and_hints_at_a_missing_patient_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = records(tmp_path)
    key = tmp_path / "key.txt"
    key.write_text(age.format_identity_file(IDENTITY))
    status = main(
        [
            "seal", str(folder), "-r", str(IDENTITY.recipient), "--patient-name", "Doe^Jane",
            "--allow-mixed-patients", "-o", str(tmp_path),
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert status == 0, err
    lines = err.splitlines()
    assert "orthoshare: sealed 9 files, with 3 DICOM objects made from them" in lines
    note = "no DICOM object: DICOM has no object for this kind of file"
    assert f"orthoshare: note: records/notes.txt: {note}" in lines
    assert sum(line.startswith("orthoshare: note: ") for line in lines) == 3
    (hint,) = [line for line in lines if line.startswith("orthoshare: hint: ")]
    assert re.search(r"made-up ID ORTHOSHARE-[0-9A-F]{10}.*--patient-id", hint)


def test_records_sealed_in_the_earlier_layout_still_open(tmp_path: Path) -> None:
    """Schema orthoshare/1: the DICOMDIR under DICOM/, no README and no notes."""
    request = SealRequest([IDENTITY.recipient])
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(PYDICOM_FILES / "CT_small.dcm", folder / "ct.dcm")
    sealed = pipeline.seal(pipeline.collect_inputs([folder]), request, tmp_path)
    plain = age.decrypt_bytes(sealed.path.read_bytes(), [IDENTITY])
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    document = json.loads(members.pop(MANIFEST_NAME))
    members.pop("README.TXT")
    members["DICOM/DICOMDIR"] = members.pop("DICOMDIR")
    document["format"] = "orthoshare/1"
    del document["deidentification"]
    document["entries"] = [e for e in document["entries"] if e["path"] != "README.TXT"]
    for entry in document["entries"]:
        del entry["dicom_note"]
        if entry["path"] == "DICOMDIR":
            entry["path"] = "DICOM/DICOMDIR"
    earlier = tmp_path / "earlier.zip"
    with zipfile.ZipFile(earlier, "w") as archive:
        archive.writestr(MANIFEST_NAME, json.dumps(document))
        for name, data in members.items():
            archive.writestr(name, data)
    path = tmp_path / "earlier.age"
    path.write_bytes(age.encrypt_bytes(earlier.read_bytes(), [IDENTITY.recipient]))
    manifest = pipeline.open_(path, [IDENTITY], tmp_path / "out")
    assert manifest.format == "orthoshare/1"
    assert "DICOM/DICOMDIR" in {e.path for e in manifest.entries}
    assert all(e.dicom_note is None for e in manifest.entries)
    assert (tmp_path / "out" / "DICOM" / "DICOMDIR").is_file()


def described(data: bytes) -> pipeline.Description:
    return pipeline.describe(BytesInput(data, ("picked",)), "picked")


def test_before_sealing_a_files_start_says_why_it_will_stay_out_of_dicom() -> None:
    progressive = described(ORIGINALS["progressive.jpg"])
    assert progressive.note.startswith("no DICOM object: the JPEG image is progressive")
    assert progressive.radiograph_note == progressive.note
    # 12-bit samples: no photograph holds them, a radiograph does.
    twelve_bit = described(
        with_sof(baseline_jpeg(), 0xC1).replace(b"\xff\xc1\x00\x11\x08", b"\xff\xc1\x00\x11\x0c", 1)
    )
    assert "12-bit samples" in twelve_bit.note and twelve_bit.radiograph_note == ""
    interlaced = described(png.SIGNATURE + ihdr(4, 4, 8, 2, interlace=1) + chunk(b"IEND", b""))
    assert (
        interlaced.note
        == "no DICOM object: the PNG image is interlaced; it is kept as an original only"
    )
    assert described(baseline_jpeg()).note == ""
    assert (
        described(b"plain text").note
        == "no DICOM object: DICOM has no object for this kind of file"
    )
    unindexable = (PYDICOM_FILES / UNINDEXABLE).read_bytes()
    assert described(unindexable).note.startswith("not in the DICOMDIR: a DICOMDIR study record")
    # A JPEG whose markers run past what is read before sealing is decided when it is sealed.
    jpeg = baseline_jpeg()
    long_exif = b"\xff\xe1" + (65535).to_bytes(2, "big") + b"Exif\x00\x00" + bytes(65527)
    padded = jpeg[:2] + long_exif * 17 + jpeg[2:]
    assert described(padded).note == ""
