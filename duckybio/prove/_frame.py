"""The data frame (R-INV-3): RAM and storages as arrays, for every geometry.

:func:`apply_effect` is what an :class:`~._encoding.Effect` does to concrete
bytes; :func:`successor_arrays` builds the same update as z3 array terms
(lambdas over unbounded integer indices, so that no range wraps), and
:func:`data_frame` states R-INV-3 over them, reconstructing the command that
completed from the states before and after as the explorer does.
"""

from __future__ import annotations

from typing import NamedTuple

import z3

from ..model import EventKind, MachineState, ModelConfig, Op
from ._encoding import DMA as DMA_BIT
from ._encoding import READ, SETTABLE, SRST, WRITE, Ctl, Effect, Env, bit, command_ok, reset_ctl
from ._ops import SYMBOLIC, Ops, Term


class Arrays(NamedTuple):
    """RAM (index -> byte), storages ((sid, index) -> byte) and W (index -> byte)."""

    ram: z3.ArrayRef
    storages: z3.ArrayRef
    wbuf: z3.ArrayRef


def fresh_arrays(prefix: str) -> Arrays:
    byte = z3.BitVecSort(8)
    return Arrays(
        z3.Array(f"{prefix}ram", z3.IntSort(), byte),
        z3.Array(f"{prefix}storages", z3.IntSort(), z3.IntSort(), byte),
        z3.Array(f"{prefix}wbuf", z3.IntSort(), byte),
    )


def successor_arrays(e: Effect, a: Arrays) -> tuple[z3.ArrayRef, z3.ArrayRef]:
    """RAM and storages after effect ``e`` (R-CMD-7..R-CMD-9)."""
    j, k, i = z3.Ints("j k i")
    end = e.offset + e.length
    ram = z3.Lambda(
        [j],
        z3.If(
            z3.And(e.to_ram, e.addr <= j, j < e.addr + e.length),
            a.storages[e.sid, e.offset + j - e.addr],
            a.ram[j],
        ),
    )
    x = i - e.offset
    source = z3.If(e.dma, a.ram[e.addr + x], z3.If(x < e.wlen, a.wbuf[x], z3.BitVecVal(0, 8)))
    storages = z3.Lambda(
        [k, i],
        z3.If(z3.And(e.to_storage, k == e.sid, e.offset <= i, i < end), source, a.storages[k, i]),
    )
    return ram, storages


def _completed(ops: Ops, env: Env, s: Ctl, kind: EventKind, v: Term, t: Ctl) -> tuple[Term, Ctl]:
    """Whether a command completed in this step, and the controller that latched it.

    The command's fields are the returned controller's latches (``c_read``
    its direction), as R-CMD-1 latches them: from the command in flight, or
    from a STATUS write that started one and completed it at once.
    """
    from_busy = s._replace(
        has_sid=s.c_has_sid,
        sid=s.c_sid,
        block=s.c_block,
        count=s.c_count,
        addr=s.c_addr,
        dma=s.c_dma,
    )
    if kind is not EventKind.WRITE_STATUS:
        return ops.all(s.busy, ops.not_(t.busy)), from_busy
    value = ops.word(v) & SETTABLE
    base = Ctl(
        *(ops.ite(bit(ops, value, SRST), r, x) for r, x in zip(reset_ctl(ops), s, strict=True))
    )
    latched = base._replace(
        dma=ops.any(base.dma, bit(ops, value, DMA_BIT)),
        c_read=bit(ops, value, READ),
        c_has_sid=base.has_sid,
        c_sid=base.sid,
        c_block=base.block,
        c_count=base.count,
        c_addr=base.addr,
    )
    latched = latched._replace(c_dma=latched.dma)
    started = ops.all(ops.not_(s.busy), bit(ops, value, READ | WRITE), ops.not_(t.busy))
    done = ops.ite(s.busy, ops.all(s.busy, ops.not_(t.busy)), started)
    merged = Ctl(*(ops.ite(s.busy, b, x) for b, x in zip(from_busy, latched, strict=True)))
    return done, merged


def data_frame(
    env: Env,
    s: Ctl,
    kind: EventKind,
    v: Term,
    t: Ctl,
    a: Arrays,
    e: Effect,
    where: tuple[Term, Term, Term],
) -> Term:
    """R-INV-3 at the indices ``where`` = (sid, storage index, RAM index), as a z3 term.

    A storage byte changes only by a successful WRITE, in its addressed
    blocks; a RAM byte only by a successful DMA READ, in its DMA range, which
    lies in RAM (never the MMIO page, never past RAM).
    """
    ops = SYMBOLIC
    ram2, storages2 = successor_arrays(e, a)
    sid, i, j = where
    done, c = _completed(ops, env, s, kind, v, t)
    command = c._replace(busy=ops.boolean(True))
    ok = ops.all(done, command_ok(ops, env, command))
    bs = env.block_size
    storage_ok = ops.all(
        ok,
        ops.not_(c.c_read),
        c.c_has_sid,
        c.c_sid == sid,
        c.c_block * bs <= i,
        i < (c.c_block + c.c_count) * bs,
    )
    ram_ok = ops.all(
        ok,
        c.c_read,
        c.c_dma,
        c.c_addr <= j,
        j < c.c_addr + c.c_count * bs,
        j >= 0,
        j < env.ram_size,
        ops.any(j < env.mmio_base, j >= env.mmio_base + env.page_size),
    )
    return ops.all(
        ops.implies(storages2[sid, i] != a.storages[sid, i], storage_ok),
        ops.implies(ram2[j] != a.ram[j], ram_ok),
    )


class Bytes(NamedTuple):
    """The data of a machine an effect acts on: RAM, storages, faults and R."""

    ram: bytes
    storages: tuple[tuple[int, bytes], ...]
    faults: tuple[tuple[int, Op, int], ...]
    rbuf: bytes | None


def apply_effect(cfg: ModelConfig, state: MachineState, e: Effect) -> Bytes:
    """What effect ``e`` does to ``state``'s bytes (concrete); ``rbuf`` the data moved."""
    if e.fault:
        op = Op.READ if e.is_read else Op.WRITE
        after = state.with_faults(e.sid, op, state.pending_faults(e.sid, op) - 1)
        return Bytes(after.ram, after.storages, after.faults, None)
    if not (e.to_ram or e.to_storage):
        return Bytes(state.ram, state.storages, state.faults, None)
    storage = state.storage(e.sid)
    assert storage is not None
    if e.to_ram or e.is_read:
        data = storage[e.offset : e.offset + e.length]
        ram = state.ram
        if e.to_ram:
            ram = ram[: e.addr] + data + ram[e.addr + e.length :]
        return Bytes(ram, state.storages, state.faults, data)
    wbuf = state.bio.wbuf
    data = state.ram[e.addr : e.addr + e.length] if e.dma else wbuf + bytes(e.length - len(wbuf))
    written = storage[: e.offset] + data + storage[e.offset + e.length :]
    return Bytes(state.ram, state.with_storage(e.sid, written).storages, state.faults, data)
