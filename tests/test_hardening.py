"""Regression tests of hostile inputs, faults and crashes: each problem found once, pinned.

Every test reproduces one problem (a traceback, a leak, lost data, a process
left behind) and asserts what happens now: one line and the promised exit
code, memory given back, nothing changed, nothing left running.
"""

from __future__ import annotations

import gc
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from mutation import processes_gone, processes_with

from duckybio.cli.main import main
from duckybio.impl import FileBackedStorage, Machine
from duckybio.impl._errors import StorageConfigError
from duckybio.impl._storage import MemoryStorage
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._run import CheckConfig, run_check
from duckybio.kit._targets import TargetSpec, resolve_target
from duckybio.kit._wire_client import WireTarget
from duckybio.kit._wire_server import serve
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, Flag, Reg
from duckybio.spec.wire import WIRE_MAX

DUCKYBIO = [sys.executable, "-m", "duckybio"]
STATUS = DEFAULT_MMIO_ADDRESS + int(Reg.STATUS)


def served(*lines: str, max_line: int = 1 << 20, latency: int = 0) -> list[str]:
    """The answers of the bundled server to ``lines``."""
    out = io.StringIO()
    serve(lambda: ReferenceTarget(latency=latency), io.StringIO("".join(f"{x}\n" for x in lines)),
          out, max_line=max_line)
    return out.getvalue().splitlines()


def one_line_error(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --- 1. memory of the wire path: see bench/wire_memory.py ----------------------------------

def test_a_long_byte_string_round_trips_through_the_server() -> None:
    n = 1 << 16
    answers = served("machine 0x40000 0x30000", f"write 0 {n:#x} 0x{'ab' * n}", "read 0x10 4",
                     f"write 0 {n:#x} 0x{'ab' * (n - 1)}a")
    assert answers[:3] == ["OK", "OK", "OK 0xabababab"]
    assert answers[3].startswith("FAIL")


# --- 2. a discarded machine is freed at once ------------------------------------------------

def test_a_new_machine_frees_the_old_one_without_the_garbage_collector() -> None:
    target = ReferenceTarget()
    target.machine(0x10000, 0x8400)
    old = weakref.ref(target.machine_obj)
    gc.disable()
    try:
        target.machine(0x10000, 0x8400)
        assert old() is None, "the old machine is kept alive by a reference cycle"
    finally:
        gc.enable()


# --- 3. the clock saturates; a step never fails ---------------------------------------------

def test_clock_step_saturates_and_the_session_goes_on() -> None:
    answers = served("machine 0x10000 0x8400", "storage 1 0x400", "writel 0x8404 1",
                     "writel 0x8400 0x24", "clock_step 0xffffffffffffffff", "clock_step",
                     "readl 0x8400", "clock_step", latency=2)
    assert answers[4:] == [f"OK {WIRE_MAX:#x}", f"OK {WIRE_MAX:#x}", "OK 0x1", f"OK {WIRE_MAX:#x}"]


# --- 4. one line and exit 2, never a traceback ---------------------------------------------

@pytest.mark.parametrize("ini", [
    "[machine]\nram-size = 0x10000000000\n",
    "[machine]\nram-size = 0x10000000000000000\n",
    "[s]\nklass = storage\nsid = 1\nsize = 0x10000000000\n",
    "[s]\nklass = storage\nsid = 1\nfilepath = ~nouser-duckybio/x.img\n",
])
def test_machine_refuses_impossible_configurations_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], ini: str) -> None:
    path = tmp_path / "m.ini"
    path.write_text(ini)
    assert main(["machine", str(path)]) == 2
    assert one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("command", ["machine 0x10000000000 0x8400",
                                     "machine 0xffffffffffff0000 0x8400"])
def test_replay_of_a_huge_machine_is_a_refusal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    trace = tmp_path / "t.json"
    trace.write_text(json.dumps({"name": "huge", "steps": [
        {"command": command, "expect": "FAIL"},
        {"command": "machine 0x10000 0x8400", "expect": "OK"},
        {"command": "storage 1 0x10000000000", "expect": "FAIL"}]}))
    assert main(["replay", str(trace)]) == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "replay", "vectors"])
