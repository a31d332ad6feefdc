"""SPEC section 12, host accesses (R-HOST-*).

The rules of the wire's lines themselves (R-HOST-8, R-HOST-9) are also
checked over the wire, on ``duckybio serve`` and on the C example, where a
line is sent as it is and an answer compared character by character.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios import by_name
from duckybio.kit._scenarios.host import BAD_GEOMETRIES, MALFORMED_LINES, bad_geometry
from duckybio.kit._testbed import CONTENT_A, ERR, RAM_SIZE, RDY, SID_A
from duckybio.kit._wire_client import WireTarget
from duckybio.kit.errors import TargetRefused
from duckybio.kit.vectors import DEFAULT_DIR, Vector, file_name, run_vector
from duckybio.spec.wire import Fail

from .support import pins, play, plays


@plays("host-machine-fresh")
def test_machine_powers_on_fresh(bio: Session) -> None:
    play(bio, "host-machine-fresh")
    assert bio.ram() == bytes(RAM_SIZE)


@plays("host-mmio-base-zero")
def test_mmio_base_zero(bio: Session) -> None:
    play(bio, "host-mmio-base-zero")


@plays(bad_geometry)
@pytest.mark.parametrize(("ram_size", "base"), BAD_GEOMETRIES)
def test_machine_refuses_bad_geometry(bio: Session, ram_size: int, base: int) -> None:
    bad_geometry(bio, ((ram_size, base),))


@plays("host-storage-attach")
def test_storage_attaches_zero_filled(bio: Session) -> None:
    play(bio, "host-storage-attach")
    # A negative size cannot be sent over the wire; only the Target protocol can carry it.
    with pytest.raises(TargetRefused):
        bio.target.storage(7, -1)
    bio.sread(SID_A, want=CONTENT_A)


@plays("host-storage-access")
def test_storage_host_access(bio: Session) -> None:
    play(bio, "host-storage-access")


@plays("host-ram-access")
def test_ram_host_access(bio: Session) -> None:
    play(bio, "host-ram-access")


@plays("host-readl-writel-routing")
def test_readl_writel_routing(bio: Session) -> None:
    play(bio, "host-readl-writel-routing")


@pins("R-HOST-6")
def test_clock_step_answers_a_monotonic_clock(bio: Session) -> None:
    first = bio.tick()
    clocks = [first, bio.tick(5), bio.tick(), bio.tick(1000)]
    assert all(c >= 0 for c in clocks)
    assert clocks == sorted(clocks)
    bio.setup(fill=True)
    assert bio.tick() == first


@plays("host-fault-injection")
def test_fault_injection_fails_commands(bio: Session) -> None:
    play(bio, "host-fault-injection")
    assert bio.seen.count(ERR) == 3, "three commands failed: one write, two reads"
    assert bio.status() == RDY


# --- the wire's lines, over the wire ---------------------------------------------------

SERVE: list[str] = [sys.executable, "-m", "duckybio", "serve"]


def _vector(name: str) -> Vector:
    """The committed golden vector ``name``."""
    return Vector.load(DEFAULT_DIR / file_name(name))


@pytest.fixture(params=["serve", "c-example", "c-example-latency-2"])
def wire(request: pytest.FixtureRequest,
         c_device: Callable[[int], Path]) -> Iterator[tuple[WireTarget, int]]:
    """A device over the wire, with its busy bound."""
    argv, bound = {"serve": (SERVE, 0), "c-example": ([str(c_device(0))], 0),
                   "c-example-latency-2": ([str(c_device(0)), "--latency", "2"], 2)}[
        request.param]
    with WireTarget(argv) as target:
        yield target, bound


class Shouting(WireTarget):
    """``duckybio serve`` behind a bridge that writes hex digits in upper case."""

    def line(self, text: str) -> str:
        head, _, value = super().line(text).partition(" ")
        return f"{head} {value.upper()}" if head == "OK" and value else head


class Padding(WireTarget):
    """``duckybio serve`` behind a bridge that pads numbers to 8 hex digits."""

    def line(self, text: str) -> str:
        answer = super().line(text)
        if text.startswith("readl ") and answer.startswith("OK 0x"):
            return f"OK 0x{int(answer[3:], 16):08x}"
        return answer


@plays("host-answer-format")
def test_answers_are_written_in_one_form(wire: tuple[WireTarget, int]) -> None:
    target, bound = wire
    assert run_vector(target, _vector("host-answer-format"), bound) == []
    assert target.line("readl 0x8400") == "OK 0x2", "ERR, as the vector left it"
    assert target.line("read 0x0 0x2") == "OK 0x0000"


@plays("host-answer-format")
@pytest.mark.parametrize("bridge", [Shouting, Padding])
def test_answers_in_another_form_fail(bridge: type[WireTarget]) -> None:
    with bridge(SERVE) as target:
        problems = run_vector(target, _vector("host-answer-format"))
    assert problems and "expected OK 0xb0a" in problems[0]


@plays("host-malformed-lines")
def test_malformed_lines_are_refused_and_change_nothing(
        wire: tuple[WireTarget, int]) -> None:
    target, bound = wire
    with_bound = Session(target, bound)
    by_name("host-malformed-lines").play(with_bound)
    for line in MALFORMED_LINES:
        assert target.line(line).startswith("FAIL ")
    assert target.line("storage 0x6 0x10") == "OK", "no refused line attached storage 6"


@pins("R-HOST-9", "R-HOST-6")
def test_a_clock_step_with_a_huge_ns_steps_nothing() -> None:
    """The reference implementation's clock adds 1 a step: a refused step adds nothing."""
    with WireTarget([*SERVE, "--latency", "1"]) as target:
        assert target.line("machine 0x10000 0x8400") == "OK"
        assert target.line("clock_step") == "OK 0x1"
        assert target.line("clock_step 0x10000000000000000").startswith("FAIL ")
        assert target.line("clock_step") == "OK 0x2"
        assert target.line("clock_step 0xffffffffffffffff") == "OK 0xffffffffffffffff"
        assert target.line("clock_step 0x5") == "OK 0xffffffffffffffff"


@plays("host-malformed-lines")
def test_malformed_lines_on_every_target(bio: Session) -> None:
    play(bio, "host-malformed-lines")
    refused = [e for e in bio.log if isinstance(e.command, str)]
    assert [e.command for e in refused[:len(MALFORMED_LINES)]] == list(MALFORMED_LINES)
    assert all(isinstance(e.answer, Fail) for e in refused)


@plays("host-empty-ranges")
def test_empty_ranges(bio: Session) -> None:
    play(bio, "host-empty-ranges")
    with pytest.raises(TargetRefused):
        bio.target.storage_read(SID_A, 4 * 1024 + 1, 0)
    assert bio.target.storage_read(SID_A, 4 * 1024, 0) == b""
    assert bio.target.read(1 << 40, 0) == b""


@plays("host-sizes-to-accept")
def test_sizes_every_target_accepts(bio: Session) -> None:
    play(bio, "host-sizes-to-accept")
    assert bio.target.storage_read(SID_A, (1 << 24) - 4, 4) == b"\x01\x02\x03\x04"
