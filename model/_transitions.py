"""The BIO protocol as one transition table, and the pure ``step`` over it.

Every rule of the protocol lives here.  ``TABLE`` maps (activity, event
kind) to the handler that computes the next state; each handler returns the
next state, the value a read returns and the outcome it took (a
:class:`~.outcome.StepOutcome`, one of a finite set made once), so that every
transition is classified as (phase, event kind, outcome) for coverage.  No
I/O, no mutation: states are immutable and ``step`` is a function.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, NamedTuple, TypedDict, Unpack

from ..spec.regmap import DATA_INVALID, GUEST_SETTABLE, WORD_SIZE, Flag, Reg
from ._config import ModelConfig
from ._events import Complete, Event, EventKind, Read, Tick, Write
from ._outcome import Action, CommandEnd, StepOutcome
from ._state import RESET_BIO, BioState, Command, MachineState, Op

RDY: Final = int(Flag.RDY)
ERR: Final = int(Flag.ERR)
BUSY: Final = int(Flag.BUSY)
_SRST: Final = int(Flag.SRST)
_DMA: Final = int(Flag.DMA)
_READ: Final = int(Flag.READ)
_WRITE: Final = int(Flag.WRITE)
_SETTABLE: Final = int(GUEST_SETTABLE)


class Activity(enum.Enum):
    """Whether a command is in flight: the first key of the table."""

    __hash__ = object.__hash__

    IDLE = "idle"
    BUSY = "busy"


class Phase(enum.Enum):
    """The control state a guest can see: the readable flags."""

    __hash__ = object.__hash__  # members are singletons: identity hashing, in C

    READY = "RDY"
    READY_ERR = "RDY|ERR"
    ERROR = "ERR"
    BUSY = "BUSY"
    BUSY_ERR = "BUSY|ERR"
    NONE = "-"


_PHASES: Final = {
    RDY: Phase.READY,
    RDY | ERR: Phase.READY_ERR,
    ERR: Phase.ERROR,
    BUSY: Phase.BUSY,
    BUSY | ERR: Phase.BUSY_ERR,
    0: Phase.NONE,
}


def phase_of(bio: BioState) -> Phase:
    """The phase of a controller state (flags RDY and BUSY together have none)."""
    try:
        return _PHASES[bio.flags]
    except KeyError:
        raise ValueError(f"flags {bio.flags:#x} violate the invariants") from None


class Transition(NamedTuple):
    """The class of one step: where it started, what happened, how it went."""

    phase: Phase
    kind: EventKind
    outcome: StepOutcome

    def __str__(self) -> str:
        return f"{self.phase.value} --{self.kind.value}--> {self.outcome.text}"


class Output(NamedTuple):
    """What a step returns besides the state: a read's value and its class."""

    value: int | None
    transition: Transition


Result = tuple[MachineState, int | None, StepOutcome]
Handler = Callable[[ModelConfig, MachineState, Event], Result]

_KIND_OF_READ: Final = {
    int(Reg.STATUS): EventKind.READ_STATUS,
    int(Reg.DATA): EventKind.READ_DATA,
}
_KIND_OF_WRITE: Final = {
    int(Reg.STATUS): EventKind.WRITE_STATUS,
    int(Reg.SID): EventKind.WRITE_SID,
    int(Reg.BLOCK): EventKind.WRITE_BLOCK,
    int(Reg.COUNT): EventKind.WRITE_COUNT,
    int(Reg.ADDR): EventKind.WRITE_ADDR,
    int(Reg.DATA): EventKind.WRITE_DATA,
}


def kind_of(event: Event) -> EventKind:
    """The table key of an event."""
    if isinstance(event, Read):
        return _KIND_OF_READ.get(event.offset, EventKind.READ_OTHER)
    if isinstance(event, Write):
        return _KIND_OF_WRITE.get(event.offset, EventKind.WRITE_OTHER)
    if isinstance(event, Tick):
        return EventKind.TICK
    return EventKind.COMPLETE


_new = tuple.__new__  # builds a named tuple from its fields without the Python-level __new__


def _bio(state: MachineState, bio: BioState) -> MachineState:
    return _new(MachineState, (bio, state.ram, state.storages, state.faults))


class _BioChanges(TypedDict, total=False):
    """The fields of :class:`BioState` by name, as :func:`_with` takes them (type-checked)."""

    flags: int
    sid: int | None
    block: int
    count: int
    addr: int
    dma: bool
    rbuf: bytes
    cursor: int
    wbuf: bytes
    command: Command | None
    reset_pending: bool


