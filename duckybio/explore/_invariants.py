"""The protocol's invariants, as the explorer checks them in every state and transition.

A :class:`StateInvariant` is a property of every reachable state; a
:class:`TransitionInvariant` is a property of every transition
``before --event--> after``.  Each check returns why it fails, or ``None``.
:data:`DEFAULT_INVARIANTS` are those of SPEC.md section 10 (R-INV-1..R-INV-3)
and the state, reset, command and timing rules they rest on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..model import (
    RESET_BIO,
    Complete,
    Event,
    MachineState,
    ModelConfig,
    Op,
    Output,
    Tick,
    Write,
)
from ..spec.regmap import GUEST_SETTABLE, WORD_SIZE, Flag, Reg

#: The model's step function, or a stand-in for it (e.g. a seeded bug).
StepFn = Callable[[ModelConfig, MachineState, Event], tuple[MachineState, Output]]
StateCheck = Callable[[ModelConfig, MachineState, StepFn], str | None]
TransitionCheck = Callable[[ModelConfig, MachineState, Event, MachineState, Output], str | None]

RDY: Final = int(Flag.RDY)
ERR: Final = int(Flag.ERR)
BUSY: Final = int(Flag.BUSY)
_READABLE: Final = RDY | ERR | BUSY


@dataclass(frozen=True, slots=True)
class StateInvariant:
    """A property of every reachable state; ``check`` returns why it fails, or None.

    ``bio_only``: with the model's own step, the verdict depends on the
    controller state alone, so the explorer checks it once per controller.
    """

    name: str
    check: StateCheck
    bio_only: bool = False


@dataclass(frozen=True, slots=True)
class TransitionInvariant:
    """A property of every transition ``before --event--> after``.

    ``bio_only``: when a step leaves RAM, storages and faults as they were,
    the verdict depends on the controller states, the event and the output
    alone, so the explorer checks it once per (controller, event) whose step
    is memoized (:func:`~duckybio.model.data_free`).
    """

    name: str
    check: TransitionCheck
    bio_only: bool = False


Invariant = StateInvariant | TransitionInvariant


# --- state invariants -------------------------------------------------------------

def _rdy_busy(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    """R-INV-2: RDY and BUSY are never both set."""
    if s.bio.flags & RDY and s.bio.flags & BUSY:
        return f"RDY and BUSY both set (flags {s.bio.flags:#x})"
    return None


def _busy_iff_command(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    """SPEC.md section 3: BUSY is set exactly when a command is in flight."""
    if bool(s.bio.flags & BUSY) != (s.bio.command is not None):
        return f"BUSY is {bool(s.bio.flags & BUSY)} but command is {s.bio.command}"
    return None


def _flags_readable(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    """SPEC.md section 3, R-RD-1: the flags are a subset of RDY, ERR, BUSY."""
    if s.bio.flags & ~_READABLE:
        return f"flags {s.bio.flags:#x} hold bits other than RDY, ERR, BUSY"
    return None


def _cursor(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    """R-PIO-1, R-PIO-2: the cursor is a word-aligned index into R."""
    bio = s.bio
    if not 0 <= bio.cursor <= len(bio.rbuf) or bio.cursor % WORD_SIZE:
        return f"cursor {bio.cursor} outside R of {len(bio.rbuf)} bytes or unaligned"
    return None


def _wbuf(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    """R-PIO-3, R-PIO-4: W holds whole words, at most COUNT x block size bytes."""
    bio = s.bio
    if len(bio.wbuf) > bio.count * cfg.block_size or len(bio.wbuf) % WORD_SIZE:
        return (f"W holds {len(bio.wbuf)} bytes, more than COUNT {bio.count} x "
                f"{cfg.block_size} or unaligned")
    return None


def _busy_completes(cfg: ModelConfig, s: MachineState, step_fn: StepFn) -> str | None:
    """R-BSY-1: a command in flight completes within the latency's clock steps."""
    if s.bio.command is None:
        return None
    for _ in range(max(cfg.latency, 1)):
        s, _out = step_fn(cfg, s, Tick())
    if s.bio.command is not None or s.bio.flags & BUSY:
        return f"still BUSY after {max(cfg.latency, 1)} tick(s)"
    return None


# --- transition invariants ----------------------------------------------------------

def _err_sticky(cfg: ModelConfig, before: MachineState, event: Event, after: MachineState,
                out: Output) -> str | None:
    """R-INV-1: only a reset (R-RST-2, or one deferred by R-BSY-5) clears ERR."""
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
    """The command a transition completed, as the invariants reconstruct it (R-CMD-1)."""

    op: Op
    sid: int | None
    block: int
    count: int
    addr: int
    dma: bool


def _completed(cfg: ModelConfig, before: MachineState, event: Event,
               after: MachineState) -> _Latched | None:
    """The command that completed during this transition, if any (R-ST-2, R-BSY-1)."""
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
    """R-CMD-2..R-CMD-4: storage selected, in bounds, DMA range all RAM."""
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
    """R-INV-3: storages change only by a successful WRITE, RAM only by a DMA READ.

    And each only in the command's addressed blocks or DMA range (R-CMD-6..R-CMD-9).
    """
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
    """R-RST-2: an SRST that takes effect, at once or deferred (R-BSY-5), resets."""
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
    """R-BSY-1: a forced completion ends the command in flight."""
    if isinstance(event, Complete) and before.bio.command is not None and (
            after.bio.command is not None or after.bio.flags & BUSY):
        return "still BUSY after a forced completion"
    return None


#: The protocol's invariants (SPEC.md section 10 and the rules cited by each
#: check), checked by :func:`~duckybio.explore.explore`.  "srst-resets" is
#: checked on the transitions of the alphabet's plain SRST write, which the
#: explorer applies to every reachable state.
DEFAULT_INVARIANTS: Final[tuple[Invariant, ...]] = (
    StateInvariant("rdy-busy-exclusive", _rdy_busy, bio_only=True),
    StateInvariant("busy-iff-command", _busy_iff_command, bio_only=True),
    StateInvariant("flags-readable-only", _flags_readable, bio_only=True),
    StateInvariant("cursor-in-read-buffer", _cursor, bio_only=True),
    StateInvariant("staging-within-count", _wbuf, bio_only=True),
    StateInvariant("busy-completes-in-latency", _busy_completes, bio_only=True),
    TransitionInvariant("err-sticky", _err_sticky, bio_only=True),
    TransitionInvariant("data-only-by-command", _data_effects, bio_only=True),
    TransitionInvariant("srst-resets", _srst_resets, bio_only=True),
    TransitionInvariant("complete-ends-busy", _complete_ends, bio_only=True),
)
