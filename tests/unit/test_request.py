"""The seal request: the page's JSON and the CLI's options make the same typed object,
and a request of the wrong form is refused saying where."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pytest

from orthoshare import age, cli, pipeline
from orthoshare.bundle.writer import Annotation, Details
from orthoshare.dicom.identity import DicomIdentity
from orthoshare.errors import InputError
from orthoshare.records import Party, Patient
from orthoshare.request import (
    PatientsRequest,
    RequestError,
    SealRequest,
    decode,
    identities_from_json,
    parse_recipient,
)

IDENTITY = age.X25519Identity.generate()
KEY = str(IDENTITY.recipient)
DETAILS = Details(
    patient=Patient("Ana Pérez", "P-17", "2011-04-02", "F"),
    sender=Party("Dr Lee", "Smile Ortho", "lee@example.org"),
    recipient=Party("Dr Kim"),
    note="Pre-surgical records.",
    consent="Consented on 2026-11-30.",
)


def page_request(**fields: Any) -> str:
    return json.dumps({"recipients": [KEY], **fields})


def test_a_full_request_from_the_page_becomes_the_typed_request() -> None:
    annotations = [
        {"label": "Smile", "view": "EV08", "kind": None, "radiograph": None},
        {"label": "", "view": "", "kind": "radiograph", "radiograph": "panoramic"},
    ]
    text = page_request(details=asdict(DETAILS), annotations=annotations, armor=True)
    request = SealRequest.from_json(text, files=2)
    assert request.details == DETAILS
    assert request.annotations == (
        Annotation(label="Smile", view="EV08"),
        Annotation(kind="radiograph", radiograph="panoramic"),
    )
    assert request.armor is True
    assert request.allow_mixed_patients is False
    assert [str(r) for r in request.recipients] == [KEY]


def test_absent_or_null_values_take_the_dataclass_defaults() -> None:
    request = SealRequest.from_json(
        page_request(details={"patient": None, "note": None}, annotations=None, armor=None),
        files=1,
    )
    assert request == SealRequest(request.recipients)


def test_a_passphrase_becomes_the_one_scrypt_recipient() -> None:
    request = SealRequest.from_json(json.dumps({"passphrase": "correct horse"}), files=1)
    assert [type(r) for r in request.recipients] == [age.ScryptRecipient]


def test_every_field_of_the_records_vocabulary_is_accepted_by_its_own_name() -> None:
    # The accepted keys are the dataclasses' fields, not a list typed again.
    for kind, sample in ((Patient, DETAILS.patient), (Party, DETAILS.sender)):
        assert decode(kind, asdict(sample), "x") == sample
        assert {f.name for f in fields(kind)} == set(asdict(sample))


@pytest.mark.parametrize(
    ("request_fields", "files", "says"),
    [
        ({"details": {"patient": {"birthdate": "2010-05-17"}}}, 1,
         "details.patient has unknown keys ['birthdate']"),
        ({"details": {"note": 7}}, 1, "details.note is not a string"),
        ({"details": {"deidentified": False}}, 1, "details has unknown keys ['deidentified']"),
        ({"deidentify": {"pseudonym": 12}}, 1, "deidentify.pseudonym is not a string"),
        ({"deidentify": {"send_burned_in": "yes"}}, 1,
         "deidentify.send_burned_in is not true or false"),
        ({"details": []}, 1, "details is not an object"),
        ({"armor": "yes"}, 1, "armor is not true or false"),
        ({"allow_mixed_patients": 1}, 1, "allow_mixed_patients is not true or false"),
        ({"annotations": [None]}, 2, "annotations is not a list of one item per file (2)"),
        ({"annotations": [{"colour": "red"}]}, 1, "annotations[0] has unknown keys ['colour']"),
        ({"recipients": "age1…"}, 1, "recipients is not a list of strings"),
        ({"passphrase": 5}, 1, "passphrase is not a string"),
        ({"sender": {}}, 1, "the request has unknown keys ['sender']"),
    ],
    ids=["unknown-key", "note-type", "no-deidentified-claim", "pseudonym-type",
         "deidentify-flag-type", "not-object", "armor", "mixed", "count",
         "annotation-key", "recipients-type", "passphrase-type", "top-level-key"],
)  # fmt: skip
def test_a_request_of_the_wrong_form_is_refused_saying_where(
    request_fields: dict[str, Any], files: int, says: str
) -> None:
    with pytest.raises(RequestError) as info:
        SealRequest.from_json(page_request(**request_fields), files)
    assert str(info.value) == says


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (b"{}", "the request is not a JSON string"),
        ("{not json", "the request is not JSON"),
        ("[1, 2]", "the request is not a JSON object"),
    ],
)
def test_a_request_that_is_not_a_json_object_is_refused(text: Any, says: str) -> None:
    with pytest.raises(RequestError, match=f"^{says}"):
        SealRequest.from_json(text, files=1)


@pytest.mark.parametrize(
    "annotation",
    [{"view": "XX99"}, {"kind": "toy"}, {"radiograph": "bitewing"},
     {"kind": "photo", "radiograph": "cephalometric"}],
    ids=["view", "kind", "radiograph", "radiograph-not-photo"],
)  # fmt: skip
def test_an_annotation_no_one_could_record_is_refused_whoever_makes_it(
    annotation: dict[str, str],
) -> None:
    with pytest.raises(InputError):
        SealRequest.from_json(page_request(annotations=[annotation]), files=1)
    with pytest.raises(InputError):
        Annotation(**annotation)


def test_a_radiograph_is_of_kind_radiograph() -> None:
    assert Annotation(radiograph="panoramic").kind == "radiograph"


def test_a_key_is_checked_as_it_is_parsed() -> None:
    with pytest.raises(age.KeyFormatError):
        SealRequest.from_json(json.dumps({"recipients": ["age1notakey"]}), files=1)
    assert str(parse_recipient(f"  {KEY}\n")) == KEY


def test_the_open_request_gives_a_passphrase_or_the_identities_of_a_file() -> None:
    (by_passphrase,) = identities_from_json(json.dumps({"passphrase": "pw"}))
    assert isinstance(by_passphrase, age.ScryptIdentity)
    text = age.format_identity_file(IDENTITY)
    (by_key,) = identities_from_json(json.dumps({"identities": text}))
    assert isinstance(by_key, age.X25519Identity)
    with pytest.raises(RequestError, match="identities is not a string"):
        identities_from_json(json.dumps({"identities": ["AGE-SECRET-KEY-1…"]}))
    with pytest.raises(RequestError, match="unknown keys"):
        identities_from_json(json.dumps({"password": "pw"}))


def test_the_patients_request_reads_each_file_identity_by_its_fields() -> None:
    identity = {f.name: "" for f in fields(DicomIdentity)} | {"patient_id": "P-17"}
    text = json.dumps(
        {"found": [{"path": "ct/1.dcm", "dicom": identity}], "entered": {"name": "Ana"}}
    )
    request = PatientsRequest.from_json(text)
    assert request.found == (("ct/1.dcm", DicomIdentity(**identity)),)
    assert request.entered == Patient(name="Ana")
    with pytest.raises(RequestError, match=r"found\[0\]\.dicom has unknown keys \['colour'\]"):
        PatientsRequest.from_json(json.dumps({"found": [{"dicom": {"colour": "red"}}]}))
    with pytest.raises(RequestError, match="found is not a list"):
        PatientsRequest.from_json(json.dumps({"found": {}}))


def test_the_cli_and_the_page_make_the_same_request_of_the_same_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pano.jpg").write_bytes(b"\xff\xd8\xff\xe0 a radiograph")
    made: list[SealRequest] = []

    def capture(
        inputs: object, request: SealRequest, out: object, **_: object
    ) -> pipeline.SealResult:
        made.append(request)
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "seal", capture)
    argv = [
        "seal", str(tmp_path / "pano.jpg"), "-r", KEY, "-o", str(tmp_path), "--armor",
        "--patient-name", "Ana Pérez", "--patient-id", "P-17",
        "--patient-birth-date", "2011-04-02", "--patient-sex", "F",
        "--sender-name", "Dr Lee", "--sender-organization", "Smile Ortho",
        "--sender-contact", "lee@example.org", "--recipient-name", "Dr Kim",
        "--note", DETAILS.note, "--consent", DETAILS.consent,
        "--label", f"{tmp_path / 'pano.jpg'}=Before", "--radiograph",
        f"{tmp_path / 'pano.jpg'}=panoramic",
    ]  # fmt: skip
    with pytest.raises(SystemExit):
        cli.main(argv)
    page = SealRequest.from_json(
        page_request(
            details=asdict(DETAILS),
            annotations=[{"label": "Before", "radiograph": "panoramic"}],
            armor=True,
        ),
        files=1,
    )
    (from_cli,) = made
    assert (from_cli.details, from_cli.annotations, from_cli.armor) == (
        page.details, page.annotations, page.armor,
    )  # fmt: skip
    assert [str(r) for r in from_cli.recipients] == [str(r) for r in page.recipients]


@pytest.mark.parametrize(
    ("options", "choices"),
    [
        ([], None),
        (["--deidentify", "Case 12"], {"pseudonym": "Case 12"}),
        (
            ["--deidentify", "Case 12", "--remove-dates", "--remove-descriptions",
             "--remove-patient-characteristics", "--send-burned-in", "--send-uncleanable",
             "--leave-out-face-photos"],
            {"pseudonym": "Case 12", "retain_modified_dates": False, "clean_descriptors": False,
             "retain_patient_characteristics": False, "send_burned_in": True,
             "send_uncleanable": True, "send_face_photos": False},
        ),
    ],
    ids=["not-deidentified", "defaults", "every-choice-turned"],
)  # fmt: skip
def test_the_cli_and_the_page_ask_for_the_same_deidentification(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    choices: dict[str, Any] | None,
) -> None:
    (tmp_path / "a.txt").write_bytes(b"notes")
    made: list[SealRequest] = []

    def capture(inputs: object, request: SealRequest, out: object, **_: object) -> None:
        made.append(request)
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "seal", capture)
    with pytest.raises(SystemExit):
        cli.main(["seal", str(tmp_path / "a.txt"), "-r", KEY, "-o", str(tmp_path), *options])
    page = SealRequest.from_json(page_request(deidentify=choices), files=1)
    assert made[0].deidentify == page.deidentify
    assert (page.deidentify is None) == (choices is None)


def test_a_deidentification_option_without_deidentify_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_bytes(b"notes")
    argv = ["seal", str(tmp_path / "a.txt"), "-r", KEY, "-o", str(tmp_path), "--remove-dates"]
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "orthoshare: error: --remove-dates applies only to de-identified sending" in err
    assert "orthoshare: hint: add --deidentify with a pseudonym" in err
    assert not list(tmp_path.glob("*.age"))


@pytest.mark.parametrize("armor", [True, False], ids=["armored", "binary"])
def test_the_open_request_opens_a_protected_identity_file_picked_or_pasted(armor: bool) -> None:
    text = age.format_identity_file(IDENTITY)
    sealed = age.encrypt_bytes(text.encode(), [age.ScryptRecipient("pw", 10)], armor=armor)
    picked = {"identity_file": base64.b64encode(sealed).decode(), "identity_name": "key.age"}
    requests = [picked] + ([{"identities": "\n" + sealed.decode()}] if armor else [])
    for request in requests:
        (by_key,) = identities_from_json(json.dumps({**request, "identity_passphrase": "pw"}))
        assert str(by_key) == str(IDENTITY)
        with pytest.raises(RequestError, match="protected, and no passphrase was given"):
            identities_from_json(json.dumps(request))
    with pytest.raises(age.WrongIdentityPassphraseError, match=r"identity file: key\.age$"):
        identities_from_json(json.dumps({**picked, "identity_passphrase": "px"}))
    cut = {**picked, "identity_file": base64.b64encode(sealed[:60]).decode()}
    with pytest.raises(age.DamagedIdentityFileError, match=r"key\.age"):
        identities_from_json(json.dumps({**cut, "identity_passphrase": "pw"}))


def test_the_open_request_reads_a_plain_identity_file_picked_as_bytes() -> None:
    text = age.format_identity_file(IDENTITY)
    picked = {"identity_file": base64.b64encode(text.encode()).decode(), "identity_name": "k"}
    (by_key,) = identities_from_json(json.dumps(picked))
    assert str(by_key) == str(IDENTITY)
    with pytest.raises(RequestError, match="not base64"):
        identities_from_json(json.dumps({"identity_file": "not base64!"}))
    binary = {"identity_file": base64.b64encode(b"\xff\xfe").decode(), "identity_name": "k"}
    with pytest.raises(age.KeyFormatError, match="k is not text"):
        identities_from_json(json.dumps(binary))
