"""The golden test vectors: current, complete, and passed by every conforming target.

The vectors are recorded from the model; these tests check that the committed
files are what the scenarios produce, that together they exercise every rule
observable over the wire, that the model, the reference implementation (in
process and over the wire) and the C example pass all of them at every
latency within the bound they are run with (a latency that varies per command
included), that each planted C mutant fails at least one, and that
``duckybio vectors`` reports and exits as documented.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cdevice import MUTANTS

from duckybio.cli import vectors as vectors_cmd
from duckybio.cli.vectors import DEVICE, PLUMBING
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._scenario import Session
from duckybio.kit._scenarios import Body, VectorScenario, scenario, scenarios
from duckybio.kit._target import Target
from duckybio.kit._vector_file import malformed
from duckybio.kit._wire_client import WireTarget
from duckybio.kit.errors import Mismatch, ScenarioError, TargetBroken, VectorError
from duckybio.kit.vectors import (
    DEFAULT_DIR,
    Vector,
    VectorStep,
    VectorTrace,
    exercised_ids,
    file_name,
    generate_all,
    load_all,
    record,
    run_vector,
    stale,
    steps_at,
    wire_observable_ids,
    write_all,
)
from duckybio.spec.regmap import Flag, Reg
from duckybio.spec.rules import ERRATA_IDS, RULES_BY_ID, UNOBSERVABLE
from duckybio.spec.wire import (
    AttachStorage,
    ClockStep,
    Command,
    PowerOn,
    RamRead,
    Readl,
    StorageRead,
    Writel,
)

VECTORS: list[Vector] = load_all(DEFAULT_DIR)
BY_NAME: dict[str, Vector] = {v.trace.name: v for v in VECTORS}
NAMES: list[str] = sorted(BY_NAME)
#: The latencies every vector is shown to pass at, each with the busy bound it is run with.
LATENCIES: list[int] = [0, 1, 2, 3, 5]


# --- the files -------------------------------------------------------------------

def test_committed_vectors_are_current() -> None:
    assert stale(DEFAULT_DIR) == []


def test_one_file_per_scenario_named_after_it() -> None:
    assert sorted(s.name for s in scenarios()) == NAMES
    for name in NAMES:
        assert Vector.load(DEFAULT_DIR / file_name(name)).trace.name == name


def test_every_wire_observable_rule_and_erratum_is_exercised() -> None:
    known = set(RULES_BY_ID) | set(ERRATA_IDS)
    exercised = exercised_ids(VECTORS)
    assert set(UNOBSERVABLE) <= known
    assert exercised <= known
    assert not exercised & set(UNOBSERVABLE)
    assert wire_observable_ids() == known - set(UNOBSERVABLE)
    missing = wire_observable_ids() - exercised
    assert not missing, f"no vector exercises {sorted(missing)}"


def test_busy_rules_have_vectors_that_see_busy() -> None:
    """Every BUSY rule is exercised by a vector whose polls or probes read BUSY."""
    busy_rules = {r for v in VECTORS if any(s.busy for s in v.trace.steps)
                  for r in v.trace.rules}
    assert {f"R-BSY-{n}" for n in range(1, 8)} <= busy_rules
    branches = {s.when for v in VECTORS for s in v.trace.steps}
    assert branches == {None, "busy", "idle"}


def test_implementation_defined_answers_are_not_pinned() -> None:
    for vector in VECTORS:
        for step in vector.trace.steps:
            assert step.busy is None or int(step.busy.split()[1], 16) & Flag.BUSY
            if step.command.startswith("clock_step") and not malformed(step):
                assert step.expect is None
            else:
                assert step.expect is not None
                assert not step.expect.startswith("FAIL ")


def test_regenerating_writes_the_same_files(tmp_path: Path) -> None:
    written = write_all(tmp_path)
    assert sorted(written) == sorted(file_name(n) for n in NAMES)
    assert stale(tmp_path) == []
    assert write_all(tmp_path) == []
    for name in written:
        assert (tmp_path / name).read_text() == (DEFAULT_DIR / name).read_text()


def test_stale_lists_changed_missing_and_obsolete_files(tmp_path: Path) -> None:
    write_all(tmp_path)
    first, second = NAMES[0], NAMES[1]
    changed = tmp_path / file_name(first)
    changed.write_text(changed.read_text().replace('"OK"', '"OK 0x1"', 1))
    (tmp_path / file_name(second)).unlink()
    shutil.copy(DEFAULT_DIR / file_name(first), tmp_path / "old-vector.json")
    (tmp_path / "notes.json").write_text("{}")
    assert stale(tmp_path) == sorted([file_name(first), file_name(second), "old-vector.json"])
    assert sorted(write_all(tmp_path)) == sorted(
        [file_name(first), file_name(second), "old-vector.json"])
    assert not (tmp_path / "old-vector.json").exists()
    assert (tmp_path / "notes.json").exists()
    assert stale(tmp_path) == []


# --- loading -----------------------------------------------------------------------

def _write_vector(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def _vector_data(steps: list[dict[str, object]]) -> dict[str, object]:
    return {"format": "duckybio-vector/2", "trace": {"name": "x", "steps": steps}}


_MACHINE: dict[str, object] = {"command": "machine 0x100 0x0"}


@pytest.mark.parametrize(("data", "message"), [
    ("not json", "malformed"),
    (_vector_data([{"command": "readl 0x8400", "expect": "OK 0x1"}]), "machine"),
    (_vector_data([_MACHINE, {"command": "poke 1"}]), "step 2"),
    (_vector_data([_MACHINE, {"command": "readl 0x0", "poll": True}]), "step 2 is a poll"),
    (_vector_data([_MACHINE, {"command": "read 0x0 0x4", "expect": "OK 0x1",
                              "busy": "OK 0x10"}]), "other than readl"),
    (_vector_data([_MACHINE, {"command": "readl 0x0", "expect": "OK 0x10",
                              "busy": "OK 0x10"}]), "other than FAIL and its busy"),
    (_vector_data([_MACHINE, {"command": "readl 0x0", "when": "busy"}]), "outside the branch"),
    (_vector_data([_MACHINE, {"command": "readl 0x0", "expect": "OK 0x1", "busy": "OK 0x10",
                              "poll": True}, {"command": "readl 0x4", "when": "idle"}]),
     "step 3 is marked 'when'"),
    (_vector_data([_MACHINE, {"command": "readl 0x0", "wait": 1}]), "wait"),
    (_vector_data([]), "at least one step"),
    ({**_vector_data([_MACHINE]), "format": "duckybio-vector/1"}, "format"),
    ({**_vector_data([_MACHINE]), "latency": 0}, "latency"),
])
def test_malformed_vectors_are_refused(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "bad.json"
    if isinstance(data, str):
        path.write_text(data)
    else:
        _write_vector(path, data)
    with pytest.raises(VectorError, match=message) as info:
        Vector.load(path)
    assert "\n" not in str(info.value)


def test_load_all_needs_vector_files(tmp_path: Path) -> None:
    with pytest.raises(VectorError, match="no vector files"):
        load_all(tmp_path)
    with pytest.raises(VectorError, match="does not exist"):
        load_all(tmp_path / "missing")


# --- recording -----------------------------------------------------------------------

def _sending(commands: list[Command], then: Body | None = None) -> Body:
    """A body that sends ``commands`` as they are, then runs ``then``."""
    def body(s: Session) -> None:
        for command in commands:
            s.send(command)
        if then is not None:
            then(s)
    return body


def _scenario(commands: list[Command], then: Body | None = None,
              busy: bool = False) -> VectorScenario:
    return VectorScenario("probe", "a probe", ("R-RD-1",), busy, _sending(commands, then))


BUSY_DMA_READ: list[Command] = [
    PowerOn(0x10000, 0x8400), AttachStorage(1, 0x1000), Writel(0x8404, 1), Writel(0x840C, 1),
    Writel(0x8410, 0x2000), Writel(0x8400, 0x24)]


def _probe_then_poll(s: Session) -> None:
    if s.in_flight(busy=0x10, done=0x1):
        s.refuse(RamRead(0x8400, 4))
        s.readl(0x8414, 0xFFFFFFFF)
    else:
        s.read(0x2000, 4)
    s.wait(0x1)
    s.tick(5)
    s.read(0x2000, 4)


def test_record_merges_the_plays_at_latency_0_and_1() -> None:
    vector = record(_scenario(BUSY_DMA_READ, then=_probe_then_poll))
    steps = vector.trace.steps[len(BUSY_DMA_READ):]
    assert [(s.command, s.expect, s.busy, s.poll, s.when) for s in steps] == [
        ("readl 0x8400", "OK 0x1", "OK 0x10", False, None),
        ("read 0x8400 0x4", "FAIL", None, False, "busy"),
        ("readl 0x8414", "OK 0xffffffff", None, False, "busy"),
        ("read 0x2000 0x4", "OK 0x00000000", None, False, "idle"),
        ("readl 0x8400", "OK 0x1", "OK 0x10", True, None),
        ("clock_step 0x5", None, None, False, None),
        ("read 0x2000 0x4", "OK 0x00000000", None, False, None)]


@pytest.mark.parametrize("peek", [RamRead(0x23FC, 8), Readl(0x2000), StorageRead(1, 0x3FC, 8),
                                  Writel(0x2100, 0)])
def test_record_refuses_to_look_at_unspecified_bytes(peek: Command) -> None:
    with pytest.raises(ScenarioError, match="unspecified"):
        record(_scenario([*BUSY_DMA_READ, peek]))

    def after_the_poll(s: Session) -> None:
        s.wait()
        s.send(peek)

    assert record(_scenario(BUSY_DMA_READ, then=after_the_poll))


def test_record_refuses_what_depends_on_the_latency() -> None:
    with pytest.raises(ScenarioError, match=r"step 7: readl 0x8400 answers OK 0x1 at latency 0 "
                                            r"and OK 0x10 at latency 1: take it in a branch"):
        record(_scenario([*BUSY_DMA_READ, Readl(0x8400)]))
    with pytest.raises(ScenarioError, match="a clock step outside a poll"):
        record(_scenario([*BUSY_DMA_READ, ClockStep()]))

    def late_latch(s: Session) -> None:
        s.writel(0x8408, 2)
        s.wait()

    with pytest.raises(ScenarioError, match="the state after this poll depends on the latency"):
        record(_scenario(BUSY_DMA_READ, then=late_latch))

    def probe_while_idle(s: Session) -> None:
        s.wait()
        s.in_flight()

    with pytest.raises(ScenarioError, match="no command in flight"):
        record(_scenario(BUSY_DMA_READ, then=probe_while_idle))


def _pins_status_err(s: Session) -> None:
    s.status(0x2)


def _reads_a_missing_storage(s: Session) -> None:
    s.sread(1, 0, 1)


def test_record_checks_pinned_answers_and_busy() -> None:
    with pytest.raises(ScenarioError, match=r"probe step 2: readl 0x8400 answers OK 0x1, "
                                            r"the scenario says OK 0x2 \(latency 0\)"):
        record(_scenario([PowerOn(0x10000, 0x8400)], then=_pins_status_err))
    with pytest.raises(ScenarioError, match="no command is ever in flight"):
        record(_scenario([PowerOn(0x10000, 0x8400), Readl(0x8400)], busy=True))
    with pytest.raises(ScenarioError, match="step 2: storage-read 0x1 0x0 0x1 answers FAIL"):
        record(_scenario([PowerOn(0x10000, 0x8400)], then=_reads_a_missing_storage))


def test_scenario_names_known_rules_only() -> None:
    with pytest.raises(ScenarioError, match="R-NOPE-1"):
        scenario("nope", "R-NOPE-1")
    with pytest.raises(ScenarioError):
        scenario("nothing")


# --- the scenario language -----------------------------------------------------------

def test_a_session_records_every_command_with_its_answer() -> None:
    s = Session(ModelTarget())
    s.setup()
    assert s.status(0x1) == 0x1
    s.refuse(RamRead(0x8400, 4))
    assert [type(e.command) for e in s.log] == [PowerOn, AttachStorage, AttachStorage, Readl,
                                                 RamRead]
    with pytest.raises(Mismatch, match="step 6: read 0x0 0x4 answers OK 0x00000000, the "
                                       "scenario says FAIL"):
        s.refuse(RamRead(0, 4))


def test_wait_enforces_the_declared_bound() -> None:
    s = Session(ModelTarget(latency=2), bound=1)
    s.setup()
    s.sid(1)
    s.go(0x4)
    with pytest.raises(Mismatch, match="not BUSY after 1 clock step"):
        s.wait()
    assert [e.command for e in s.log[-3:]] == [Readl(0x8400), ClockStep(), Readl(0x8400)]


def test_a_poll_and_a_probe_are_one_entry_each() -> None:
    """However many clock steps a poll takes, it is one entry; a probe opens a branch."""
    s = Session(ModelTarget(latency=3), bound=3)
    s.setup()
    s.sid(1)
    s.count(1)
    s.go(0x4)
    assert s.in_flight(busy=0x10)
    s.data(0xFFFFFFFF)
    with pytest.raises(ValueError, match="inside the branch"):
        s.in_flight()
    s.wait(0x1)
    kinds = [(e.kind, e.when) for e in s.entries[-4:]]
    assert kinds == [("plain", None), ("probe", None), ("plain", "busy"), ("poll", None)]
    assert s.entries[-1].busy is not None and s.branch is None
    assert len(s.log) == len(s.entries) + 6, "three clock steps and three more STATUS reads"


# --- targets -------------------------------------------------------------------------

def _passes(target: Target, vector: Vector, bound: int) -> None:
    assert run_vector(target, vector, bound) == []


@pytest.mark.parametrize("latency", LATENCIES)
@pytest.mark.parametrize("name", NAMES)
def test_the_model_passes(name: str, latency: int) -> None:
    _passes(ModelTarget(latency), BY_NAME[name], latency)


@pytest.mark.parametrize(("latency", "bound"), [(0, 0), (1, 1), (2, 2), (3, 3), (5, 5),
                                                (0, 20), (2, 20)])
def test_the_reference_implementation_passes(latency: int, bound: int) -> None:
    """At every latency, with the exact bound or a generous one."""
    failing = {}
    for vector in VECTORS:
        target = ReferenceTarget(latency=latency)
        try:
            failing[vector.trace.name] = run_vector(target, vector, bound)[:3]
        finally:
            target.close()
    assert {name: lines for name, lines in failing.items() if lines} == {}


class VaryingLatency(ReferenceTarget):
    """The reference implementation, each command with the next latency of a cycle."""

    def __init__(self, latencies: tuple[int, ...] = (0, 3, 1, 0, 2)) -> None:
        super().__init__()
        self._next = itertools.cycle(latencies)
        self._base = 0

    def machine(self, ram_size: int, mmio_base: int) -> None:
        super().machine(ram_size, mmio_base)
        self._base = mmio_base

    def writel(self, addr: int, value: int) -> None:
        bio = self.machine_obj.bio
        if addr == self._base + Reg.STATUS and value & (Flag.READ | Flag.WRITE)\
                and bio.command is None:
            bio.latency = next(self._next)
        super().writel(addr, value)


def test_a_device_whose_latency_varies_per_command_passes() -> None:
    failing = {}
    for vector in VECTORS:
        target = VaryingLatency()
        try:
            failing[vector.trace.name] = run_vector(target, vector, 3)[:3]
        finally:
            target.close()
    assert {name: lines for name, lines in failing.items() if lines} == {}


def test_a_latency_past_the_bound_fails_the_polls() -> None:
    """A device slower than the declared bound hangs a poll (R-BSY-1)."""
    target = ReferenceTarget(latency=3)
    try:
        problems = run_vector(target, BY_NAME["busy-data-read"], 2)
    finally:
        target.close()
    assert problems and "still OK 0x10 after 2 clock step(s), the declared bound (R-BSY-1)"\
        in problems[0]


def test_spelt_out_at_one_latency_a_vector_is_plain_steps() -> None:
    vector = BY_NAME["busy-data-read"]
    at_zero, at_two = steps_at(vector, 0), steps_at(vector, 2)
    assert not any(s.command == "clock_step" for s in at_zero)
    assert sum(s.command == "clock_step" for s in at_two) == 2 * sum(
        s.poll for s in vector.trace.steps if s.busy)
    assert len(at_two) > len(at_zero)


@pytest.fixture(scope="module")
def served() -> Iterator[Callable[[int], Target]]:
    """``duckybio serve --latency N`` processes, one per latency, shared by the tests."""
    started: dict[int, WireTarget] = {}

    def get(latency: int) -> Target:
        if latency not in started:
            started[latency] = WireTarget(
                [sys.executable, "-m", "duckybio", "serve", "--latency", str(latency)])
        return started[latency]

    yield get
    for target in started.values():
        target.close()


@pytest.mark.parametrize("latency", [0, 2])
@pytest.mark.parametrize("name", NAMES)
def test_duckybio_serve_passes(served: Callable[[int], Target], name: str, latency: int) -> None:
    _passes(served(latency), BY_NAME[name], latency)


def _c_argv(exe: Path, latency: int) -> list[str]:
    return [str(exe)] if latency == 0 else [str(exe), "--latency", str(latency)]


@pytest.mark.parametrize("latency", [0, 2])
def test_the_c_example_passes(c_device: Callable[[int], Path], latency: int) -> None:
    with WireTarget(_c_argv(c_device(0), latency)) as device:
        failures = {v.trace.name: run_vector(device, v, latency)[:3] for v in VECTORS}
    assert {name: lines for name, lines in failures.items() if lines} == {}
    assert len(failures) == len(VECTORS)


def _caught(exe: Path) -> bool:
    """Whether some vector fails (or breaks) the device at ``exe``, at latency 0 or 2."""
    for latency in (0, 2):
        try:
            with WireTarget(_c_argv(exe, latency), timeout=5.0) as device:
                if any(run_vector(device, v, latency) for v in VECTORS):
                    return True
        except TargetBroken:
            return True
    return False


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_every_c_mutant_fails_a_vector(c_device: Callable[[int], Path], mutant: int) -> None:
    assert _caught(c_device(mutant)), f"mutant {mutant} ({MUTANTS[mutant]}) passed every vector"


# --- the command ---------------------------------------------------------------------

def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="duckybio")
    vectors_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    return vectors_cmd.run(parser.parse_args(["vectors", *argv]))


def _copy(tmp_path: Path, names: list[str]) -> Path:
    directory = tmp_path / "vectors"
    directory.mkdir()
    for name in names:
        shutil.copy(DEFAULT_DIR / file_name(name), directory / file_name(name))
    return directory


SOME = ["write-sid-unknown", "command-dma-read", "busy-data-read"]


def test_cli_passes_on_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli() == 0
    out = capsys.readouterr().out
    assert all(f"PASS  {n}\n" in out for n in NAMES)
    assert f"(busy bound 0): {len(NAMES)} passed, 0 failed, 0 not applicable" in out


@pytest.mark.parametrize(("argv", "bound"), [(["--latency", "3"], 3),
                                             (["--latency", "1", "--busy-bound", "5"], 5)])
def test_cli_runs_every_vector_at_any_latency(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], bound: int) -> None:
    directory = _copy(tmp_path, SOME)
    assert _cli("--dir", str(directory), *argv) == 0
    out = capsys.readouterr().out
    assert "PASS  busy-data-read" in out and "PASS  write-sid-unknown" in out
    assert f"(busy bound {bound}): 3 passed, 0 failed, 0 not applicable" in out


def test_cli_fails_a_device_slower_than_the_bound(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _copy(tmp_path, SOME)
    assert _cli("--dir", str(directory), "--latency", "3", "--busy-bound", "2") == 1
    out = capsys.readouterr().out
    assert "FAIL  busy-data-read" in out and "the declared bound (R-BSY-1)" in out


def test_cli_over_the_wire_with_junit(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    directory = _copy(tmp_path, SOME)
    report = tmp_path / "out" / "vectors.xml"
    target = f"{sys.executable} -m duckybio serve"
    assert _cli("--dir", str(directory), "--target", target, "--junit-xml", str(report)) == 0
    cases = ET.parse(report).getroot().findall("./testsuite/testcase")
    assert sorted(c.get("name") or "" for c in cases) == sorted(SOME)
    assert all(not list(c) for c in cases)
    assert "3 passed" in capsys.readouterr().out


def test_cli_reports_a_corrupted_expectation(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    directory = _copy(tmp_path, SOME)
    path = directory / file_name("write-sid-unknown")
    vector = Vector.load(path)
    steps = list(vector.trace.steps)
    index = next(i for i, s in enumerate(steps) if s.expect == "OK 0x2")
    steps[index] = VectorStep(command=steps[index].command, expect="OK 0x3")
    corrupted = vector.model_copy(update={"trace": VectorTrace(
        name=vector.trace.name, description=vector.trace.description,
        rules=vector.trace.rules, steps=steps)})
    path.write_text(corrupted.to_json())
    report = tmp_path / "vectors.xml"
    assert _cli("--dir", str(directory), "--junit-xml", str(report)) == 1
    out = capsys.readouterr().out
    assert "FAIL  write-sid-unknown" in out
    assert f"step {index + 1}: {steps[index].command}: expected OK 0x3, got OK 0x2" in out
    assert "PASS  command-dma-read" in out
    assert "2 passed, 1 failed" in out
    failures = ET.parse(report).getroot().findall("./testsuite/testcase/failure")
    assert len(failures) == 1
    assert _cli("--dir", str(directory), "--check") == 1


def test_cli_names_the_file_and_the_first_differing_byte(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A differing byte string is reported by its first differing byte, not written out."""
    directory = _copy(tmp_path, SOME)
    path = directory / file_name("command-dma-read")
    vector = Vector.load(path)
    steps = list(vector.trace.steps)
    index = next(i for i, s in enumerate(steps) if s.command.startswith("storage-read"))
    expect = steps[index].expect
    assert expect is not None and expect.startswith("OK 0x")
    data = bytearray.fromhex(expect[5:])
    original = data[0x1C]
    data[0x1C] ^= 0xFF
    steps[index] = VectorStep(command=steps[index].command, expect="OK 0x" + data.hex())
    path.write_text(vector.model_copy(update={"trace": vector.trace.model_copy(
        update={"steps": steps})}).to_json())
    assert _cli("--dir", str(directory)) == 1
    out = capsys.readouterr().out
    assert f"      {path}: step {index + 1}: {steps[index].command}: storage 0x1 byte 0x1c: "\
           f"expected {original ^ 0xFF:#04x}, observed {original:#04x}; 1 of {len(data)} "\
           f"bytes differ in [0x0, {len(data):#x})\n" in out
    assert max(len(line) for line in out.splitlines()) < 200 + len(str(path))