@pytest.mark.parametrize("value", ["inf", "1e10", "nan", "-inf"])
def test_an_unbounded_timeout_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], command: str, value: str) -> None:
    args = [command, "x.json"] if command == "replay" else [command]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--timeout", value])
    assert exc.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_check_into_a_closed_pipe_finishes_and_writes_its_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c",
         f"{' '.join(DUCKYBIO)} check --examples 3 --steps 5 --json {report} | head -c 1"],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert json.loads(report.read_text())["conforms"] is True


# --- 5. block-aligned writes (crash consistency, SPEC section 17) -------------------------------

class Recording(MemoryStorage):
    """A storage that records every write the controller issues."""

    def __init__(self, sid: int, size: int) -> None:
        super().__init__(sid, size)
        self.writes: list[tuple[int, int]] = []

    def write_from(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        self.writes.append((offset, len(data)))
        super().write_from(offset, data)


@pytest.mark.parametrize("words", [0, 1, 255, 256, 257, 300 * 256 + 3])
def test_a_pio_write_is_issued_in_whole_blocks_in_order(words: int) -> None:
    count = 400
    storage = Recording(1, (count + 3) * BLOCK_SIZE)
    with Machine(0x10000) as machine:
        machine.attach(storage)
        mem = machine.memory
        mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.SID, 1)
        mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.BLOCK, 3)
        mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.COUNT, count)
        for i in range(words):
            mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.DATA, i + 1)
        mem.write_u32(STATUS, Flag.WRITE)
        assert mem.read_u32(STATUS) == Flag.RDY
    pos = 3 * BLOCK_SIZE
    for offset, length in storage.writes:
        assert offset == pos and length % BLOCK_SIZE == 0 and length > 0
        pos += length
    assert pos == (count + 3) * BLOCK_SIZE
    staged = b"".join((i + 1).to_bytes(4, "little") for i in range(words))
    assert storage.data[3 * BLOCK_SIZE:] == staged + bytes(count * BLOCK_SIZE - len(staged))


# --- 6. an unwritable --out keeps the verdict and the --json report ---------------------------

def test_an_unwritable_out_keeps_exit_1_and_the_json_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    report = tmp_path / "report.json"
    argv = ["check", "--target", "mutation:flipped_status", "--examples", "5",
            "--steps", "5", "--quiet", "--out", str(blocker / "cx"), "--json", str(report)]
    assert main(argv) == 2, "refused before the run"
    assert "--out" in capsys.readouterr().err and not report.exists()
    # --out that becomes unwritable during the run (checked fine before it)
    monkeypatch.setattr("duckybio.cli.check.check_outputs", lambda *_: True)
    assert main(argv) == 1
    assert "cannot write" in capsys.readouterr().err
    assert json.loads(report.read_text())["conforms"] is False


# --- 7. no target process outlives the run -----------------------------------------------------

