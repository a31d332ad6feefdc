"""WireTarget drives a program over the wire; a failure is TargetBroken; no process survives."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from duckybio.kit._model_target import ModelTarget
from duckybio.kit._target import Target
from duckybio.kit._wire_client import TRANSCRIPT_LINES, PipelineBroken, WireTarget
from duckybio.kit.errors import TargetBroken, TargetRefused
from duckybio.spec.regmap import BLOCK_SIZE, Flag, Reg
from duckybio.spec.wire import Readl

BASE = 0x8400
RAM = 0x10000
MODEL_SERVER = [sys.executable, "-m", "duckybio", "serve", "--model"]
#: ``duckybio serve`` as the CLI registers it: the reference implementation.
REFERENCE_SERVER = [sys.executable, "-c", (
    "import argparse, sys\n"
    "from duckybio.cli import serve as serve_cmd\n"
    "parser = argparse.ArgumentParser()\n"
    "serve_cmd.add_parser(parser.add_subparsers())\n"
    "sys.exit(serve_cmd.run(parser.parse_args(sys.argv[1:])))\n"), "serve"]

#: A misbehaving target: argv[1] is the misbehaviour, argv[2] a file for pids.
FAKE = r"""
import os, signal, subprocess, sys, time
mode, pidfile = sys.argv[1], sys.argv[2]
pids = [os.getpid()]
if mode == "hang":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    pids.append(child.pid)
with open(pidfile, "w") as f:
    f.write(" ".join(map(str, pids)))
def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
n = 0
for line in sys.stdin:
    if line.split() == ["version"]:
        say({"badversion": "OK duckybio-wire/0", "noversion": "FAIL what?"}.get(
            mode, "OK duckybio-wire/1"))
        if mode == "deaf":
            time.sleep(600)
        continue
    n += 1
    if line.split() == ["quit"]:
        say("OK")
        break
    if n < 3:
        say("OK")
    elif mode == "crash":
        sys.stderr.write("boom: simulated crash\n")
        sys.stderr.flush()
        os._exit(3)
    elif mode == "exit":
        sys.exit(0)
    elif mode == "hang":
        time.sleep(600)
    elif mode == "garbage":
        say("hello world")
    elif mode == "bare":
        say("OK")
    elif mode == "wide":
        say("OK 0x100000000")
    elif mode == "chatty":
        say("OK\nOK")
    elif mode == "long":
        say("OK 0x" + "ab" * 10000)
    elif mode == "short":
        say("OK 0x0102")
    elif mode == "binary":
        sys.stdout.buffer.write(b"OK \xff\n")
        sys.stdout.flush()
    elif mode == "fail":
        say("FAIL not today")
