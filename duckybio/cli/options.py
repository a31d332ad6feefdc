"""Argument types and options shared by several subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def positive(text: str) -> int:
    """An argparse type: an integer > 0 (decimal or 0x-hex)."""
    value = _integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def natural(text: str) -> int:
    """An argparse type: an integer >= 0 (decimal or 0x-hex)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def add_target_options(p: argparse.ArgumentParser) -> None:
    """--target, --latency, --busy-bound, --timeout."""
    p.add_argument("--target", default=None, metavar="TARGET",
                   help="the device to check: 'module:callable' (a Python factory) or a "
                        "command line speaking the wire protocol on stdin/stdout "
                        "(default: the bundled reference implementation, in process)")
    p.add_argument("--latency", type=natural, default=0, metavar="N",
                   help="with no --target: clock steps the reference implementation keeps "
                        "a command BUSY (default 0)")
    p.add_argument("--busy-bound", type=natural, default=None, metavar="N",
                   help="clock-step polls a command may stay BUSY (default: --latency)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS",
                   help="limit for every exchange with an out-of-process target (default 10)")


def write_text(path: Path, text: str) -> bool:
    """Write ``text`` to ``path``; on failure print one line and return False."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        print(f"duckybio: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True