def _escaping_target(tmp_path: Path, marker: str) -> Path:
    """A wire target that starts a child in a session of its own, then serves."""
    script = tmp_path / "escaper.sh"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        setsid sh -c 'sleep 300; exit 0' {marker} </dev/null >/dev/null 2>&1 &
        exec {sys.executable} -m duckybio serve
        """))
    script.chmod(0o755)
    return script


def test_a_child_in_its_own_session_does_not_outlive_the_target(tmp_path: Path) -> None:
    marker = f"duckybio-escape-{os.getpid()}-1"
    with WireTarget([str(_escaping_target(tmp_path, marker))]) as target:
        target.machine(0x10000, 0x8400)
        deadline = time.monotonic() + 10
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with(marker), "the escaping child never started"
    assert processes_gone(marker), "a child in its own session outlived the target"


def test_sigterm_to_the_harness_ends_its_targets(tmp_path: Path) -> None:
    marker = f"duckybio-escape-{os.getpid()}-2"
    script = _escaping_target(tmp_path, marker)
    proc = subprocess.Popen([*DUCKYBIO, "check", "--target", str(script), "--examples", "100000",
                             "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143
    assert one_line_error(err) and "terminated" in err
    assert processes_gone(marker), "a target process outlived the harness"


# --- 8. storage files changed behind the device ----------------------------------------------

@pytest.fixture
def image(tmp_path: Path) -> Iterator[tuple[Machine, Path]]:
    path = tmp_path / "disk.img"
    path.write_bytes(bytes(range(256)) * 16)  # 4 blocks
    with Machine(0x10000) as machine:
        machine.attach(FileBackedStorage(1, path))
        yield machine, path


def _dma_write(machine: Machine, block: int) -> int:
    mem = machine.memory
    mem.write_u32(STATUS, Flag.SRST)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.SID, 1)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.BLOCK, block)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.COUNT, 1)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.ADDR, 0)
    mem.write_u32(STATUS, Flag.DMA | Flag.WRITE)
    return mem.read_u32(STATUS)


def test_a_shrunk_file_is_not_grown_back(image: tuple[Machine, Path]) -> None:
    machine, path = image
    os.truncate(path, 2 * BLOCK_SIZE)
    assert _dma_write(machine, 3) == Flag.ERR
    assert path.stat().st_size == 2 * BLOCK_SIZE
    assert _dma_write(machine, 1) == Flag.RDY


def test_a_deleted_file_fails_every_command(image: tuple[Machine, Path]) -> None:
    machine, path = image
    path.unlink()
    assert _dma_write(machine, 0) == Flag.ERR
    assert not path.exists()


# --- 9. unbounded input -------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_machine_reads_only_a_small_regular_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str) -> None:
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "config.fifo"
        os.mkfifo(path)
    assert main(["machine", str(path)]) == 2
    assert one_line_error(capsys.readouterr().err)


def test_an_oversized_ini_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.ini"
    path.write_text("[machine]\n" + "; padding\n" * 200_000)
    assert main(["machine", str(path)]) == 2
    assert "larger than" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_is_not_a_storage(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "s.fifo"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/null")
    with pytest.raises(StorageConfigError, match="not a regular file"):
        FileBackedStorage(1, path)


def test_the_server_bounds_a_line_and_goes_on() -> None:
    answers = served("version", "write 0 0x400 0x" + "00" * 0x400, "version", max_line=256)
    assert answers[0] == answers[2] == "OK duckybio-wire/1"
    assert answers[1] == "FAIL line longer than 256 characters"


def test_serve_refuses_durable_without_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--durable"]) == 2
    assert one_line_error(capsys.readouterr().err)


def test_serve_keeps_storages_in_files(tmp_path: Path) -> None:
    with resolve_target(f"{sys.executable} -m duckybio serve --storage-dir {tmp_path} "
                        "--durable").open() as target:
        target.machine(0x10000, 0x8400)
        target.storage(7, 2 * BLOCK_SIZE)
        target.storage_write(7, 0, b"\x01\x02")
        target.write(0x1000, b"\xAA" * BLOCK_SIZE)
        for offset, value in ((4, 7), (8, 1), (12, 1), (16, 0x1000), (0, 0x28)):
            target.writel(0x8400 + offset, value)
        assert target.readl(0x8400) == Flag.RDY
    assert (tmp_path / "7.img").read_bytes() == b"\x01\x02" + bytes(BLOCK_SIZE - 2) + (
        b"\xAA" * BLOCK_SIZE)


# --- fault injection: a target without it is checked without it, and the report says so -------

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
    """A factory for ``--target test_hardening:no_faults``."""
    return NoFaults()


def test_a_target_without_faults_is_checked_without_them(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--target", "test_hardening:no_faults", "--examples", "20", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "fault injection:      not supported by the target: fault rule skipped" in out
    assert main(["check", "--examples", "20", "--quiet"]) == 0
    assert "fault injection:      on (R-HOST-7)" in capsys.readouterr().out


def test_a_device_that_ignores_injected_faults_is_caught() -> None:
    class IgnoresFaults(ReferenceTarget):
        def fault(self, sid: int, op: str, count: int) -> None:
            super().fault(sid, op, 0)  # accepts the command, injects nothing

    config = CheckConfig(target=TargetSpec("ignores faults", IgnoresFaults), busy_bound=0,
                         examples=100, steps=30, seed=0, coverage=False)
    report = run_check(config)
    assert report.exit_code == 1 and report.faults
    assert any(step.command.startswith("fault ") for step in report.trace)
