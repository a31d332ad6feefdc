"""Code under test that lies or leaves: each case once passed or ended the run silently.

- A driver that answers a DMA read with the bytes and leaves RAM untouched
  breaks D-3 in both forms (only a PIO read returns its blocks, SPEC 16).
- ``sys.exit`` in a form (a) driver, at the import of its module or in an
  in-process target is one line and a non-zero exit, never the run's end
  with the code's own status.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import pytest

from duckybio.cli.main import main
from duckybio.driver import Bus, drives, resolve_driver
from duckybio.driver._run import run_scenario
from duckybio.driver._scenario import DriveStep, Scenario
from duckybio.kit._instance import Instance, StorageShape
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.spec.drive import Outcome, Request

HERE: Final = Path(__file__).parent
WIRE_DRIVER: Final = f"{sys.executable} {HERE / 'wire_driver.py'}"
#: One DMA read of one block into RAM at 0 that can succeed.
DMA_READ: Final = Scenario(
    instance=Instance(ram_size=0x4000, mmio_base=0x2000,
                      storages=(StorageShape(sid=1, size=0x400),)),
    steps=(DriveStep(op="read", sid=1, block=0, count=1, addr=0, mode="dma"),))


@pytest.mark.parametrize("form", ["a", "b"])
def test_bytes_returned_for_a_dma_read_break_d3(form: str) -> None:
    name = "buggy_drivers:dma_bytes"
    spec = resolve_driver(name if form == "a" else f"{WIRE_DRIVER} {name}")
    outcome = run_scenario(spec, DMA_READ, 0)
    assert outcome.broken is not None and outcome.broken.rule == "D-3", outcome.broken
    assert "only a PIO read returns its blocks" in str(outcome.broken)
    if form == "b":
        assert any(line.startswith("< done ok 0x") for line in outcome.log), outcome.log[-3:]


def test_the_same_bytes_from_a_pio_read_keep_d3() -> None:
    pio = DMA_READ.model_copy(update={"steps": (DMA_READ.steps[0].model_copy(
        update={"mode": "pio"}),)})
    assert run_scenario(resolve_driver("buggy_drivers:dma_bytes"), pio, 0).broken is None


@drives()
def exits(bus: Bus, request: Request) -> Outcome:
    """A driver that ends the process it runs in."""
    sys.exit(0)


class ExitingTarget(ReferenceTarget):
    """An in-process target whose ``readl`` ends the process."""

    def readl(self, addr: int) -> int:
        sys.exit(0)


def exiting_target() -> ExitingTarget:
    return ExitingTarget()


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_sys_exit_in_a_driver_is_a_driver_failure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drive", "--driver", "test_code_under_test:exits", "--examples", "3"]) == 3
    assert "driver failure:       the driver called sys.exit(0)" in capsys.readouterr().out


def test_system_exit_at_import_is_a_usage_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "exits_at_import.py").write_text("raise SystemExit(5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for command in (["drive", "--driver"], ["check", "--target"]):
        assert main([*command, "exits_at_import:driver", "--examples", "1"]) == 2
        assert "cannot import exits_at_import: SystemExit: 5" in _one_line(capsys)


def test_sys_exit_in_an_in_process_target_is_a_target_failure(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--target", "test_code_under_test:exiting_target", "--examples", "3",
                 "--quiet", "--out", str(tmp_path)]) == 3
    out = capsys.readouterr().out
    assert "TARGET FAILED" in out and "target failure:       the target called sys.exit(0)" in out
