"""Fault injection (R-HOST-7): a target without it is checked without it, and the report says so.

A target that answers FAIL to every ``fault`` line is checked with the fault
rule skipped; a device that accepts ``fault`` but injects nothing is caught.
"""

from __future__ import annotations

import pytest

from duckybio.cli.main import main
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._run import CheckConfig, run_check
from duckybio.kit._targets import TargetSpec


class NoFaults:
    """The reference implementation without ``fault``: it answers FAIL to every fault line."""

    def __init__(self) -> None:
        inner = ReferenceTarget()
        self.machine, self.storage = inner.machine, inner.storage
        self.storage_write, self.storage_read = inner.storage_write, inner.storage_read
        self.writel, self.readl = inner.writel, inner.readl
        self.write, self.read = inner.write, inner.read
        self.clock_step, self.close = inner.clock_step, inner.close


def no_faults() -> NoFaults:
    """A factory for ``--target test_fault_support:no_faults``."""
    return NoFaults()


def test_a_target_without_faults_is_checked_without_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["check", "--target", "test_fault_support:no_faults", "--examples", "20", "--quiet"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fault injection:      not supported by the target: fault rule skipped" in out
    assert main(["check", "--examples", "20", "--quiet"]) == 0
    assert "fault injection:      on (R-HOST-7)" in capsys.readouterr().out


def test_a_device_that_ignores_injected_faults_is_caught() -> None:
    class IgnoresFaults(ReferenceTarget):
        def fault(self, sid: int, op: str, count: int) -> None:
            super().fault(sid, op, 0)  # accepts the command, injects nothing

    config = CheckConfig(
        target=TargetSpec("ignores faults", IgnoresFaults),
        busy_bound=0,
        examples=100,
        steps=30,
        seed=0,
        coverage=False,
    )
    report = run_check(config)
    assert report.exit_code == 1 and report.faults
    assert any(step.command.startswith("fault ") for step in report.trace)
