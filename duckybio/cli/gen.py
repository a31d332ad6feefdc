"""``duckybio gen``: write the generated driver material, or check it is current.

The generated files (C header, register document, state diagrams) live in the
source tree under ``spec/generated/``; the JSON Schema of the trace format,
generated from :class:`~duckybio.kit.trace.Trace`, is ``spec/trace.schema.json``.
The tree is found from this module's location (the package is installed
editable); ``--root`` names another one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..codegen import OUT_DIR, SVG_PATH, check_all, dot_executable, read_if_exists, write_all
from ..kit.trace import SCHEMA_FILE, json_schema

#: The source tree this module belongs to: ``duckybio/cli/gen.py`` -> three levels up.
DEFAULT_ROOT = Path(__file__).resolve().parents[2]
#: The trace format's JSON Schema, relative to the source tree.
TRACE_SCHEMA_PATH = Path("spec") / SCHEMA_FILE


def stale_files(root: Path) -> list[Path]:
    """The generated files under ``root`` that are missing or stale (relative paths)."""
    stale = check_all(root)
    if read_if_exists(root / TRACE_SCHEMA_PATH) != json_schema():
        stale.append(TRACE_SCHEMA_PATH)
    return stale


def write_files(root: Path) -> list[Path]:
    """Write every stale generated file under ``root``; return those written."""
    written = write_all(root)
    text = json_schema()
    path = root / TRACE_SCHEMA_PATH
    if read_if_exists(path) != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(TRACE_SCHEMA_PATH)
    return written


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register the ``gen`` subcommand on ``subparsers``."""
    parser = subparsers.add_parser(
        "gen",
        help="write the generated header, register document, state diagrams and trace "
             "schema",
        description=f"Write the files under {OUT_DIR}/ generated from the register map "
                    "and the model (the SVG needs graphviz `dot`) and the trace format's "
                    f"JSON Schema, {TRACE_SCHEMA_PATH}, or with --check list the stale "
                    "ones.",
    )
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing the stale files, 0 when all "
                             "are current")
    parser.add_argument("--root", type=Path, default=None,
                        help="source tree holding spec/regmap.py (default: the tree this "
                             "package is installed from)")
    return parser


def _root(args: argparse.Namespace) -> Path | None:
    root: Path = args.root if args.root is not None else DEFAULT_ROOT
    if not (root / "spec" / "regmap.py").is_file():
        return None
    return root


def run(args: argparse.Namespace) -> int:
    """Run ``gen``: 0 when everything is current, 1 when files are stale, 2 on bad usage."""
    root = _root(args)
    if root is None:
        where = args.root if args.root is not None else DEFAULT_ROOT
        print(f"error: {where} is not a duckybio source tree (no spec/regmap.py); "
              "pass --root", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(root)
        for rel in stale:
            print(f"stale: {rel}")
        if stale:
            print(f"{len(stale)} generated file(s) out of date; run `duckybio gen`",
                  file=sys.stderr)
            return 1
        print("generated files are up to date")
        return 0
    try:
        written = write_files(root)
    except (OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for rel in written:
        print(f"wrote {rel}")
    stale = stale_files(root)
    if stale:
        reason = (" (graphviz `dot` is not installed)"
                  if SVG_PATH in stale and dot_executable() is None else "")
        print(f"error: still out of date{reason}: " + ", ".join(map(str, stale)),
              file=sys.stderr)
        return 1
    if not written:
        print("generated files are up to date")
    return 0
