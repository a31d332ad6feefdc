"""The typed outcome of a model step: its fields, and its text as SPEC section 18 names it.

The model and the kit read an outcome's fields; only class names, reports
and the diagram render it, to the transition table's names
(``reset+dma+start-read+fail``), which the committed state diagram and
SPEC section 18 spell.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from duckybio.codegen import derive_edges
from duckybio.explore import ExploreInstance, ExploreResult, ExploreStorage, explore
from duckybio.kit import HarnessConfig, Policy, ReferenceTarget
from duckybio.kit._replay_lockstep import replay_lockstep
from duckybio.kit.errors import Mismatch
from duckybio.model import (
    OUTCOMES,
    Action,
    CommandEnd,
    EventKind,
    ModelConfig,
    Op,
    StepOutcome,
    StorageSpec,
    Tick,
    Write,
    power_on,
    run,
    step,
)
from duckybio.spec.regmap import GUEST_SETTABLE, Flag, Reg

ROOT = Path(__file__).resolve().parent.parent

#: Outcomes and their names in the transition table, written out.
NAMED = [
    (StepOutcome(Action.FLAGS), "flags"),
    (StepOutcome(Action.ZERO), "zero"),
    (StepOutcome(Action.IGNORED), "ignored"),
    (StepOutcome(Action.UNDERRUN), "underrun"),
    (StepOutcome(Action.WORD), "word"),
    (StepOutcome(Action.SELECT), "select"),
    (StepOutcome(Action.UNKNOWN), "unknown"),
    (StepOutcome(Action.LATCH), "latch"),
    (StepOutcome(Action.OVERRUN), "overrun"),
    (StepOutcome(Action.APPEND), "append"),
    (StepOutcome(Action.RESET_DEFERRED), "reset-deferred"),
    (StepOutcome(Action.WAIT), "wait"),
    (StepOutcome(), "none"),
    (StepOutcome(reset=True), "reset"),
    (StepOutcome(dma=True), "dma"),
    (StepOutcome(reset=True, dma=True), "reset+dma"),
    (StepOutcome(started=Op.READ), "start-read"),
    (StepOutcome(dma=True, started=Op.WRITE), "dma+start-write"),
    (StepOutcome(started=Op.WRITE, end=CommandEnd.OK), "start-write+ok"),
    (StepOutcome(reset=True, started=Op.READ, end=CommandEnd.FAIL), "reset+start-read+fail"),
    (
        StepOutcome(reset=True, dma=True, started=Op.READ, end=CommandEnd.FAIL),
        "reset+dma+start-read+fail",
    ),
    (StepOutcome(dma=True, started=Op.WRITE, end=CommandEnd.IO_ERROR), "dma+start-write+io-error"),
    (StepOutcome(end=CommandEnd.OK), "ok"),
    (StepOutcome(end=CommandEnd.FAIL), "fail"),
    (StepOutcome(end=CommandEnd.IO_ERROR), "io-error"),
]


@pytest.mark.parametrize(("outcome", "text"), NAMED, ids=[text for _, text in NAMED])
def test_an_outcome_renders_as_the_transition_table_names_it(
    outcome: StepOutcome, text: str
) -> None:
    assert outcome.text == str(outcome) == text
    assert StepOutcome.named(text) is outcome and OUTCOMES[text] is outcome


def test_every_outcome_is_one_value_with_its_own_text() -> None:
    texts = [o.text for o in OUTCOMES.values()]
    assert len(set(texts)) == len(texts) == len(OUTCOMES) == 51
    grammar = re.compile(
        r"(reset\+)?(dma\+)?start-(read|write)(\+(ok|fail|io-error))?"
        r"|reset(\+dma)?|dma|none|ok|fail|io-error|[a-z]+(-deferred)?"
    )
    for text, outcome in OUTCOMES.items():
        assert grammar.fullmatch(text), text
        assert (
            StepOutcome(
                outcome.action,
                reset=outcome.reset,
                dma=outcome.dma,
                started=outcome.started,
                end=outcome.end,
            )
            is outcome
        )
        assert pickle.loads(pickle.dumps(outcome)) is outcome
        assert copy.deepcopy(outcome) is outcome
    assert {a.value for a in Action} <= set(OUTCOMES)


def test_an_outcome_is_immutable_and_fields_that_do_not_go_together_are_refused() -> None:
    outcome = StepOutcome(started=Op.READ)
    with pytest.raises(AttributeError, match="immutable"):
        outcome.reset = True
    with pytest.raises(ValueError, match="no step has the outcome"):
        StepOutcome(Action.WAIT, reset=True)
    with pytest.raises(ValueError, match="no step has the outcome"):
        StepOutcome(reset=True, end=CommandEnd.OK)
    with pytest.raises(ValueError, match="'start-dma-read'"):
        StepOutcome.named("start-dma-read")


def test_the_committed_diagram_spells_every_outcome_of_its_edges() -> None:
    """codegen's edge list, against the diagram as committed: each edge's outcome is
    listed under its event kind in the state diagram's text."""
    mermaid = (ROOT / "spec" / "generated" / "state-diagram.mmd").read_text(encoding="utf-8")
    listed: set[tuple[str, str]] = set()
    for kind, names in re.findall(
        r"(?:^|<br>|: )([a-zA-Z ]+) / ([^<\n]+)", mermaid, flags=re.MULTILINE
    ):
        listed |= {(kind.strip(), name) for name in names.split(", ")}
    edges = derive_edges()
    assert {(e.kind.value, e.outcome.text) for e in edges} == listed
    assert {e.outcome.started for e in edges} == {None, Op.READ, Op.WRITE}


