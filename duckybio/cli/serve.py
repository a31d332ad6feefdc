"""``duckybio serve``: the reference implementation as a wire-protocol target.

It answers the wire protocol (SPEC section 13) on stdin/stdout, so the
conformance kit can drive the reference implementation out of process exactly
as it drives a user's device, and users can try their harness setup against a
known-good target.  ``--model`` serves the pure model instead.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..kit.model_target import ModelTarget
from ..kit.reference_target import ReferenceTarget
from ..kit.target import Target
from ..kit.wire_server import serve_stdio
from .options import natural


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
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve until ``quit`` or end of input; return the exit status."""
    latency: int = args.latency

    def reference() -> Target:
        return ReferenceTarget(latency=latency)

    def model() -> Target:
        return ModelTarget(latency=latency)

    return serve_stdio(model if args.model else reference)
