"""``duckybio check``: the lockstep check of an implementation against the model."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .spec.checkrun import CheckReport, run_check
from .spec.lockstep import lockstep_machine


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check", help="check the reference implementation against the model, step by step")
    p.add_argument("--examples", type=_positive, default=200,
                   help="number of generated MMIO sequences (default 200)")
    p.add_argument("--steps", type=_positive, default=40,
                   help="rules per sequence (default 40)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0: reproducible)")
    p.add_argument("--latency", type=_natural, default=0,
                   help="clock steps a command stays BUSY in the implementation (default 0)")
    p.add_argument("--database", type=Path, default=None,
                   help="directory for Hypothesis's example database (default: none)")
    p.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def _positive(text: str) -> int:
    value = int(text, 0)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def _natural(text: str) -> int:
    value = int(text, 0)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def run(args: argparse.Namespace) -> int:
    from .impl.target import ReferenceTarget

    latency: int = args.latency
    machine = lockstep_machine(lambda: ReferenceTarget(latency=latency), latency=latency,
                               white_box=True, name="ReferenceLockstep")
    progress = None if args.quiet else _progress(args.examples)
    report = run_check(machine, target=f"reference implementation (latency {latency})",
                       examples=args.examples, steps=args.steps, seed_value=args.seed,
                       database=args.database, on_progress=progress)
    if progress is not None:
        sys.stderr.write("\n")
    print_report(report)
    if args.json is not None:
        try:
            args.json.write_text(report.model_dump_json(indent=2) + "\n")
        except OSError as exc:
            print(f"duckybio: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 2
    return 0 if report.conforms else 1


def _progress(total: int) -> Callable[[int, int], None] | None:
    """A progress line on a terminal, redrawn at most ten times a second."""
    if not sys.stderr.isatty():
        return None
    shown = [0.0]

    def show(runs: int, steps: int) -> None:
        now = time.monotonic()
        if now - shown[0] < 0.1:
            return
        shown[0] = now
        sys.stderr.write(f"\rchecking: {runs} sequences ({total} planned), {steps} operations")
        sys.stderr.flush()
    return show


def print_report(report: CheckReport) -> None:
    verdict = "CONFORMS" if report.conforms else "DOES NOT CONFORM"
    print(f"{report.target}: {verdict}")
    print(f"  sequences run:        {report.examples}")
    print(f"  operations:           {report.steps}")
    print(f"  model transitions:    {len(report.transitions)} distinct classes exercised")
    print(f"  seed:                 {report.seed}")
    print(f"  time:                 {report.seconds:.1f} s")
    if report.failure is not None:
        print(f"  failure:              {report.failure}")
        print("  minimal failing sequence:")
        for i, step in enumerate(report.trace, 1):
            print(f"    {i:3}. {step}")
