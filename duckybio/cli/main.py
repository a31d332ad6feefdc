"""The ``duckybio`` command: one subcommand per module, errors as one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from . import check as check_cmd
from . import drive as drive_cmd
from . import explore as explore_cmd
from . import gen as gen_cmd
from . import machine as machine_cmd
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
    replay_cmd.add_parser(sub)
    serve_cmd.add_parser(sub)
    vectors_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "check": check_cmd.run,
        "drive": drive_cmd.run,
        "explore": explore_cmd.run,
        "gen": gen_cmd.run,
        "machine": machine_cmd.run,
        "replay": replay_cmd.run,
        "serve": serve_cmd.run,
        "vectors": vectors_cmd.run,
    }
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("duckybio: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
