"""Speed-up of ``check --workers 2`` over one worker, in the same process.

Runs the same check (the in-process reference, or ``--target``) with one
worker and with ``--workers`` of them, alternating, and prints each run's
wall time, the CPU seconds of the workers, the machine's load before it, and
the ratio of the one-worker time to the many-worker time (the speed-up).
The sequence counts must add up alike.  On a shared machine the ratio moves
with the other load: the load average and the CPU seconds are printed so
that a low ratio can be told from a busy machine.  ``--quick``: 20
sequences (a smoke test: it runs, not how fast); default 2,000; ``--check
R``: exit 1 if the best ratio is below ``R``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from duckybio.kit._instance import Instance
from duckybio.kit.workers import WorkerJob, max_workers, run_workers


def timed(job: WorkerJob, workers: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (this process and its workers) and sequences of one run."""
    before = os.times()
    start = time.perf_counter()
    report = run_workers(job, workers)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return wall, cpu, report.examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--target", default=None)
    parser.add_argument("--check", type=float, default=None, metavar="R")
    args = parser.parse_args()
    examples = 20 if args.quick else args.examples
    workers = min(args.workers, max_workers())
    job = WorkerJob(target=args.target, latency=0, timeout=10.0, reuse=True, busy_bound=None,
                    examples=examples, steps=40, seed=0, instance=Instance(), database=None,
                    shard=(0, 1))
    print(f"{examples} sequences; {max_workers()} processors; {workers} workers")
    ratios = []
    for _ in range(args.rounds):
        load = os.getloadavg()[0]
        one = timed(job, 1)
        many = timed(job, workers)
        print(f"load {load:.2f}: 1 worker {one[0]:.1f} s ({one[1]:.1f} CPU s, {one[2]} seq); "
              f"{workers} workers {many[0]:.1f} s ({many[1]:.1f} CPU s, {many[2]} seq)")
        ratios.append(one[0] / many[0])
    best = max(ratios)
    print(f"ratio ({workers} workers / one): {best:.2f} (rounds: "
          f"{', '.join(f'{r:.2f}' for r in ratios)})")
    if args.check is not None and best < args.check:
        print(f"below {args.check}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
