"""Long work reports progress up to its total; generated passphrases are strong."""

from __future__ import annotations

import os
from pathlib import Path

from orthoshare import age, pipeline
from orthoshare.bundle.writer import Details
from orthoshare.passphrase import generate_passphrase, strength
from orthoshare.records import Patient
from orthoshare.request import SealRequest


def test_seal_and_open_report_progress_up_to_each_total(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    sizes = [3 << 20, 0, 1000]
    for index, size in enumerate(sizes):
        (tmp_path / "in" / f"{index}.bin").write_bytes(os.urandom(size))
    identity = age.X25519Identity.generate()
    events: list[tuple[str, int, int]] = []

    def record(step: str, done: int, total: int) -> None:
        events.append((step, done, total))

    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        SealRequest([identity.recipient]),
        tmp_path / "sealed.age",
        progress=record,
    )
    pipeline.open_(result.path, [identity], tmp_path / "out", progress=record)

    steps = {step: [e for e in events if e[0] == step] for step in ("sealing", "decrypting")}
    steps["verifying"] = [e for e in events if e[0] == "verifying"]
    assert [e[0] for e in events] == sorted((e[0] for e in events), key=list(steps).index)
    for step, reported in steps.items():
        assert len(reported) > 2, step
        dones = [done for _, done, _ in reported]
        assert dones == sorted(dones), step
        assert dones[-1] == reported[-1][2], step
    assert steps["sealing"][-1][2] == sum(sizes)
    assert steps["decrypting"][-1][2] == result.path.stat().st_size


def test_making_dicom_objects_of_originals_reports_its_own_progress_after_sealing(
    tmp_path: Path,
) -> None:
    # The objects are written after every input: without a step of their own, the
    # progress would stand at its total while a scan's copy is still being written.
    (tmp_path / "in").mkdir()
    letter = b"%PDF-1.7\n" + os.urandom(3 << 20)
    (tmp_path / "in" / "letter.pdf").write_bytes(letter)
    (tmp_path / "in" / "notes.txt").write_bytes(b"notes")
    events: list[tuple[str, int, int]] = []

    def record(step: str, done: int, total: int) -> None:
        events.append((step, done, total))

    result = pipeline.seal(
        pipeline.collect_inputs([tmp_path / "in"]),
        SealRequest(
            [age.X25519Identity.generate().recipient],
            Details(patient=Patient(name="Ana Pérez", id="P-17")),
        ),
        tmp_path / "sealed.age",
        progress=record,
    )
    assert any(entry.derived_from for entry in result.manifest.entries), "no DICOM object made"
    steps = [step for step, _, _ in events]
    first_making = steps.index("making DICOM objects")
    assert set(steps[:first_making]) == {"sealing"}
    assert set(steps[first_making:]) == {"making DICOM objects"}
    making = [(done, total) for step, done, total in events if step == "making DICOM objects"]
    assert len(making) > 2
    assert {total for _, total in making} == {len(letter)}
    dones = [done for done, _ in making]
    assert dones == sorted(dones) and dones[-1] == len(letter)


def test_generated_passphrases_are_strong_and_common_ones_weak() -> None:
    generated = {generate_passphrase() for _ in range(50)}
    assert len(generated) == 50
    assert all(strength(p)[1] == "strong" for p in generated)
    assert strength("password")[1] == "weak"
    assert strength("12345678")[1] == "weak"
    assert strength("")[0] == 0
