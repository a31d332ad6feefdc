"""serve(): one answer line per command line, FAIL for anything bad, never a crash."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from duckybio.cli.main import main
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.kit._wire_server import serve
from duckybio.spec.regmap import BLOCK_SIZE, Flag, Reg

BASE = 0x8400
RAM = 0x10000
STATUS = BASE + Reg.STATUS
SID = BASE + Reg.SID
BLOCK = BASE + Reg.BLOCK
COUNT = BASE + Reg.COUNT
ADDR = BASE + Reg.ADDR
DATA = BASE + Reg.DATA

Factory = Callable[[], Target]
KINDS: dict[str, Callable[[int], Target]] = {"model": ModelTarget, "reference": ReferenceTarget}
FACTORIES: dict[str, Factory] = {"model": ModelTarget, "reference": ReferenceTarget}


def session(factory: Factory, lines: list[str]) -> tuple[int, list[str]]:
    """Serve ``lines``; the exit status and the answer lines."""
    out = io.StringIO()
    status = serve(factory, io.StringIO("".join(line + "\n" for line in lines)), out)
    text = out.getvalue()
    assert text.endswith("\n") or not text
    return status, text.splitlines()


@pytest.fixture(params=sorted(FACTORIES))
def factory(request: pytest.FixtureRequest) -> Factory:
    return FACTORIES[request.param]


def test_handshake_and_quit(factory: Factory) -> None:
    status, answers = session(factory, ["version", "quit", "version"])
    assert status == 0
    assert answers == ["OK duckybio-wire/1", "OK"]


def test_end_of_input_ends_the_session(factory: Factory) -> None:
    assert session(factory, []) == (0, [])
    assert session(factory, ["version"]) == (0, ["OK duckybio-wire/1"])


def test_commands_before_machine_fail(factory: Factory) -> None:
    _, answers = session(factory, ["readl 0x8400", "storage 0x1 0x400", "clock_step"])
    assert len(answers) == 3
    assert all(a.startswith("FAIL no machine") for a in answers)


def test_malformed_lines_fail_and_the_session_goes_on(factory: Factory) -> None:
    lines = ["", "bogus", "readl", "readl 0xzz", "write 0x0 0x2 0x00", "readl 0x8400\u00e9",
             f"machine {RAM:#x} {BASE:#x}", f"readl {STATUS:#x}"]
    status, answers = session(factory, lines)
    assert status == 0
    assert len(answers) == len(lines)
    assert all(a.startswith("FAIL ") for a in answers[:-2])
    assert answers[-2:] == ["OK", "OK 0x1"]


def test_a_dma_read_over_the_wire(factory: Factory) -> None:
    data = bytes(range(256)) * (BLOCK_SIZE // 256)
    lines = [
        f"machine {RAM:#x} {BASE:#x}",
        f"storage 0x1 {2 * BLOCK_SIZE:#x}",
        f"storage-write 0x1 {BLOCK_SIZE:#x} 0x{data.hex()}",
        f"writel {STATUS:#x} {int(Flag.SRST):#x}",
        f"writel {SID:#x} 0x1",
        f"writel {BLOCK:#x} 0x1",
        f"writel {COUNT:#x} 0x1",
        f"writel {ADDR:#x} 0x1000",
        f"writel {STATUS:#x} {int(Flag.DMA | Flag.READ):#x}",
        f"readl {STATUS:#x}",
        "read 0x1000 0x4",
        f"readl {DATA:#x}",
        "readl 0x1004",
        f"read 0x1000 {BLOCK_SIZE:#x}",
    ]
    _, answers = session(factory, lines)
    assert answers[:9] == ["OK"] * 9
    assert answers[9:13] == ["OK 0x1", "OK 0x00010203", "OK 0x3020100", "OK 0x7060504"]
    assert answers[13] == "OK 0x" + data.hex()


def test_refused_host_accesses_fail(factory: Factory) -> None:
    lines = [
        f"machine {RAM:#x} {BASE:#x}",
        "storage 0x1 0x400",
        "storage 0x1 0x400",
        "storage-read 0x1 0x3ff 0x2",
        "storage-write 0x2 0x0 0x00",
        f"read {RAM - 2:#x} 0x4",
        f"write {BASE - 1:#x} 0x2 0x0000",
        f"readl {RAM:#x}",
        f"read {RAM:#x} 0x0",
    ]
    _, answers = session(factory, lines)
    assert answers[:2] == ["OK", "OK"]
    assert all(a.startswith("FAIL ") for a in answers[2:8]), answers
    assert answers[8] == "OK 0x"


def test_a_refused_machine_leaves_none(factory: Factory) -> None:
    lines = [f"machine {RAM:#x} {BASE:#x}", "machine 0x10001 0x8400", "readl 0x0"]
    _, answers = session(factory, lines)
    assert answers[0] == "OK"
    assert answers[1].startswith("FAIL ")
    assert answers[2].startswith("FAIL no machine")


def test_machine_powers_on_a_fresh_machine(factory: Factory) -> None:
    lines = [
        f"machine {RAM:#x} {BASE:#x}", "storage 0x1 0x400", "write 0x0 0x1 0x5a",
        f"writel {SID:#x} 0x9", f"readl {STATUS:#x}",
        f"machine {RAM:#x} {BASE:#x}", "read 0x0 0x1", "storage-read 0x1 0x0 0x1",
        f"readl {STATUS:#x}",
    ]
    _, answers = session(factory, lines)
    assert answers[4] == "OK 0x2"
    assert answers[6] == "OK 0x00"
    assert answers[7].startswith("FAIL ")
    assert answers[8] == "OK 0x1"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_latency_keeps_a_command_busy_for_that_many_clock_steps(name: str) -> None:
    lines = [
        f"machine {RAM:#x} {BASE:#x}", "storage 0x1 0x400",
        f"writel {SID:#x} 0x1", f"writel {COUNT:#x} 0x1",
        f"writel {STATUS:#x} {int(Flag.READ):#x}",
        f"readl {STATUS:#x}", f"readl {DATA:#x}", "clock_step", f"readl {STATUS:#x}",
        "clock_step 0x64", f"readl {STATUS:#x}", f"readl {DATA:#x}",
    ]
    _, answers = session(lambda: KINDS[name](2), lines)
    assert answers[5:] == ["OK 0x10", "OK 0xffffffff", "OK 0x1", "OK 0x10",
                           "OK 0x65", "OK 0x1", "OK 0x0"]


class _Recording(ModelTarget):
    def __init__(self, closed: list[int]) -> None:
        super().__init__()
        self.closed = closed

    def close(self) -> None:
        self.closed.append(id(self))


def test_targets_are_closed_when_replaced_and_at_the_end() -> None:
    made: list[_Recording] = []
    closed: list[int] = []

    def factory() -> Target:
        made.append(_Recording(closed))
        return made[-1]

    session(factory, [f"machine {RAM:#x} {BASE:#x}", f"machine {RAM:#x} {BASE:#x}"])
    assert len(made) == 2
    assert [id(t) for t in made] == closed


def test_serve_refuses_a_negative_latency(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serve", "--model", "--latency", "-1"])
    assert info.value.code == 2
    assert "must be >= 0" in capsys.readouterr().err