def test_the_outcome_names_in_spec_section_18_are_outcomes() -> None:
    spec = (ROOT / "spec" / "SPEC.md").read_text(encoding="utf-8")
    section = spec[spec.index("## 18.") :]
    kinds = {k.value for k in EventKind}
    named = [
        (kind, name)
        for kind, name in re.findall(r"`([a-zA-Z ]+)/([a-z+-]+)`", section)
        if kind in kinds
    ]
    assert ("write SID", "unknown") in named and ("read DATA", "underrun") in named
    for _, name in named:
        if not name.startswith("start-dma-"):  # a command's mode: a signature, not an outcome
            assert StepOutcome.named(name).text == name
    ends = re.findall(r"`\+([a-z-]+)`", section)
    assert ends == [e.value for e in CommandEnd]


CFG = ModelConfig(
    block_size=4, page_size=16, ram_size=64, mmio_base=32, storages=(StorageSpec(1, 8),), latency=0
)
READY = run(CFG, power_on(CFG), [Write(Reg.SID, 1), Write(Reg.COUNT, 1)])


def test_a_status_write_names_its_bits_in_order_and_the_end_of_its_command() -> None:
    """Every guest-settable value, from a state whose command would succeed: SRST
    deselects, so a command after it fails."""
    for latency in (0, 1):
        cfg = replace(CFG, latency=latency)
        for value in range(int(GUEST_SETTABLE) + 1):
            if value & ~GUEST_SETTABLE:
                continue
            _, out = step(cfg, READY, Write(Reg.STATUS, value))
            o = out.transition.outcome
            srst, dma = bool(value & Flag.SRST), bool(value & Flag.DMA)
            op = Op.READ if value & Flag.READ else Op.WRITE if value & Flag.WRITE else None
            end = None if op is None or latency else CommandEnd.FAIL if srst else CommandEnd.OK
            assert (o.action, o.reset, o.dma, o.started, o.end) == (None, srst, dma, op, end)
            names = [
                *["reset"] * srst,
                *["dma"] * dma,
                *([f"start-{op.value}"] if op is not None else []),
                *([end.value] if end is not None else []),
            ]
            assert o.text == ("+".join(names) or "none")


def test_a_failing_reset_dma_read_and_its_ends_later() -> None:
    bits = int(Flag.SRST | Flag.DMA | Flag.READ)
    _, out = step(CFG, READY, Write(Reg.STATUS, bits))
    o = out.transition.outcome
    assert (o.reset, o.dma, o.started, o.end, o.action) == (
        True,
        True,
        Op.READ,
        CommandEnd.FAIL,
        None,
    )
    assert o.text == "reset+dma+start-read+fail"
    cfg = replace(CFG, latency=2)
    busy = run(cfg, READY, [Write(Reg.STATUS, int(Flag.READ))])
    waited, out = step(cfg, busy, Tick())
    assert out.transition.outcome is StepOutcome(Action.WAIT)
    _, out = step(cfg, waited, Tick())
    assert out.transition.outcome.end is CommandEnd.OK and out.transition.outcome.text == "ok"


