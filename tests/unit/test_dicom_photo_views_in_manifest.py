"""A DICOM photograph the sender adds names its ADA-1100 view in the manifest itself.

A VL Photographic Image whose View Code Sequence (0054,0220) codes a view as the
package writes one (the ADA-1100 code item, or the projection with its modifiers)
gets that view in its manifest entry, unless the sender picked one, so the page
places it in the records composite. Other objects, codes no view has, and the objects
orthoshare makes of the sender's photos (whose originals carry the view) get none.
"""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest
from dicom_checks import baseline_jpeg
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from test_dicom_header import dicom_file
from test_dicom_in_bundle import seal_and_open

from orthoshare.bundle.manifest import Entry, Manifest
from orthoshare.bundle.writer import Annotation
from orthoshare.dicom.collect import read_identity
from orthoshare.views import Code, view

VL_PHOTOGRAPHIC_IMAGE = "1.2.840.10008.5.1.4.1.1.77.1.4"
SECONDARY_CAPTURE_IMAGE = "1.2.840.10008.5.1.4.1.1.7"


def item(code: Code, modifiers: tuple[Code, ...] = ()) -> Dataset:
    """A code sequence item of ``code``, as dicom4ortho writes it, modifiers nested."""
    coded = Dataset()
    coded.CodeValue = code.value
    coded.CodingSchemeDesignator = code.scheme
    coded.CodeMeaning = code.meaning
    if modifiers:
        coded.ViewModifierCodeSequence = Sequence(item(modifier) for modifier in modifiers)
    return coded


def ada_item(code: str) -> Dataset:
    """The ADA-1100 code item of view ``code`` (``IV07``, scheme ``99ADA1100``)."""
    return item(view(code).dicom.ada_view_code)


def projection_item(code: str) -> Dataset:
    """The projection item of view ``code``, with its View Modifier Code Sequence."""
    coding = view(code).dicom
    assert coding.view_code is not None
    return item(coding.view_code, coding.view_modifiers)


def photograph(*items: Dataset, sop_class: str = VL_PHOTOGRAPHIC_IMAGE) -> bytes:
    """A small DICOM object of the patient the tests seal for, with ``items`` as its
    View Code Sequence."""
    return dicom_file(
        sop_class=sop_class,
        Modality="XC",
        PatientName="Pérez^Ana",
        PatientBirthDate="20110402",
        ViewCodeSequence=Sequence(items),
    )


def entry_of(manifest: Manifest, name: str) -> Entry:
    """The entry of input ``name`` (not of an object made of it)."""
    (found,) = (e for e in manifest.entries if e.original_name == name and not e.derived_from)
    return found


def view_in_manifest(
    tmp_path: Path, data: bytes, annotation: Annotation | None = None
) -> str | None:
    manifest = seal_and_open(
        tmp_path, {"photo.dcm": data}, {"photo.dcm": annotation or Annotation()}
    )
    entry = entry_of(manifest, "photo.dcm")
    assert entry.kind == "dicom" and entry.dicom is not None
    assert entry.dicom.sop_class_uid == pydicom.dcmread(io.BytesIO(data)).SOPClassUID
    return entry.view


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param((ada_item("IV07"),), "IV07", id="ada-1100-code"),
        # IV09, frontal with the lateral-inferior modifier, is the one view coded so.
        pytest.param((projection_item("IV09"),), "IV09", id="projection-and-modifier"),
        # dicom4ortho writes both: the ADA-1100 code tells which frontal view it is.
        pytest.param((projection_item("IV07"), ada_item("IV07")), "IV07", id="both-codings"),
    ],
)
def test_a_dicom_photograph_coded_either_way_gets_its_view_in_the_manifest(
    tmp_path: Path, items: tuple[Dataset, ...], expected: str
) -> None:
    assert view_in_manifest(tmp_path, photograph(*items)) == expected


def test_the_identity_of_a_dicom_photograph_names_its_view() -> None:
    data = photograph(ada_item("EV19"))
    assert read_identity(io.BytesIO(data), len(data)).view == "EV19"


@pytest.mark.parametrize(
    "coded",
    [
        pytest.param(Code("EV99", "99ADA1100", "No such view"), id="unknown-ada-code"),
        pytest.param(Code("IV07", "SCT", "An ADA-1100 code in another scheme"), id="wrong-scheme"),
        pytest.param(Code("123456789", "SCT", "No view's projection"), id="unknown-projection"),
        # A frontal projection without modifiers is sixteen views: which is not said.
        pytest.param(view("IV07").dicom.view_code, id="projection-of-many-views"),
    ],
)
def test_a_code_that_names_no_one_view_gives_a_dicom_photograph_no_view(
    tmp_path: Path, coded: Code
) -> None:
    assert view_in_manifest(tmp_path, photograph(item(coded))) is None


def test_codes_of_two_views_give_a_dicom_photograph_no_view(tmp_path: Path) -> None:
    assert view_in_manifest(tmp_path, photograph(ada_item("IV07"), ada_item("IV01"))) is None


def test_the_senders_view_wins_over_the_one_a_dicom_photograph_names(tmp_path: Path) -> None:
    data = photograph(ada_item("IV07"))
    assert view_in_manifest(tmp_path, data, Annotation(view="IV01")) == "IV01"


def test_a_dicom_object_that_is_not_a_photograph_gets_no_view(tmp_path: Path) -> None:
    data = photograph(ada_item("IV07"), sop_class=SECONDARY_CAPTURE_IMAGE)
    assert view_in_manifest(tmp_path, data) is None


def test_the_objects_made_of_the_senders_photos_keep_no_view_of_their_own(
    tmp_path: Path,
) -> None:
    files = {"front.jpg": baseline_jpeg(), "photo.dcm": photograph(ada_item("IV24"))}
    manifest = seal_and_open(tmp_path, files, {"front.jpg": Annotation(view="IV07")})
    assert entry_of(manifest, "front.jpg").view == "IV07"
    assert entry_of(manifest, "photo.dcm").view == "IV24"
    (made,) = (e for e in manifest.entries if e.derived_from == "ORIGINAL/front.jpg")
    # The object made of the photo codes the view, as a photograph added would…
    coded = pydicom.dcmread(tmp_path / "out" / made.path).ViewCodeSequence
    assert [(c.CodeValue, c.CodingSchemeDesignator) for c in coded] == [("IV07", "99ADA1100")]
    # …but the original carries it: the object is not placed a second time.
    assert made.view is None
