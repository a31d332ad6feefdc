"""Serve any :class:`~duckybio.kit.target.Target` over the wire protocol.

``serve`` reads one command line at a time and writes exactly one answer
line, flushed, for each.  A malformed line, a command before ``machine`` or
a host access the target refuses is answered ``FAIL <message>``; the loop
never stops on bad input.  It returns 0 on ``quit`` or end of input.

Run as a module (``python -m duckybio.kit.wire_server [--latency N]``) it
serves the pure model, so the model itself can stand in as a wire target.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from ..spec.wire import (
    PROTOCOL_VERSION,
    Answer,
    Command,
    Machine,
    Ok,
    Quit,
    Version,
    WireError,
    fail,
    format_answer,
    parse_command,
)
from .errors import TargetRefused
from .model_target import ModelTarget
from .replay import execute
from .target import Target

TargetFactory = Callable[[], Target]


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
        if isinstance(command, Machine):
            return session.power_on(command.ram_size, command.mmio_base), False
        return session.execute(command), False
    except (WireError, TargetRefused) as exc:
        return fail(str(exc)), False
    except (ValueError, OverflowError) as exc:
        return fail(f"refused: {exc}"), False
    except MemoryError:
        return fail("refused: not enough memory"), False


def serve(factory: TargetFactory, stdin: TextIO, stdout: TextIO) -> int:
    """Answer commands from ``stdin`` on ``stdout`` until ``quit`` or end of input."""
    session = _Session(factory)
    try:
        for line in stdin:
            reply, done = answer(session, line)
            stdout.write(format_answer(reply) + "\n")
            stdout.flush()
            if done:
                break
    finally:
        session.close()
    return 0


def serve_stdio(factory: TargetFactory) -> int:
    """:func:`serve` on this process's stdin/stdout.

    Undecodable input bytes reach the parser as non-ASCII characters, so they
    are answered ``FAIL`` like any other malformed line.
    """
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    return serve(factory, sys.stdin, sys.stdout)


def latency_arg(text: str) -> int:
    """An argparse type: a non-negative number of clock steps."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the pure model on stdin/stdout."""
    parser = argparse.ArgumentParser(
        prog="python -m duckybio.kit.wire_server",
        description="Serve the pure BIO model over the duckybio wire protocol.")
    parser.add_argument("--latency", type=latency_arg, default=0, metavar="N",
                        help="clock steps a command stays BUSY (default 0)")
    args = parser.parse_args(argv)
    latency: int = args.latency
    return serve_stdio(lambda: ModelTarget(latency))


if __name__ == "__main__":
    sys.exit(main())