def test_a_step_after_a_fault_probe_keeps_its_number() -> None:
    """The probe splits the replay; the lines still number the steps of the whole vector."""
    vector = BY_NAME["host-fault-injection"]
    steps = list(vector.trace.steps)
    last = len(steps) - 1
    assert not steps[last].command.startswith("fault")
    steps[last] = VectorStep(command=steps[last].command, expect="OK 0xbad")
    corrupted = vector.model_copy(update={"trace": vector.trace.model_copy(
        update={"steps": steps})})
    problems = run_vector(ModelTarget(), corrupted)
    assert [line.split(":")[0] for line in problems] == [f"step {last + 1}"]


def test_cli_refuses_a_malformed_vector(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    directory = _copy(tmp_path, SOME)
    (directory / "broken.json").write_text('{"format": "duckybio-vector/2"}')
    assert _cli("--dir", str(directory)) == 2
    err = capsys.readouterr().err
    assert "broken.json is malformed" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["--dir", "no-such-directory"],
                                  ["--target", "no_such_module_xyz:make"]])
def test_cli_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(*argv) == 2
    assert capsys.readouterr().err.startswith("duckybio: ")


def test_cli_target_that_breaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _copy(tmp_path, SOME)
    script = tmp_path / "dies.py"
    script.write_text("import sys\nsys.stdin.readline()\n"
                      "print('OK duckybio-wire/1', flush=True)\n"
                      "sys.stdin.readline()\nsys.exit(4)\n")
    target = f"{sys.executable} {script}"
    assert _cli("--dir", str(directory), "--target", target, "--timeout", "5") == 3
    out = capsys.readouterr().out
    assert "ERROR command-dma-read: target failed" in out
    assert "3 broke the target" in out and "not run" not in out, "restarted for each vector"
    assert _cli("--dir", str(directory), "--target", "false") == 3


