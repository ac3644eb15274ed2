"""Sending records de-identified: a second opinion or a case presentation without
the patient's identity.

DICOM objects follow the Basic Application Level Confidentiality Profile of
PS3.15 Annex E (:mod:`orthoshare.dicom.deidentify`), photos and scans lose their
metadata (:mod:`orthoshare.deidentify.originals`), every file gets a neutral
name, and what cannot be cleaned is left out unless the sender sends it
knowingly. :func:`prepare` decides it all before sealing; the pipeline seals
what it prepared.

This package sits beside the pipeline: it builds on ``bundle`` and ``dicom``,
and only the pipeline and the page's API import it.
"""

from .prepare import METHOD, Prepared, SentInput, prepare, review

__all__ = ["METHOD", "Prepared", "SentInput", "prepare", "review"]