def test_an_exploration_round_trips_through_json_with_its_outcomes() -> None:
    result = explore(ExploreInstance(storages=(ExploreStorage(sid=1, size=4),), latencies=(1,)))
    data = json.loads(result.model_dump_json())
    assert ExploreResult.model_validate(data).classes == result.classes
    data["classes"][0]["outcome"] = "start-dma-read"
    with pytest.raises(ValidationError, match="no step has the outcome 'start-dma-read'"):
        ExploreResult.model_validate(data)


# --- the kit names a deviation from the fields (SPEC section 18) ---------------------------------

BASE = 0x2000
SETUP = [
    "machine 0x4000 0x2000",
    "storage 0x1 0x800",
    f"writel {BASE + Reg.SID:#x} 0x1",
    f"writel {BASE + Reg.COUNT:#x} 0x1",
]
#: The probe of fault injection, then an I/O error for the next READ of storage 1.
FAULT = ["fault 0x1 read 0x0", "fault 0x1 read 0x1"]


class FlipsAfter(ReferenceTarget):
    """The reference, but STATUS reads have ERR inverted once ``after`` MMIO writes and
    clock steps have happened."""

    def __init__(self, latency: int, after: int) -> None:
        super().__init__(latency=latency)
        self.after = after

    def writel(self, addr: int, value: int) -> None:
        super().writel(addr, value)
        if BASE <= addr < BASE + 0x100:
            self.after -= 1

    def clock_step(self, ns: int | None = None) -> int:
        self.after -= 1
        return super().clock_step(ns)

    def readl(self, addr: int) -> int:
        value = super().readl(addr)
        if addr == BASE + Reg.STATUS and self.after <= 0:
            value ^= Flag.ERR
        return value


@pytest.mark.parametrize(
    ("latency", "commands", "signature"),
    [
        (0, [f"writel {BASE:#x} {Flag.DMA | Flag.READ:#x}"], "write STATUS/start-dma-read+ok"),
        (
            0,
            [f"writel {BASE:#x} {Flag.SRST | Flag.DMA | Flag.WRITE:#x}"],
            "write STATUS/start-dma-write+fail",
        ),
        (
            0,
            [*FAULT, f"writel {BASE:#x} {Flag.SRST | Flag.READ:#x}"],
            "write STATUS/start-read+fail",
        ),
        (0, [*FAULT, f"writel {BASE:#x} {Flag.READ:#x}"], "write STATUS/start-read+io-error"),
        (2, [f"writel {BASE:#x} {Flag.WRITE:#x}"], "write STATUS/start-write"),
        (
            2,
            [f"writel {BASE:#x} {Flag.DMA:#x}", f"writel {BASE:#x} {Flag.READ:#x}", "clock_step"],
            "write STATUS/start-dma-read (in flight)",
        ),
        (
            2,
            [f"writel {BASE:#x} {Flag.READ:#x}", "clock_step", "clock_step"],
            "write STATUS/start-read+ok",
        ),
        (0, [f"writel {BASE:#x} {Flag.SRST | Flag.DMA:#x}"], "write STATUS/reset+dma"),
    ],
)
def test_a_deviation_is_named_by_the_command_the_outcome_started(
    latency: int, commands: list[str], signature: str
) -> None:
    """The divergent step is the last command: a command by its direction and mode
    (DMA set by the write or before), its end by the write that started it."""
    writes = sum(c.startswith("writel 0x20") or c == "clock_step" for c in [*SETUP, *commands])
    config = HarnessConfig(
        lambda: FlipsAfter(latency, writes),
        Policy(latency=latency, exact_latency=True, busy_bound=latency),
    )
    found = replay_lockstep(config, [*SETUP, *commands])
    assert isinstance(found.failure, Mismatch), found.failure
    assert found.failure.signature == f"{signature}: STATUS value"
