"""Exhaustive exploration: a clean model passes, seeded bugs come back minimal."""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from duckybio.cli import explore as explore_cmd
from duckybio.explore import BreadthFirst, ExploreInstance, ExploreResult, ExploreStorage, explore
from duckybio.explore._result import Violation
from duckybio.explore._trace import MmioStep
from duckybio.model import (
    CommandEnd,
    Complete,
    Event,
    EventKind,
    MachineState,
    ModelConfig,
    Output,
    Read,
    Tick,
    Write,
    data_free,
    kind_of,
    power_on,
    run,
    step,
)
from duckybio.spec.regmap import Flag, Reg

#: One storage of a single block: small enough to explore in about a second.
ONE_BLOCK = ExploreInstance(storages=(ExploreStorage(sid=1, size=4),), latencies=(0,))
#: The default geometry (a storage of two blocks), latency 0 only.
TWO_BLOCKS = ExploreInstance(latencies=(0,))


@pytest.fixture(scope="module")
def clean() -> ExploreResult:
    return explore(ONE_BLOCK.model_copy(update={"latencies": (0, 1)}))


def test_model_satisfies_every_invariant(clean: ExploreResult) -> None:
    assert clean.violations == []
    assert clean.complete
    assert [r.latency for r in clean.runs] == [0, 1]
    lat0, lat1 = clean.runs
    assert 100 < lat0.states < lat1.states < 100_000
    # latency 0 completes inside the STATUS write, latency 1 on a later tick
    assert lat0.classes < lat1.classes < len(clean.classes) <= lat0.classes + lat1.classes
    for r in clean.runs:
        # every reachable state was expanded with every event of the alphabet
        assert r.transitions == r.states * len(clean.instance.alphabet())
    assert clean.states == lat0.states + lat1.states


def test_witnesses_replay_to_their_class(clean: ExploreResult) -> None:
    assert set(clean.witnesses) == {str(t) for t in clean.classes}
    for name, witness in clean.witnesses.items():
        cfg = clean.instance.config(witness.latency)
        state = power_on(cfg)
        out = None
        for event in witness.events():
            state, out = step(cfg, state, event)
        assert out is not None and str(out.transition) == name


def test_alphabet_reaches_every_register_once_per_value() -> None:
    alphabet = ExploreInstance().alphabet()
    assert len(set(alphabet)) == len(alphabet)
    assert {kind_of(e) for e in alphabet} == set(EventKind)
    statuses = {e.value for e in alphabet if isinstance(e, Write) and e.offset == Reg.STATUS}
    assert len(statuses) == 16 and Flag.SRST in statuses and Flag.DMA | Flag.READ in statuses


def test_states_are_canonical_and_hashable() -> None:
    cfg = ONE_BLOCK.config(0)
    assert power_on(cfg) == power_on(cfg)
    a = run(cfg, power_on(cfg), [Write(Reg.SID, 1), Write(Reg.COUNT, 1)])
    b = run(cfg, power_on(cfg), [Write(Reg.COUNT, 1), Write(Reg.SID, 1), Read(Reg.STATUS)])
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != power_on(cfg)


def test_instance_rejects_bad_geometry() -> None:
    with pytest.raises(ValidationError, match="MMIO page"):
        ExploreInstance(mmio_page=2)
    with pytest.raises(ValidationError, match="multiple of 4"):
        ExploreInstance(block_size=6)
    with pytest.raises(ValidationError, match="distinct"):
        ExploreInstance(latencies=(1, 1))


def test_trace_steps_name_registers() -> None:
    assert str(MmioStep.of(Write(Reg.STATUS, Flag.DMA | Flag.READ))) == \
        "write STATUS 0x00000024 (READ|DMA)"
    assert str(MmioStep.of(Read(Reg.DATA))) == "read  DATA"
    assert str(MmioStep.of(Read(0x18))) == "read  0x18"
    assert str(MmioStep.of(Tick())) == "tick"
    for event in ExploreInstance().alphabet():
        assert MmioStep.of(event).event() == event


