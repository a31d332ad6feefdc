"""``duckybio vectors``: replay the golden test vectors on a target.

Each vector is a fixed wire sequence with the answers every conforming
device gives (see ``spec/vectors/README.md``).  Every vector runs on a target
of any latency: a poll step reads STATUS, stepping the clock while it reads
BUSY, at most the declared busy bound many times (``--busy-bound``, by
default ``--latency``).  A vector is not applicable only when it injects
faults and the target declines them (R-HOST-7).  ``--regenerate`` rewrites
the vector files from the model; ``--check`` only says whether they are
current.

A vector that breaks the target (a crash, a hang) does not end the run: the
target is started again and the remaining vectors run.  The summary counts
device behaviour and wire/host plumbing (machine geometry, routing, attach:
the ``host-*`` vectors) separately, so that a device whose test bridge is
lenient on host commands still sees its device verdict.

A failing vector is reported with a line per differing answer (the first
few), each naming the vector file, the step and its command and what differs:
the first differing byte of a byte string, as ``duckybio check`` says it.

Exit codes: 0 every applicable vector passes (or, with ``--check``, the files
are current), 1 a vector fails (or files are stale), 2 bad options or vector
files, 3 the target failed.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..kit import Target, resolve_target
from ..kit.errors import KitError, TargetBroken, TargetSpecError, Unsupported, VectorError
from ..kit.reports import Case, render_junit
from ..kit.vectors import DEFAULT_DIR, Vector, load_files, run_vector, stale, write_all
from .options import add_target_options, write_text

#: Mismatching steps printed per failing vector.
SHOWN_PROBLEMS: Final = 5
#: The JUnit suite name.
SUITE: Final = "duckybio.vectors"
#: The two groups of vectors, in the order the summary gives them.
DEVICE: Final = "device behaviour"
PLUMBING: Final = "wire/host plumbing"


def group_of(vector: Vector) -> str:
    """:data:`PLUMBING` for the vectors of host accesses (R-HOST-*), else :data:`DEVICE`."""
    if vector.trace.name.startswith("host-") or all(
            rule.startswith("R-HOST-") or rule == "E16" for rule in vector.trace.rules):
        return PLUMBING
    return DEVICE


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``vectors`` subcommand on ``subparsers``."""
    p = subparsers.add_parser(
        "vectors", help="replay the golden test vectors on a target",
        description="Replay the golden test vectors (fixed wire sequences with the answers "
                    "every conforming device gives) on a target. Every vector runs at any "
                    "latency: its polls read STATUS, stepping the clock while it reads BUSY, "
                    "at most --busy-bound (default: --latency) clock steps. Exit 0 all "
                    "pass, 1 a vector fails, 2 bad input, 3 target failed.")
    add_target_options(p)
    p.add_argument("--dir", type=Path, default=DEFAULT_DIR, metavar="DIR",
                   help="directory of vector files (default: the vectors shipped with "
                        "duckybio)")
    p.add_argument("--junit-xml", type=Path, default=None, metavar="FILE",
                   help="also write a JUnit XML report, one test case per vector run")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--regenerate", action="store_true",
                      help="rewrite the vector files in DIR from the model and exit")
    mode.add_argument("--check", action="store_true",
                      help="run nothing; exit 1 listing the vector files in DIR that are "
                           "not what --regenerate would write, 0 when all are current")


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What happened to one applicable vector."""

    name: str
    seconds: float
    problems: tuple[str, ...] = ()
    broken: str | None = None
    group: str = DEVICE
    unsupported: str | None = None


def _regenerate(directory: Path) -> int:
    try:
        changed = write_all(directory)
    except OSError as exc:
        print(f"duckybio: cannot write vectors to {directory}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    for name in changed:
        print(f"wrote {directory / name}")
    print(f"vectors in {directory} are up to date ({len(changed)} file(s) changed)")
    return 0


def _check(directory: Path) -> int:
    names = stale(directory)
    for name in names:
        print(f"stale: {directory / name}")
    if names:
        print(f"{len(names)} vector file(s) out of date; run `duckybio vectors --regenerate`",
              file=sys.stderr)
        return 1
    print(f"vectors in {directory} are up to date")
    return 0


def _run_one(target: Target, path: Path, vector: Vector, bound: int) -> _Outcome:
    """Run ``vector`` (read from ``path``) polling at most ``bound`` clock steps; each
    line of a difference names the file."""
    start = time.perf_counter()
    group = group_of(vector)
    try:
        problems = [f"{path}: {line}" for line in run_vector(target, vector, bound)]
    except TargetBroken as exc:
        return _Outcome(vector.trace.name, time.perf_counter() - start, broken=str(exc),
                        group=group)
    except Unsupported as exc:
        return _Outcome(vector.trace.name, time.perf_counter() - start, group=group,
                        unsupported=str(exc))
    except KitError:
        raise
    except Exception as exc:  # an in-process target's own crash
        return _Outcome(vector.trace.name, time.perf_counter() - start,
                        broken=f"the target raised {type(exc).__name__}: {exc}", group=group)
    return _Outcome(vector.trace.name, time.perf_counter() - start, tuple(problems), group=group)


def _report(outcome: _Outcome) -> None:
    if outcome.broken is not None:
        print(f"ERROR {outcome.name}: target failed: {outcome.broken}")
    elif outcome.unsupported is not None:
        print(f"N/A   {outcome.name} ({outcome.unsupported})")
    elif outcome.problems:
        print(f"FAIL  {outcome.name}")
        for line in outcome.problems[:SHOWN_PROBLEMS]:
            print(f"      {line}")
        if len(outcome.problems) > SHOWN_PROBLEMS:
            print(f"      ... and {len(outcome.problems) - SHOWN_PROBLEMS} more")
    else:
        print(f"PASS  {outcome.name}")


def _case(outcome: _Outcome) -> Case:
    if outcome.broken is not None:
        return Case(outcome.name, outcome.seconds, error="target failed",
                    details=outcome.broken)
    if outcome.unsupported is not None:
        return Case(outcome.name, outcome.seconds, skipped=outcome.unsupported)
    if outcome.problems:
        return Case(outcome.name, outcome.seconds,
                    failure=f"{len(outcome.problems)} answer(s) differ from the model",
                    details="\n".join(outcome.problems))
    return Case(outcome.name, outcome.seconds)


def _let_go(target: Target) -> None:
    """Close ``target``; a broken one may fail to close, which changes nothing."""
    with contextlib.suppress(TargetBroken):
        target.close()


def _broke(outcomes: list[_Outcome]) -> str:
    n = sum(o.broken is not None for o in outcomes)
    return f", {n} broke the target" if n else ""


def _tally(group: str, outcomes: list[_Outcome]) -> str:
    """One summary line for ``group`` (empty when it ran nothing)."""
    outcomes = [o for o in outcomes if o.unsupported is None]
    if not outcomes:
        return ""
    passed = sum(o.broken is None and not o.problems for o in outcomes)
    failed = sum(o.broken is None and bool(o.problems) for o in outcomes)
    return f"{group}: {passed} passed, {failed} failed{_broke(outcomes)}"


def run(args: argparse.Namespace) -> int:
    """Run ``vectors`` with the parsed ``args``; the exit code."""
    directory: Path = args.dir
    if args.regenerate:
        return _regenerate(directory)
    if args.check:
        return _check(directory)
    try:
        files = load_files(directory)
        spec = resolve_target(args.target, latency=args.latency, timeout=args.timeout)
    except (VectorError, TargetSpecError) as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    bound = spec.latency if args.busy_bound is None else args.busy_bound
    outcomes: list[_Outcome] = []
    with spec:
        target: Target | None = None
        try:
            for path, vector in files:
                if target is None:
                    try:
                        target = spec.factory()
                    except TargetBroken as exc:  # the target could not be (re)started
                        print(f"duckybio: target failed: {exc}", file=sys.stderr)
                        return 3
                outcome = _run_one(target, path, vector, bound)
                outcomes.append(outcome)
                _report(outcome)
                if outcome.broken is not None:  # start it again for the rest
                    _let_go(target)
                    target = None
        finally:
            if target is not None:
                _let_go(target)
    skipped = 0
    parts = [_tally(name, [o for o in outcomes if o.group == name]) for name in (DEVICE,
                                                                                 PLUMBING)]
    skipped += sum(o.unsupported is not None for o in outcomes)
    outcomes_run = [o for o in outcomes if o.unsupported is None]
    passed = sum(o.broken is None and not o.problems for o in outcomes_run)
    failed = sum(o.broken is None and bool(o.problems) for o in outcomes_run)
    broken = any(o.broken is not None for o in outcomes_run)
    print(f"vectors on {spec.description} (busy bound {bound}): {passed} passed, {failed} failed"
          f"{_broke(outcomes_run)}, {skipped} not applicable")
    for line in parts:
        if line:
            print(f"  {line}")
    if args.junit_xml is not None and not write_text(
            args.junit_xml, render_junit(SUITE, [_case(o) for o in outcomes])):
        return 2
    if broken:
        return 3
    return 1 if failed else 0
