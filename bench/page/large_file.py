"""The "one large file" workload: a scanner's export, which the page keeps as it is.

One ZIP archive holding one stored member of seeded random bytes, a real ZIP as a
3Shape export arrives. The page tells kinds by content, never by name, and a ZIP is
kind "other": it goes into the bundle as an original only, with no DICOM object made of
it, so the page's work is the cipher, the hashing and the bundle's ZIP around it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .records import BLOCK, MB, InputFile, Workload, rng_for, sha256_of_files

NAME = "scanner-export.zip"
MEMBER = "export/scan-data.bin"
MEMBER_DATE = (2026, 1, 1, 9, 0, 0)  # fixed, so that every run writes the same bytes
# What a ZIP of one stored member adds to it: the local header and the central directory
# entry (30 and 46 bytes, each followed by the name) and the end record (22 bytes). A
# member of 2 GB or more would add ZIP64 records too, so sizes that large come out a
# little over.
ZIP_OVERHEAD = 30 + 46 + 22 + 2 * len(MEMBER.encode())


def generate(folder: Path, size_mb: int) -> list[InputFile]:
    """Write the export, ``size_mb`` MB in all, into ``folder``."""
    path = folder / NAME
    rng = rng_for(size_mb, "large file")
    member = zipfile.ZipInfo(MEMBER, date_time=MEMBER_DATE)
    member.file_size = max(0, size_mb * MB - ZIP_OVERHEAD)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive,
        archive.open(member, "w") as out,
    ):
        for start in range(0, member.file_size, BLOCK):
            out.write(rng.randbytes(min(BLOCK, member.file_size - start)))
    return [InputFile(path, "other", path.stat().st_size, sha256_of_files([path]))]


WORKLOAD = Workload(
    name="large",
    label="one large file",
    contents="a scanner's export: one ZIP, kept as an original only",
    folder_prefix="data-large-",
    generate=generate,
    source=Path(__file__),
)
