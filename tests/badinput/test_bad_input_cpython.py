"""Every case of the bad-input table on CPython, through ``orthoshare.pipeline`` as the CLI uses it.

A sealed file is opened into a new folder, then listed: both must fail with the
case's own error, within its time and under its memory bound, leaving nothing
beside the file or in the folder it would have opened into, and without running
scrypt above the accepted work factor. A bad input to sealing must be refused,
saying which file and why, with nothing sealed.
"""

from __future__ import annotations

import platform
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bundle.support import time_limit

from orthoshare import age, pipeline
from orthoshare.age import primitives
from orthoshare.age.scrypt import DEFAULT_MAX_WORK_FACTOR
from orthoshare.request import SealRequest

from .cases import (
    IDENTITY,
    LETTER,
    MEMORY_LIMIT_MIB,
    OPEN_CASES,
    PASSPHRASE,
    SCAN,
    SEAL_CASES,
    Case,
    Material,
    material,
    rebuilt,
)
from .report import Column, Outcome


@dataclass(frozen=True)
class Run:
    """What running a case did: the error (``None``: it succeeded), the time, the peak memory."""

    error: Exception | None
    succeeded_as: str
    seconds: float
    peak_mib: float

    @property
    def outcome(self) -> str:
        return self.succeeded_as if self.error is None else type(self.error).__name__


def run_bounded(work: Callable[[], object], seconds: float, succeeded_as: str) -> Run:
    """Run ``work`` until ``seconds`` at most, measuring tracemalloc's peak."""
    error: Exception | None = None
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with time_limit(seconds):
            work()
    except Exception as e:
        error = e
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return Run(error, succeeded_as, elapsed, peak / (1 << 20))


class ScryptWatch:
    """The backend in use, noting the work factor of every scrypt asked of it."""

    def __init__(self, backend: primitives.Primitives) -> None:
        self._backend = backend
        self.name = backend.name
        self.work_factors: list[int] = []

    def chacha20poly1305(self, key: bytes) -> primitives.AEAD:
        return self._backend.chacha20poly1305(key)

    def scrypt(self, passphrase: bytes, salt: bytes, log_n: int) -> bytes:
        self.work_factors.append(log_n)
        return self._backend.scrypt(passphrase, salt, log_n)

    def x25519(self, scalar: bytes, point: bytes) -> bytes:
        return self._backend.x25519(scalar, point)


@pytest.fixture
def scrypt_watch() -> Iterator[ScryptWatch]:
    previous = primitives.get_backend()
    watch = ScryptWatch(previous)
    primitives.set_backend(watch)
    try:
        yield watch
    finally:
        primitives.set_backend(previous)


@pytest.fixture(scope="module")
def good() -> Material:
    return material()


@pytest.fixture(scope="module")
def column() -> Iterator[Column]:
    """This module's column of the report, written once its cases have run."""
    column = Column("cpython", f"CPython {platform.python_version()}")
    yield column
    column.save()


def identities_for(case: Case, good: Material) -> list[age.Identity]:
    if case.secret == "passphrase":
        return [age.ScryptIdentity(PASSPHRASE)]
    if case.identity is not None:
        # As `orthoshare open -i` reads a protected identity file: before any record.
        text = age.open_protected_identity(case.identity(good), PASSPHRASE, "identity.age")
        return list(age.parse_identity_file(text))
    return [IDENTITY]


def received(tmp_path: Path, name: str, data: bytes) -> Path:
    """``data`` saved as the only file of a new folder, as a download would be."""
    path = tmp_path / "received" / name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("made", ["as sealed", "as the ZIP cases rebuild it"])
def test_the_good_file_every_case_is_made_from_opens(
    good: Material, made: str, tmp_path: Path
) -> None:
    data = good.sealed if made == "as sealed" else rebuilt(good)
    sealed = received(tmp_path, "good.zip.age", data)
    manifest = pipeline.open_(sealed, [IDENTITY], tmp_path / "out")
    assert [entry.path for entry in manifest.entries] == [LETTER, SCAN]
    assert good.chunk_count == 4


@pytest.mark.parametrize("case", OPEN_CASES, ids=lambda case: case.id)
def test_a_bad_sealed_file_fails_with_its_own_error_in_bounded_time_and_memory_writing_nothing(
    case: Case, good: Material, column: Column, scrypt_watch: ScryptWatch, tmp_path: Path
) -> None:
    assert case.expected is not None
    sealed = received(tmp_path, case.file_name, case.build(good))
    out = tmp_path / "opened" / "records"
    out.parent.mkdir()

    run = run_bounded(
        lambda: pipeline.open_(sealed, identities_for(case, good), out), case.seconds, "opened"
    )
    column.record(case, Outcome(run.outcome, run.seconds, run.peak_mib))

    assert run.outcome == case.expected_name, run.error
    assert not out.exists()
    assert list(out.parent.iterdir()) == [], "something was left where the records would go"
    assert list(sealed.parent.iterdir()) == [sealed], "something was left beside the file"
    assert run.seconds <= case.seconds
    assert run.peak_mib <= MEMORY_LIMIT_MIB
    assert max(scrypt_watch.work_factors, default=0) <= DEFAULT_MAX_WORK_FACTOR
    with pytest.raises(case.expected), time_limit(case.seconds):
        pipeline.list_(sealed, identities_for(case, good))


@pytest.mark.parametrize("case", SEAL_CASES, ids=lambda case: case.id)
def test_a_bad_input_to_sealing_is_refused_saying_why_or_sealed_as_an_original(
    case: Case, good: Material, column: Column, tmp_path: Path
) -> None:
    given = received(tmp_path, case.file_name, case.build(good))
    sealed_dir = tmp_path / "sealed"
    sealed_dir.mkdir()
    results: list[pipeline.SealResult] = []

    def seal() -> None:
        inputs = pipeline.collect_inputs([given])
        results.append(pipeline.seal(inputs, SealRequest([IDENTITY.recipient]), sealed_dir))

    run = run_bounded(seal, case.seconds, "sealed")
    column.record(case, Outcome(run.outcome, run.seconds, run.peak_mib))

    assert run.outcome == case.expected_name, run.error
    assert run.seconds <= case.seconds
    assert run.peak_mib <= MEMORY_LIMIT_MIB
    if case.expected is not None:
        assert f"{case.file_name} is not a readable DICOM file: " in str(run.error)
        assert list(sealed_dir.iterdir()) == []
        return
    (result,) = results
    manifest = pipeline.open_(result.path, [IDENTITY], tmp_path / "opened")
    (entry,) = manifest.entries
    path = f"ORIGINAL/{case.file_name}"
    assert (entry.path, entry.kind, entry.media_type, entry.dicom) == (
        path, "other", "application/zip", None
    )  # fmt: skip
    assert (tmp_path / "opened" / path).read_bytes() == given.read_bytes()
