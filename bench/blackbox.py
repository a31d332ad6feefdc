"""Black-box checking over the wire against the in-process check, same budget, one run.

Runs, in one process and with the same seed and budget (``duckybio check``'s
own :func:`~duckybio.kit._run.run_check`):

* the in-process check of the bundled reference implementation (the default
  target of ``duckybio check``), the baseline;
* the check of ``duckybio serve`` over the wire protocol, pipelined (batches
  of operations whose answers the generator does not need);
* with ``--one-by-one``, the same without pipelining (one round trip per
  operation).

The first two alternate for ``--rounds`` rounds and the best time of each
counts, so that another job on the machine does not decide the ratio.  It
prints the times and the ratios black box / in process, and with ``--check``
exits 1 when the pipelined ratio exceeds 1.5.  ``--quick`` runs a tiny budget
(a smoke test: it runs, not how fast).
"""

from __future__ import annotations

import argparse
import sys

from duckybio.cli.options import positive
from duckybio.kit._run import CheckConfig, CheckReport, run_check
from duckybio.kit._target import Target
from duckybio.kit._targets import TargetSpec, resolve_target

#: The highest pipelined ratio ``--check`` accepts.
BAR = 1.5


class OneByOne:
    """A target without ``pipeline``: the harness waits for every answer."""

    def __init__(self, inner: Target) -> None:
        self.machine = inner.machine
        self.storage = inner.storage
        self.storage_write = inner.storage_write
        self.storage_read = inner.storage_read
        self.writel = inner.writel
        self.readl = inner.readl
        self.write = inner.write
        self.read = inner.read
        self.clock_step = inner.clock_step
        self.close = inner.close
        self.crashed = False


def timed(spec: TargetSpec, examples: int, steps: int) -> CheckReport:
    """The report of one check (its ``seconds`` is the time of the whole run)."""
    report = run_check(CheckConfig(target=spec, examples=examples, steps=steps, seed=0))
    if not report.conforms:
        raise SystemExit(f"{spec.description} does not conform: {report.failure or report.broken}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=positive, default=200)
    parser.add_argument("--steps", type=positive, default=40)
    parser.add_argument("--quick", action="store_true",
                        help="a tiny budget (5 sequences of 5 steps): check that it runs")
    parser.add_argument("--rounds", type=positive, default=3,
                        help="alternating rounds; the best time of each counts (default 3)")
    parser.add_argument("--one-by-one", action="store_true",
                        help="also time the wire check without pipelining")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if the pipelined ratio exceeds {BAR}")
    args = parser.parse_args(argv)
    examples, steps = (5, 5) if args.quick else (args.examples, args.steps)
    rounds = 1 if args.quick else args.rounds
    serve = f"{sys.executable} -m duckybio serve"
    inprocs: list[CheckReport] = []
    pipes: list[CheckReport] = []
    for _ in range(rounds):
        with resolve_target(None) as spec:
            inprocs.append(timed(spec, examples, steps))
        with resolve_target(serve) as spec:
            pipes.append(timed(spec, examples, steps))
    inproc = min(inprocs, key=lambda r: r.seconds)
    piped = min(pipes, key=lambda r: r.seconds)
    print(f"rounds: {rounds}; times: in process "
          f"{', '.join(f'{r.seconds:.2f}' for r in inprocs)} s, pipelined "
          f"{', '.join(f'{r.seconds:.2f}' for r in pipes)} s")
    print(f"in process:                {inproc.seconds:6.2f} s ({inproc.steps} operations)")
    print(f"over the wire, pipelined:  {piped.seconds:6.2f} s ({piped.steps} operations)")
    ratio = piped.seconds / inproc.seconds
    if args.one_by_one or args.quick:
        with resolve_target(serve) as spec:
            factory = spec.factory
            single = timed(TargetSpec(spec.description, lambda: OneByOne(factory())),
                           examples, steps)
        print(f"over the wire, one by one: {single.seconds:6.2f} s ({single.steps} operations)")
        print(f"ratio (one by one / in process): {single.seconds / inproc.seconds:.2f}")
    print(f"ratio (pipelined / in process): {ratio:.2f}")
    return 1 if args.check and ratio > BAR else 0


if __name__ == "__main__":
    sys.exit(main())
