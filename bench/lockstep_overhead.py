"""The lockstep checker's own cost per step, against Hypothesis's own cost.

Runs, in one process and with the same seed and budget:

* a do-nothing state machine of the same shape: the lockstep machine's rules,
  strategies and draws, with every operation a no-op;
* the lockstep check of the reference implementation, with the time spent
  inside the implementation measured and taken out.

It prints both costs per rule step and their ratio (the checker's own cost
over Hypothesis's), and with ``--check`` exits 1 when the ratio exceeds 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from duckybio.kit.lockstep import LockstepMachine, lockstep_machine
from duckybio.kit.reference_target import ReferenceTarget
from duckybio.kit.target import Target
from duckybio.spec import wire


class TimedTarget:
    """A target proxy that adds the time spent in every call to ``spent``."""

    spent = 0.0

    def __init__(self, inner: Target) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._inner, name)

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args)
            finally:
                TimedTarget.spent += time.perf_counter() - started
        return timed


class Counting:
    """Rule steps run so far (invariants are checked once after every step)."""

    steps = 0


def do_nothing(base: type[LockstepMachine]) -> type[LockstepMachine]:
    """The same rules and draws as ``base``, with no model, target or comparison."""

    class DoNothing(base):  # type: ignore[valid-type, misc]
        def __init__(self) -> None:  # no model, no target
            RuleBasedStateMachine.__init__(self)
            self.trace: list[tuple[str, str | None]] = []
            self.busy_steps = 0
            self.gone = False

        def _do(self, command: wire.Command, *, compare: bool = True) -> str:
            return "OK"

        def _sync(self) -> None:
            return None

        @property
        def busy(self) -> bool:
            return False

        def teardown(self) -> None:
            return None

    return DoNothing


def count_steps(machine: type[LockstepMachine]) -> type[LockstepMachine]:
    """``machine`` with an invariant that counts rule steps."""

    class Counted(machine):  # type: ignore[valid-type, misc]
        def check_invariants(self, *args: Any, **kwargs: Any) -> None:
            Counting.steps += 1
            super().check_invariants(*args, **kwargs)

    return Counted


def timed_run(machine: type[LockstepMachine], examples: int, steps: int) -> tuple[float, int]:
    """Seconds and rule steps of one run with a fixed seed."""
    config = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                      database=None, suppress_health_check=list(HealthCheck),
                      phases=[Phase.generate])
    Counting.steps = 0
    counted = seed(0)(count_steps(machine))
    started = time.perf_counter()
    run_state_machine_as_test(counted, settings=config)
    return time.perf_counter() - started, Counting.steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--check", action="store_true", help="exit 1 if the ratio exceeds 2")
    args = parser.parse_args(argv)

    lockstep = lockstep_machine(lambda: TimedTarget(ReferenceTarget()), name="Measured")
    base_seconds, base_steps = timed_run(do_nothing(lockstep), args.examples, args.steps)
    TimedTarget.spent = 0.0
    lock_seconds, lock_steps = timed_run(lockstep, args.examples, args.steps)
    own = lock_seconds - TimedTarget.spent
    per_base = base_seconds / max(base_steps, 1)
    per_own = own / max(lock_steps, 1)
    ratio = per_own / per_base
    print(f"do-nothing machine: {base_steps} steps in {base_seconds:.2f} s "
          f"({per_base * 1e6:.0f} us/step)")
    print(f"lockstep checker:   {lock_steps} steps in {lock_seconds:.2f} s, of which "
          f"{TimedTarget.spent:.2f} s inside the implementation "
          f"({per_own * 1e6:.0f} us/step of its own)")
    print(f"ratio (checker's own cost / Hypothesis's cost): {ratio:.2f}")
    return 1 if args.check and ratio > 2.0 else 0


if __name__ == "__main__":
    sys.exit(main())
