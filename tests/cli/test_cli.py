"""The ``orthoshare`` command: what a person types, sees, and gets back."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orthoshare import age, keys
from orthoshare.cli import main

NAME = re.compile(r"orthoshare-\d{8}-[A-Z0-9]{6}\.zip\.age")


@pytest.fixture
def records(tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    (folder / "scans").mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    (folder / "scans" / "upper.stl").write_bytes(b"solid u\nfacet normal 0 0 1\nendsolid u\n")
    return folder


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "key.txt"
    assert main(["keygen", "--unprotected", "-o", str(path)]) == 0
    return path


def public_key(key_file: Path) -> str:
    return str(age.parse_identity_file(key_file.read_text())[0].recipient)


def substitute(argument: str, values: dict[str, str]) -> str:
    """Replace a placeholder, alone or before ``=VALUE``, by its value for this test."""
    name, equals, value = argument.partition("=")
    return values.get(name, name) + equals + value


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_keygen_unprotected_writes_a_private_age_keygen_identity_file_and_the_public_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "me.txt"
    status, out, err = run(["keygen", "--unprotected", "-o", str(path)], capsys)
    assert status == 0 and out == ""
    assert path.read_text().startswith("# created: ")
    identity = age.parse_identity_file(path.read_text())[0]
    words = keys.check_words(identity.recipient)
    assert err.strip() == f"Public key: {identity.recipient}\nCheck words: {words}"
    assert path.stat().st_mode & 0o777 == 0o600


def test_keygen_never_overwrites_a_key_file(
    key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = key_file.read_text()
    status, _, err = run(["keygen", "--unprotected", "-o", str(key_file)], capsys)
    assert status == 1
    assert err.startswith("orthoshare: error: ")
    assert key_file.read_text() == before


def test_seal_then_open_with_a_key_restores_every_file(
    tmp_path: Path, records: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        ["seal", str(records), "-r", public_key(key_file), "-o", str(tmp_path),
         "--patient-name", "Ana Pérez", "--patient-id", "P-17", "--patient-sex", "F",
         "--patient-birth-date", "2011-04-02", "--sender-name", "Dr Lee",
         "--recipient-name", "Dr Kim", "--note", "pre-surgical records",
         "--consent", "patient consented on 2026-11-20",
         "--label", f"{records / 'photo.jpg'}=Frontal smile",
         "--view", f"{records / 'photo.jpg'}=EV08",
         "--kind", f"{records / 'scans' / 'upper.stl'}=scan"],
        capsys,
    )  # fmt: skip
    assert status == 0, err
    sealed = Path(out.strip())
    assert NAME.fullmatch(sealed.name)
    assert "sealed 2 files" in err

    status, out, err = run(
        ["open", str(sealed), "-i", str(key_file), "-o", str(tmp_path / "o")], capsys
    )
    assert status == 0, err
    assert "patient: Ana Pérez · P-17 · 2011-04-02" in out
    assert "Frontal smile · EV08" in out
    # The records as a chart: the object made of the scan is a study of its own.
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("records:"))
    chart = lines[first : next(i for i, line in enumerate(lines) if line.startswith("files:"))]
    assert any(line.startswith("records: Study M3D · ") for line in chart), out
    # Generated UIDs vary in length, so the object's size is read from what was opened.
    made = tmp_path / "o" / "DICOM" / "PT000000" / "ST000000" / "SE000000" / "IM000000"
    size = made.stat().st_size
    assert any(f": 1 series, 1 image, {size} bytes" in line for line in chart), out
    assert any(line.lstrip().startswith("Photos: 1 file, ") for line in chart), out
    assert any(line.lstrip().startswith("Scans: 1 file, ") for line in chart), out
    opened = tmp_path / "o" / "ORIGINAL" / "records"
    assert (opened / "photo.jpg").read_bytes() == (records / "photo.jpg").read_bytes()
    assert (opened / "scans" / "upper.stl").read_bytes() == (
        records / "scans" / "upper.stl"
    ).read_bytes()


def test_seal_and_open_with_a_passphrase_file(
    tmp_path: Path, records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text("correct horse battery staple\n")
    status, out, err = run(
        ["seal", str(records), "--passphrase-file", str(secret), "-o", str(tmp_path / "x.age")],
        capsys,
    )
    assert status == 0, err
    status, out, err = run(
        ["open", str(tmp_path / "x.age"), "--passphrase-file", str(secret), "--list"], capsys
    )
    assert status == 0, err
    # The two files, the object made of the scan, the DICOMDIR and its README.
    assert "files:   5, all verified" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pass.txt", "records", "x.age"]


def test_inspect_tells_how_a_file_is_protected_without_a_key(
    tmp_path: Path, records: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sealed = tmp_path / "k.age"
    run(["seal", str(records), "-r", public_key(key_file), "-o", str(sealed), "-a"], capsys)
    status, out, _ = run(["inspect", str(sealed)], capsys)
    assert status == 0
    assert "text (armored) age file" in out
    assert "opens with: public key (X25519)" in out


@pytest.mark.parametrize(
    ("argv_tail", "error", "hint"),
    [
        (["-i", "OTHER_KEY", "-o", "OUT"], "none of the given keys can open", "identity file"),
        (["--passphrase-file", "PASS", "-o", "OUT"], "protected by a key", "identity file"),
        (["-i", "KEY", "-o", "EXISTING"], "already exists and is not empty", "new folder"),
        (["-i", "KEY"], "say where to put the files", "--list"),
    ],
    ids=["wrong-key", "passphrase-for-key-file", "output-exists", "no-output"],
)
def test_open_failures_print_an_error_and_a_hint_without_traceback(
    tmp_path: Path,
    records: Path,
    key_file: Path,
    capsys: pytest.CaptureFixture[str],
    argv_tail: list[str],
    error: str,
    hint: str,
) -> None:
    sealed = tmp_path / "s.age"
    run(["seal", str(records), "-r", public_key(key_file), "-o", str(sealed)], capsys)
    other_key = tmp_path / "other.txt"
    run(["keygen", "--unprotected", "-o", str(other_key)], capsys)
    (tmp_path / "PASS").write_text("guess\n")
    (tmp_path / "EXISTING").mkdir()
    (tmp_path / "EXISTING" / "keep.txt").write_text("keep")
    substitutions = {
        "KEY": str(key_file),
        "OTHER_KEY": str(other_key),
        "PASS": str(tmp_path / "PASS"),
        "EXISTING": str(tmp_path / "EXISTING"),
        "OUT": str(tmp_path / "out"),
    }

    status, out, err = run(
        ["open", str(sealed), *(substitute(a, substitutions) for a in argv_tail)], capsys
    )

    assert status == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith("orthoshare: error: ") and error in lines[0]
    assert lines[1].startswith("orthoshare: hint: ") and hint in lines[1]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in (tmp_path / "EXISTING").iterdir()] == ["keep.txt"]


def test_a_damaged_file_is_refused_with_a_hint(
    tmp_path: Path, records: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sealed = tmp_path / "s.age"
    run(["seal", str(records), "-r", public_key(key_file), "-o", str(sealed)], capsys)
    sealed.write_bytes(sealed.read_bytes()[:-10])
    status, _, err = run(
        ["open", str(sealed), "-i", str(key_file), "-o", str(tmp_path / "o")], capsys
    )
    assert status == 1
    assert "error: the encrypted content is damaged or truncated" in err
    assert "hint: the file is damaged or truncated" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["seal", "MISSING", "-r", "RECIPIENT", "-o", "OUT"], "is not a file or a folder"),
        (["seal", "EMPTY", "-r", "RECIPIENT", "-o", "OUT"], "there is nothing to seal"),
        (["seal", "RECORDS", "-o", "OUT"], "say who can open the file"),
        (["seal", "RECORDS", "-r", "age1bad", "-o", "OUT"], "invalid key"),
        (["seal", "RECORDS", "-r", "RECIPIENT", "-o", "OUT", "--view", "RECORDS=IV01"],
         "does not name an input file"),
        (["seal", "PHOTO", "-r", "RECIPIENT", "-o", "OUT", "--view", "PHOTO=XX99"],
         "not an ADA-1100 view code"),
    ],
    ids=["missing", "empty-folder", "no-recipient", "bad-key", "label-not-input", "bad-view"],
)  # fmt: skip
def test_seal_refuses_bad_arguments_plainly_and_writes_nothing(
    tmp_path: Path,
    records: Path,
    key_file: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    error: str,
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "out").mkdir()
    substitutions = {
        "MISSING": str(tmp_path / "missing"),
        "EMPTY": str(tmp_path / "empty"),
        "RECORDS": str(records),
        "PHOTO": str(records / "photo.jpg"),
        "RECIPIENT": public_key(key_file),
        "OUT": str(tmp_path / "out"),
    }
    status, _, err = run([substitute(a, substitutions) for a in argv], capsys)
    assert status == 1
    assert "orthoshare: error: " in err and error in err
    assert "Traceback" not in err
    assert list((tmp_path / "out").iterdir()) == []


def test_python_dash_m_and_the_console_script_both_run() -> None:
    for command in ([sys.executable, "-m", "orthoshare", "--version"], ["orthoshare", "--version"]):
        env = dict(
            os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        )
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("orthoshare ")


def _terminal_session(argv: list[str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run ``argv`` on a pseudo-terminal, typing each answer at the next passphrase prompt.

    Raises :class:`TimeoutError`, after killing the command, when it has not exited within
    ``timeout`` seconds: a prompt that never comes fails the test instead of hanging it,
    and leaves no process behind.
    """
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            # Only reached when exec failed; never run the parent's code in the child.
            os._exit(127)
    try:
        transcript = _converse(fd, answers, time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), transcript.decode(errors="replace")


