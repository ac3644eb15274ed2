"""``README.TXT``: what the records' folders hold, in plain text, at the media root.

IHE Portable Data for Imaging puts one beside the DICOMDIR and ``INDEX.HTM``, for
whoever opens the media without imaging software. It names no patient (the cover
sheet does): a folder listing or a file preview shows it to anyone near the screen.
ASCII with CRLF line ends, so that every system's plain-text viewer reads it.
"""

from __future__ import annotations

from ..records import ORIGINALS_DIR
from .manifest import COVER_NAME, DICOMDIR_NAME, MANIFEST_NAME, README_NAME, Manifest


def render_readme(manifest: Manifest) -> bytes:
    """Return the README of a bundle that holds DICOM, whose manifest (without this
    README) is ``manifest``."""
    entries = manifest.entries
    indexed = sum(
        1 for e in entries if e.dicom is not None and not e.path.startswith(ORIGINALS_DIR)
    )
    originals = sum(1 for e in entries if e.path.startswith(ORIGINALS_DIR))
    dicom_entries = [e for e in entries if e.dicom is not None]
    indexed = sum(1 for e in dicom_entries if not e.path.startswith(ORIGINALS_DIR))
    noted = sum(1 for e in entries if e.dicom_note)
    sealed = manifest.created.replace("T", " ").replace("Z", " UTC")
    generator = manifest.generator.encode("ascii", "replace").decode("ascii")
    lines = [
        "PATIENT RECORDS",
        "",
        f"These are a patient's clinical records, sealed with {generator} on {sealed}.",
        "They hold personal health information: keep them as you keep your patients'",
        "records, and delete copies you no longer need.",
        "",
        "What is here",
        "",
        f"  {COVER_NAME:<16}The cover sheet: the patient, the sender, the note, and every",
        f"  {'':<16}file with its size and SHA-256. Open it in a web browser.",
    ]
    lines += [
        f"  {DICOMDIR_NAME:<16}The index of the DICOM files ({indexed}). Point your imaging",
        f"  {'':<16}software's import (CD, DVD or USB import) at this folder.",
        f"  {'DICOM/':<16}The DICOM files: the images as they were sent, and DICOM",
        f"  {'':<16}copies of the photos, scans and documents.",
    ]
    if originals:
        lines += [
            f"  {ORIGINALS_DIR:<16}{originals} files exactly as the sender had them.",
        ]
    lines += [
        f"  {MANIFEST_NAME:<16}The list of every file, for programs (JSON).",
        f"  {README_NAME:<16}This file.",
    ]
    if noted:
        lines += [
            "",
            f"{noted} files have no DICOM copy or are not in the DICOMDIR;",
            f"{COVER_NAME} says why for each.",
        ]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")