def test_cli_keeps_going_after_a_vector_crashes_the_target(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A device that crashes on a DATA read past R (erratum E2) gets every other verdict."""
    assert _cli("--target", "errata_double:e2") == 3
    out = capsys.readouterr().out
    crashed = [line for line in out.splitlines() if line.startswith("ERROR ")]
    passed = [line for line in out.splitlines() if line.startswith("PASS ")]
    assert crashed and "IndexError" in crashed[0]
    assert len(passed) > 2 * len(crashed), "the vectors after a crash ran too"
    assert "not run" not in out
    device = next(line for line in out.splitlines() if line.strip().startswith(DEVICE))
    assert any(line.strip().startswith(PLUMBING) for line in out.splitlines())
    assert "broke the target" in device


def test_cli_gives_the_device_verdict_apart_from_host_plumbing(
        capsys: pytest.CaptureFixture[str]) -> None:
    """A bridge that maps MMIO base 0 elsewhere (E16) fails plumbing vectors only."""
    assert _cli("--target", "errata_double:e16") == 1
    out = capsys.readouterr().out
    device = next(line for line in out.splitlines() if line.strip().startswith(DEVICE))
    plumbing = next(line for line in out.splitlines() if line.strip().startswith(PLUMBING))
    assert device.strip().endswith(" 0 failed") and " 0 failed" not in plumbing


def test_cli_check_and_regenerate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("--check") == 0
    directory = tmp_path / "fresh"
    assert _cli("--dir", str(directory), "--check") == 1
    assert _cli("--dir", str(directory), "--regenerate") == 0
    assert _cli("--dir", str(directory), "--check") == 0
    assert sorted(p.name for p in directory.glob("*.json")) == sorted(
        file_name(n) for n in NAMES)
    assert "up to date" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        _cli("--check", "--regenerate")


def test_generate_all_matches_the_committed_files() -> None:
    generated = generate_all()
    assert sorted(generated) == NAMES
    assert all(generated[n].to_json() == (DEFAULT_DIR / file_name(n)).read_text()
               for n in NAMES)


def test_cli_fault_vectors_are_not_applicable_without_fault_support(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Fault injection is optional (R-HOST-7): a device that declines it still conforms."""
    report = tmp_path / "vectors.xml"
    assert _cli("--target", "target_factories:without_faults", "--junit-xml", str(report)) == 0
    out = capsys.readouterr().out
    na = [line for line in out.splitlines() if line.startswith("N/A   host-fault-injection")]
    assert na and "does not support" in na[0] and "R-HOST-7" in na[0]
    assert " 0 failed" in out
    skipped = [case for case in ET.parse(report).getroot().iter("testcase")
               if case.find("skipped") is not None]
    assert [case.get("name") for case in skipped] == ["host-fault-injection"]
