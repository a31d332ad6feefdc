"""``duckybio prove``: the invariants proved for every parameter value, the model checked.

Exit codes: 0 every property proved and the model matches the encoding,
1 a counterexample, 2 bad options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..prove import DEFAULT_SAMPLES, ProveResult, prove
from .options import natural, write_text


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``prove`` subcommand (handled by :func:`run`)."""
    p = subparsers.add_parser(
        "prove",
        help="prove the protocol's invariants inductive for every parameter value "
        "(z3), and check the model against the proved encoding",
    )
    p.add_argument(
        "--samples",
        type=natural,
        default=DEFAULT_SAMPLES,
        metavar="N",
        help=f"random steps the model is compared on besides the solver's edge "
        f"witnesses (default {DEFAULT_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        type=natural,
        default=0,
        metavar="N",
        help="seed of the random steps and witness bytes (default 0)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("duckybio-counterexample"),
        metavar="DIR",
        help="where a counterexample's trace is written, one JSON file per "
        "property (default ./duckybio-counterexample)",
    )
    p.add_argument(
        "--json",
        default=None,
        metavar="PATH",
        help="also write the result as JSON to PATH ('-' for standard output)",
    )


def print_report(result: ProveResult, out: object = sys.stdout) -> None:
    """The proof table, one line a property, then each counterexample."""

    def say(text: str) -> None:
        print(text, file=out)  # type: ignore[call-overload]

    for p in result.invariants:
        rules = f" ({', '.join(p.rules)})" if p.rules else ""
        say(f"{p.status:14} {p.seconds:7.3f} s  {p.name}{rules}")
    say(
        f"model checked against the encoding on {result.witnesses} solver witnesses and "
        f"{result.samples} random steps"
    )
    for p in result.invariants:
        c = p.counterexample
        if c is None:
            continue
        say(f"COUNTEREXAMPLE {p.name}: {c.message}")
        say(f"  event {c.event}; state {c.state}; machine {c.geometry}")
        if c.trace is not None:
            say(
                f"  trace: {c.trace} (duckybio replay {c.trace} --latency "
                f"{c.geometry.get('latency', 0)})"
            )
    say(f"{'all proved (the model checked)' if result.ok else 'NOT PROVED'} in "
        f"{result.seconds:.2f} s")


def run(args: argparse.Namespace) -> int:
    """Prove; 0 all proved, 1 a counterexample, 2 an unwritable JSON path."""
    result = prove(samples=args.samples, seed=args.seed, trace_dir=args.out)
    print_report(result, sys.stderr if args.json == "-" else sys.stdout)
    if args.json is not None:
        text = result.model_dump_json(indent=2)
        if args.json == "-":
            print(text)
        elif not write_text(Path(args.json), text + "\n"):
            return 2
    return 0 if result.ok else 1
