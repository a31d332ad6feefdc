"""The model's transition relation over the control state, for any geometry.

:class:`Ctl` is the controller of SPEC.md section 3 with the buffers R and W
reduced to their lengths: flags (a 32-bit word), the selection, the latches,
DMA mode, len(R) and the cursor, len(W), the in-flight command (its latched
values and remaining clock steps) and a pending SRST.  :class:`Env` is what a
step reads besides: the geometry (block and page size, RAM size, MMIO base,
latency), which storage ids are attached with what sizes, and the injected
faults still pending.  :func:`cases` mirrors ``model.transitions.TABLE``: for
an event kind and value it lists every outcome the model can take, each with
its guard, its successor and its data effect (:class:`Effect`), under the
model's own outcome names.  Written against :class:`~.ops.Ops`, the same
code computes concrete successors and builds the z3 formula.

Representation: no selection is ``has_sid`` false with ``sid`` 0, and no
command is ``busy`` false with every ``c_*`` field 0 (or false).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, NamedTuple

from ..model import EventKind
from ..spec.regmap import GUEST_SETTABLE, WORD_SIZE, Flag
from ._ops import Ops, Term

RDY: Final = int(Flag.RDY)
ERR: Final = int(Flag.ERR)
BUSY: Final = int(Flag.BUSY)
SRST: Final = int(Flag.SRST)
DMA: Final = int(Flag.DMA)
READ: Final = int(Flag.READ)
WRITE: Final = int(Flag.WRITE)
SETTABLE: Final = int(GUEST_SETTABLE)


class Ctl(NamedTuple):
    """The control state of the controller (SPEC.md section 3), buffers as lengths."""

    flags: Term
    has_sid: Term
    sid: Term
    block: Term
    count: Term
    addr: Term
    dma: Term
    rlen: Term
    cursor: Term
    wlen: Term
    busy: Term
    c_read: Term
    c_has_sid: Term
    c_sid: Term
    c_block: Term
    c_count: Term
    c_addr: Term
    c_dma: Term
    c_ticks: Term
    reset_pending: Term


class Env(NamedTuple):
    """What a step reads besides the controller: geometry, storages, pending faults.

    ``attached(sid)`` and ``size(sid)`` describe the storages; ``pending(sid,
    is_read)`` the injected faults still to come for a direction.
    """

    block_size: Term
    page_size: Term
    ram_size: Term
    mmio_base: Term
    latency: Term
    attached: Callable[[Term], Term]
    size: Callable[[Term], Term]
    pending: Callable[[Term, Term], Term]


class Effect(NamedTuple):
    """The data effect of a step (R-CMD-6..R-CMD-9, R-HOST-7).

    ``to_ram``: a DMA READ copies storage ``sid`` bytes ``[offset, offset +
    length)`` to RAM at ``addr``.  ``to_storage``: a WRITE puts into those
    bytes RAM ``[addr, addr + length)`` (``dma``) or W (``wlen`` bytes)
    padded with zeros.  ``fault``: an injected fault of direction
    ``is_read`` on ``sid`` is consumed.
    """

    to_ram: Term
    to_storage: Term
    fault: Term
    is_read: Term
    sid: Term
    offset: Term
    length: Term
    addr: Term
    dma: Term
    wlen: Term


class StepCase(NamedTuple):
    """One outcome of a step: its name (the model's), guard, successor and data effect."""

    outcome: str
    guard: Term
    ctl: Ctl
    effect: Effect


def reset_ctl(ops: Ops) -> Ctl:
    """The controller at power-on and after SRST (R-RST-1)."""
    f, zero = ops.boolean(False), ops.integer(0)
    return Ctl(
        ops.word(ops.integer(RDY)),
        f,
        zero,
        zero,
        zero,
        zero,
        f,
        zero,
        zero,
        zero,
        f,
        f,
        f,
        zero,
        zero,
        zero,
        zero,
        f,
        zero,
        f,
    )


def no_effect(ops: Ops) -> Effect:
    f, zero = ops.boolean(False), ops.integer(0)
    return Effect(f, f, f, f, zero, zero, zero, zero, f, zero)


def bit(ops: Ops, word: Term, mask: int) -> Term:
    """Whether ``word`` has any bit of ``mask`` set."""
    return (word & mask) != 0


def fail_flags(flags: Term) -> Term:
    """ERR set, RDY and BUSY cleared: a failed command or access."""
    return (flags | ERR) & ~(RDY | BUSY)


def is_ram_range(ops: Ops, env: Env, addr: Term, length: Term) -> Term:
    """``[addr, addr + length)`` lies in RAM, exact arithmetic (R-CMD-4, R-CMD-5)."""
    end = addr + length
    mmio_end = env.mmio_base + env.page_size
    return ops.any(
        length == 0,
        ops.all(addr >= 0, end <= env.ram_size, ops.any(end <= env.mmio_base, addr >= mmio_end)),
    )


def _idle(ops: Ops, s: Ctl, guard: Term) -> Term:
    return ops.all(ops.not_(s.busy), guard)


def _busy(ops: Ops, s: Ctl, guard: Term) -> Term:
    return ops.all(s.busy, guard)


def _ended(ops: Ops, s: Ctl, **changes: Term) -> Ctl:
    """``s`` with ``changes`` and no command in flight; a pending SRST then resets it."""
    f, zero = ops.boolean(False), ops.integer(0)
    done = s._replace(
        busy=f,
        c_read=f,
        c_has_sid=f,
        c_sid=zero,
        c_block=zero,
        c_count=zero,
        c_addr=zero,
        c_dma=f,
        c_ticks=zero,
        **changes,
    )
    reset = reset_ctl(ops)
    return Ctl(*(ops.ite(s.reset_pending, r, d) for r, d in zip(reset, done, strict=True)))


def command_ok(ops: Ops, env: Env, s: Ctl) -> Term:
    """The in-flight command passes its checks (R-CMD-2..R-CMD-5, exact arithmetic)."""
    bs = env.block_size
    return ops.all(
        s.c_has_sid,
        env.attached(s.c_sid),
        (s.c_block + s.c_count) * bs <= env.size(s.c_sid),
        ops.any(ops.not_(s.c_dma), is_ram_range(ops, env, s.c_addr, s.c_count * bs)),
    )


def complete(ops: Ops, env: Env, s: Ctl) -> list[tuple[str, Term, Ctl, Effect]]:
    """Run the in-flight command to its end (R-CMD-6..R-CMD-12, R-BSY-5)."""
    bs = env.block_size
    ok = command_ok(ops, env, s)
    hit = ops.all(ok, s.c_count > 0, env.pending(s.c_sid, s.c_read) > 0)
    zero, t = ops.integer(0), ops.boolean(True)
    failed = _ended(ops, s, flags=fail_flags(s.flags), rlen=zero, cursor=zero, wlen=zero)
    length = s.c_count * bs
    done = _ended(ops, s, flags=(s.flags & ~BUSY) | RDY, rlen=length, cursor=zero, wlen=zero)
    moved = Effect(
        ops.all(s.c_read, s.c_dma),
        ops.not_(s.c_read),
        ops.boolean(False),
        s.c_read,
        s.c_sid,
        s.c_block * bs,
        length,
        s.c_addr,
        s.c_dma,
        s.wlen,
    )
    faulted = no_effect(ops)._replace(fault=t, is_read=s.c_read, sid=s.c_sid)
    return [
        ("ok", ops.all(ok, ops.not_(hit)), done, moved),
        ("fail", ops.not_(ok), failed, no_effect(ops)),
        ("io-error", hit, failed, faulted),
    ]


_STEPS: Final = {
    (False, False): "",
    (True, False): "reset",
    (False, True): "dma",
    (True, True): "reset+dma",
}


def _write_status(ops: Ops, env: Env, s: Ctl, v: Term) -> list[StepCase]:
    """An idle STATUS write (R-ST-1..R-ST-5, R-CMD-1, R-BSY-1 at latency 0)."""
    value = ops.word(v) & SETTABLE
    srst, dma, rd, wr = (bit(ops, value, m) for m in (SRST, DMA, READ, WRITE))
    ops_of = {
        None: ops.all(ops.not_(rd), ops.not_(wr)),
        "read": rd,
        "write": ops.all(ops.not_(rd), wr),
    }
    out: list[StepCase] = []
    for (with_srst, with_dma), steps in _STEPS.items():
        base = reset_ctl(ops) if with_srst else s
        if with_dma:
            base = base._replace(dma=ops.boolean(True))
        bits = ops.all(srst if with_srst else ops.not_(srst), dma if with_dma else ops.not_(dma))
        for op, op_guard in ops_of.items():
            guard = _idle(ops, s, ops.all(bits, op_guard))
            if not ops.symbolic and not guard:
                continue  # concrete reading: only the case taken is built
            if op is None:
                out.append(StepCase(steps or "none", guard, base, no_effect(ops)))
                continue
            started = base._replace(
                flags=(base.flags | BUSY) & ~RDY,
                busy=ops.boolean(True),
                c_read=ops.boolean(op == "read"),
                c_has_sid=base.has_sid,
                c_sid=base.sid,
                c_block=base.block,
                c_count=base.count,
                c_addr=base.addr,
                c_dma=base.dma,
                c_ticks=env.latency,
            )
            name = f"{steps}+start-{op}" if steps else f"start-{op}"
            out.append(StepCase(name, ops.all(guard, env.latency != 0), started, no_effect(ops)))
            for outcome, ok, after, effect in complete(ops, env, started):
                out.append(
                    StepCase(
                        f"{name}+{outcome}", ops.all(guard, env.latency == 0, ok), after, effect
                    )
                )
    return out


def cases(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term) -> list[StepCase]:
    """Every outcome of event ``kind`` (written value ``v``) in ``s``, as the model names it.

    The guards are exclusive and, in a state of the right shape, exhaustive.
    """
    none = no_effect(ops)
    t = ops.boolean(True)
    if kind is EventKind.READ_STATUS:
        return [StepCase("flags", t, s, none)]
    if kind is EventKind.READ_OTHER:
        return [StepCase("zero", t, s, none)]
    if kind is EventKind.WRITE_OTHER:
        return [StepCase("ignored", t, s, none)]
    if kind is EventKind.READ_DATA:
        return _read_data(ops, s, none)
    if kind is EventKind.WRITE_STATUS:
        return _status_write(ops, env, s, v, none)
    if kind in (EventKind.TICK, EventKind.COMPLETE):
        return _clocked(ops, env, s, kind, none)
    return _latched(ops, env, s, kind, v, none)


def _read_data(ops: Ops, s: Ctl, none: Effect) -> list[StepCase]:
    """A DATA read: the next word of R, or an underrun (R-PIO-1, R-PIO-2, R-BSY-4)."""
    end = s.cursor + WORD_SIZE
    return [
        StepCase("ignored", s.busy, s, none),
        StepCase(
            "underrun", _idle(ops, s, end > s.rlen), s._replace(flags=fail_flags(s.flags)), none
        ),
        StepCase("word", _idle(ops, s, end <= s.rlen), s._replace(cursor=end), none),
    ]


def _status_write(ops: Ops, env: Env, s: Ctl, v: Term, none: Effect) -> list[StepCase]:
    """A STATUS write: while busy only SRST counts, deferred (R-BSY-5); idle ones below."""
    srst = bit(ops, ops.word(v), SRST)
    return [
        StepCase(
            "reset-deferred", _busy(ops, s, srst), s._replace(reset_pending=ops.boolean(True)), none
        ),
        StepCase("ignored", _busy(ops, s, ops.not_(srst)), s, none),
        *_write_status(ops, env, s, v),
    ]


def _clocked(ops: Ops, env: Env, s: Ctl, kind: EventKind, none: Effect) -> list[StepCase]:
    """A clock step or a forced completion: the command in flight waits or ends."""
    ended = [
        StepCase(
            o, _busy(ops, s, g if kind is EventKind.COMPLETE else ops.all(s.c_ticks <= 1, g)), c, e
        )
        for o, g, c, e in complete(ops, env, s)
    ]
    if kind is EventKind.TICK:
        ended.append(
            StepCase("wait", _busy(ops, s, s.c_ticks > 1), s._replace(c_ticks=s.c_ticks - 1), none)
        )
    return [StepCase("ignored", ops.not_(s.busy), s, none), *ended]


def _latched(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term, none: Effect) -> list[StepCase]:
    """A write of SID, BLOCK, COUNT, ADDR or DATA: ignored while busy (R-BSY-3), else taken
    (R-WR-2..R-WR-5, R-PIO-3, R-PIO-4)."""
    ignored = StepCase("ignored", s.busy, s, none)
    idle = ops.not_(s.busy)
    if kind is EventKind.WRITE_SID:
        known = env.attached(v)
        unknown = s._replace(
            has_sid=ops.boolean(False), sid=ops.integer(0), flags=(s.flags | ERR) & ~RDY
        )
        return [
            ignored,
            StepCase(
                "select", _idle(ops, s, known), s._replace(has_sid=ops.boolean(True), sid=v), none
            ),
            StepCase("unknown", _idle(ops, s, ops.not_(known)), unknown, none),
        ]
    if kind is EventKind.WRITE_BLOCK:
        return [ignored, StepCase("latch", idle, s._replace(block=v), none)]
    if kind is EventKind.WRITE_COUNT:
        return [ignored, StepCase("latch", idle, s._replace(count=v, wlen=ops.integer(0)), none)]
    if kind is EventKind.WRITE_ADDR:
        return [ignored, StepCase("latch", idle, s._replace(addr=v), none)]
    assert kind is EventKind.WRITE_DATA
    over = s.wlen + WORD_SIZE > s.count * env.block_size
    return [
        ignored,
        StepCase("overrun", _idle(ops, s, over), s._replace(flags=fail_flags(s.flags)), none),
        StepCase(
            "append", _idle(ops, s, ops.not_(over)), s._replace(wlen=s.wlen + WORD_SIZE), none
        ),
    ]


def merge(ops: Ops, all_cases: list[StepCase]) -> tuple[Ctl, Effect]:
    """The successor and effect of a list of exclusive, exhaustive cases, as one term."""
    ctl, effect = all_cases[-1].ctl, all_cases[-1].effect
    for case in reversed(all_cases[:-1]):
        ctl = Ctl(*(ops.ite(case.guard, a, b) for a, b in zip(case.ctl, ctl, strict=True)))
        effect = Effect(
            *(ops.ite(case.guard, a, b) for a, b in zip(case.effect, effect, strict=True))
        )
    return ctl, effect


def taken(all_cases: list[StepCase]) -> StepCase:
    """The one case whose guard holds (concrete reading only)."""
    hits = [c for c in all_cases if c.guard]
    if len(hits) != 1:
        raise ValueError(f"{len(hits)} cases apply: {[c.outcome for c in hits]}")
    return hits[0]
