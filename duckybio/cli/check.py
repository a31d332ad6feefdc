"""``duckybio check``: check an implementation against the model, step by step.

Exit codes: 0 conforms (or every deviation found is known: ``--allow``),
1 nonconformance (with the minimal failing sequence), 2 usage or configuration
error, 3 the target failed (crashed, hung, broke the protocol).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..kit import (
    AllowFile,
    CheckConfig,
    CheckReport,
    Instance,
    open_database,
    resolve_target,
    run_check,
)
from ..kit.errors import InputError, TargetSpecError
from ..kit.reports import Case, dump_json, render_junit, save_reproducers
from ..kit.workers import WorkerDied, WorkerJob, check_workers, run_workers
from .html_report import render_html
from .options import add_target_options, check_outputs, integer, positive, write_text


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
    p.add_argument("--database", default=None, metavar="URL|DIR",
                   help="the campaign's example database, shared by every run on any "
                        "machine: redis://HOST:PORT/N or a directory; every failure saved "
                        "there is replayed first, and every failure found is saved there "
                        "(default: none, fully reproducible)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help="also write the report as JSON")
    p.add_argument("--junit-xml", type=Path, default=None, metavar="FILE",
                   help="also write the result as JUnit XML")
    p.add_argument("--html", type=Path, default=None, metavar="FILE",
                   help="also write a self-contained HTML page: the summary, every deviation "
                        "with its reproducer, and the state diagram shaded by the run")
    p.add_argument("--out", type=Path, default=Path("duckybio-counterexample"), metavar="DIR",
                   help="where a counterexample is saved as trace.json, repro.c and "
                        "test_repro.py (default ./duckybio-counterexample)")
    p.add_argument("--fresh-process", action="store_true",
                   help="start the target command anew for every sequence (default: one "
                        "process serves them all, each sequence beginning with 'machine')")
    p.add_argument("--workers", type=positive, default=1, metavar="N",
                   help="run the check in N processes (at most the processors of the "
                        "machine), each with its own target and its own seeds, reported as "
                        "one run (default 1)")
    p.add_argument("--keep-going", action="store_true",
                   help="go on after a nonconformance and report every distinct deviation, "
                        "each shrunk and saved in its own folder under --out")
    p.add_argument("--allow", type=Path, default=None, metavar="FILE",
                   help="known deviations (an allow file): each reproducer is replayed first; "
                        "still failing, it is known and does not fail the run, passing, it is "
                        "reported fixed; the run goes on past known deviations")
    p.add_argument("--write-allow", type=Path, default=None, metavar="FILE",
                   help="write an allow file listing every deviation found, each with its "
                        "clean reproducer (implies --keep-going; with --allow, the two are "
                        "merged and fixed ones dropped); edit the reasons before committing it")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def run(args: argparse.Namespace) -> int:
    if not check_outputs({"--json": args.json, "--junit-xml": args.junit_xml,
                          "--html": args.html, "--write-allow": args.write_allow},
                         {"--out": args.out}):
        return 2
    try:
        spec = resolve_target(args.target, latency=args.latency, timeout=args.timeout,
                              reuse=not args.fresh_process)
    except TargetSpecError as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    allow = AllowFile()
    if args.allow is not None:
        try:
            allow = AllowFile.load(args.allow)
        except InputError as exc:
            print(f"duckybio: {exc}", file=sys.stderr)
            return 2
    if args.write_allow is not None:
        args.keep_going = True
    try:
        check_workers(args.workers)
        if args.database is not None:
            open_database(args.database)
    except InputError as exc:
        spec.close()
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    if args.workers > 1:
        spec.close()
        job = WorkerJob(target=args.target, latency=args.latency, timeout=args.timeout,
                        reuse=not args.fresh_process, busy_bound=args.busy_bound,
                        examples=args.examples, steps=args.steps, seed=args.seed,
                        instance=Instance(), database=args.database, shard=(0, 1),
                        keep_going=args.keep_going, allowed=tuple(allow.allowed))
        try:
            report = run_workers(job, args.workers)
        except InputError as exc:
            print(f"duckybio: {exc}", file=sys.stderr)
            return 2
        except WorkerDied as exc:
            print(f"duckybio: {exc}", file=sys.stderr)
            return 3
        return _finish(report, args, allow)
    progress = None if args.quiet else _progress(args.examples)
    config = CheckConfig(target=spec, busy_bound=args.busy_bound, examples=args.examples,
                         steps=args.steps, seed=args.seed, database=args.database,
                         on_progress=progress, keep_going=args.keep_going,
                         allowed=tuple(allow.allowed))
    try:
        with spec:
            report = run_check(config)
    except InputError as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            sys.stderr.write("\r\033[K")
    return _finish(report, args, allow)


def _finish(report: CheckReport, args: argparse.Namespace, allow: AllowFile) -> int:
    """Print and save what the run found; the exit code."""
    # Every file is attempted; one that cannot be written is reported on stderr. A
    # nonconformance or target failure keeps its exit code; a conforming run gets 2.
    saved = save_reproducers(report, args.out, args.target, single=not args.keep_going)
    report = saved.report
    for error in saved.errors:
        print(f"duckybio: {error}", file=sys.stderr)
    print_report(report)
    if not args.keep_going and report.failure is not None and not saved.errors:
        out = args.out
        print(f"  saved: {out / 'trace.json'} (replay: duckybio replay {out / 'trace.json'}"
              f"{'' if args.target is None else ' --target ...'}), {out / 'repro.c'}, "
              f"{out / 'test_repro.py'}")
    written = [not saved.errors]
    if args.write_allow is not None:
        fixed = set(report.no_longer_occurring)
        kept = AllowFile(allowed=[a for a in allow.allowed if a.signature not in fixed])
        text = kept.merged(report.deviations, "TODO: say why this deviation is accepted")
        written.append(write_text(args.write_allow, text.to_json()))
        if written[-1]:
            print(f"  allow file written: {args.write_allow} ({len(text.allowed)} "
                  "signatures)")
    written += [args.json is None or write_text(args.json,
                                                dump_json(report, 2)),
                args.junit_xml is None or write_text(args.junit_xml, junit(report)),
                args.html is None or write_text(args.html, render_html(report, args.target))]
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


def junit(report: CheckReport) -> str:
    """One test case for the run, and one per deviation signature."""
    details = "\n".join(f"{i}. {s}" for i, s in enumerate(report.trace, 1))
    if report.broken:
        details = "\n".join([*report.transcript, report.stderr_tail])
    cases = [Case(name=f"conformance of {report.target}", seconds=report.seconds,
                  failure=report.failure, error=report.broken, details=details)]
    for deviation in report.deviations:
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(deviation.trace, 1))
        cases.append(Case(
            name=f"deviation {deviation.signature}", seconds=0.0,
            failure=None if deviation.known else deviation.failure,
            skipped=f"known: {deviation.reason}" if deviation.known else None,
            details="\n".join(part for part in (deviation.detail, steps) if part)))
    for signature in report.no_longer_occurring:
        cases.append(Case(name=f"deviation {signature}", seconds=0.0,
                          skipped="allowed, but no longer occurs"))
    return render_junit("duckybio", cases)


def _summary(report: CheckReport) -> None:
    """The table of deviations that ends a report."""
    rows = report.deviations
    if not rows and not report.no_longer_occurring:
        return
    print(f"  deviations: {len(report.new_deviations)} new, "
          f"{len(rows) - len(report.new_deviations)} known, "
          f"{len(report.no_longer_occurring)} fixed")
    print(f"    {'':5} {'seen':>5} {'steps':>5}  signature")
    for number, deviation in enumerate(rows, 1):
        status = "known" if deviation.known else "NEW"
        steps = str(len(deviation.trace)) if deviation.trace else "-"
        erratum = f" (matches {deviation.erratum})" if deviation.erratum else ""
        print(f"    {status:5} {deviation.occurrences:5} {steps:>5}  #{number} "
              f"{deviation.signature}{erratum}")
        for consequence in deviation.consequences:
            print(f"    {'':17}  also met as: {consequence} (follows from #{number})")
        if not deviation.known:
            print(f"    {'':17}  {deviation.failure}")
            if deviation.folder:
                print(f"    {'':17}  saved: {deviation.folder}")
    for signature in report.no_longer_occurring:
        print(f"    {'FIXED':5} {0:5} {'-':>5}  {signature} (its reproducer passes now: "
              "remove it from the allow file)")


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
    print("  fault injection:      " + (
        "on (R-HOST-7)" if report.faults else
        "not supported by the target: fault rule skipped" if report.probed else
        "not probed (the run ended before the probe)"))
    print(f"  seed:                 {report.seed}")
    if report.database is not None:
        saved = "1 saved failure" if report.replayed == 1 else \
            f"{report.replayed} saved failures"
        print(f"  database:             {report.database} ({saved} replayed first)")
    if report.first_failure is not None:
        print(f"  first failure:        in sequence {report.first_failure}")
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
        for line in report.detail.splitlines():
            print(f"    {line}")
        print(f"  minimal failing sequence ({len(report.trace)} steps; "
              "'=>' is the model's answer):")
        for i, step in enumerate(report.trace, 1):
            text = str(step)
            print(f"    {i:3}. {text if len(text) <= 110 else text[:100] + ' ...'}")
    _summary(report)