def _with(bio: BioState, **changes: Unpack[_BioChanges]) -> BioState:
    """``bio`` with ``changes`` by field name: ``_replace`` without its generic machinery."""
    fields: list[object] = list(bio)
    for name, value in changes.items():
        fields[_FIELD[name]] = value
    return _new(BioState, fields)


_FIELD: Final = {name: i for i, name in enumerate(BioState._fields)}


_FLAGS: Final = StepOutcome(Action.FLAGS)
_ZERO: Final = StepOutcome(Action.ZERO)
_IGNORED: Final = StepOutcome(Action.IGNORED)
_UNDERRUN: Final = StepOutcome(Action.UNDERRUN)
_WORD: Final = StepOutcome(Action.WORD)
_SELECT: Final = StepOutcome(Action.SELECT)
_UNKNOWN: Final = StepOutcome(Action.UNKNOWN)
_LATCH: Final = StepOutcome(Action.LATCH)
_OVERRUN: Final = StepOutcome(Action.OVERRUN)
_APPEND: Final = StepOutcome(Action.APPEND)
_RESET_DEFERRED: Final = StepOutcome(Action.RESET_DEFERRED)
_WAIT: Final = StepOutcome(Action.WAIT)


def _value(event: Event) -> int:
    assert isinstance(event, Write)
    return event.value


def _fail_flags(flags: int) -> int:
    """ERR set, RDY and BUSY cleared: a failed command or access."""
    return (flags | ERR) & ~(RDY | BUSY)


# --- reads ---------------------------------------------------------------

