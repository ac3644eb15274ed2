"""Run the `age` CLI on a pseudo-terminal and answer its passphrase prompts.

`age -p` and `age -d` of a passphrase file read the passphrase from /dev/tty only,
never from stdin or the environment, so a test has to be the terminal.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass

#: The prompts of age 1.1.1, in the order it asks them; encryption asks both. Decrypting
#: with a protected identity file asks the first only: 'Enter passphrase for identity file "…":'.
PROMPTS = (b"Enter passphrase", b"Confirm passphrase")


@dataclass(frozen=True)
class TerminalRun:
    """How a command run on a pseudo-terminal ended, and everything it wrote there."""

    returncode: int
    transcript: str


def run_on_terminal(argv: Sequence[str], passphrase: str, *, timeout: float) -> TerminalRun:
    """Run ``argv`` on a new pseudo-terminal, typing ``passphrase`` at each age prompt.

    The command's stdout and stderr share the terminal, so file output must go
    through ``-o``. Raises :class:`TimeoutError` (after killing the command) when it
    has not exited within ``timeout`` seconds, so a prompt that never comes fails
    the test instead of blocking it.
    """
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], list(argv))
        finally:
            # Only reached when exec failed; never run the parent's code in the child.
            os._exit(127)
    try:
        transcript = _converse(fd, passphrase.encode(), time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return TerminalRun(os.waitstatus_to_exitcode(status), transcript.decode(errors="replace"))


def _converse(fd: int, passphrase: bytes, deadline: float) -> bytes:
    transcript = b""
    answered = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"the command did not exit in time; terminal so far: {transcript!r}")
        readable, _, _ = select.select([fd], [], [], remaining)
        if not readable:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            # Linux reports the closed slave side (the command exited) as EIO.
            return transcript
        if not chunk:
            return transcript
        transcript += chunk
        # Count prompts in the whole transcript: one read may hold a prompt and more.
        while answered < len(PROMPTS) and PROMPTS[answered] in transcript:
            os.write(fd, passphrase + b"\n")
            answered += 1
