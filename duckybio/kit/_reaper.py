"""Run a program and end every descendant it leaves: ``python _reaper.py GRACE EXE ARGV...``.

A target or driver may start processes that leave its process group and
clear its environment (``setsid env -i sleep 300 &``): no mark reaches them.
This script, started in the program's place, makes itself a child subreaper
(Linux ``PR_SET_CHILD_SUBREAPER``): every orphaned descendant of the program
becomes its child.  It runs EXE with ARGV (the same stdin, stdout, stderr and
environment) and, when the program ends, kills every descendant left and
exits with the program's status (or by its signal).  On SIGTERM (the harness
ending the program, or the harness itself dying: ``PR_SET_PDEATHSIG``) it
gives the program GRACE seconds to end, then kills them all.

It imports nothing of duckybio (it runs as ``python -I -S``), and only runs
where :func:`~duckybio.kit._process.reaped` finds Linux.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from typing import Final

__all__ = ["main"]

_PR_SET_PDEATHSIG: Final = 1
_PR_SET_CHILD_SUBREAPER: Final = 36


def _children(me: int) -> list[int]:
    """The processes whose parent is ``me`` (zombies included), from ``/proc``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                line = fh.read()
        except OSError:
            continue
        if int(line[line.rindex(b")") + 2:].split()[1]) == me:
            found.append(int(entry))
    return found


def _sweep() -> None:
    """Kill and reap every child until none is left (orphans of the killed come next)."""
    me = os.getpid()
    while True:
        children = _children(me)
        if not children:
            return
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _collect(pid: int) -> int | None:
    """Reap every child that ended (orphans too); the wait status of ``pid`` if it did."""
    status = None
    while True:
        try:
            done, code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if done == 0:
            return status
        if done == pid:
            status = code


def _wait(pid: int, grace: float) -> int | None:
    """Wait for ``pid`` to end; after SIGTERM, ``grace`` seconds more at most (``None``)."""
    signals = {signal.SIGCHLD, signal.SIGTERM}
    deadline: float | None = None
    while True:
        status = _collect(pid)
        if status is not None:
            return status
        info: signal.struct_siginfo | None
        if deadline is None:
            info = signal.sigwaitinfo(signals)
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            info = signal.sigtimedwait(signals, left)
        if info is not None and info.si_signo == signal.SIGTERM and deadline is None:
            deadline = time.monotonic() + grace


def main(argv: list[str]) -> int:
    grace, exe, args = float(argv[1]), argv[2], argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # not ignored: queued
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD, signal.SIGTERM})
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        try:
            os.execv(exe, args)
        except OSError as exc:
            os.write(2, f"cannot start {exe}: {exc.strerror or exc}\n".encode())
        os._exit(127)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # the program alone holds the pipes: its end is their end
        os.dup2(null, fd)
    status = _wait(pid, grace)
    _sweep()
    if status is None:
        return 128 + int(signal.SIGTERM)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.kill(os.getpid(), os.WTERMSIG(status))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
