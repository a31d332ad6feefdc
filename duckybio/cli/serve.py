"""``duckybio serve``: the reference implementation as a wire-protocol target.

It answers the wire protocol on stdin/stdout, so the conformance kit can
drive the reference implementation out of process exactly as it drives a
user's device, and users can try their harness setup against a known-good
target.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..kit.reference_target import ReferenceTarget
from ..kit.wire_server import latency_arg, serve_stdio


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """Register the ``serve`` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="serve the reference implementation over the wire protocol on stdin/stdout",
        description="Serve the reference implementation over the duckybio wire protocol "
                    "(duckybio-wire/1) on stdin/stdout.")
    parser.add_argument("--latency", type=latency_arg, default=0, metavar="N",
                        help="clock steps a command stays BUSY (default 0: a command "
                             "completes within the STATUS write that starts it)")
    return parser


def run(args: argparse.Namespace) -> int:
    """Serve until ``quit`` or end of input; return the exit status."""
    latency: int = args.latency
    return serve_stdio(lambda: ReferenceTarget(latency=latency))