def _converse(fd: int, answers: list[str], deadline: float) -> bytes:
    transcript = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"the command did not exit in time; terminal so far: {transcript!r}")
        if not select.select([fd], [], [], remaining)[0]:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            # Linux reports the closed slave side (the command exited) as EIO.
            return transcript
        if not chunk:
            return transcript
        transcript += chunk
        if answers and transcript.lower().count(b"passphrase") > 0 and transcript.endswith(b": "):
            os.write(fd, answers.pop(0).encode() + b"\n")


def test_a_command_that_never_exits_is_killed_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The parent notes the PID the session forks, to look for it after the deadline.
    real_fork, forked = pty.fork, list[int]()

    def fork_and_note() -> tuple[int, int]:
        pid, fd = real_fork()
        if pid != 0:
            forked.append(pid)
        return pid, fd

    monkeypatch.setattr(pty, "fork", fork_and_note)
    sleep = shutil.which("sleep")
    assert sleep is not None
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="did not exit in time"):
        _terminal_session([sleep, "30"], [], timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 3
    [pid] = forked
    # Killed and reaped: no process, not even a zombie, has its PID any more.
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_an_empty_passphrase_at_the_prompt_offers_a_generated_one_that_opens_the_file(
    tmp_path: Path, records: Path
) -> None:
    sealed = tmp_path / "p.age"
    status, transcript = _terminal_session(
        [sys.executable, "-m", "orthoshare", "seal", str(records), "-p", "-o", str(sealed)], [""]
    )
    assert status == 0, transcript
    match = re.search(r"generated passphrase: ([a-z2-9-]+)", transcript)
    assert match, transcript
    assert "another channel" in transcript
    bundle = age.decrypt_bytes(sealed.read_bytes(), [age.ScryptIdentity(match[1])])
    assert bundle.startswith(b"PK\x03\x04")


def test_a_typed_passphrase_is_confirmed_and_opens_the_file(tmp_path: Path, records: Path) -> None:
    sealed = tmp_path / "p.age"
    status, transcript = _terminal_session(
        [sys.executable, "-m", "orthoshare", "seal", str(records), "-p", "-o", str(sealed)],
        ["orthodontics rocks", "orthodontics rocks"],
    )
    assert status == 0, transcript
    status, transcript = _terminal_session(
        [sys.executable, "-m", "orthoshare", "open", str(sealed), "-p", "--list"],
        ["orthodontics rocks"],
    )
    assert status == 0, transcript
    assert "all verified" in transcript
