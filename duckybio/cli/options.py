"""Argument types and options shared by the subcommands and the pytest plugin.

Every integer option of the command line is parsed here: decimal or
``0x``-hex, with a lower bound.  The types raise
:class:`argparse.ArgumentTypeError`, so argparse reports a bad value as a
usage error (exit 2) naming the option.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from ..kit.reports import printable


def parse_int(text: str, minimum: int | None = None) -> int:
    """``text`` as an integer (decimal or 0x-hex) of at least ``minimum``.

    For parsers of composite values (lists, pairs); raises
    :class:`argparse.ArgumentTypeError` with a message fit to follow the
    option's name.
    """
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if minimum is not None and value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, not {text}")
    return value


def positive(text: str) -> int:
    """An argparse type: an integer > 0 (decimal or 0x-hex)."""
    return parse_int(text, 1)


def natural(text: str) -> int:
    """An argparse type: an integer >= 0 (decimal or 0x-hex)."""
    return parse_int(text, 0)


def at_most(maximum: int) -> Callable[[str], int]:
    """An argparse type: an integer in ``[0, maximum]`` (decimal or 0x-hex)."""
    def parse(text: str) -> int:
        value = parse_int(text, 0)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, not {text}")
        return value
    return parse


def integer(text: str) -> int:
    """An argparse type: any integer (decimal or 0x-hex)."""
    return parse_int(text)


#: Longest timeout accepted, in seconds (a day; ``select`` takes no infinite or huge limit).
MAX_SECONDS = 86400.0


def seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds, at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    if not value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SECONDS:g} seconds, not {text}")
    return value


def add_target_options(p: argparse.ArgumentParser) -> None:
    """--target, --latency, --busy-bound, --timeout."""
    p.add_argument("--target", default=None, metavar="TARGET",
                   help="the device to check: 'module:callable' (a Python factory) or a "
                        "command line speaking the wire protocol on stdin/stdout "
                        "(default: the bundled reference implementation, in process)")
    p.add_argument("--latency", type=natural, default=0, metavar="N",
                   help="clock steps a command stays BUSY: with no --target, the reference "
                        "implementation's; with a --target, the one declared for it (the "
                        "default busy bound, also of the golden vectors) (default 0)")
    p.add_argument("--busy-bound", type=natural, default=None, metavar="N",
                   help="clock-step polls a command may stay BUSY (default: --latency)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS",
                   help="limit for every exchange with an out-of-process target (default 10)")


#: How an output file is opened: never blocking (a FIFO with no reader), never as a terminal.
_OUTPUT_FLAGS: Final = (os.O_WRONLY | os.O_CREAT | os.O_NOCTTY | getattr(os, "O_NONBLOCK", 0)
                        | getattr(os, "O_CLOEXEC", 0))


def _unfit(mode: int) -> str | None:
    """Why a file of ``mode`` cannot take a report (a device such as /dev/null can)."""
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "is a FIFO or socket, not a file"
    return None


def output_problem(path: Path, *, directory: bool = False) -> str | None:
    """Why ``path`` cannot be written after a run, found before it starts; ``None`` if it can.

    A file (``directory``: a folder) that exists must be of the right kind and
    writable; one that does not must have a writable directory above it.
    Nothing is created.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        return exc.strerror or str(exc)
    if mode is not None:
        if directory:
            return None if stat.S_ISDIR(mode) else "is not a directory"
        why = _unfit(mode)
        if why is not None:
            return why
        try:  # opened for writing, neither truncated nor blocking, and closed at once
            os.close(os.open(path, (_OUTPUT_FLAGS & ~os.O_CREAT) | os.O_APPEND))
        except OSError as exc:
            return exc.strerror or str(exc)
        return None
    above = path.absolute().parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        return f"cannot be created: {printable(str(above))} is not a directory"
    try:  # a file without a name (or named for an instant) is made there and dropped
        tempfile.TemporaryFile(dir=above).close()
    except OSError as exc:
        return f"cannot be created in {printable(str(above))}: {exc.strerror or exc}"
    return None


def check_outputs(files: dict[str, Path | None], directories: dict[str, Path] | None = None,
                  ) -> bool:
    """Check every output option before a run; print one line for the first bad one."""
    given = [(option, path, False) for option, path in files.items() if path is not None]
    given += [(option, path, True) for option, path in (directories or {}).items()]
    for option, path, directory in given:
        why = output_problem(path, directory=directory)
        if why is not None:
            print(f"duckybio: {option} {printable(str(path))}: {why}", file=sys.stderr)
            return False
    return True


def write_text(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` as UTF-8; on failure print one line and return False.

    A byte of a path that is not UTF-8 (a lone surrogate) is written back as
    that byte.  The file is opened without blocking: a FIFO or a directory is
    refused, never waited on.
    """
    try:
        with contextlib.suppress(FileNotFoundError):
            why = _unfit(os.stat(path).st_mode)
            if why is not None:
                raise OSError(why)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, _OUTPUT_FLAGS)
        with open(fd, "wb", closefd=True) as fh:
            why = _unfit(os.fstat(fd).st_mode)
            if why is not None:
                raise OSError(why)
            os.set_blocking(fd, True)
            if stat.S_ISREG(os.fstat(fd).st_mode):
                fh.truncate(0)
            fh.write(text.encode("utf-8", "surrogateescape"))
    except OSError as exc:
        why = exc.strerror or str(exc)
        print(f"duckybio: cannot write {printable(str(path))}: {why}", file=sys.stderr)
        return False
    return True