def test_breadth_first_records_shortest_paths() -> None:
    cfg = ONE_BLOCK.config(0)
    search = BreadthFirst(cfg, ONE_BLOCK.alphabet()).run(max_depth=3)
    assert not search.complete and search.depth == 3
    assert search.states == explore(ONE_BLOCK, max_depth=3).runs[0].states
    for state in search.parent:
        path = search.path(state)
        assert len(path) <= 3 and run(cfg, power_on(cfg), path) == state
    seen: list[tuple[MachineState, int]] = []
    BreadthFirst(cfg, ONE_BLOCK.alphabet()).run(
        max_depth=1, visit=lambda before, index, after, out: seen.append((before, index)))
    assert seen == [(power_on(cfg), i) for i in range(len(ONE_BLOCK.alphabet()))]


# --- seeded bugs ----------------------------------------------------------------

def _err_cleared_by_success(cfg: ModelConfig, s: MachineState,
                            e: Event) -> tuple[MachineState, Output]:
    nxt, out = step(cfg, s, e)
    if out.transition.outcome.end is CommandEnd.OK:
        nxt = nxt._replace(bio=nxt.bio._replace(flags=nxt.bio.flags & ~Flag.ERR))
    return nxt, out


def _rdy_with_busy(cfg: ModelConfig, s: MachineState, e: Event) -> tuple[MachineState, Output]:
    nxt, out = step(cfg, s, e)
    if nxt.bio.command is not None:
        nxt = nxt._replace(bio=nxt.bio._replace(flags=nxt.bio.flags | Flag.RDY))
    return nxt, out


def _mirror_first_block(cfg: ModelConfig, s: MachineState,
                        e: Event) -> tuple[MachineState, Output]:
    """Whenever a storage changes, its first block is also copied to its last."""
    nxt, out = step(cfg, s, e)
    if nxt.storages != s.storages:
        bs = cfg.block_size
        storages = tuple((sid, data[:-bs] + data[:bs]) for sid, data in nxt.storages)
        nxt = nxt._replace(storages=storages)
    return nxt, out


def _complete_raises(cfg: ModelConfig, s: MachineState,
                     e: Event) -> tuple[MachineState, Output]:
    if isinstance(e, Complete) and s.bio.command is not None:
        raise RuntimeError("forced completion while busy")
    return step(cfg, s, e)


def _only(result: ExploreResult, name: str) -> Violation:
    matching = [v for v in result.violations if v.name == name]
    assert len(matching) == 1, result.violations
    return matching[0]


def test_err_cleared_by_a_successful_command_is_found_with_a_shortest_trace() -> None:
    result = explore(ONE_BLOCK, step_fn=_err_cleared_by_success)
    v = _only(result, "err-sticky")
    # a failure to set ERR, a selection, a successful command: three events
    assert len(v.trace) == 3 and v.latency == 0
    assert v.trace[-1].op == "write" and v.trace[-1].offset == Reg.STATUS
    cfg = ONE_BLOCK.config(0)
    before = run(cfg, power_on(cfg), v.events()[:-1])
    after, _ = _err_cleared_by_success(cfg, before, v.events()[-1])
    assert before.bio.flags & Flag.ERR and not after.bio.flags & Flag.ERR
    # nothing shorter shows it
    assert explore(ONE_BLOCK, step_fn=_err_cleared_by_success, max_depth=2).violations == []


def test_rdy_together_with_busy_is_found_after_one_event() -> None:
    instance = ONE_BLOCK.model_copy(update={"latencies": (1,)})
    result = explore(instance, step_fn=_rdy_with_busy)
    v = _only(result, "rdy-busy-exclusive")
    assert len(v.trace) == 1 and v.latency == 1
    event = v.events()[0]
    assert isinstance(event, Write) and event.offset == Reg.STATUS
    assert event.value & (Flag.READ | Flag.WRITE)


def test_storage_write_outside_the_addressed_blocks_is_found() -> None:
    result = explore(TWO_BLOCKS, step_fn=_mirror_first_block, max_depth=4)
    v = _only(result, "data-only-by-command")
    assert "outside the addressed blocks" in v.message
    # select, COUNT 1, a non-zero DATA word, WRITE: nothing shorter puts data in block 0
    assert len(v.trace) == 4
    assert [s.offset for s in v.trace[:-1] if s.op == "write"].count(Reg.DATA) == 1
    assert explore(TWO_BLOCKS, step_fn=_mirror_first_block, max_depth=3).violations == []


