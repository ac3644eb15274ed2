"""The one study a bundle's generated DICOM objects belong to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydicom.uid import generate_uid

from ..records import Patient


@dataclass(frozen=True)
class Study:
    """Patient and study attributes shared by every object generated for one bundle.

    Parameters
    ----------
    patient : Patient
        As entered by the sender (name, ID, birth date ``YYYY-MM-DD``, sex).
    study_instance_uid, frame_of_reference_uid : str
        New UIDs for this bundle (the frame of reference is shared by its 3-D scans).
    date, time : str
        DICOM DA (``YYYYMMDD``) and TM (``HHMMSS``) of the sealing, in UTC.
    description : str
        Study Description, e.g. the sender's note's first line.
    """

    patient: Patient
    study_instance_uid: str
    frame_of_reference_uid: str
    date: str
    time: str
    description: str = ""

    @classmethod
    def new(cls, patient: Patient, now: datetime, description: str = "") -> Study:
        """Return a study with fresh UIDs, dated ``now``."""
        moment = now.astimezone(UTC)
        return cls(
            patient=patient,
            study_instance_uid=generate_uid(),
            frame_of_reference_uid=generate_uid(),
            date=moment.strftime("%Y%m%d"),
            time=moment.strftime("%H%M%S"),
            description=description,
        )


@dataclass(frozen=True)
class Placement:
    """Where one generated object sits in the study: its series and its number in it."""

    series_instance_uid: str
    series_number: int
    instance_number: int
