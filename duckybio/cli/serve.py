"""``duckybio serve``: the reference implementation as a wire-protocol target.

It answers the wire protocol (SPEC section 13) on stdin/stdout, so the
conformance kit can drive the reference implementation out of process exactly
as it drives a user's device, and users can try their harness setup against a
known-good target.  ``--model`` serves the pure model instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..kit import ModelTarget, ReferenceTarget, Target
from ..kit.engine import MAX_LINE, serve_stdio
from .options import natural, positive


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Register the ``serve`` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="serve the reference implementation over the wire protocol on stdin/stdout",
        description="Serve the reference implementation over the duckybio wire protocol "
                    "(duckybio-wire/1) on stdin/stdout.")
    parser.add_argument("--latency", type=natural, default=0, metavar="N",
                        help="clock steps a command stays BUSY (default 0: a command "
                             "completes within the STATUS write that starts it)")
    parser.add_argument("--model", action="store_true",
                        help="serve the pure model instead of the reference implementation")
    parser.add_argument("--storage-dir", type=Path, default=None, metavar="DIR",
                        help="keep every storage in a file DIR/<sid>.img (created zero-filled) "
                             "instead of in memory")
    parser.add_argument("--durable", action="store_true",
                        help="with --storage-dir: fdatasync after every command that writes "
                             "a storage (SPEC section 17)")
    parser.add_argument("--max-line", type=positive, default=MAX_LINE, metavar="N",
                        help=f"longest command line read, in characters; a longer one is "
                             f"answered FAIL (default {MAX_LINE})")
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve until ``quit`` or end of input; return the exit status."""
    latency: int = args.latency
    storage_dir: Path | None = args.storage_dir
    durable: bool = args.durable
    if durable and storage_dir is None:
        print("duckybio: --durable needs --storage-dir", file=sys.stderr)
        return 2
    if storage_dir is not None and (args.model or not storage_dir.is_dir()):
        why = "is not a directory" if not args.model else "cannot be used with --model"
        print(f"duckybio: --storage-dir {storage_dir} {why}", file=sys.stderr)
        return 2

    def reference() -> Target:
        return ReferenceTarget(latency=latency, storage_dir=storage_dir, durable=durable)

    def model() -> Target:
        return ModelTarget(latency=latency)

    return serve_stdio(model if args.model else reference, max_line=args.max_line)
