"""Breadth-first exhaustive exploration of a small instance of the model.

An :class:`ExploreInstance` fixes a tiny machine and a finite *event
alphabet* that touches every register with the values that matter: every
combination of the guest-settable STATUS bits; each storage id and an unknown
one; BLOCK 0 and the last block of the first storage (so that COUNT 2 runs past
its end); COUNT 0, 1 and 2; ADDR 0, one block below the MMIO page and past the
end of RAM (a DMA range from 0 of two blocks overlaps the MMIO page in the
default geometry); DATA writes of the instance's data words; a reserved
register; a clock tick and a forced completion.

The default instance has 4-byte blocks and 4-byte pages: RAM is one page at
address 0 followed by the MMIO page, and one storage (id 1) holds two blocks.
That is the smallest machine where data flows W -> storage -> R -> RAM, a DMA
range can be RAM, overlap the MMIO page or lie past RAM, and a command can hit
one block of a storage while leaving the other alone.  The state space grows
fast with every extra value (registers are independent of each other and of
the data), so richer instances are available through the parameters.

:func:`explore` applies every event of the alphabet to every state reachable
from power-on and checks the protocol's invariants in every state and across
every transition.  The search is breadth-first, so the trace reported for a
violation is a shortest one from power-on.  The state space is finite:
registers only take alphabet values and the buffers are bounded by
COUNT x block size.  (A COUNT of 2**32-1 would let W grow without bound; a
command past the end of the storage is reached with COUNT 2 from the last
block instead.)
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from ..model import (
    RESET_BIO,
    Complete,
    Event,
    MachineState,
    ModelConfig,
    Op,
    Output,
    Read,
    StorageSpec,
    Tick,
    Transition,
    Write,
    power_on,
    step,
)
from ..spec.regmap import (
    GUEST_SETTABLE,
    RESERVED_START,
    U32_MASK,
    WORD_SIZE,
    Flag,
    Reg,
    register_by_offset,
)

StepFn = Callable[[ModelConfig, MachineState, Event], tuple[MachineState, Output]]

RDY: Final = int(Flag.RDY)
ERR: Final = int(Flag.ERR)
BUSY: Final = int(Flag.BUSY)
_READABLE: Final = RDY | ERR | BUSY

#: Largest number of states explored per latency unless told otherwise.
DEFAULT_MAX_STATES: Final = 2_000_000


# --- the instance -------------------------------------------------------------

class ExploreStorage(BaseModel):
    """A storage of the explored instance: its id and its size in bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sid: int = Field(ge=0, le=U32_MASK)
    size: int = Field(ge=0)


