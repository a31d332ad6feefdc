"""The processes of out-of-process targets: reap and kill them (SPEC section 13).

Every process a target starts carries :data:`TOKEN_VARIABLE` in its
environment, so that :func:`reap` can kill it even after it left the
target's process group; no such process outlives the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import IO, Final

#: Bytes of the target's stderr kept for error reports.
STDERR_TAIL: Final = 4096


class Process:
    """The child process and its stderr file: what the finalizer needs."""

    def __init__(self, proc: subprocess.Popen[bytes], stderr: IO[bytes], token: str) -> None:
        self.proc = proc
        self.stderr = stderr
        self.token = token
        self.tail: str | None = None

    def stderr_tail(self) -> str:
        if self.tail is not None:
            return self.tail
        fd = self.stderr.fileno()
        size = os.fstat(fd).st_size
        start = max(0, size - STDERR_TAIL)
        return os.pread(fd, size - start, start).decode("utf-8", "replace")


def kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


#: Environment variable that marks every process a target starts (SPEC section 13).
TOKEN_VARIABLE: Final = "DUCKYBIO_TARGET_TOKEN"


def kill_marked(token: str) -> None:
    """SIGKILL every process whose environment carries ``token`` (Linux ``/proc``).

    A child that left the target's process group (``setsid``) still carries
    the variable, so it does not outlive the run either.
    """
    marker = f"{TOKEN_VARIABLE}={token}".encode()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    me = os.getpid()
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry), signal.SIGKILL)


def reap(p: Process, grace: float) -> None:
    """Stop the process and everything left in its group; release the pipes."""
    proc = p.proc
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        kill_group(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    kill_group(proc.pid, signal.SIGKILL)  # stragglers the leader left behind
    kill_marked(p.token)  # and those that left the group
    proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    try:
        p.tail = p.stderr_tail()
    except OSError:
        p.tail = ""
    p.stderr.close()


def exit_text(returncode: int | None) -> str:
    if returncode is None:
        return "closed its output"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


__all__ = ["STDERR_TAIL", "TOKEN_VARIABLE", "Process", "exit_text", "kill_group", "kill_marked",
           "reap"]
