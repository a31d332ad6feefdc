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

from .coverage import CoverageReport
from .errors import TargetCrashed
from .lockstep import LockstepMachine, TargetGone, as_steps
from .minimize import minimize
from .trace import Step, Trace


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
    broken: str | None = None
    trace: list[Step] = []
    transcript: list[str] = []
    stderr_tail: str = ""
    coverage: CoverageReport | None = None

    @property
    def exit_code(self) -> int:
        """0 conforms, 1 nonconformance, 3 the target broke."""
        if self.broken is not None:
            return 3
        return 0 if self.conforms else 1

    def counterexample(self) -> Trace:
        """The failing sequence as a replayable trace."""
        return Trace(name=f"counterexample for {self.target}",
                     description=self.failure or "", steps=self.trace)


def run_check(
    machine: type[LockstepMachine],
    *,
    target: str,
    examples: int,
    steps: int,
    seed_value: int,
    database: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    minimize_trace: bool = True,
) -> CheckReport:
    """Run ``machine`` under Hypothesis and report; never raises on a mismatch."""
    machine.on_progress = on_progress
    config = settings(
        settings.get_profile("default"),
        max_examples=examples,
        report_multiple_bugs=False,
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
    broken: str | None = None
    chatter: list[object] = []
    try:
        with with_reporter(chatter.append):
            run_state_machine_as_test(seeded, settings=config)
    except TargetGone as exc:
        broken = str(exc)
    except Exception as exc:  # any failure of the target under the harness
        text = str(exc).strip()
        failure = text.splitlines()[0] if text else type(exc).__name__
        if not isinstance(exc, AssertionError):
            failure = f"{type(exc).__name__}: {failure}"
        crash = _crash_in(exc)
        if crash is not None:
            failure = broken = str(crash)
    trace = list(machine.last_trace)
    if failure is not None and minimize_trace:
        trace = minimize(machine, trace)
    elapsed = time.perf_counter() - started
    target_obj = machine.last_target
    transcript: list[str] = list(getattr(target_obj, "transcript", []) or [])
    tail_fn = getattr(target_obj, "stderr_tail", None)
    stderr_tail = tail_fn() if callable(tail_fn) and broken else ""
    return CheckReport(
        target=target,
        conforms=failure is None and broken is None,
        examples=machine.runs,
        steps=machine.steps,
        seed=seed_value,
        seconds=round(elapsed, 3),
        transitions=sorted(str(t) for t in machine.covered),
        failure=failure,
        broken=broken,
        trace=as_steps(trace) if failure else [],
        transcript=transcript[-20:] if broken else [],
        stderr_tail=str(stderr_tail),
    )


def _crash_in(exc: BaseException) -> TargetCrashed | None:
    """The target crash behind ``exc`` (also inside Hypothesis's flaky-failure groups)."""
    if isinstance(exc, TargetCrashed):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _crash_in(inner)
            if found is not None:
                return found
    return None
