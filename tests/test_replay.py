"""``duckybio replay`` compares every answer: with the step's expectation or with the model.

A trace may leave a step's answer out (hand-written traces do); the replay
then runs the model beside the target and compares the model's answer where
the spec determines it.  These tests plant a wrong answer into an otherwise
conforming target (:class:`SidReadsOne`, :class:`FlipsAByte`), check that
every golden vector stripped of its answers still passes on the reference,
and that the answers the spec leaves open are not compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest

from duckybio.cli.main import main
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._replay import CLOCK_ANSWER, replay, replay_steps
from duckybio.kit.errors import TargetRefused
from duckybio.kit.trace import Step, Trace
from duckybio.kit.vectors import DEFAULT_DIR, load_all, steps_at

MACHINE: Final = "machine 0x10000 0x8400"
#: SID is write-only: a read of it answers 0 (R-RD-2).
SID: Final = 0x8404


class SidReadsOne(ReferenceTarget):
    """The reference, but a read of the SID register answers 1."""

    def readl(self, addr: int) -> int:
        return 1 if addr == SID else super().readl(addr)


def sid_reads_one() -> SidReadsOne:
    """A factory for ``--target test_replay:sid_reads_one``."""
    return SidReadsOne()


class FlipsAByte(ReferenceTarget):
    """The reference, but byte 0x1c of every storage read from offset 0 reads 0."""

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        data = bytearray(super().storage_read(sid, offset, length))
        if offset == 0 and length > 0x1C:
            data[0x1C] = 0
        return bytes(data)


def flips_a_byte() -> FlipsAByte:
    """A factory for ``--target test_replay:flips_a_byte``."""
    return FlipsAByte()


class ClockFails(ReferenceTarget):
    """The reference, but a clock step is refused."""

    def clock_step(self, ns: int | None = None) -> int:
        raise TargetRefused("no clock")


def _trace(tmp_path: Path, *steps: Step) -> Path:
    path = tmp_path / "trace.json"
    path.write_text(Trace(name="probe", steps=list(steps)).model_dump_json())
    return path


def _replay(capsys: pytest.CaptureFixture[str], path: Path, *options: str) -> tuple[int, str]:
    code = main(["replay", str(path), *options])
    return code, capsys.readouterr().out


# --- comparing with the model ---------------------------------------------------------------

def test_a_step_without_an_expectation_is_compared_with_the_model(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _trace(tmp_path, Step(command=MACHINE), Step(command=f"readl {SID:#x}"))
    code, out = _replay(capsys, path, "--target", "test_replay:sid_reads_one")
    assert code == 1 and "MISMATCH" in out
    assert f"step 2: readl {SID:#x}: expected OK 0x0, got OK 0x1" in out
    code, out = _replay(capsys, path)
    assert code == 0 and "all answers match the model" in out and "not compared" not in out


def test_a_step_with_an_expectation_is_compared_with_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _trace(tmp_path, Step(command=MACHINE, expect="OK"),
                  Step(command=f"readl {SID:#x}", expect="OK 0x1"))
    code, out = _replay(capsys, path, "--target", "test_replay:sid_reads_one")
    assert code == 0, out
    code, out = _replay(capsys, path)
    assert code == 1 and f"step 2: readl {SID:#x}: expected OK 0x1, got OK 0x0" in out


@pytest.mark.parametrize("latency", [0, 2])
def test_every_vector_without_its_answers_passes_on_the_reference(latency: int) -> None:
    """Spelt out for one latency, a vector's steps get the model's answers."""
    for vector in load_all(DEFAULT_DIR):
        spelt = steps_at(vector, latency)
        assert replay_steps(ModelTarget(latency), spelt) == [], vector.trace.name
        steps = [Step(command=step.command) for step in spelt]
        target = ReferenceTarget(latency=latency)
        try:
            assert replay_steps(target, steps, latency=latency) == [], vector.trace.name
        finally:
            target.close()


def test_the_latency_is_the_models() -> None:
    """A command in flight at latency 2 is done at latency 0: STATUS answers differ."""
    steps = [Step(command=line) for line in (
        MACHINE, "storage 1 0x1000", "writel 0x8404 1", "writel 0x840c 1",
        "writel 0x8400 0x4", "readl 0x8400")]
    assert replay_steps(ReferenceTarget(latency=2), steps, latency=2) == []
    assert replay_steps(ReferenceTarget(latency=2), steps, latency=0) == [
        "step 6: readl 0x8400: expected OK 0x1, got OK 0x10"]
    assert replay_steps(ReferenceTarget(latency=2), steps) == [], "no model: any answer"


def test_a_clock_step_answer_is_only_checked_for_being_ok_and_a_number() -> None:
    steps = [Step(command=MACHINE), Step(command="clock_step 0x64")]
    result = replay(ReferenceTarget(), steps, latency=0)
    assert result.problems == [] and result.open_steps == 0
    assert replay_steps(ClockFails(), steps, latency=0) == [
        f"step 2: clock_step 0x64: expected {CLOCK_ANSWER}, got FAIL no clock"]


#: A DMA READ of block 0 of storage 1 into RAM 0x2000, in flight for two clock steps.
BUSY_DMA_READ: Final = [MACHINE, "storage 1 0x1000", "storage-write 1 0 0xaabbccdd",
                        "writel 0x8404 1", "writel 0x840c 1", "writel 0x8410 0x2000",
                        "writel 0x8400 0x24"]


class GarbageWhileBusy(ReferenceTarget):
    """The reference, but a read of RAM while a command is in flight answers 0xee bytes."""

    def read(self, addr: int, length: int) -> bytes:
        if self.readl(0x8400) & 0x10:  # BUSY
            return b"\xee" * length
        return super().read(addr, length)


def test_bytes_a_command_in_flight_leaves_open_are_not_compared() -> None:
    """R-BSY-6: the DMA range while BUSY; the rest of RAM and the range afterwards are."""
    steps = [Step(command=line) for line in (*BUSY_DMA_READ, "read 0x2000 4", "read 0x100 4",
                                             "clock_step", "clock_step", "read 0x2000 4")]
    result = replay(GarbageWhileBusy(latency=2), steps, latency=2)
    assert result.open_steps == 1
    assert result.problems == [
        "step 9: read 0x100 4: RAM byte 0x100: expected 0x00, observed 0xee; 4 of 4 bytes "
        "differ in [0x100, 0x104)"]
    assert replay_steps(ReferenceTarget(latency=2), steps, latency=2) == []


def test_a_host_write_into_a_command_in_flight_ends_the_comparisons_until_the_next_machine(
        ) -> None:
    """Its effect on the command is unspecified (SPEC section 12)."""
    steps = [Step(command=line) for line in (
        *BUSY_DMA_READ, "write 0x2000 2 0x0102", f"readl {SID:#x}", "clock_step", "clock_step",
        "readl 0x8400", MACHINE, f"readl {SID:#x}")]
    result = replay(SidReadsOne(latency=2), steps, latency=2)
    assert result.open_steps == 4
    assert result.problems == [f"step 14: readl {SID:#x}: expected OK 0x0, got OK 0x1"]


def test_answers_before_the_first_machine_are_not_compared() -> None:
    steps = [Step(command=f"readl {SID:#x}"), Step(command="version")]
    result = replay(SidReadsOne(), steps, latency=0)
    assert result.problems == [] and result.open_steps == 1


class NoFaults(ReferenceTarget):
    """The reference without fault injection: it answers FAIL to every ``fault`` line."""

    def fault(self, sid: int, op: str, count: int) -> None:
        raise TargetRefused("unknown command 'fault'")


def test_a_target_may_decline_faults_and_the_model_then_injects_none() -> None:
    steps = [Step(command=line) for line in (
        MACHINE, "storage 1 0x1000", "fault 1 read 1", "writel 0x8404 1", "writel 0x840c 1",
        "writel 0x8400 0x4", "readl 0x8400", "readl 0x8414")]
    assert replay_steps(NoFaults(), steps, latency=0) == []
    faulted = replay(ReferenceTarget(), steps, latency=0)
    assert faulted.problems == [] and faulted.open_steps == 1, "DATA after an I/O error"


# --- describing a difference ---------------------------------------------------------------

def test_a_differing_byte_string_is_described_by_its_first_differing_byte(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pattern = bytes(range(0x5A, 0x5A + 0x40))
    path = _trace(tmp_path, Step(command=MACHINE), Step(command="storage 1 0x400"),
                  Step(command=f"storage-write 1 0 0x{pattern.hex()}"),
                  Step(command="storage-read 0x1 0x0 0x400"),
                  Step(command="storage-read 0x1 0x0 0x400",
                       expect="OK 0x" + (pattern + bytes(0x3C0)).hex()))
    code, out = _replay(capsys, path, "--target", "test_replay:flips_a_byte")
    assert code == 1
    line = "storage-read 0x1 0x0 0x400: storage 0x1 byte 0x1c: expected 0x76, observed 0x00; " \
           "1 of 1024 bytes differ in [0x0, 0x400)"
    assert f"  step 4: {line}\n" in out and f"  step 5: {line}\n" in out
    assert max(len(text) for text in out.splitlines()) < 200, "no byte string written out"
