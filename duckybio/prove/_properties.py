"""The properties ``duckybio prove`` proves, over the encoding's control state.

State properties hold in every reachable state and are proved inductive
together: each holds at power-on, and every event preserves it in any state
where all of them hold.  The explorer's state invariants
(:data:`~duckybio.explore.DEFAULT_INVARIANTS`) need auxiliary ones
(``AUX-n``, SPEC.md section 10) and the encoding's own representation
invariant.  Transition properties hold across every step from such a state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ..model import EventKind
from ..spec.regmap import U32_MASK, WORD_SIZE
from ._encoding import BUSY, ERR, RDY, SETTABLE, SRST, Ctl, Env, bit, reset_ctl
from ._ops import Ops, Term

StateFn = Callable[[Ops, Env, Ctl], Term]
TransitionFn = Callable[[Ops, Env, Ctl, EventKind, Term, Ctl], Term]


@dataclass(frozen=True, slots=True)
class StateProperty:
    """A property of every reachable control state; ``aux``: an auxiliary invariant."""

    name: str
    rules: tuple[str, ...]
    holds: StateFn
    aux: bool = False


@dataclass(frozen=True, slots=True)
class TransitionProperty:
    """A property of every step ``before --(kind, value)--> after``."""

    name: str
    rules: tuple[str, ...]
    holds: TransitionFn


def _u32(ops: Ops, *values: Term) -> Term:
    return ops.all(*(ops.all(x >= 0, x <= U32_MASK) for x in values))


def _representation(ops: Ops, env: Env, s: Ctl) -> Term:
    """Latches and latched values are u32, lengths natural; absent values are 0 / false."""
    no_command = ops.all(
        ops.not_(s.c_read),
        ops.not_(s.c_has_sid),
        s.c_sid == 0,
        s.c_block == 0,
        s.c_count == 0,
        s.c_addr == 0,
        ops.not_(s.c_dma),
        s.c_ticks == 0,
    )
    return ops.all(
        _u32(ops, s.sid, s.block, s.count, s.addr, s.c_sid, s.c_block, s.c_count, s.c_addr),
        s.rlen >= 0,
        s.cursor >= 0,
        s.wlen >= 0,
        s.c_ticks >= 0,
        ops.implies(ops.not_(s.has_sid), s.sid == 0),
        ops.implies(ops.not_(s.c_has_sid), s.c_sid == 0),
        ops.implies(ops.not_(s.busy), no_command),
    )


def _rdy_busy(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.not_(ops.all(bit(ops, s.flags, RDY), bit(ops, s.flags, BUSY)))


def _busy_iff_command(ops: Ops, env: Env, s: Ctl) -> Term:
    return bit(ops, s.flags, BUSY) == s.busy


def _flags_readable(ops: Ops, env: Env, s: Ctl) -> Term:
    return (s.flags & ~(RDY | ERR | BUSY)) == 0


def _cursor(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.all(s.cursor >= 0, s.cursor <= s.rlen, s.cursor % WORD_SIZE == 0)


def _staging(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.all(s.wlen <= s.count * env.block_size, s.wlen % WORD_SIZE == 0)


def _idle_ready_or_error(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.implies(ops.not_(s.busy), bit(ops, s.flags, RDY | ERR))


def _mirrors(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.implies(
        s.busy,
        ops.all(
            s.c_has_sid == s.has_sid,
            s.c_sid == s.sid,
            s.c_block == s.block,
            s.c_count == s.count,
            s.c_addr == s.addr,
            s.c_dma == s.dma,
        ),
    )


def _ticks(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.implies(s.busy, ops.all(s.c_ticks >= 1, s.c_ticks <= env.latency))


def _pending_only_busy(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.implies(s.reset_pending, s.busy)


def _selected_attached(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.implies(s.has_sid, env.attached(s.sid))


def _staging_fits(ops: Ops, env: Env, s: Ctl) -> Term:
    return ops.implies(s.busy, s.wlen <= s.c_count * env.block_size)


#: The state properties, the explorer's first, then the auxiliary invariants.
STATE_PROPERTIES: Final[tuple[StateProperty, ...]] = (
    StateProperty("rdy-busy-exclusive", ("R-INV-2",), _rdy_busy),
    StateProperty("busy-iff-command", ("R-CMD-1", "R-CMD-10"), _busy_iff_command),
    StateProperty("flags-readable-only", ("R-RD-1",), _flags_readable),
    StateProperty("cursor-in-read-buffer", ("R-PIO-1", "R-PIO-2"), _cursor),
    StateProperty("staging-within-count", ("R-PIO-3", "R-PIO-4"), _staging),
    StateProperty("AUX-1 representation", (), _representation, aux=True),
    StateProperty("AUX-2 idle-ready-or-error", (), _idle_ready_or_error, aux=True),
    StateProperty("AUX-3 command-mirrors-latches", ("R-BSY-3",), _mirrors, aux=True),
    StateProperty("AUX-4 ticks-within-latency", ("R-BSY-1",), _ticks, aux=True),
    StateProperty("AUX-5 reset-pending-only-busy", ("R-BSY-5",), _pending_only_busy, aux=True),
    StateProperty("AUX-6 selected-attached", ("R-WR-2",), _selected_attached, aux=True),
    StateProperty("AUX-7 staging-fits-command", ("R-CMD-9",), _staging_fits, aux=True),
)


def invariant(ops: Ops, env: Env, s: Ctl) -> Term:
    """All state properties at once: the inductive invariant."""
    return ops.all(*(p.holds(ops, env, s) for p in STATE_PROPERTIES))


def _is_srst_write(ops: Ops, kind: EventKind, v: Term) -> Term:
    if kind is not EventKind.WRITE_STATUS:
        return ops.boolean(False)
    return bit(ops, ops.word(v), SRST)


def _err_sticky(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term, t: Ctl) -> Term:
    cleared = ops.all(bit(ops, s.flags, ERR), ops.not_(bit(ops, t.flags, ERR)))
    by_reset = ops.any(
        ops.all(ops.not_(s.busy), _is_srst_write(ops, kind, v)),
        ops.all(s.reset_pending, ops.not_(t.busy)),
    )
    return ops.implies(cleared, by_reset)


def _equal(ops: Ops, a: Ctl, b: Ctl) -> Term:
    return ops.all(*(x == y for x, y in zip(a, b, strict=True)))


def _srst_resets(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term, t: Ctl) -> Term:
    reset = reset_ctl(ops)
    plain = (
        ops.boolean(False)
        if kind is not EventKind.WRITE_STATUS
        else (ops.word(v) & SETTABLE) == SRST
    )
    return ops.all(
        ops.implies(ops.all(ops.not_(s.busy), plain), _equal(ops, t, reset)),
        ops.implies(ops.all(s.busy, s.reset_pending, ops.not_(t.busy)), _equal(ops, t, reset)),
    )


def _complete_ends(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term, t: Ctl) -> Term:
    if kind is not EventKind.COMPLETE:
        return ops.boolean(True)
    return ops.implies(s.busy, ops.all(ops.not_(t.busy), ops.not_(bit(ops, t.flags, BUSY))))


def _tick_progress(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term, t: Ctl) -> Term:
    """A clock step ends the command or takes one from its remaining steps."""
    if kind is not EventKind.TICK:
        return ops.boolean(True)
    return ops.implies(s.busy, ops.any(ops.not_(t.busy), t.c_ticks == s.c_ticks - 1))


#: The explorer's transition invariants (data-only-by-command is :mod:`._frame`'s).
TRANSITION_PROPERTIES: Final[tuple[TransitionProperty, ...]] = (
    TransitionProperty("err-sticky", ("R-INV-1",), _err_sticky),
    TransitionProperty("srst-resets", ("R-RST-2", "R-BSY-5"), _srst_resets),
    TransitionProperty("complete-ends-busy", ("R-BSY-1",), _complete_ends),
    TransitionProperty("tick-progress", ("R-BSY-1",), _tick_progress),
)