def read_status(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return s, s.bio.flags, _FLAGS


def read_zero(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return s, 0, _ZERO


def read_data_busy(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return s, DATA_INVALID, _IGNORED


def read_data(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    bio = s.bio
    end = bio.cursor + WORD_SIZE
    if end > len(bio.rbuf):
        return _bio(s, _with(bio, flags=_fail_flags(bio.flags))), DATA_INVALID, _UNDERRUN
    word = int.from_bytes(bio.rbuf[bio.cursor:end], "little")
    return _bio(s, _with(bio, cursor=end)), word, _WORD


# --- writes while idle -----------------------------------------------------

def write_sid(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    sid = _value(e)
    if s.storage(sid) is not None:
        return _bio(s, _with(s.bio, sid=sid)), None, _SELECT
    bio = _with(s.bio, sid=None, flags=(s.bio.flags | ERR) & ~RDY)
    return _bio(s, bio), None, _UNKNOWN


def write_block(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return _bio(s, _with(s.bio, block=_value(e))), None, _LATCH


def write_count(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return _bio(s, _with(s.bio, count=_value(e), wbuf=b"")), None, _LATCH


def write_addr(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return _bio(s, _with(s.bio, addr=_value(e))), None, _LATCH


def write_data(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    bio = s.bio
    if len(bio.wbuf) + WORD_SIZE > bio.count * cfg.block_size:
        return _bio(s, _with(bio, flags=_fail_flags(bio.flags))), None, _OVERRUN
    wbuf = bio.wbuf + _value(e).to_bytes(WORD_SIZE, "little")
    return _bio(s, _with(bio, wbuf=wbuf)), None, _APPEND


def write_status(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    value = _value(e) & _SETTABLE
    bio = s.bio
    if value & _SRST:
        bio = RESET_BIO
    if value & _DMA:
        bio = _with(bio, dma=True)
    outcome = _STATUS_OUTCOME[value & _STATUS_BITS]
    op = outcome.started
    s = _bio(s, bio)
    if op is None:
        return s, None, outcome
    command = Command(op=op, sid=bio.sid, block=bio.block, count=bio.count, addr=bio.addr,
                      dma=bio.dma, ticks_left=cfg.latency)
    s = _bio(s, _with(bio, flags=(bio.flags | BUSY) & ~RDY, command=command))
    if cfg.latency == 0:
        s, end = _complete(cfg, s)
        return s, None, _ENDED[outcome][end]
    return s, None, outcome


_STATUS_BITS: Final = _SRST | _DMA | _READ | _WRITE


def _status_outcome(value: int) -> StepOutcome:
    """The outcome of a STATUS write of ``value`` before its command ends (READ before WRITE)."""
    op = Op.READ if value & _READ else Op.WRITE if value & _WRITE else None
    return StepOutcome(reset=bool(value & _SRST), dma=bool(value & _DMA), started=op)


#: The outcome of an idle STATUS write by its SRST, DMA, READ and WRITE bits, and the
#: outcome of one that starts a command by how the command ended (latency 0).
_STATUS_OUTCOME: Final = {v: _status_outcome(v) for v in range(_STATUS_BITS + 1)
                          if v & ~_STATUS_BITS == 0}
_ENDED: Final = {
    o: {end: StepOutcome(reset=o.reset, dma=o.dma, started=o.started, end=end)
        for end in CommandEnd}
    for o in _STATUS_OUTCOME.values() if o.started is not None
}


def ignore(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    return s, None, _IGNORED


# --- while busy -------------------------------------------------------------

def write_status_busy(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    if _value(e) & _SRST:
        return _bio(s, _with(s.bio, reset_pending=True)), None, _RESET_DEFERRED
    return s, None, _IGNORED


def tick_busy(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    command = s.bio.command
    assert command is not None
    if command.ticks_left > 1:
        bio = _with(s.bio, command=command._replace(ticks_left=command.ticks_left - 1))
        return _bio(s, bio), None, _WAIT
    s, end = _complete(cfg, s)
    return s, None, _END[end]


def complete_busy(cfg: ModelConfig, s: MachineState, e: Event) -> Result:
    s, end = _complete(cfg, s)
    return s, None, _END[end]


#: The outcome of a tick or completion that ends the command in flight.
_END: Final = {end: StepOutcome(end=end) for end in CommandEnd}


def _command_ok(cfg: ModelConfig, s: MachineState, c: Command) -> bool:
    """Whether a latched command can run: storage, bounds, DMA range (exact)."""
    storage = s.storage(c.sid)
    if storage is None:
        return False
    length = c.count * cfg.block_size
    if (c.block + c.count) * cfg.block_size > len(storage):
        return False
    return not c.dma or cfg.is_ram_range(c.addr, length)


def _complete(cfg: ModelConfig, s: MachineState) -> tuple[MachineState, CommandEnd]:
    """Run the in-flight command to its end; then apply a deferred reset.

    The end is ``OK``, ``FAIL`` or ``IO_ERROR`` (R-HOST-7, R-CMD-12): an injected fault
    fails a command that passed its checks and moves data (COUNT > 0); what
    it leaves in its addressed blocks (a write) or DMA range (a DMA read) is
    unspecified, and this model leaves them unchanged.
    """
    bio = s.bio
    c = bio.command
    assert c is not None
    ok = _command_ok(cfg, s, c)
    end = CommandEnd.OK if ok else CommandEnd.FAIL
    if ok and c.count > 0 and c.sid is not None and s.pending_faults(c.sid, c.op):
        s = s.with_faults(c.sid, c.op, s.pending_faults(c.sid, c.op) - 1)
        ok, end = False, CommandEnd.IO_ERROR
    if not ok:
        bio = _with(bio, flags=_fail_flags(bio.flags), rbuf=b"", cursor=0, wbuf=b"",
                    command=None)
    else:
        assert c.sid is not None
        storage = s.storage(c.sid)
        assert storage is not None
        offset, length = c.block * cfg.block_size, c.count * cfg.block_size
        if c.op is Op.READ:
            data = storage[offset:offset + length]
            if c.dma:
                s = s.with_ram(c.addr, data)
        else:
            if c.dma:
                data = s.ram[c.addr:c.addr + length]
            else:
                data = bio.wbuf + bytes(length - len(bio.wbuf))
            s = s.with_storage(c.sid, storage[:offset] + data + storage[offset + length:])
        bio = _with(bio, flags=(bio.flags & ~BUSY) | RDY, rbuf=data, cursor=0, wbuf=b"",
                    command=None)
    if bio.reset_pending:
        bio = RESET_BIO
    return _bio(s, bio), end


TABLE: Final[dict[tuple[Activity, EventKind], Handler]] = {
    (Activity.IDLE, EventKind.READ_STATUS): read_status,
    (Activity.IDLE, EventKind.READ_DATA): read_data,
    (Activity.IDLE, EventKind.READ_OTHER): read_zero,
    (Activity.IDLE, EventKind.WRITE_STATUS): write_status,
    (Activity.IDLE, EventKind.WRITE_SID): write_sid,
    (Activity.IDLE, EventKind.WRITE_BLOCK): write_block,
    (Activity.IDLE, EventKind.WRITE_COUNT): write_count,
    (Activity.IDLE, EventKind.WRITE_ADDR): write_addr,
    (Activity.IDLE, EventKind.WRITE_DATA): write_data,
    (Activity.IDLE, EventKind.WRITE_OTHER): ignore,
    (Activity.IDLE, EventKind.TICK): ignore,
    (Activity.IDLE, EventKind.COMPLETE): ignore,
    (Activity.BUSY, EventKind.READ_STATUS): read_status,
    (Activity.BUSY, EventKind.READ_DATA): read_data_busy,
    (Activity.BUSY, EventKind.READ_OTHER): read_zero,
    (Activity.BUSY, EventKind.WRITE_STATUS): write_status_busy,
    (Activity.BUSY, EventKind.WRITE_SID): ignore,
    (Activity.BUSY, EventKind.WRITE_BLOCK): ignore,
    (Activity.BUSY, EventKind.WRITE_COUNT): ignore,
    (Activity.BUSY, EventKind.WRITE_ADDR): ignore,
    (Activity.BUSY, EventKind.WRITE_DATA): ignore,
    (Activity.BUSY, EventKind.WRITE_OTHER): ignore,
    (Activity.BUSY, EventKind.TICK): tick_busy,
    (Activity.BUSY, EventKind.COMPLETE): complete_busy,
}


#: The table split by activity, keyed by event kind alone (one lookup a step).
_IDLE_TABLE: Final = {k: h for (a, k), h in TABLE.items() if a is Activity.IDLE}
_BUSY_TABLE: Final = {k: h for (a, k), h in TABLE.items() if a is Activity.BUSY}


def step(cfg: ModelConfig, state: MachineState, event: Event) -> tuple[MachineState, Output]:
    """The next state and the output of ``event`` in ``state``."""
    bio = state.bio
    phase = _PHASES.get(bio.flags)
    if phase is None:
        phase = phase_of(bio)  # raises
    cls = type(event)  # kind_of, inlined for the common events
    if cls is Write:
        kind = _KIND_OF_WRITE.get(event.offset, EventKind.WRITE_OTHER)  # type: ignore[union-attr]
    elif cls is Read:
        kind = _KIND_OF_READ.get(event.offset, EventKind.READ_OTHER)  # type: ignore[union-attr]
    else:
        kind = kind_of(event)
    table = _IDLE_TABLE if bio.command is None else _BUSY_TABLE
    nxt, value, outcome = table[kind](cfg, state, event)
    return nxt, _new(Output, (value, _new(Transition, (phase, kind, outcome))))


def data_free(cfg: ModelConfig, bio: BioState, event: Event) -> bool:
    """Whether ``step`` of ``event`` depends on the controller ``bio`` alone.

    True when the step neither reads nor changes RAM, storage contents or
    pending faults, in any state whose controller is ``bio`` and whose
    storages are those of ``cfg`` (a SID write looks only at which ids are
    attached).  Only running a command to its end moves data (R-CMD-6..R-CMD-9,
    R-HOST-7): a STATUS write that starts one at latency 0 (R-BSY-1), the
    tick that ends one and a forced completion.  A search may then memoize
    the step on ``(bio, event)``.
    """
    command = bio.command
    if command is None:
        if type(event) is Write and event.offset == _STATUS_OFFSET:
            return cfg.latency > 0 or not event.value & (_READ | _WRITE)
        return True
    if isinstance(event, Tick):
        return command.ticks_left > 1
    return not isinstance(event, Complete)


_STATUS_OFFSET: Final = int(Reg.STATUS)


def run(cfg: ModelConfig, state: MachineState, events: list[Event]) -> MachineState:
    """The state after ``events``, one step at a time."""
    for event in events:
        state, _ = step(cfg, state, event)
    return state


def host_write_ram(cfg: ModelConfig, state: MachineState, addr: int, data: bytes) -> MachineState:
    """The host writes ``data`` to RAM; the range must be RAM."""
    if not cfg.is_ram_range(addr, len(data)):
        raise ValueError(f"host RAM write [{addr:#x}, +{len(data):#x}) is not RAM")
    return state.with_ram(addr, data)


def host_fault(state: MachineState, sid: int, op: Op, count: int) -> MachineState:
    """The host injects ``count`` I/O errors into ``op`` commands on storage ``sid`` (R-HOST-7)."""
    if state.storage(sid) is None:
        raise ValueError(f"no storage with id {sid}")
    if count < 0:
        raise ValueError(f"fault count must be >= 0, not {count}")
    return state.with_faults(sid, op, count)


def host_write_storage(state: MachineState, sid: int, offset: int, data: bytes) -> MachineState:
    """The host writes ``data`` into storage ``sid`` at ``offset``, within its size."""
    storage = state.storage(sid)
    if storage is None:
        raise ValueError(f"no storage with id {sid}")
    if offset < 0 or offset + len(data) > len(storage):
        raise ValueError(f"storage {sid} write [{offset:#x}, +{len(data):#x}) past its end")
    return state.with_storage(sid, storage[:offset] + data + storage[offset + len(data):])
