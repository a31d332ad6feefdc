"""States per second of the exhaustive exploration, against baselines in the same run.

Explores the default instance (``duckybio explore`` with no options) in one
process and in one process per latency, and prints states per second of each
and their ratio.  With ``--baseline DIR`` (a checkout of another version of
the project), the same exploration of that version runs too, alternating
with this one in fresh interpreters, and the speed-up over it is printed.
``--quick`` explores a small instance (a smoke test: it runs, not how fast).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from duckybio.explore import ExploreInstance, ExploreStorage, explore

#: The explorer lives in ``duckybio.explore``; before the layout of one home per
#: thing (e.g. commit 31659ad), in ``duckybio.spec.explore``.
_PROBE = ("try:\n    from duckybio.explore import explore\n"
          "except ImportError:\n    from duckybio.spec.explore import explore\n"
          "r = explore(); print(r.states / r.seconds)")


def rate(instance: ExploreInstance, jobs: int) -> tuple[int, float]:
    """States found and states per second of one exploration."""
    result = explore(instance, jobs=jobs)
    return result.states, result.states / result.seconds


def probe(checkout: Path) -> float:
    """States per second of the default exploration of the project at ``checkout``."""
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=checkout, text=True,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(checkout)},
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"the exploration at {checkout} failed: {done.stderr.strip()[-200:]}")
    return float(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a small instance: check that it runs")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                        help="a checkout of another version to compare with")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating rounds against --baseline (default 2; best of each)")
    args = parser.parse_args(argv)
    instance = (ExploreInstance(storages=(ExploreStorage(sid=1, size=4),), latencies=(0, 1))
                if args.quick else ExploreInstance())
    jobs = max(2, min(os.cpu_count() or 1, len(instance.latencies)))
    states, one = rate(instance, 1)
    _, many = rate(instance, jobs)
    print(f"one process:        {states} states, {one:8.0f} states/s")
    print(f"{jobs} processes:        {states} states, {many:8.0f} states/s")
    print(f"ratio ({jobs} processes / one): {many / one:.2f}")
    if args.baseline is not None:
        here = Path(__file__).resolve().parents[1]
        ours = base = 0.0
        for _ in range(max(args.rounds, 1)):
            base = max(base, probe(args.baseline))
            ours = max(ours, probe(here))
        print(f"baseline {args.baseline}: {base:8.0f} states/s; this version: {ours:8.0f} states/s")
        print(f"ratio (this version / baseline, one process): {ours / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
