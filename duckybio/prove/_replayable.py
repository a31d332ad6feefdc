"""Counterexamples as traces: a search from power-on, then the wire commands of the path.

:func:`find_path` searches breadth-first, from power-on of the
counterexample's machine, with an alphabet built from the counterexample's
own values (its latches, its command's, the written value), for a shortest
path whose last step breaks the same property under the same step function.
:func:`trace_of_path` writes that path as a :class:`~duckybio.kit.trace.Trace`:
the machine and its storages, one ``writel``/``readl``/``clock_step`` per
event with the answers the stepped model gives, then a STATUS read and reads
of every storage and of RAM, so that ``duckybio replay`` shows where another
device (or the model as specified) answers differently.
"""

from __future__ import annotations

from typing import Final

from ..explore import BreadthFirst, StepFn
from ..kit.trace import Step, Trace
from ..model import (
    Event,
    EventKind,
    MachineState,
    ModelConfig,
    Output,
    Read,
    Tick,
    Write,
    kind_of,
    power_on,
)
from ..spec.regmap import Reg
from ..spec.wire import (
    AttachStorage,
    PowerOn,
    RamRead,
    Readl,
    StorageRead,
    Writel,
    format_answer,
    format_command,
    ok_bytes,
    ok_number,
)
from ._conformance import ANSWERED, Finding, broken, compare
from ._encoding import SETTABLE

#: The most states a search for a counterexample's trace keeps.
MAX_STATES: Final = 60_000
#: The longest path it looks for.
MAX_DEPTH: Final = 10


class _Found(Exception):
    """Ends the search: the transition that breaks the property."""

    def __init__(self, state: MachineState, index: int) -> None:
        super().__init__()
        self.state, self.index = state, index


def alphabet(finding: Finding) -> tuple[Event, ...]:
    """Events touching every register with the counterexample's values; no forced completion."""
    bio, cfg = finding.state.bio, finding.cfg
    c = bio.command
    sids = [s.sid for s in cfg.storages]
    unknown = next(i for i in range(len(sids) + 1) if i not in sids)
    blocks = {0, bio.block} | ({c.block} if c else set())
    counts = {0, 1, bio.count} | ({c.count} if c else set())
    addrs = {0, bio.addr} | ({c.addr} if c else set())
    events: list[Event] = [Read(Reg.STATUS), Read(Reg.DATA), Tick()]
    events += [Write(Reg.SID, sid) for sid in [*sids, unknown]]
    events += [Write(Reg.BLOCK, b) for b in sorted(blocks)]
    events += [Write(Reg.COUNT, n) for n in sorted(counts)]
    events += [Write(Reg.ADDR, a) for a in sorted(addrs)]
    events += [Write(Reg.DATA, 0xA5A5A5A5)]
    events += [Write(Reg.STATUS, v) for v in range(0, SETTABLE + 1, 4) if v & ~SETTABLE == 0]
    if kind_of(finding.event) is not EventKind.COMPLETE:
        events.append(finding.event)
    return tuple(dict.fromkeys(events))


def find_path(
    finding: Finding, step_fn: StepFn, *, max_states: int = MAX_STATES, max_depth: int = MAX_DEPTH
) -> list[Event] | None:
    """A shortest path from power-on whose last step breaks ``finding.name`` (or ``None``)."""
    cfg = finding.cfg
    search = BreadthFirst(cfg, alphabet(finding), step_fn)
    events = search.alphabet
    kind = kind_of(finding.event)
    name = finding.name

    def goal(state: MachineState, index: int, nxt: MachineState, out: Output) -> None:
        event = events[index]
        if kind_of(event) is not kind:
            verdict = broken(cfg, state, event, nxt, out, step_fn)
            if verdict is not None and verdict[0] == name:
                raise _Found(state, index)
            return
        found = compare(cfg, state, event, step_fn)
        if found is not None and found.name == name:
            raise _Found(state, index)

    def raised(state: MachineState, index: int, exc: Exception) -> None:
        if name == ANSWERED:
            raise _Found(state, index)

    try:
        search.run(max_states=max_states, max_depth=max_depth, visit=goal, fail=raised)
    except _Found as hit:
        return [*search.path(hit.state), events[hit.index]]
    return None


def _ram_spans(cfg: ModelConfig) -> list[tuple[int, int]]:
    """The RAM of ``cfg`` as (start, length) spans around the MMIO page."""
    lo, hi = cfg.mmio_base, cfg.mmio_base + cfg.page_size
    spans = [(0, min(lo, cfg.ram_size)), (hi, cfg.ram_size - hi)]
    return [(a, n) for a, n in spans if n > 0]


def _flags(cfg: ModelConfig, state: MachineState, step_fn: StepFn) -> int:
    """What a STATUS read answers: the flags (R-RD-1), also where the stepped model raises."""
    try:
        _, out = step_fn(cfg, state, Read(Reg.STATUS))
    except Exception:
        return int(state.bio.flags)
    return int(out.value if out.value is not None else state.bio.flags)


def trace_of_path(
    cfg: ModelConfig,
    path: list[Event],
    step_fn: StepFn,
    name: str,
    description: str,
    rules: list[str],
) -> Trace:
    """The wire trace of ``path`` with the answers ``step_fn`` gives, then observations."""
    steps = [Step(command=format_command(PowerOn(cfg.ram_size, cfg.mmio_base)), expect="OK")]
    steps += [
        Step(command=format_command(AttachStorage(s.sid, s.size)), expect="OK")
        for s in cfg.storages
    ]
    state = power_on(cfg)
    for event in path:
        state, out = step_fn(cfg, state, event)
        if isinstance(event, Tick):
            steps.append(Step(command="clock_step"))
        elif isinstance(event, Read):
            assert out.value is not None
            steps.append(
                Step(
                    command=format_command(Readl(cfg.mmio_base + event.offset)),
                    expect=format_answer(ok_number(out.value)),
                )
            )
        else:
            assert isinstance(event, Write)
            steps.append(
                Step(
                    command=format_command(Writel(cfg.mmio_base + event.offset, event.value)),
                    expect="OK",
                )
            )
    status = format_command(Readl(cfg.mmio_base + Reg.STATUS))
    steps.append(Step(command=status, expect=format_answer(ok_number(_flags(cfg, state, step_fn)))))
    for _tick in range(max(cfg.latency, 1)):  # long enough for a command to complete
        try:
            state, _ = step_fn(cfg, state, Tick())
        except Exception:
            break  # the stepped model cannot go on (flags it has no phase for)
        steps.append(Step(command="clock_step"))
    steps.append(Step(command=status, expect=format_answer(ok_number(_flags(cfg, state, step_fn)))))
    for sid, data in state.storages:
        if data:
            steps.append(
                Step(
                    command=format_command(StorageRead(sid, 0, len(data))),
                    expect=format_answer(ok_bytes(data)),
                )
            )
    for start, length in _ram_spans(cfg):
        steps.append(
            Step(
                command=format_command(RamRead(start, length)),
                expect=format_answer(ok_bytes(state.ram[start : start + length])),
            )
        )
    return Trace(name=name, description=description, rules=rules, steps=steps)
