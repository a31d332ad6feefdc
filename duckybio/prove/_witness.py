"""Witnesses: concrete machines the solver builds for every case of the encoding, at the edges.

For each event kind, each case of :func:`~._encoding.cases` and each edge
(:func:`edges`: u32 extremes, sums that wrap in 32 bits, the end of RAM and
of a storage, the MMIO page's edges, an exactly full W, a cursor at the end
of R, the last clock step...), the solver is asked for a state satisfying
the proved invariant that takes that case at that edge, on a machine a wire
target can build (:func:`~._symbols.witness_env`).  Each answer becomes a
concrete machine, state and event for :func:`~._conformance.compare`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import z3

from ..model import (
    BioState,
    Command,
    Complete,
    Event,
    EventKind,
    MachineState,
    ModelConfig,
    Op,
    Read,
    StorageSpec,
    Tick,
    Write,
)
from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, RESERVED_START, U32_MASK, Reg
from ._encoding import ERR, Ctl, Env, cases
from ._ops import SYMBOLIC, Term
from ._properties import invariant
from ._symbols import WITNESS_BYTES, fresh_ctl, fresh_value, witness_env

#: The longest a witness query may take (milliseconds); past it the edge is skipped.
QUERY_MS = 2000

_OFFSETS = {
    EventKind.READ_STATUS: Reg.STATUS,
    EventKind.READ_DATA: Reg.DATA,
    EventKind.READ_OTHER: RESERVED_START,
    EventKind.WRITE_STATUS: Reg.STATUS,
    EventKind.WRITE_SID: Reg.SID,
    EventKind.WRITE_BLOCK: Reg.BLOCK,
    EventKind.WRITE_COUNT: Reg.COUNT,
    EventKind.WRITE_ADDR: Reg.ADDR,
    EventKind.WRITE_DATA: Reg.DATA,
    EventKind.WRITE_OTHER: RESERVED_START,
}

#: The event kinds whose outcome depends on sums and products: tried at every edge.
_ARITHMETIC = frozenset(
    {
        EventKind.WRITE_STATUS,
        EventKind.TICK,
        EventKind.COMPLETE,
        EventKind.READ_DATA,
        EventKind.WRITE_DATA,
    }
)


def edges(env: Env, s: Ctl, kind: EventKind, v: Term) -> list[Term]:
    """The edge conditions each case is tried at (the first: none)."""
    first = [z3.BoolVal(True), v == (-1 if z3.is_bv(v) else U32_MASK), s.flags & ERR != 0]
    if kind not in _ARITHMETIC:
        return [*first, env.attached(v)] if kind is EventKind.WRITE_SID else first
    bs, ps = env.block_size, env.page_size
    length = s.count * bs
    end = (s.block + s.count) * bs
    return [
        *first,
        s.block == U32_MASK,
        s.count == U32_MASK,
        s.addr == U32_MASK,
        s.block + s.count > U32_MASK,
        s.addr + length > U32_MASK,
        z3.And(s.count > 0, s.addr + length == env.ram_size),
        z3.And(s.count > 0, s.addr + length == env.mmio_base),
        z3.And(s.count > 0, s.addr + length == env.mmio_base + 1),
        z3.And(s.count > 0, s.addr == env.mmio_base + ps),
        z3.And(s.count > 0, s.addr == env.mmio_base + ps - 1),
        z3.And(s.count > 0, end == env.size(s.sid)),
        z3.And(end > env.size(s.sid), end - bs <= env.size(s.sid)),
        s.count == 0,
        s.wlen + 4 == length,
        s.cursor == s.rlen,
        s.cursor + 4 == s.rlen,
        s.reset_pending,
        s.c_ticks == 1,
        z3.And(s.busy, s.c_ticks == env.latency),
        env.pending(s.sid, s.c_read) > 0,
        # the same edges with the other checks passing, so that only the edge decides
        z3.And(s.has_sid, s.count >= 1, s.count <= 2, s.block + s.count > U32_MASK),
        z3.And(s.has_sid, s.count >= 1, end <= env.size(s.sid), s.addr + length > U32_MASK),
        z3.And(
            s.has_sid, s.count >= 1, end <= env.size(s.sid), s.addr + length == env.mmio_base + 1
        ),
        z3.And(
            s.has_sid, s.count >= 1, end <= env.size(s.sid), s.addr + length == env.ram_size + 1
        ),
        # E8: an end that wraps to 0 in 32 bits, every other check passing (u32 arithmetic
        # would let the command through), latched and in flight
        z3.And(
            s.has_sid,
            env.attached(s.sid),
            s.count >= 1,
            s.block + s.count == U32_MASK + 1,
            z3.Not(s.dma),
        ),
        z3.And(
            s.busy,
            s.c_has_sid,
            env.attached(s.c_sid),
            s.c_count >= 1,
            s.c_block + s.c_count == U32_MASK + 1,
            z3.Not(s.c_dma),
        ),
    ]


def _value(model: z3.ModelRef, term: Term) -> int:
    got = model.eval(term, model_completion=True)
    return bool(z3.is_true(got)) if z3.is_bool(got) else int(got.as_long())


def _event(kind: EventKind, value: int) -> Event:
    if kind is EventKind.TICK:
        return Tick()
    if kind is EventKind.COMPLETE:
        return Complete()
    offset = int(_OFFSETS[kind])
    return Read(offset) if kind.value.startswith("read") else Write(offset, value)


def concrete(
    model: z3.ModelRef,
    consts: dict[str, Term],
    s: Ctl,
    kind: EventKind,
    v: Term,
    rng: random.Random,
) -> tuple[ModelConfig, MachineState, Event]:
    """The machine, state and event a model of a witness query stands for."""
    g = {name: _value(model, term) for name, term in consts.items()}
    c = Ctl(*(_value(model, term) for term in s))
    sizes = ((g["sid0"], g["size0"]), (g["sid1"], g["size1"]))
    cfg = ModelConfig(
        block_size=BLOCK_SIZE,
        page_size=PAGE_SIZE,
        ram_size=g["ram_pages"] * PAGE_SIZE,
        mmio_base=g["mmio_page"] * PAGE_SIZE,
        storages=tuple(StorageSpec(sid, size) for sid, size in sizes),
        latency=g["latency"],
    )
    command = None
    if c.busy:
        command = Command(
            Op.READ if c.c_read else Op.WRITE,
            c.c_sid if c.c_has_sid else None,
            c.c_block,
            c.c_count,
            c.c_addr,
            bool(c.c_dma),
            c.c_ticks,
        )
    bio = BioState(
        flags=c.flags,
        sid=c.sid if c.has_sid else None,
        block=c.block,
        count=c.count,
        addr=c.addr,
        dma=bool(c.dma),
        rbuf=rng.randbytes(c.rlen),
        cursor=c.cursor,
        wbuf=rng.randbytes(c.wlen),
        command=command,
        reset_pending=bool(c.reset_pending),
    )
    state = MachineState(
        bio, rng.randbytes(cfg.ram_size), tuple((sid, rng.randbytes(size)) for sid, size in sizes)
    )
    for i, (sid, _size) in enumerate(sizes):
        state = state.with_faults(sid, Op.READ, g[f"fr{i}"])
        state = state.with_faults(sid, Op.WRITE, g[f"fw{i}"])
    return cfg, state, _event(kind, _value(model, v))


def witnesses(seed: int = 0) -> Iterator[tuple[ModelConfig, MachineState, Event]]:
    """One concrete step per (event kind, case, edge) the solver finds satisfiable."""
    rng = random.Random(seed)
    env, limits, consts = witness_env()
    for kind in EventKind:
        s = fresh_ctl("w_")
        v, v_range = fresh_value(kind, "w_v")
        base = [
            *limits,
            *v_range,
            invariant(SYMBOLIC, env, s),
            s.rlen <= WITNESS_BYTES,
            s.wlen <= WITNESS_BYTES,
        ]
        for case in cases(SYMBOLIC, env, s, kind, v):
            for edge in edges(env, s, kind, v):
                solver = z3.Solver()  # a fresh solver: non-incremental solving is far faster
                solver.set("timeout", QUERY_MS)
                solver.add(*base, case.guard, edge)
                if solver.check() == z3.sat:
                    yield concrete(solver.model(), consts, s, kind, v, rng)
