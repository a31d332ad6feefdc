"""``duckybio replay TRACE``: replay a saved trace on a target.

The model runs beside the target, with the latency ``--latency`` declares
for it: a step with an expected answer is compared with that answer, a step
without one with the model's answer wherever the spec determines it (see
:class:`~duckybio.kit._replay.ModelBeside`; the answer of a clock step only
has to be ``OK`` and a number).  A differing read of RAM or of a storage is
reported by its first differing byte.

Exit codes: 0 every answer compared is the expected one, 1 an answer differs,
2 the trace or the options are bad, 3 the target failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..kit import replay, resolve_target
from ..kit.errors import KitError, TargetBroken, TargetSpecError, TraceError
from ..kit.trace import Trace
from .options import add_target_options


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "replay", help="replay a saved trace (e.g. a counterexample) on a target",
        description="Replay a trace file on a target and compare every answer with the "
                    "model's: with the answer the step expects, or, for a step that states "
                    "none, with the answer the model (run beside the target with --latency) "
                    "gives where the spec determines it. Exit 0 all match, 1 a mismatch, "
                    "2 bad input, 3 target failed.")
    p.add_argument("trace", type=Path,
                   help="trace file (JSON, the format of spec/trace.schema.json), e.g. a "
                        "counterexample duckybio wrote")
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
            result = replay(target, trace.steps, latency=spec.latency)
    except TargetBroken as exc:
        print(f"duckybio: target failed: {exc}", file=sys.stderr)
        return 3
    except KitError:
        raise
    except Exception as exc:  # an in-process target's own crash
        print(f"duckybio: target failed: it raised {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 3
    problems = result.problems
    verdict = "all answers match the model" if not problems else "MISMATCH"
    if result.open_steps:
        verdict += (f" ({result.open_steps} step(s) not compared: the spec leaves their "
                    "answers open)")
    print(f"{trace.name}: {len(trace.steps)} steps on {spec.description}: {verdict}")
    for line in problems:
        print(f"  {line}")
    return 1 if problems else 0
