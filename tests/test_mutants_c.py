"""The black-box check over the wire catches every planted bug of the C example.

Each ``-DMUTANT=<n>`` build of ``examples/c`` (see its README) is checked the
way ``duckybio check --target ./biodev`` checks a device: one device process
reused across the generated sequences, answers compared with the model's.
Every mutant must be caught -- a nonconformance (exit 1) with a short trace,
or, for a bug that makes the device crash, a failed target (exit 3) -- and
the conforming build must pass the same check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import pytest
from cdevice import MUTANTS
from mutation import mmio_operations, processes_with, summary

from duckybio.kit._run import CheckConfig, CheckReport, run_check
from duckybio.kit._targets import resolve_target

EXAMPLES: Final = 100
STEPS: Final = 30
#: The most guest operations (MMIO accesses, clock steps) a shrunk trace may keep.
MAX_MMIO_OPERATIONS: Final = 10
#: Mutants whose bug makes the device crash rather than answer wrongly.
MAY_CRASH: Final = {3: "bounds wrap: the device then copies past its storage"}


def check(exe: Path, label: str) -> CheckReport:
    """The black-box lockstep check of ``exe``; no device process is left running."""
    spec = resolve_target(str(exe), timeout=10.0)
    config = CheckConfig(target=spec, busy_bound=0, examples=EXAMPLES, steps=STEPS, seed=0,
                         coverage=False)
    with spec:
        report = run_check(config)
    print(summary(label, report))
    assert processes_with(str(exe)) == [], "a device process outlived the check"
    return report


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_mutant_is_caught(c_device: Callable[[int], Path], mutant: int) -> None:
    report = check(c_device(mutant), f"mutant {mutant}")
    allowed = {1, 3} if mutant in MAY_CRASH else {1}
    assert report.exit_code in allowed, f"mutant {mutant} ({MUTANTS[mutant]}) went unnoticed"
    assert report.first_failure is not None
    if report.exit_code == 3:
        assert report.broken and "\n" not in report.broken
        return
    assert report.failure
    assert report.trace[0].command.startswith("machine ")
    assert len(mmio_operations(report.trace)) <= MAX_MMIO_OPERATIONS, "\n".join(
        str(step)[:120] for step in report.trace)


def test_the_conforming_build_passes(c_device: Callable[[int], Path]) -> None:
    report = check(c_device(0), "conforming")
    assert report.exit_code == 0, report.failure or report.broken
    assert report.first_failure is None
    assert report.examples >= EXAMPLES