"""


def fake(mode: str, tmp_path: Path) -> list[str]:
    return [sys.executable, "-c", FAKE, mode, str(tmp_path / "pids")]


def fake_pids(tmp_path: Path) -> list[int]:
    return [int(p) for p in (tmp_path / "pids").read_text().split()]


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie has ended too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def wait_gone(pid: int) -> bool:
    """Whether ``pid`` ends soon (a signal is delivered asynchronously)."""
    for _ in range(500):
        if gone(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def model_server() -> Iterator[WireTarget]:
    with WireTarget(MODEL_SERVER) as target:
        yield target


def outcome(target: Target, name: str, *args: Any) -> object:
    """What a call returns, or ``"refused"``."""
    try:
        result: object = getattr(target, name)(*args)
    except TargetRefused:
        return "refused"
    return result


STATUS, SID, BLOCK, COUNT, ADDR, DATA = (BASE + r for r in Reg)

SCRIPT: list[tuple[Any, ...]] = [
    ("machine", RAM, BASE),
    ("storage", 1, 4 * BLOCK_SIZE),
    ("storage", 1, 4 * BLOCK_SIZE),
    ("storage_write", 1, BLOCK_SIZE, bytes(range(256)) * 4),
    ("storage_read", 1, 4 * BLOCK_SIZE - 2, 4),
    ("readl", STATUS),
    ("writel", SID, 1),
    ("writel", BLOCK, 1),
    ("writel", COUNT, 1),
    ("writel", STATUS, int(Flag.READ)),
    ("readl", DATA),
    ("readl", DATA),
    ("writel", ADDR, 0x2000),
    ("writel", STATUS, int(Flag.DMA | Flag.WRITE)),
    ("storage_read", 1, BLOCK_SIZE, 8),
    ("write", 0x100, b"\x11\x22\x33\x44"),
    ("readl", 0x100),
    ("writel", 0x104, -1),
    ("read", 0x100, 8),
    ("read", RAM - 4, 8),
    ("read", BASE - 4, 8),
    ("readl", BASE - 2),
    ("readl", -4),
    ("writel", SID, 7),
    ("readl", STATUS),
    ("clock_step", None),
    ("clock_step", 50),
]


def test_a_wire_target_answers_like_the_model_it_serves(model_server: WireTarget) -> None:
    local = ModelTarget()
    for name, *args in SCRIPT:
        assert outcome(model_server, name, *args) == outcome(local, name, *args), name


def test_duckybio_serve_answers_like_the_model() -> None:
    local = ModelTarget()
    with WireTarget(REFERENCE_SERVER) as reference:
        for name, *args in SCRIPT:
            assert outcome(reference, name, *args) == outcome(local, name, *args), name
    assert reference.returncode == 0


def test_duckybio_serve_takes_a_latency() -> None:
    with WireTarget([*REFERENCE_SERVER, "--latency", "1"]) as target:
        target.machine(RAM, BASE)
        target.writel(STATUS, Flag.READ)
        assert target.readl(STATUS) == Flag.BUSY
        target.clock_step()
        assert target.readl(STATUS) == Flag.ERR


def test_duckybio_serve_refuses_a_bad_latency() -> None:
    done = subprocess.run([*REFERENCE_SERVER, "--latency", "x"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "not an integer: 'x'" in done.stderr


def test_a_refusal_is_target_refused_and_the_target_goes_on(model_server: WireTarget) -> None:
    model_server.machine(RAM, BASE)
    with pytest.raises(TargetRefused, match="not RAM"):
        model_server.read(RAM, 1)
    assert model_server.readl(STATUS) == Flag.RDY


def test_latency_is_passed_to_the_served_model() -> None:
    with WireTarget([*MODEL_SERVER, "--latency", "2"]) as target:
        target.machine(RAM, BASE)
        target.writel(STATUS, Flag.READ)
        assert target.readl(STATUS) == Flag.BUSY
        assert target.clock_step() == 1
        assert target.readl(STATUS) == Flag.BUSY
        target.clock_step()
        assert target.readl(STATUS) == Flag.ERR


def test_the_transcript_keeps_the_last_lines(model_server: WireTarget) -> None:
    model_server.machine(RAM, BASE)
    assert model_server.transcript[-2:] == [f"> machine {RAM:#x} {BASE:#x}", "< OK"]
    for _ in range(TRANSCRIPT_LINES):
        model_server.readl(STATUS)
    assert len(model_server.transcript) == TRANSCRIPT_LINES
    assert model_server.transcript[-2:] == [f"> readl {STATUS:#x}", "< OK 0x1"]


def test_close_quits_and_is_idempotent() -> None:
    target = WireTarget(MODEL_SERVER)
    target.close()
    target.close()
    assert target.returncode == 0
    assert target.transcript[-2:] == ["> quit", "< OK"]
    assert gone(target.pid)
    with pytest.raises(TargetBroken, match="closed"):
        target.readl(0)


def test_arguments_the_wire_cannot_carry_are_refused_without_an_exchange(
        model_server: WireTarget) -> None:
    model_server.machine(RAM, BASE)
    before = model_server.transcript
    with pytest.raises(TargetRefused, match="64 unsigned bits"):
        model_server.read(-1, 4)
    assert model_server.transcript == before


def test_a_crash_mid_run_is_target_broken(tmp_path: Path) -> None:
    target = WireTarget(fake("crash", tmp_path))
    target.machine(RAM, BASE)
    target.storage(1, 0)
    with pytest.raises(TargetBroken, match="exited with status 3") as info:
        target.readl(STATUS)
    assert "\n" not in str(info.value)
    assert "boom: simulated crash" in target.stderr_tail()
    assert target.transcript[-1] == f"> readl {STATUS:#x}"
    assert all(gone(pid) for pid in fake_pids(tmp_path))
    with pytest.raises(TargetBroken, match="already failed"):
        target.readl(STATUS)
    target.close()
    assert "boom" in target.stderr_tail()


def test_an_early_exit_is_target_broken(tmp_path: Path) -> None:
    with WireTarget(fake("exit", tmp_path)) as target:
        target.machine(RAM, BASE)
        target.storage(1, 0)
        with pytest.raises(TargetBroken, match="exited with status 0"):
            target.writel(STATUS, 0)


def test_a_hang_is_target_broken_and_its_whole_group_is_killed(tmp_path: Path) -> None:
    target = WireTarget(fake("hang", tmp_path), timeout=1.0, close_timeout=0.2)
    target.machine(RAM, BASE)
    target.storage(1, 0)
    with pytest.raises(TargetBroken, match=r"did not answer .* within 1s"):
        target.readl(STATUS)
    pids = fake_pids(tmp_path)
    assert len(pids) == 2
    assert all(wait_gone(pid) for pid in pids)


def test_a_pipelined_hang_names_the_command_and_the_ones_in_flight_after_it(
        tmp_path: Path) -> None:
    target = WireTarget(fake("hang", tmp_path), timeout=1.0, close_timeout=0.2)
    target.machine(RAM, BASE)
    target.storage(1, 0)
    target.submit([Readl(STATUS), Readl(STATUS + 4), Readl(STATUS + 8), Readl(STATUS + 12),
                   Readl(STATUS + 16)])
    with pytest.raises(PipelineBroken) as broken:
        target.collect(5)
    message = str(broken.value)
    assert f"did not answer 'readl {STATUS:#x}'" in message
    assert (f"in flight after it: 'readl {STATUS + 4:#x}', 'readl {STATUS + 8:#x}', "
            f"'readl {STATUS + 12:#x}' and 1 more") in message
    assert all(wait_gone(pid) for pid in fake_pids(tmp_path))


def test_a_target_that_stops_reading_cannot_block_a_large_command(tmp_path: Path) -> None:
    target = WireTarget(fake("deaf", tmp_path), timeout=1.0)
    with pytest.raises(TargetBroken, match="did not answer 'write 0x0 0x100000 0x0000"):
        target.write(0, bytes(1 << 20))
    assert all(gone(pid) for pid in fake_pids(tmp_path))


@pytest.mark.parametrize(("mode", "message"), [
    ("garbage", "unparsable answer"),
    ("bare", "wrong answer .* bare OK"),
    ("wide", "does not fit in 32 bits"),
    ("long", "longer than"),
    ("binary", "not ASCII"),
])
def test_a_bad_answer_is_target_broken(tmp_path: Path, mode: str, message: str) -> None:
    target = WireTarget(fake(mode, tmp_path))
    target.machine(RAM, BASE)
    target.storage(1, 0)
    with pytest.raises(TargetBroken, match=message):
        target.readl(STATUS)
    assert all(gone(pid) for pid in fake_pids(tmp_path))


def test_an_answer_of_the_wrong_length_is_target_broken(tmp_path: Path) -> None:
    with WireTarget(fake("short", tmp_path)) as target:
        target.machine(RAM, BASE)
        target.storage(1, 0)
        with pytest.raises(TargetBroken, match="expected 4 bytes, got 2"):
            target.read(0, 4)


def test_unasked_output_is_target_broken(tmp_path: Path) -> None:
    with WireTarget(fake("chatty", tmp_path)) as target:
        target.machine(RAM, BASE)
        target.storage(1, 0)
        target.writel(STATUS, 0)
        with pytest.raises(TargetBroken, match=r"before .* was sent"):
            target.writel(STATUS, 0)


def test_fail_answers_are_refusals(tmp_path: Path) -> None:
    with WireTarget(fake("fail", tmp_path)) as target:
        target.machine(RAM, BASE)
        target.storage(1, 0)
        with pytest.raises(TargetRefused, match=r"^not today$"):
            target.readl(STATUS)


def test_a_wrong_protocol_version_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(TargetBroken, match="speaks 'duckybio-wire/0', expected duckybio-wire/1"):
        WireTarget(fake("badversion", tmp_path))
    assert all(gone(pid) for pid in fake_pids(tmp_path))


def test_a_refused_handshake_is_target_broken(tmp_path: Path) -> None:
    with pytest.raises(TargetBroken, match="refused the handshake: what"):
        WireTarget(fake("noversion", tmp_path))
    assert all(gone(pid) for pid in fake_pids(tmp_path))


def test_a_missing_program_is_target_broken(tmp_path: Path) -> None:
    with pytest.raises(TargetBroken, match=r"cannot start target .*no-such-device"):
        WireTarget([str(tmp_path / "no-such-device")])


def test_an_empty_command_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        WireTarget([])


def test_a_forgotten_target_is_stopped_when_collected() -> None:
    target = WireTarget(MODEL_SERVER)
    pid = target.pid
    del target
    gc.collect()
    assert gone(pid)


def test_a_forgotten_target_is_stopped_at_exit(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    script = (
        "import sys\n"
        "from duckybio.kit import WireTarget\n"
        f"keep = WireTarget({MODEL_SERVER!r})\n"
        f"open({str(pidfile)!r}, 'w').write(str(keep.pid))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert wait_gone(int(pidfile.read_text()))
