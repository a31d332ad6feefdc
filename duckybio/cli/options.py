"""Argument types and options shared by the subcommands and the pytest plugin.

Every integer option of the command line is parsed here: decimal or
``0x``-hex, with a lower bound.  The types raise
:class:`argparse.ArgumentTypeError`, so argparse reports a bad value as a
usage error (exit 2) naming the option.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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


def integer(text: str) -> int:
    """An argparse type: any integer (decimal or 0x-hex)."""
    return parse_int(text)


def natural_list(text: str) -> tuple[int, ...]:
    """An argparse type: one or more integers >= 0, comma-separated."""
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"no value given: {text!r}")
    return tuple(parse_int(item, 0) for item in items)


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
                        "default busy bound, and the golden vectors that apply) (default 0)")
    p.add_argument("--busy-bound", type=natural, default=None, metavar="N",
                   help="clock-step polls a command may stay BUSY (default: --latency)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS",
                   help="limit for every exchange with an out-of-process target (default 10)")


def write_text(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` as UTF-8; on failure print one line and return False.

    A byte of a path that is not UTF-8 (a lone surrogate) is written back as
    that byte.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    except OSError as exc:
        print(f"duckybio: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True
