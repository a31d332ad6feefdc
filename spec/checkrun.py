"""Run a lockstep check once and report what happened, as data.

This is the functional part of ``duckybio check``: it runs Hypothesis on a
``LockstepMachine`` subclass with the given budget and seed and returns a
:class:`CheckReport` (a pydantic model, so it can be written as JSON).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test
from pydantic import BaseModel, ConfigDict

from .lockstep import LockstepMachine


class CheckReport(BaseModel):
    """The outcome of one lockstep run."""

    model_config = ConfigDict(extra="forbid")

    target: str
    conforms: bool
    examples: int
    steps: int
    seed: int
    seconds: float
    transitions: list[str]
    failure: str | None = None
    trace: list[str] = []


def run_check(
    machine: type[LockstepMachine],
    *,
    target: str,
    examples: int,
    steps: int,
    seed_value: int,
    database: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Run ``machine`` under Hypothesis and report; never raises on a mismatch."""
    machine.on_progress = on_progress
    config = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=DirectoryBasedExampleDatabase(str(database)) if database else None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        print_blob=False,
    )
    seeded = seed(seed_value)(machine)
    started = time.perf_counter()
    failure: str | None = None
    chatter: list[object] = []
    try:
        with with_reporter(chatter.append):
            run_state_machine_as_test(seeded, settings=config)
    except AssertionError as exc:
        failure = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    elapsed = time.perf_counter() - started
    return CheckReport(
        target=target,
        conforms=failure is None,
        examples=machine.runs,
        steps=machine.steps,
        seed=seed_value,
        seconds=round(elapsed, 3),
        transitions=sorted(str(t) for t in machine.covered),
        failure=failure,
        trace=[str(s) for s in machine.last_trace] if failure else [],
    )
