"""What sending de-identified decides before sealing: the pseudonym, what is left out,
what is cleaned, and the names files get."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dicom_checks import PYDICOM_FILES, baseline_jpeg

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Annotation, Details
from orthoshare.deidentify import prepare, review
from orthoshare.errors import InputError, MixedPatientsError, NoInputsError
from orthoshare.records import BytesInput, DeidentifyChoices, Patient
from orthoshare.request import SealRequest

PHOTO = BytesInput(baseline_jpeg(), ("Doe^Jane", "smile.jpg"))
LETTER = BytesInput(b"%PDF-1.4\n% Jane Doe\n%%EOF\n", ("Doe^Jane", "letter.pdf"))
DAMAGED_PNG = BytesInput(b"\x89PNG\r\n\x1a\n" + bytes(30), ("Doe^Jane", "scan.png"))


@pytest.mark.parametrize(
    ("pseudonym", "says"),
    [
        ("", "no pseudonym was given"),
        ("   ", "no pseudonym was given"),
        ("x" * 65, "longer than 64 characters"),
        ("Case^12", "a character a DICOM name cannot"),
        ("Case\\12", "a character a DICOM name cannot"),
        ("Cas\u00e9 12", "outside plain ASCII"),
        ("Jane Doe", "the pseudonym is the patient's name or ID"),
        ("jd-4711", "the pseudonym is the patient's name or ID"),
    ],
)
def test_a_pseudonym_that_would_not_hide_the_patient_is_refused(pseudonym: str, says: str) -> None:
    details = Details(patient=Patient("Jane Doe", "JD-4711"))
    with pytest.raises(InputError, match=says):
        prepare([PHOTO], None, details, DeidentifyChoices(pseudonym))


def test_files_that_cannot_be_cleaned_are_left_out_unless_chosen_and_named_neutrally() -> None:
    details = Details(patient=Patient("Jane Doe", "JD-4711", "1970-03-14", "F"))
    annotations = [Annotation(view="IV06"), Annotation()]
    left = prepare([PHOTO, LETTER], annotations, details, DeidentifyChoices("Case 12"))
    assert [item.parts for item in left.inputs] == [("photos", "photo-001-IV06.jpg")]
    assert left.deidentification.left_out == (
        "files whose identifying data cannot be removed with certainty: 1",
    )
    assert left.details.patient == Patient("Case 12", "Case 12", "", "F")
    assert left.date_offset_days is not None and -3652 <= left.date_offset_days <= -366
    sent = prepare(
        [PHOTO, LETTER], annotations, details,
        DeidentifyChoices("Case 12", send_uncleanable=True, retain_modified_dates=False,
                          retain_patient_characteristics=False),
    )  # fmt: skip
    assert [item.parts for item in sent.inputs][1] == ("documents", "document-001.pdf")
    with sent.inputs[1].open() as stream:
        assert stream.read() == LETTER.data
    assert [a.name for a in sent.deidentification.sent_anyway] == ["documents/document-001.pdf"]
    assert sent.date_offset_days is None and sent.details.patient.sex == ""


def test_a_damaged_photo_is_one_that_cannot_be_cleaned() -> None:
    (reasons,) = review([DAMAGED_PNG])
    assert reasons["uncleanable"].startswith("this png file cannot be cleaned: ")
    with pytest.raises(NoInputsError, match="every file was left out"):
        prepare([DAMAGED_PNG], None, Details(), DeidentifyChoices("Case 12"))


def test_a_photo_without_a_view_or_of_the_face_is_said_to_show_it_and_left_out_in_one_click() -> (
    None
):
    annotations = [Annotation(view="EV08"), Annotation(), Annotation(view="IV06")]
    inputs = [PHOTO, PHOTO, PHOTO]
    assert [r.get("face") for r in review(inputs, annotations)] == [
        "an extraoral photo (EV08) shows the face",
        "a photo without a view may show the face",
        None,
    ]
    choices = DeidentifyChoices("Case 12", send_face_photos=False)
    kept = prepare(inputs, annotations, Details(), choices)
    assert [item.parts[-1] for item in kept.inputs] == ["photo-001-IV06.jpg"]
    assert kept.deidentification.left_out == ("photos that may show the face: 2",)


def test_dicom_files_of_two_patients_are_refused_before_they_get_one_pseudonym(
    tmp_path: Path,
) -> None:
    for name in ("CT_small.dcm", "MR_small.dcm"):
        shutil.copy(PYDICOM_FILES / name, tmp_path / name)
    inputs = pipeline.collect_inputs([tmp_path])
    with pytest.raises(MixedPatientsError):
        prepare(inputs, None, Details(), DeidentifyChoices("Case 12"))
    assert len(prepare(inputs, None, Details(), DeidentifyChoices("Case 12"),
                       allow_mixed_patients=True).inputs) == 2  # fmt: skip


def test_the_cli_seals_de_identified_and_tells_the_sender_the_offset_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from orthoshare import cli

    (tmp_path / "in").mkdir()
    shutil.copy(PYDICOM_FILES / "CT_small.dcm", tmp_path / "in" / "Doe Jane.dcm")
    (tmp_path / "in" / "letter.pdf").write_bytes(LETTER.data)
    identity = age.X25519Identity.generate()
    argv = ["seal", str(tmp_path / "in"), "-r", str(identity.recipient), "-o", str(tmp_path),
            "--deidentify", "Case 12"]  # fmt: skip
    assert cli.main(argv) == 0
    err = capsys.readouterr().err
    assert "orthoshare: sealed 1 file\n" in err
    assert "orthoshare: de-identified as 'Case 12': 1 file cleaned" in err
    offset = int(err.split("every date was moved by ")[1].split(" days")[0])
    assert -3652 <= offset <= -366
    assert "orthoshare: left out: files whose identifying data cannot be removed" in err
    (sealed,) = tmp_path.glob("*.age")
    manifest = pipeline.list_(sealed, [identity])
    assert str(offset) not in manifest.to_json().decode()
    assert manifest.deidentification is not None
    sent = [e.original_name for e in manifest.entries if e.derived_from is None]
    assert sent[:1] == ["dicom/dicom-001.dcm"]


def test_a_request_with_deidentify_seals_as_the_cli_does(tmp_path: Path) -> None:
    identity = age.X25519Identity.generate()
    request = SealRequest([identity.recipient], deidentify=DeidentifyChoices("Case 12"))
    result = pipeline.seal([PHOTO], request, tmp_path)
    manifest = pipeline.list_(result.path, [identity])
    assert manifest.deidentified and manifest.patient.name == "Case 12"
    assert result.date_offset_days is not None


def test_de_identifying_reports_its_progress_before_sealing(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    shutil.copy(PYDICOM_FILES / "CT_small.dcm", tmp_path / "in" / "ct.dcm")
    (tmp_path / "in" / "smile.jpg").write_bytes(PHOTO.data)
    inputs = pipeline.collect_inputs([tmp_path / "in"])
    events: list[tuple[str, int, int]] = []
    request = SealRequest(
        [age.X25519Identity.generate().recipient], deidentify=DeidentifyChoices("Case 12")
    )
    pipeline.seal(inputs, request, tmp_path, progress=lambda *event: events.append(event))
    steps = [step for step, _, _ in events]
    assert steps[0] == "de-identifying" and "sealing" in steps
    assert steps.index("sealing") > max(i for i, s in enumerate(steps) if s == "de-identifying")
    total = sum(item.size for item in inputs)
    deidentifying = [(done, all_) for step, done, all_ in events if step == "de-identifying"]
    assert deidentifying[-1] == (total, total)
    assert [done for done, _ in deidentifying] == sorted(done for done, _ in deidentifying)


def test_a_dicom_photograph_without_a_view_may_show_the_face() -> None:
    import io

    import pydicom

    photograph = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    photograph.Modality = "XC"
    encoded = io.BytesIO()
    photograph.save_as(encoded)
    (reasons,) = review([BytesInput(encoded.getvalue(), ("photo.dcm",))])
    assert reasons == {"face": "a photo without a view may show the face"}
    (reasons,) = review([BytesInput((PYDICOM_FILES / "CT_small.dcm").read_bytes(), ("ct.dcm",))])
    assert reasons == {}
