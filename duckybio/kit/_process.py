"""The processes of out-of-process targets: reap and kill them (SPEC section 13).

On Linux a target runs under :mod:`._reaper` (:func:`reaped`), a child
subreaper that kills every descendant the target leaves, even one that left
its session and cleared its environment.  Everywhere, every process a
target starts carries :data:`TOKEN_VARIABLE` in its environment, so that
:func:`reap` can kill it even after it left the target's process group; no
such process outlives the run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Final

#: Bytes of the target's stderr kept for error reports.
STDERR_TAIL: Final = 4096


class StderrTail:
    """The last :data:`STDERR_TAIL` bytes a process writes to its stderr pipe.

    A thread reads the pipe as the process writes and keeps only the tail:
    memory stays bounded and nothing is written to disk, however much the
    process writes.  The thread owns the pipe's read end and closes it at
    end of file.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._tail = bytearray()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name="duckybio-stderr", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                try:
                    chunk = os.read(self._fd, 1 << 16)
                except InterruptedError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    self._tail += chunk
                    if len(self._tail) > 2 * STDERR_TAIL:
                        del self._tail[:-STDERR_TAIL]
        finally:
            os.close(self._fd)

    def text(self) -> str:
        """The tail so far, as text."""
        with self._lock:
            data = bytes(self._tail[-STDERR_TAIL:])
        return data.decode("utf-8", "replace")

    def finish(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the end of the pipe (every writer gone)."""
        self._thread.join(timeout)


class Process:
    """The child process and its stderr tail: what the finalizer needs."""

    def __init__(self, proc: subprocess.Popen[bytes], stderr: StderrTail, token: str) -> None:
        self.proc = proc
        self.stderr = stderr
        self.token = token
        self.tail: str | None = None

    def stderr_tail(self) -> str:
        return self.tail if self.tail is not None else self.stderr.text()


#: The script a target runs under on Linux (it imports nothing of duckybio).
REAPER: Final = str(Path(__file__).with_name("_reaper.py"))


def reaped(argv: list[str], env: Mapping[str, str], grace: float) -> list[str]:
    """The command that runs ``argv`` under :mod:`._reaper` where Linux has child subreapers
    (``argv`` itself elsewhere).

    The program is looked up here, so that one that cannot be started raises
    :class:`OSError` as ``subprocess.Popen`` would.
    """
    if not sys.platform.startswith("linux"):
        return argv
    name = argv[0]
    exe = name if os.sep in name else shutil.which(name, path=env.get("PATH", os.defpath))
    if exe is None or not os.path.exists(exe):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    if os.path.isdir(exe) or not os.access(exe, os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
    return [sys.executable, "-I", "-S", REAPER, f"{grace / 2:g}", exe, *argv]


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
    p.stderr.finish(grace)
    p.tail = p.stderr.text()


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


__all__ = ["REAPER", "STDERR_TAIL", "TOKEN_VARIABLE", "Process", "StderrTail", "exit_text",
           "kill_group", "kill_marked", "reap", "reaped"]
