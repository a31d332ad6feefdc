"""The lockstep checker's own cost per step, against Hypothesis's own cost.

Runs, in one process and with the same seed and budget:

* a do-nothing state machine of the same shape: the lockstep machine's rules,
  strategies and draws, on a harness whose every operation is a no-op;
* the lockstep check of the reference implementation, with the time spent
  inside the implementation measured and taken out.

The two alternate for ``--rounds`` rounds and the lowest cost per step of
each counts.  It prints both costs per rule step and their ratio (the
checker's own cost over Hypothesis's), and with ``--check`` exits 1 when the
ratio exceeds 2.  ``--quick`` runs a small budget once, enough for every rule
to run (a smoke test: it runs, not how fast).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test

from duckybio.cli.options import positive
from duckybio.kit import HarnessConfig, ReferenceTarget, TargetSpec
from duckybio.kit._harness import Harness
from duckybio.kit._lockstep import LockstepMachine
from duckybio.kit._policy import policy_for
from duckybio.kit._target import Target
from duckybio.model import BioState
from duckybio.spec import wire
from duckybio.spec.regmap import Flag

#: The highest ratio ``--check`` accepts.
BAR = 2.0


class Stopwatch:
    """Seconds spent inside the targets it wraps."""

    def __init__(self) -> None:
        self.spent = 0.0

    def wrap(self, inner: Target) -> Target:
        return _Timed(inner, self)


class _Timed:
    """A target proxy that adds the time spent in every call to its stopwatch."""

    def __init__(self, inner: Target, watch: Stopwatch) -> None:
        self._inner = inner
        self._watch = watch

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._inner, name)
        watch = self._watch

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args)
            finally:
                watch.spent += time.perf_counter() - started
        return timed


class Idle(Harness):
    """A harness that starts no target and whose every operation is a no-op."""

    def __init__(self, config: HarnessConfig) -> None:  # no model, no target
        self.instance = config.instance
        self.policy = config.policy

    @property
    def busy(self) -> bool:
        return False

    @property
    def flags(self) -> int:
        return int(Flag.RDY)

    def send(self, command: wire.Command, *, compare: bool = True, needed: bool = False,
             shown: str | None = None) -> str:
        return "OK"

    def write(self, offset: int, value: int) -> None:
        return None

    def read(self, offset: int) -> None:
        return None

    def tick(self, ns: int | None = None) -> None:
        return None

    def wait(self) -> None:
        return None

    def probe_faults(self, probe: wire.Fault | None = None) -> bool:
        return False

    def sync(self, before: BioState, *, starts: bool = False) -> None:
        return None

    def states_agree(self) -> None:
        return None

    def finish(self) -> None:
        return None


def machine_class(make: Callable[[], Harness], counter: list[int]) -> type[LockstepMachine]:
    """A lockstep machine on ``make()`` harnesses that counts rule steps in ``counter``."""

    class Counted(LockstepMachine):
        def __init__(self) -> None:
            super().__init__(make())

        def check_invariants(self, *args: Any, **kwargs: Any) -> None:
            counter[0] += 1  # once at the start and once after every rule step
            super().check_invariants(*args, **kwargs)  # type: ignore[no-untyped-call,unused-ignore]

    return Counted


def timed_run(make: Callable[[], Harness], examples: int, steps: int) -> tuple[float, int]:
    """Seconds and rule steps of one run with a fixed seed."""
    config = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                      database=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.generate])
    counter = [0]
    machine = seed(0)(machine_class(make, counter))
    started = time.perf_counter()
    run_state_machine_as_test(machine, settings=config)  # type: ignore[no-untyped-call,unused-ignore]
    return time.perf_counter() - started, counter[0]


def _timed_reference(watch: Stopwatch) -> Target:
    return watch.wrap(ReferenceTarget())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=positive, default=100)
    parser.add_argument("--steps", type=positive, default=40)
    parser.add_argument("--rounds", type=positive, default=3,
                        help="alternating rounds; the lowest cost of each counts (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="a small budget (20 sequences of 10 steps), once: check that "
                             "it runs")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if the ratio exceeds {BAR}")
    args = parser.parse_args(argv)
    examples, steps = (20, 10) if args.quick else (args.examples, args.steps)
    rounds = 1 if args.quick else args.rounds
    base: list[tuple[float, int]] = []
    lock: list[tuple[float, float, int]] = []
    for _ in range(rounds):
        watch = Stopwatch()
        spec = TargetSpec("timed reference", partial(_timed_reference, watch))
        config = HarnessConfig(spec.factory, policy_for(spec))  # black box, latency 0
        base.append(timed_run(partial(Idle, config), examples, steps))
        seconds, count = timed_run(partial(Harness, config), examples, steps)
        lock.append((seconds, watch.spent, count))
    base_seconds, base_steps = min(base, key=lambda r: r[0] / max(r[1], 1))
    lock_seconds, spent, lock_steps = min(lock, key=lambda r: (r[0] - r[1]) / max(r[2], 1))
    per_base = base_seconds / max(base_steps, 1)
    per_own = (lock_seconds - spent) / max(lock_steps, 1)
    ratio = per_own / per_base
    print(f"rounds: {rounds} (the lowest cost per step of each counts)")
    print(f"do-nothing machine: {base_steps} steps in {base_seconds:.2f} s "
          f"({per_base * 1e6:.0f} us/step)")
    print(f"lockstep checker:   {lock_steps} steps in {lock_seconds:.2f} s, of which "
          f"{spent:.2f} s inside the implementation "
          f"({per_own * 1e6:.0f} us/step of its own)")
    print(f"ratio (checker's own cost / Hypothesis's cost): {ratio:.2f}")
    return 1 if args.check and ratio > BAR else 0


if __name__ == "__main__":
    sys.exit(main())
