"""``duckybio prove``: the proof, the model against the encoding, refuted mutants as traces.

The encoding is checked against ``model.step`` on 10**5 random steps with
edge values; each planted mutant of ``model/_transitions.py`` must be refuted
with a counterexample on the property it breaks, whose trace replays: it
matches the mutant model and differs from the reference implementation.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from duckybio.cli.main import main
from duckybio.explore import DEFAULT_INVARIANTS
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._replay import replay
from duckybio.kit.trace import Trace
from duckybio.model import (
    Action,
    Command,
    CommandEnd,
    EventKind,
    MachineState,
    ModelConfig,
    StepOutcome,
    step,
)
from duckybio.model import _transitions as tr
from duckybio.model._events import Event
from duckybio.prove import Counterexample, prove
from duckybio.prove import _encoding as enc
from duckybio.prove._conformance import MISMATCH, compare
from duckybio.prove._inductive import prove_all
from duckybio.prove._ops import CONCRETE, Ops
from duckybio.prove._sampling import random_cases
from duckybio.prove._witness import witnesses
from duckybio.spec.regmap import U32_MASK

DIFFERENTIAL_STEPS = 100_000


def test_every_property_is_proved_for_every_parameter_value() -> None:
    results = {r.name: r for r in prove_all()}
    assert all(r.status == "proved" for r in results.values()), [
        r.counterexample for r in results.values() if r.counterexample
    ]
    for inv in DEFAULT_INVARIANTS:
        assert inv.name in results, inv.name
    rules = {rule for r in results.values() for rule in r.rules}
    assert {"R-INV-1", "R-INV-2", "R-INV-3", "R-INV-4", "E8"} <= rules
    assert sum(1 for name in results if name.startswith("AUX-")) == 7


def test_an_encoding_whose_bounds_wrap_in_32_bits_is_refuted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """E8: u32 arithmetic in the bounds check lets a command write past its storage."""

    def wrapped(ops: Ops, env: enc.Env, s: enc.Ctl) -> object:
        bs = env.block_size
        return ops.all(
            s.c_has_sid,
            env.attached(s.c_sid),
            ((s.c_block + s.c_count) % 2**32) * bs <= env.size(s.c_sid),
        )

    monkeypatch.setattr(enc, "command_ok", wrapped)
    results = {r.name: r for r in prove_all()}
    frame = results["data-only-by-command"]
    assert frame.status == "counterexample" and frame.counterexample is not None
    # Whatever state the solver chose: replayed on the wrapping encoding, its step moves
    # bytes of a storage past the storage's end.
    effect, size = _replayed_effect(frame.counterexample)
    assert effect.to_ram or effect.to_storage, effect
    assert effect.offset + effect.length > size, (effect, size)


def _replayed_effect(example: Counterexample) -> tuple[enc.Effect, int]:
    """The data effect of a counterexample's step, taken concretely (no pending faults),
    and the size of the storage it addresses."""
    geometry = example.geometry
    storages = geometry["storages"]
    assert isinstance(storages, list)
    sizes = {sid: size for sid, size in storages}
    numbers = [geometry[k] for k in ("block_size", "page_size", "ram_size", "mmio_base", "latency")]
    bs, ps, ram, mmio, latency = (n for n in numbers if isinstance(n, int))
    env = enc.Env(
        bs,
        ps,
        ram,
        mmio,
        latency,
        attached=lambda sid: sid in sizes,
        size=lambda sid: sizes.get(sid, 0),
        pending=lambda sid, is_read: 0,
    )
    name, _, value = example.event.rpartition(" ")
    kind = EventKind(name)
    case = enc.taken(enc.cases(CONCRETE, env, enc.Ctl(**example.state), kind, int(value, 16)))
    return case.effect, sizes.get(int(case.effect.sid), 0)


def test_the_encoding_matches_the_model_on_random_steps_at_the_edges() -> None:
    outcomes: Counter[str] = Counter()
    edges = 0
    for cfg, state, event in random_cases(random.Random(18), DIFFERENTIAL_STEPS):
        found = compare(cfg, state, event, step)
        assert found is None, (found.message, cfg, state.bio, event)
        _, out = step(cfg, state, event)
        outcomes[f"{out.transition.kind.value}: {out.transition.outcome}"] += 1
        bio = state.bio
        edges += U32_MASK in (bio.block, bio.count, bio.addr) or cfg.mmio_base > U32_MASK // 2
    assert sum(outcomes.values()) == DIFFERENTIAL_STEPS
    assert len(outcomes) >= 40, sorted(outcomes)
    assert edges > DIFFERENTIAL_STEPS // 10


@pytest.fixture(scope="module")
def witness_steps() -> list[tuple[ModelConfig, MachineState, Event]]:
    return list(witnesses())


def test_the_witnesses_cover_every_case_of_the_model(
    witness_steps: list[tuple[ModelConfig, MachineState, Event]],
) -> None:
    classes = set()
    for cfg, state, event in witness_steps:
        assert compare(cfg, state, event, step) is None
        classes.add(step(cfg, state, event)[1].transition)
    kinds = {t.kind for t in classes}
    assert kinds == set(EventKind)
    outcomes = {t.outcome.text for t in classes}
    assert {
        "io-error",
        "reset+dma+start-write+fail",
        "dma+start-write+ok",
        "overrun",
        "underrun",
        "wait",
    } <= outcomes


# --- planted mutants of model/_transitions.py ------------------------------------------------

Patch = Callable[[pytest.MonkeyPatch], None]


def _wrap_complete(
    change: Callable[[MachineState, MachineState, CommandEnd], MachineState],
) -> Patch:
    original = tr._complete

    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        def mutant(cfg: ModelConfig, s: MachineState) -> tuple[MachineState, CommandEnd]:
            nxt, end = original(cfg, s)
            return change(s, nxt, end), end

        monkeypatch.setattr(tr, "_complete", mutant)

    return patch


def _bio(s: MachineState, **changes: Any) -> MachineState:
    return s._replace(bio=s.bio._replace(**changes))


def _success_keeps_busy(before: MachineState, s: MachineState, end: CommandEnd) -> MachineState:
    return _bio(s, flags=s.bio.flags | tr.BUSY) if end is CommandEnd.OK else s


def _success_clears_err(before: MachineState, s: MachineState, end: CommandEnd) -> MachineState:
    return _bio(s, flags=tr.RDY) if end is CommandEnd.OK else s


def _no_overrun_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def mutant(cfg: ModelConfig, s: MachineState, e: Event) -> tr.Result:
        wbuf = s.bio.wbuf + tr._value(e).to_bytes(4, "little")
        return _bio(s, wbuf=wbuf), None, StepOutcome(Action.APPEND)

    monkeypatch.setitem(tr._IDLE_TABLE, EventKind.WRITE_DATA, mutant)


def _wrapping_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    def mutant(cfg: ModelConfig, s: MachineState, c: Command) -> bool:
        storage = s.storage(c.sid)
        if storage is None:
            return False
        if ((c.block + c.count) & U32_MASK) * cfg.block_size > len(storage):
            return False
        return not c.dma or cfg.is_ram_range(c.addr, c.count * cfg.block_size)

    monkeypatch.setattr(tr, "_command_ok", mutant)


def _deferred_srst_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    original = tr._complete

    def mutant(cfg: ModelConfig, s: MachineState) -> tuple[MachineState, CommandEnd]:
        return original(cfg, _bio(s, reset_pending=False))

    monkeypatch.setattr(tr, "_complete", mutant)


def _tick_stuck(monkeypatch: pytest.MonkeyPatch) -> None:
    def mutant(cfg: ModelConfig, s: MachineState, e: Event) -> tr.Result:
        return s, None, StepOutcome(Action.WAIT)

    monkeypatch.setitem(tr._BUSY_TABLE, EventKind.TICK, mutant)


MUTANTS: dict[str, tuple[Patch, str]] = {
    "success-keeps-busy": (_wrap_complete(_success_keeps_busy), "rdy-busy-exclusive"),
    "success-clears-err": (_wrap_complete(_success_clears_err), "err-sticky"),
    "no-overrun-check": (_no_overrun_check, "staging-within-count"),
    "wrapping-bounds": (_wrapping_bounds, "data-only-by-command"),
    "deferred-srst-dropped": (_deferred_srst_dropped, "srst-resets"),
    "tick-stuck": (_tick_stuck, "busy-completes-in-latency"),
}


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_a_planted_mutant_is_refuted_with_a_replayable_trace(
    mutant: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    witness_steps: list[tuple[ModelConfig, MachineState, Event]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    plant, broken = MUTANTS[mutant]
    plant(monkeypatch)
    result = prove(samples=500, trace_dir=tmp_path, witness_steps=witness_steps)
    verdicts = {r.name: r for r in result.invariants}
    assert not result.ok
    refuted = verdicts[broken]
    assert refuted.status == "counterexample", {n: r.status for n, r in verdicts.items()}
    example = refuted.counterexample
    assert example is not None and example.trace is not None
    trace = Trace.load(Path(example.trace))
    latency = example.geometry["latency"]
    assert isinstance(latency, int)
    # The trace is what the mutant does: it replays on the mutant model without a mismatch
    # (where RDY and BUSY are both set the model itself can take no further step)...
    if broken == "rdy-busy-exclusive":
        with pytest.raises(ValueError, match="violate the invariants"):
            replay(ModelTarget(latency=latency), trace.steps, latency=latency)
    else:
        assert replay(ModelTarget(latency=latency), trace.steps, latency=latency).problems == []
    # ...and the reference implementation, which keeps the invariant, answers differently.
    assert replay(ReferenceTarget(latency=latency), trace.steps).problems
    monkeypatch.undo()
    assert main(["replay", str(example.trace), "--latency", str(latency)]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_the_unmutated_model_has_no_counterexample_on_the_witnesses(
    witness_steps: list[tuple[ModelConfig, MachineState, Event]], tmp_path: Path
) -> None:
    result = prove(samples=500, trace_dir=tmp_path, witness_steps=witness_steps)
    assert result.ok and not list(tmp_path.iterdir())
    assert (
        next(r for r in result.invariants if r.name == MISMATCH).queries == len(witness_steps) + 500
    )


def test_prove_runs_from_the_command_line_with_json(tmp_path: Path) -> None:
    """The whole of ``duckybio prove``, as CI runs it."""
    out = tmp_path / "prove.json"
    assert main(["prove", "--samples", "2000", "--json", str(out), "--out", str(tmp_path)]) == 0
    data = json.loads(out.read_text())
    names = [p["name"] for p in data["invariants"]]
    assert {inv.name for inv in DEFAULT_INVARIANTS} <= set(names)
    for p in data["invariants"]:
        expected = "checked" if p["name"] == "model-matches-encoding" else "proved"
        assert p["status"] == expected and p["seconds"] >= 0
    assert data["witnesses"] > 500 and data["samples"] == 2000