class ExploreInstance(BaseModel):
    """A small machine and the parameters of its exploration.

    RAM is ``ram_pages`` pages of ``page_size`` bytes at address 0, and the
    MMIO page is page number ``mmio_page`` of them.  Every storage starts
    zero-filled; data enters through DATA writes of the ``data_words`` (one
    or two).  Each latency in ``latencies`` is explored separately.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    block_size: int = Field(default=4, gt=0)
    page_size: int = Field(default=4, gt=0)
    ram_pages: int = Field(default=2, ge=2)
    mmio_page: int = Field(default=1, ge=0)
    storages: tuple[ExploreStorage, ...] = (ExploreStorage(sid=1, size=8),)
    latencies: tuple[int, ...] = (0, 1)
    data_words: tuple[int, ...] = (0xA5A5A5A5,)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.mmio_page >= self.ram_pages:
            raise ValueError(f"MMIO page {self.mmio_page} is not one of the "
                             f"{self.ram_pages} RAM pages")
        if not self.latencies:
            raise ValueError("at least one latency is needed")
        if not 1 <= len(self.data_words) <= 2:
            raise ValueError("one or two data words are needed")
        if len(set(self.latencies)) != len(self.latencies):
            raise ValueError(f"latencies must be distinct: {list(self.latencies)}")
        for word in self.data_words:
            if not 0 <= word <= U32_MASK:
                raise ValueError(f"data word {word:#x} is not a u32")
        for latency in self.latencies:
            self.config(latency)  # ModelConfig checks sizes, ids, latency
        return self

    @property
    def ram_size(self) -> int:
        return self.ram_pages * self.page_size

    @property
    def mmio_base(self) -> int:
        return self.mmio_page * self.page_size

    def config(self, latency: int) -> ModelConfig:
        """The model configuration of this instance at ``latency``."""
        return ModelConfig(
            block_size=self.block_size, page_size=self.page_size, ram_size=self.ram_size,
            mmio_base=self.mmio_base,
            storages=tuple(StorageSpec(s.sid, s.size) for s in self.storages),
            latency=latency)

    def alphabet(self) -> tuple[Event, ...]:
        """The events applied to every state, in a fixed order, without duplicates.

        Values are chosen relative to the geometry ("the last block of the
        first storage", "one block below the MMIO page"...), so that two
        instances with the same shape in blocks have alphabets that correspond
        event by event, whatever their block size.
        """
        bs = self.block_size
        sids = [s.sid for s in self.storages]
        last_block = max(self.storages[0].size // bs - 1, 0) if self.storages else 0
        unknown = next(i for i in range(len(sids) + 1) if i not in sids)
        events: list[Event] = [Read(Reg.STATUS), Read(Reg.DATA), Read(RESERVED_START)]
        events += [Write(Reg.STATUS, v) for v in _settable_values()]
        events += [Write(Reg.SID, sid) for sid in sids] + [Write(Reg.SID, unknown)]
        events += [Write(Reg.BLOCK, b) for b in (0, last_block)]
        events += [Write(Reg.COUNT, c) for c in (0, 1, 2)]
        below_mmio = max(self.mmio_base - bs, 0)
        events += [Write(Reg.ADDR, a) for a in (0, below_mmio, U32_MASK & -WORD_SIZE)]
        events += [Write(Reg.DATA, w) for w in self.data_words]
        events += [Write(RESERVED_START, U32_MASK), Tick(), Complete()]
        return tuple(dict.fromkeys(events))


def _settable_values() -> list[int]:
    """Every combination of the guest-settable STATUS bits, 0 first."""
    bits = [int(f) for f in Flag if f & GUEST_SETTABLE]
    values = [0]
    for bit in bits:
        values += [v | bit for v in values]
    return sorted(values)


# --- traces -------------------------------------------------------------------

class MmioStep(BaseModel):
    """One event of a trace, in a form that crosses process boundaries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Literal["read", "write", "tick", "complete"]
    offset: int | None = None
    value: int | None = None

    @classmethod
    def of(cls, event: Event) -> MmioStep:
        if isinstance(event, Read):
            return cls(op="read", offset=event.offset)
        if isinstance(event, Write):
            return cls(op="write", offset=event.offset, value=event.value)
        return cls(op="tick") if isinstance(event, Tick) else cls(op="complete")

    def event(self) -> Event:
        """The model event this step stands for."""
        if self.op == "read":
            return Read(self.offset or 0)
        if self.op == "write":
            return Write(self.offset or 0, self.value or 0)
        return Tick() if self.op == "tick" else Complete()

    def __str__(self) -> str:
        if self.op in ("tick", "complete"):
            return self.op
        offset = self.offset or 0
        reg = register_by_offset(offset)
        name = reg.name if reg is not None else f"{offset:#04x}"
        if self.op == "read":
            return f"read  {name}"
        value = self.value or 0
        text = f"write {name} {value:#010x}"
        if offset == Reg.STATUS:
            names = [f.name for f in Flag if f & value & GUEST_SETTABLE and f.name]
            text += f" ({'|'.join(names) or '0'})"
        return text


def trace_of(events: Iterable[Event]) -> list[MmioStep]:
    return [MmioStep.of(e) for e in events]


# --- invariants ---------------------------------------------------------------

StateCheck = Callable[[ModelConfig, MachineState, StepFn], str | None]
TransitionCheck = Callable[[ModelConfig, MachineState, Event, MachineState, Output], str | None]


@dataclass(frozen=True, slots=True)
class StateInvariant:
    """A property of every reachable state; ``check`` returns why it fails, or None."""

    name: str
    check: StateCheck


@dataclass(frozen=True, slots=True)
class TransitionInvariant:
    """A property of every transition ``before --event--> after``."""

    name: str
    check: TransitionCheck


Invariant = StateInvariant | TransitionInvariant


def _rdy_busy(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    if s.bio.flags & RDY and s.bio.flags & BUSY:
        return f"RDY and BUSY both set (flags {s.bio.flags:#x})"
    return None


def _busy_iff_command(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    if bool(s.bio.flags & BUSY) != (s.bio.command is not None):
        return f"BUSY is {bool(s.bio.flags & BUSY)} but command is {s.bio.command}"
    return None


def _flags_readable(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    if s.bio.flags & ~_READABLE:
        return f"flags {s.bio.flags:#x} hold bits other than RDY, ERR, BUSY"
    return None


def _cursor(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    bio = s.bio
    if not 0 <= bio.cursor <= len(bio.rbuf) or bio.cursor % WORD_SIZE:
        return f"cursor {bio.cursor} outside R of {len(bio.rbuf)} bytes or unaligned"
    return None


def _wbuf(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    bio = s.bio
    if len(bio.wbuf) > bio.count * cfg.block_size or len(bio.wbuf) % WORD_SIZE:
        return (f"W holds {len(bio.wbuf)} bytes, more than COUNT {bio.count} x "
                f"{cfg.block_size} or unaligned")
    return None


def _busy_completes(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    if s.bio.command is None:
        return None
    for _ in range(max(cfg.latency, 1)):
        s, _out = step_fn(cfg, s, Tick())
    if s.bio.command is not None or s.bio.flags & BUSY:
        return f"still BUSY after {max(cfg.latency, 1)} tick(s)"
    return None


def _err_sticky(cfg: ModelConfig, before: MachineState, event: Event, after: MachineState,
                out: Output) -> str | None:
    if not before.bio.flags & ERR or after.bio.flags & ERR:
        return None
    if _is_srst(event) and before.bio.command is None:
        return None
    if before.bio.reset_pending and after.bio.command is None:
        return None
    return "ERR cleared without a reset"


def _is_srst(event: Event) -> bool:
    return isinstance(event, Write) and event.offset == Reg.STATUS and bool(
        event.value & Flag.SRST)


@dataclass(frozen=True, slots=True)
class _Latched:
    """The command a transition completed, as the invariants reconstruct it."""

    op: Op
    sid: int | None
    block: int
    count: int
    addr: int
    dma: bool


def _completed(cfg: ModelConfig, before: MachineState, event: Event,
               after: MachineState) -> _Latched | None:
    """The command that completed during this transition, if any."""
    c = before.bio.command
    if c is not None:
        if after.bio.command is not None:
            return None
        return _Latched(c.op, c.sid, c.block, c.count, c.addr, c.dma)
    if not isinstance(event, Write) or event.offset != Reg.STATUS or after.bio.command:
        return None
    value = event.value & GUEST_SETTABLE
    if not value & (Flag.READ | Flag.WRITE):
        return None
    bio = RESET_BIO if value & Flag.SRST else before.bio
    op = Op.READ if value & Flag.READ else Op.WRITE
    return _Latched(op, bio.sid, bio.block, bio.count, bio.addr, bio.dma or bool(value & Flag.DMA))


def _succeeds(cfg: ModelConfig, s: MachineState, c: _Latched) -> bool:
    """The spec's success rule: storage selected, in bounds, DMA range all RAM."""
    storage = s.storage(c.sid)
    if storage is None or (c.block + c.count) * cfg.block_size > len(storage):
        return False
    return not c.dma or cfg.is_ram_range(c.addr, c.count * cfg.block_size)


def _changed(old: bytes, new: bytes) -> tuple[int, int] | None:
    """The smallest range ``[lo, hi)`` where two equally long byte strings differ."""
    if old == new:
        return None
    lo = next(i for i in range(len(old)) if old[i] != new[i])
    hi = next(i for i in range(len(old), 0, -1) if old[i - 1] != new[i - 1])
    return lo, hi


def _data_effects(cfg: ModelConfig, before: MachineState, event: Event, after: MachineState,
                  out: Output) -> str | None:
    if after.ram is before.ram and after.storages is before.storages:
        return None
    if len(after.ram) != len(before.ram):
        return f"RAM size changed from {len(before.ram)} to {len(after.ram)}"
    if [sid for sid, _ in after.storages] != [sid for sid, _ in before.storages]:
        return "the set of storages changed"
    c = _completed(cfg, before, event, after)
    ok = c is not None and _succeeds(cfg, before, c)
    bs = cfg.block_size
    for (sid, old), (_, new) in zip(before.storages, after.storages, strict=True):
        if len(old) != len(new):
            return f"storage {sid} size changed from {len(old)} to {len(new)}"
        diff = _changed(old, new)
        if diff is None:
            continue
        if c is None or not ok or c.op is not Op.WRITE or c.sid != sid:
            return f"storage {sid} bytes [{diff[0]}, {diff[1]}) changed without a write command"
        lo, hi = c.block * bs, (c.block + c.count) * bs
        if diff[0] < lo or diff[1] > hi:
            return (f"storage {sid} bytes [{diff[0]}, {diff[1]}) changed outside the "
                    f"addressed blocks [{lo}, {hi})")
    diff = _changed(before.ram, after.ram)
    if diff is not None:
        if c is None or not ok or c.op is not Op.READ or not c.dma:
            return f"RAM [{diff[0]}, {diff[1]}) changed without a DMA read"
        lo, hi = c.addr, c.addr + c.count * bs
        if diff[0] < lo or diff[1] > hi:
            return f"RAM [{diff[0]}, {diff[1]}) changed outside the DMA range [{lo}, {hi})"
    return None


def _srst_resets(cfg: ModelConfig, before: MachineState, event: Event, after: MachineState,
                 out: Output) -> str | None:
    if before.bio.command is None:
        if isinstance(event, Write) and event.offset == Reg.STATUS and (
                event.value & GUEST_SETTABLE) == Flag.SRST and after.bio != RESET_BIO:
            return f"SRST left the controller in {after.bio}, not in reset"
        return None
    if before.bio.reset_pending and after.bio.command is None and after.bio != RESET_BIO:
        return f"a deferred SRST left the controller in {after.bio}, not in reset"
    return None


def _complete_ends(cfg: ModelConfig, before: MachineState, event: Event, after: MachineState,
                   out: Output) -> str | None:
    if isinstance(event, Complete) and before.bio.command is not None and (
            after.bio.command is not None or after.bio.flags & BUSY):
        return "still BUSY after a forced completion"
    return None


#: The protocol's invariants (BRIEF section 3), checked by :func:`explore`.
#: "SRST resets" is checked on the transitions by the alphabet's plain SRST
#: write, which :func:`explore` applies to every reachable state.
DEFAULT_INVARIANTS: Final[tuple[Invariant, ...]] = (
    StateInvariant("rdy-busy-exclusive", _rdy_busy),
    StateInvariant("busy-iff-command", _busy_iff_command),
    StateInvariant("flags-readable-only", _flags_readable),
    StateInvariant("cursor-in-read-buffer", _cursor),
    StateInvariant("staging-within-count", _wbuf),
    StateInvariant("busy-completes-in-latency", _busy_completes),
    TransitionInvariant("err-sticky", _err_sticky),
    TransitionInvariant("data-only-by-command", _data_effects),
    TransitionInvariant("srst-resets", _srst_resets),
    TransitionInvariant("complete-ends-busy", _complete_ends),
)


# --- the search ---------------------------------------------------------------

class Violation(BaseModel):
    """An invariant that failed, with a shortest trace from power-on showing it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    message: str
    latency: int
    trace: list[MmioStep]

    def events(self) -> list[Event]:
        return [s.event() for s in self.trace]


class Witness(BaseModel):
    """A shortest trace from power-on whose last event takes a transition class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: int
    trace: list[MmioStep]

    def events(self) -> list[Event]:
        return [s.event() for s in self.trace]


class LatencyRun(BaseModel):
    """The exploration of the instance at one latency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: int
    states: int
    transitions: int
    classes: int
    depth: int
    complete: bool
    violations: list[Violation]


class ExploreResult(BaseModel):
    """What :func:`explore` found: counts, transition classes, violations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: ExploreInstance
    runs: list[LatencyRun]
    states: int
    transitions: int
    classes: frozenset[Transition]
    witnesses: dict[str, Witness]
    seconds: float
    violations: list[Violation]

    @field_serializer("classes")
    def _sorted_classes(self, classes: frozenset[Transition]) -> list[dict[str, str]]:
        return [{"phase": t.phase.value, "kind": t.kind.value, "outcome": t.outcome}
                for t in sorted(classes, key=str)]

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.runs)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float("inf")


@dataclass(slots=True)
class _Search:
    """The mutable bookkeeping of one breadth-first search."""

    cfg: ModelConfig
    alphabet: Sequence[Event]
    parent: dict[MachineState, tuple[MachineState, int] | None]
    violations: dict[str, Violation]
    witnesses: dict[Transition, tuple[MachineState, int]]

    def path(self, state: MachineState) -> list[Event]:
        events: list[Event] = []
        link = self.parent[state]
        while link is not None:
            state, index = link
            events.append(self.alphabet[index])
            link = self.parent[state]
        events.reverse()
        return events

    def report(self, name: str, message: str, trace: list[Event]) -> None:
        if name not in self.violations:
            self.violations[name] = Violation(
                name=name, message=message, latency=self.cfg.latency, trace=trace_of(trace))


def _check_state(search: _Search, state: MachineState, checks: Sequence[StateInvariant],
                 step_fn: StepFn) -> bool:
    """Check every state invariant; report failures; whether all held."""
    ok = True
    for inv in checks:
        try:
            message = inv.check(search.cfg, state, step_fn)
        except Exception as exc:
            message = f"checking raised {type(exc).__name__}: {exc}"
        if message is not None:
            search.report(inv.name, message, search.path(state))
            ok = False
    return ok


_Witnesses = dict[Transition, Witness]


def _explore_latency(instance: ExploreInstance, latency: int, invariants: Sequence[Invariant],
                     step_fn: StepFn, max_states: int,
                     max_depth: int | None) -> tuple[LatencyRun, _Witnesses]:
    """One breadth-first search; the run and a shortest witness trace per class."""
    cfg = instance.config(latency)
    alphabet = instance.alphabet()
    state_checks = [i for i in invariants if isinstance(i, StateInvariant)]
    edge_checks = [i for i in invariants if isinstance(i, TransitionInvariant)]
    start = power_on(cfg)
    search = _Search(cfg, alphabet, {start: None}, {}, {})
    parent, witnesses = search.parent, search.witnesses
    queue: deque[tuple[MachineState, int]] = deque()
    if _check_state(search, start, state_checks, step_fn):
        queue.append((start, 0))
    transitions = depth = 0
    complete = True
    while queue:
        state, d = queue.popleft()
        depth = max(depth, d)
        if max_depth is not None and d >= max_depth:
            complete = False
            continue
        for index, event in enumerate(alphabet):
            try:
                nxt, out = step_fn(cfg, state, event)
            except Exception as exc:
                search.report("step-raises", f"{type(exc).__name__}: {exc}",
                              [*search.path(state), event])
                continue
            transitions += 1
            if out.transition not in witnesses:
                witnesses[out.transition] = (state, index)
            for inv in edge_checks:
                message = inv.check(cfg, state, event, nxt, out)
                if message is not None:
                    search.report(inv.name, message, [*search.path(state), event])
            if nxt is state or nxt in parent:
                continue
            if len(parent) >= max_states:
                complete = False
                continue
            parent[nxt] = (state, index)
            if _check_state(search, nxt, state_checks, step_fn):
                queue.append((nxt, d + 1))
    run = LatencyRun(latency=latency, states=len(parent), transitions=transitions,
                     classes=len(witnesses), depth=depth, complete=complete,
                     violations=list(search.violations.values()))
    traces = {t: Witness(latency=latency, trace=trace_of([*search.path(s), alphabet[i]]))
              for t, (s, i) in witnesses.items()}
    return run, traces


def explore(instance: ExploreInstance | None = None, *,
            invariants: Sequence[Invariant] = DEFAULT_INVARIANTS,
            step_fn: StepFn = step, max_states: int = DEFAULT_MAX_STATES,
            max_depth: int | None = None, jobs: int = 1) -> ExploreResult:
    """Explore every state of ``instance`` reachable from power-on, at each latency.

    Every event of the alphabet is applied to every reachable state with
    ``step_fn``; every state and transition is checked against
    ``invariants``.  Each violated invariant is reported once per latency,
    with a shortest trace from power-on that shows it; a state that breaks a
    state invariant is not explored further.  At most ``max_states`` states
    are kept per latency, and states ``max_depth`` events away from
    power-on are not expanded; a run cut by either is marked incomplete.
    ``witnesses`` maps each transition class (its ``str``) to a shortest
    trace, at some latency, whose last event takes it.  With ``jobs`` > 1 the latencies are
    explored in that many worker processes (``step_fn`` and the invariants
    must then be picklable, as module-level functions are).
    """
    instance = instance if instance is not None else ExploreInstance()
    began = time.perf_counter()
    args = [(instance, lat, tuple(invariants), step_fn, max_states, max_depth)
            for lat in instance.latencies]
    if jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(args))) as pool:
            outcomes = list(pool.map(_explore_latency, *zip(*args, strict=True)))
    else:
        outcomes = [_explore_latency(*a) for a in args]
    classes: _Witnesses = {}
    for _run, traces in outcomes:
        for transition, trace in traces.items():
            if transition not in classes or len(trace.trace) < len(classes[transition].trace):
                classes[transition] = trace
    runs = [run for run, _traces in outcomes]
    seconds = time.perf_counter() - began
    return ExploreResult(
        instance=instance, runs=runs, states=sum(r.states for r in runs),
        transitions=sum(r.transitions for r in runs), classes=frozenset(classes),
        witnesses={str(t): trace for t, trace in sorted(classes.items(), key=lambda i: str(i[0]))},
        seconds=seconds, violations=[v for r in runs for v in r.violations])
