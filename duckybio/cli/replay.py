"""``duckybio replay TRACE``: replay a saved trace on a target.

Exit codes: 0 every answer is the model's, 1 an answer differs, 2 the trace
or the options are bad, 3 the target failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..kit.errors import KitError, TargetBroken, TargetSpecError, TraceError
from ..kit.replay import replay_steps
from ..kit.targets import resolve_target
from ..kit.trace import Trace
from ..spec.wire import WireError
from .options import add_target_options


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "replay", help="replay a saved trace (e.g. a counterexample) on a target",
        description="Replay a trace file on a target and compare every answer with the "
                    "model's. Exit 0 all match, 1 a mismatch, 2 bad input, 3 target failed.")
    p.add_argument("trace", type=Path, help="trace file (JSON) written by duckybio")
    add_target_options(p)


def run(args: argparse.Namespace) -> int:
    try:
        trace = Trace.load(args.trace)
        spec = resolve_target(args.target, latency=args.latency, timeout=args.timeout)
    except (TraceError, TargetSpecError) as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    try:
        with spec.open() as target:
            problems = replay_steps(target, trace.steps)
    except WireError as exc:
        print(f"duckybio: trace {args.trace} has a malformed command: {exc}", file=sys.stderr)
        return 2
    except TargetBroken as exc:
        print(f"duckybio: target failed: {exc}", file=sys.stderr)
        return 3
    except KitError:
        raise
    except Exception as exc:  # an in-process target's own crash
        print(f"duckybio: target failed: it raised {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 3
    print(f"{trace.name}: {len(trace.steps)} steps on {spec.description}: "
          f"{'all answers match the model' if not problems else 'MISMATCH'}")
    for line in problems:
        print(f"  {line}")
    return 1 if problems else 0
