"""``duckybio check``: check an implementation against the model, step by step.

Exit codes: 0 conforms, 1 nonconformance (with the minimal failing sequence),
2 usage or configuration error, 3 the target failed (crashed, hung, broke the
protocol).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..kit.errors import TargetSpecError
from ..kit.instance import Instance
from ..kit.junit import Case, render_junit
from ..kit.repro import render_c, render_pytest
from ..kit.run import CheckConfig, CheckReport, run_check
from ..kit.targets import resolve_target
from ..kit.workers import WorkerJob, run_workers
from .options import add_target_options, integer, positive, write_text


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check", help="check an implementation against the model, step by step",
        description="Drive the model and an implementation with the same generated MMIO "
                    "sequences and compare everything observable after every step. "
                    "Exit 0 conforms, 1 nonconformance, 2 usage error, 3 target failed.")
    add_target_options(p)
    p.add_argument("--examples", type=positive, default=200,
                   help="number of generated MMIO sequences (default 200)")
    p.add_argument("--steps", type=positive, default=40,
                   help="rules per sequence (default 40)")
    p.add_argument("--seed", type=integer, default=0, help="random seed (default 0: reproducible)")
    p.add_argument("--database", type=Path, default=None, metavar="DIR",
                   help="directory of Hypothesis's example database, to replay earlier "
                        "failures first (default: none, fully reproducible)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help="also write the report as JSON")
    p.add_argument("--junit-xml", type=Path, default=None, metavar="FILE",
                   help="also write the result as JUnit XML")
    p.add_argument("--out", type=Path, default=Path("duckybio-counterexample"), metavar="DIR",
                   help="where a counterexample is saved as trace.json, repro.c and "
                        "test_repro.py (default ./duckybio-counterexample)")
    p.add_argument("--fresh-process", action="store_true",
                   help="start the target command anew for every sequence (default: one "
                        "process serves them all, each sequence beginning with 'machine')")
    p.add_argument("--workers", type=positive, default=1, metavar="N",
                   help="run the check in N processes, each with its own target and its "
                        "own seeds, reported as one run (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def run(args: argparse.Namespace) -> int:
    try:
        spec = resolve_target(args.target, latency=args.latency, timeout=args.timeout,
                              reuse=not args.fresh_process)
    except TargetSpecError as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    if args.workers > 1:
        spec.close()
        job = WorkerJob(target=args.target, latency=args.latency, timeout=args.timeout,
                        reuse=not args.fresh_process, busy_bound=args.busy_bound,
                        examples=args.examples, steps=args.steps, seed=args.seed,
                        instance=Instance(), database=args.database, shard=(0, 1))
        try:
            report = run_workers(job, args.workers)
        except TargetSpecError as exc:
            print(f"duckybio: {exc}", file=sys.stderr)
            return 2
        return _finish(report, args)
    progress = None if args.quiet else _progress(args.examples)
    config = CheckConfig(target=spec, busy_bound=args.busy_bound, examples=args.examples,
                         steps=args.steps, seed=args.seed, database=args.database,
                         on_progress=progress)
    try:
        with spec:
            report = run_check(config)
    except TargetSpecError as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            sys.stderr.write("\r\033[K")
    return _finish(report, args)


def _finish(report: CheckReport, args: argparse.Namespace) -> int:
    """Print and save what the run found; the exit code."""
    print_report(report)
    # Every file is attempted; one that cannot be written is reported on stderr. A
    # nonconformance or target failure keeps its exit code; a conforming run gets 2.
    written = [report.failure is None or _save_counterexample(report, args.out, args.target),
               args.json is None or write_text(args.json,
                                               report.model_dump_json(indent=2) + "\n"),
               args.junit_xml is None or write_text(args.junit_xml, junit(report))]
    return report.exit_code if report.exit_code or all(written) else 2


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


def _save_counterexample(report: CheckReport, out: Path, target: str | None) -> bool:
    trace = report.counterexample()
    files = {
        out / "trace.json": trace.model_dump_json(indent=1) + "\n",
        out / "repro.c": render_c(trace),
        out / "test_repro.py": render_pytest(trace, target),
    }
    for path, text in files.items():
        if not write_text(path, text):
            return False
    print(f"  saved: {out / 'trace.json'} (replay: duckybio replay {out / 'trace.json'}"
          f"{'' if target is None else ' --target ...'}), {out / 'repro.c'}, "
          f"{out / 'test_repro.py'}")
    return True


def junit(report: CheckReport) -> str:
    details = "\n".join(f"{i}. {s}" for i, s in enumerate(report.trace, 1))
    if report.broken:
        details = "\n".join([*report.transcript, report.stderr_tail])
    case = Case(name=f"conformance of {report.target}", seconds=report.seconds,
                failure=report.failure, error=report.broken, details=details)
    return render_junit("duckybio", [case])


def print_report(report: CheckReport) -> None:
    verdict = {0: "CONFORMS", 1: "DOES NOT CONFORM", 3: "TARGET FAILED"}[report.exit_code]
    print(f"{report.target}: {verdict}")
    print(f"  sequences run:        {report.examples}")
    print(f"  operations:           {report.steps}")
    if report.coverage is not None:
        print(f"  transition coverage:  {report.coverage.summary()} of the classes "
              "exploration proves reachable")
        for missing in report.coverage.missing:
            print(f"    not covered: {missing}")
    if report.pair_coverage is not None:
        print(f"  pair coverage:        {report.pair_coverage.summary()}")
    else:
        print(f"  model transitions:    {len(report.transitions)} distinct classes exercised")
    print("  fault injection:      " + ("on (R-HOST-7)" if report.faults else
                                      "not supported by the target: fault rule skipped"))
    print(f"  seed:                 {report.seed}")
    print(f"  time:                 {report.seconds:.1f} s")
    if report.broken is not None:
        print(f"  target failure:       {report.broken}")
        if report.transcript:
            print("  last lines exchanged:")
            for line in report.transcript:
                print(f"    {line}")
        if report.stderr_tail.strip():
            print("  target stderr (tail):")
            for line in report.stderr_tail.rstrip().splitlines():
                print(f"    {line}")
    if report.failure is not None:
        print(f"  failure:              {report.failure}")
        print(f"  minimal failing sequence ({len(report.trace)} steps; "
              "'=>' is the model's answer):")
        for i, step in enumerate(report.trace, 1):
            text = str(step)
            print(f"    {i:3}. {text if len(text) <= 110 else text[:100] + ' ...'}")