def test_a_raising_step_is_reported_not_raised() -> None:
    instance = ONE_BLOCK.model_copy(update={"latencies": (1,)})
    result = explore(instance, step_fn=_complete_raises, max_depth=2)
    v = _only(result, "step-raises")
    assert "forced completion while busy" in v.message
    assert len(v.trace) == 2 and v.trace[-1].op == "complete"


def test_breadth_first_raises_what_the_step_raises_unless_told() -> None:
    cfg = ONE_BLOCK.config(1)
    with pytest.raises(RuntimeError, match="forced completion while busy"):
        BreadthFirst(cfg, ONE_BLOCK.alphabet(), _complete_raises).run(max_depth=2)


def test_a_command_that_never_completes_is_found() -> None:
    def never(cfg: ModelConfig, s: MachineState, e: Event) -> tuple[MachineState, Output]:
        return (s, step(cfg, s, e)[1]) if isinstance(e, Tick) else step(cfg, s, e)

    instance = ONE_BLOCK.model_copy(update={"latencies": (1,)})
    v = _only(explore(instance, step_fn=never, max_depth=1), "busy-completes-in-latency")
    assert len(v.trace) == 1 and "still BUSY after 1 tick" in v.message


def test_bounds_mark_the_run_incomplete() -> None:
    result = explore(ONE_BLOCK, max_states=50)
    assert not result.complete and result.runs[0].states == 50
    assert not explore(ONE_BLOCK, max_depth=1).complete


# --- the command ------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="duckybio")
    explore_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


SMALL_ARGS = ["explore", "--storages", "1:4", "--latency", "0", "--jobs", "1"]


def test_command_reports_counts_and_writes_json(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "report.json"
    args = _parser().parse_args([*SMALL_ARGS, "--json", str(out_file)])
    assert explore_cmd.run(args) == 0
    text = capsys.readouterr().out
    assert "latency 0:" in text and "states/s" in text and "no invariant violated" in text
    report = json.loads(out_file.read_text())
    assert report["states"] > 0 and report["violations"] == []
    assert ExploreResult.model_validate(report).states == report["states"]


@pytest.mark.parametrize("extra", [
    ["--storages", "1x"], ["--block-size", "6"], ["--latency", "a"], ["--mmio-page", "7"],
    ["--data-words", "1,2,3"], ["--max-states", "0"], ["--ram-pages", "1"], ["--jobs", "0"],
])
def test_command_rejects_bad_options_in_one_line(extra: list[str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert explore_cmd.run(_parser().parse_args([*SMALL_ARGS, *extra])) == 2
    err = capsys.readouterr().err
    assert err.startswith("duckybio explore: error: ") and err.count("\n") == 1


def test_command_prints_the_shortest_trace_on_a_violation(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(explore_cmd, "explore",
                        functools.partial(explore, step_fn=_err_cleared_by_success))
    assert explore_cmd.run(_parser().parse_args(SMALL_ARGS)) == 1
    text = capsys.readouterr().out
    assert "VIOLATION err-sticky (latency 0)" in text
    assert "shortest trace from power-on (3 events):" in text
    assert "  write SID 0x00000001" in text


def _unmemoized(cfg: ModelConfig, state: MachineState,
                event: Event) -> tuple[MachineState, Output]:
    """The model's step under another name: the explorer then memoizes nothing."""
    return step(cfg, state, event)


def test_memoized_steps_explore_exactly_what_plain_steps_explore(clean: ExploreResult) -> None:
    """A step memoized on (controller, event) only where it depends on the controller alone
    (``data_free``): the same states, transitions, classes, witnesses and verdicts."""
    instance = ONE_BLOCK.model_copy(update={"latencies": (0, 1)})
    plain = explore(instance, step_fn=_unmemoized)
    assert clean.model_dump(exclude={"seconds"}) == plain.model_dump(exclude={"seconds"})
    for latency in instance.latencies:
        cfg = instance.config(latency)
        search = BreadthFirst(cfg, instance.alphabet()).run()
        for state in search.parent:
            for event in instance.alphabet():
                if data_free(cfg, state.bio, event):
                    nxt, _out = step(cfg, state, event)
                    assert (nxt.ram, nxt.storages, nxt.faults) == (
                        state.ram, state.storages, state.faults), (state, event)
