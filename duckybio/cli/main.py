"""The ``duckybio`` command: one subcommand per module, errors as one line."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import TextIO

from .. import __version__
from ..kit.reports import printable
from . import check as check_cmd
from . import drive as drive_cmd
from . import explore as explore_cmd
from . import gen as gen_cmd
from . import machine as machine_cmd
from . import prove as prove_cmd
from . import replay as replay_cmd
from . import serve as serve_cmd
from . import vectors as vectors_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="duckybio",
        description="Executable reference and conformance kit for the Ducky VM block-IO "
                    "controller.")
    parser.add_argument("--version", action="version", version=f"duckybio {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check_cmd.add_parser(sub)
    drive_cmd.add_parser(sub)
    explore_cmd.add_parser(sub)
    gen_cmd.add_parser(sub)
    machine_cmd.add_parser(sub)
    prove_cmd.add_parser(sub)
    replay_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    vectors_cmd.add_parser(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived: unwind (every ``with`` block closes its targets) and exit 143."""


#: Set once SIGTERM has arrived: the exit status is then 143 whatever the run returned.
_TERMINATED: list[bool] = []


def _terminate(signum: int, frame: FrameType | None) -> None:
    _TERMINATED.append(True)
    raise Terminated


@contextlib.contextmanager
def _on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while a command runs (main thread only)."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _PipeSafe:
    """Standard output that stops writing, silently, once its reader has gone.

    Every text is made :func:`~duckybio.kit._printable.printable` on its way: a
    target's escape sequences never reach the terminal.

    A run whose output is cut short (``duckybio check | head -1``) still
    finishes: it writes its files and returns its exit code.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(printable(text))
            except BrokenPipeError:
                self._cut()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._cut()

    def _cut(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            fd = self._stream.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)  # nothing buffered is written to the closed pipe at exit
            os.close(devnull)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":  # the server handles its own output
        return _run(args)
    stdout = sys.stdout
    safe = _PipeSafe(stdout)
    sys.stdout = safe
    try:
        return _run(args)
    finally:
        safe.flush()
        sys.stdout = stdout


def _run(args: argparse.Namespace) -> int:
    handlers = {
        "check": check_cmd.run,
        "drive": drive_cmd.run,
        "explore": explore_cmd.run,
        "gen": gen_cmd.run,
        "machine": machine_cmd.run,
        "prove": prove_cmd.run,
        "replay": replay_cmd.run,
        "serve": serve_cmd.run,
        "vectors": vectors_cmd.run,
    }
    _TERMINATED.clear()
    try:
        with _on_sigterm():
            status = handlers[args.command](args)
    except KeyboardInterrupt:
        print("duckybio: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        status = 143
    except SystemExit as exc:  # user code (a target, a driver) that called sys.exit
        print(f"duckybio: the code under test called sys.exit({exc.code!r})", file=sys.stderr)
        return 3
    if _TERMINATED:  # also when a layer below caught Terminated and ended the run itself
        print("duckybio: terminated", file=sys.stderr)
        if args.command == "check":  # unwound and reaped: skip the interpreter's
            _exit_now(143)           # teardown of the check's large plans (seconds)
        return 143
    return status


def _exit_now(status: int) -> None:
    """Flush the standard streams and end the process with ``status`` at once."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
