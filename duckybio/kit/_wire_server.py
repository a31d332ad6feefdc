"""Serve any :class:`~duckybio.kit._target.Target` over the wire protocol.

``serve`` reads one command line at a time and writes exactly one answer
line, flushed, for each.  A malformed line, a command before ``machine`` or
a host access the target refuses is answered ``FAIL <message>``; the loop
never stops on bad input.  A line longer than ``max_line`` characters is
read no further than that (the rest is skipped) and answered ``FAIL``, so no
input makes the server hold more than ``max_line`` characters of it.  It
returns 0 on ``quit``, end of input, or when its output is closed.

``duckybio serve`` runs it on stdin/stdout for the reference implementation
or (``--model``) the pure model.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from typing import Final, TextIO

from ..spec.wire import (
    PROTOCOL_VERSION,
    Answer,
    Command,
    Ok,
    PowerOn,
    Quit,
    Version,
    WireError,
    fail,
    format_answer,
    parse_command,
)
from ._replay import execute
from ._target import Target
from .errors import TargetRefused

TargetFactory = Callable[[], Target]

#: Longest line the server reads by default: a byte string of 128 MiB (SPEC section 13).
MAX_LINE: Final = (1 << 28) + 256
_SKIP: Final = 1 << 16


class _Session:
    """The machine being served: none until the first ``machine`` command."""

    def __init__(self, factory: TargetFactory) -> None:
        self.factory = factory
        self.target: Target | None = None

    def close(self) -> None:
        if self.target is not None:
            target, self.target = self.target, None
            target.close()

    def power_on(self, ram_size: int, mmio_base: int) -> Answer:
        self.close()
        target = self.factory()
        try:
            target.machine(ram_size, mmio_base)
        except BaseException:
            target.close()
            raise
        self.target = target
        return Ok()

    def execute(self, command: Command) -> Answer:
        """Carry out one command that needs a machine."""
        t = self.target
        if t is None:
            return fail("no machine: send 'machine RAM_SIZE MMIO_BASE' first")
        return execute(t, command)


def answer(session: _Session, line: str) -> tuple[Answer, bool]:
    """The answer to one line, and whether the session ends after it."""
    try:
        command = parse_command(line)
        if isinstance(command, Version):
            return Ok(PROTOCOL_VERSION), False
        if isinstance(command, Quit):
            return Ok(), True
        if isinstance(command, PowerOn):
            return session.power_on(command.ram_size, command.mmio_base), False
        return session.execute(command), False
    except (WireError, TargetRefused) as exc:
        return fail(str(exc)), False
    except (ValueError, OverflowError) as exc:
        return fail(f"refused: {exc}"), False
    except MemoryError:
        return fail("refused: not enough memory"), False


def read_line(stdin: TextIO, max_line: int) -> str | None:
    """The next line (``None`` at end of input); a line over ``max_line`` is skipped, ``""``."""
    line = stdin.readline(max_line + 1)
    if not line:
        return None
    if len(line) <= max_line or line.endswith("\n"):
        return line
    while True:  # skip the rest of the over-long line without holding it
        rest = stdin.readline(_SKIP)
        if not rest or rest.endswith("\n"):
            return ""


def serve(factory: TargetFactory, stdin: TextIO, stdout: TextIO, *,
          max_line: int = MAX_LINE) -> int:
    """Answer commands from ``stdin`` on ``stdout`` until ``quit`` or end of input."""
    session = _Session(factory)
    try:
        while (line := read_line(stdin, max_line)) is not None:
            if line:
                reply, done = answer(session, line)
            else:
                reply, done = fail(f"line longer than {max_line} characters"), False
            del line
            try:
                stdout.write(format_answer(reply) + "\n")
                stdout.flush()
            except BrokenPipeError:
                break
            if done:
                break
    finally:
        session.close()
    return 0


def serve_stdio(factory: TargetFactory, *, max_line: int = MAX_LINE) -> int:
    """:func:`serve` on this process's stdin/stdout.

    Undecodable input bytes reach the parser as non-ASCII characters, so they
    are answered ``FAIL`` like any other malformed line.
    """
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    status = serve(factory, sys.stdin, sys.stdout, max_line=max_line)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the harness has gone: drop what is left, quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return status
