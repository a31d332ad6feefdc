"""Symbolic states and environments: fresh z3 constants for a control state and a geometry.

:func:`proof_env` leaves every parameter free (any block and page size, RAM
size, MMIO base, latency, any set of storages of any sizes, any pending
faults); :func:`witness_env` fixes a machine a wire target can build (1024-byte
blocks, 256-byte pages, a few KiB of RAM, two storages), so that a model of a
query is a concrete machine the model can run.
"""

from __future__ import annotations

from typing import Final

import z3

from ..model import EventKind
from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, U32_MASK
from ._encoding import Ctl, Env
from ._ops import Term

_BOOLS: Final = {"has_sid", "dma", "busy", "c_read", "c_has_sid", "c_dma", "reset_pending"}


def fresh_ctl(prefix: str) -> Ctl:
    """A control state of fresh constants named ``prefix + field``."""
    values: list[Term] = []
    for name in Ctl._fields:
        full = f"{prefix}{name}"
        if name == "flags":
            values.append(z3.BitVec(full, 32))
        elif name in _BOOLS:
            values.append(z3.Bool(full))
        else:
            values.append(z3.Int(full))
    return Ctl(*values)


def fresh_value(kind: EventKind, name: str) -> tuple[Term, list[Term]]:
    """The written value of an event of ``kind``, and its range.

    A STATUS write's value is a 32-bit word (only its bits matter, R-ST-1);
    any other written value an integer in the u32 range (it is latched and
    compared exactly).  Reads, ticks and completions write nothing (0).
    """
    if kind is EventKind.WRITE_STATUS:
        return z3.BitVec(name, 32), []
    v = z3.Int(name)
    if kind.value.startswith("write"):
        return v, [v >= 0, v <= U32_MASK]
    return v, [v == 0]


def proof_env() -> tuple[Env, list[Term]]:
    """A free geometry and storage set, and its only assumptions."""
    bs, ps, ram, mmio, lat = z3.Ints("block_size page_size ram_size mmio_base latency")
    attached = z3.Function("attached", z3.IntSort(), z3.BoolSort())
    size = z3.Function("size", z3.IntSort(), z3.IntSort())
    pending_read = z3.Function("pending_read", z3.IntSort(), z3.IntSort())
    pending_write = z3.Function("pending_write", z3.IntSort(), z3.IntSort())
    env = Env(
        bs,
        ps,
        ram,
        mmio,
        lat,
        attached,
        size,
        lambda sid, is_read: z3.If(is_read, pending_read(sid), pending_write(sid)),
    )
    return env, [bs >= 1, ps >= 1, ram >= 0, mmio >= 0, mmio <= U32_MASK, lat >= 0]


#: The most bytes of RAM and of each storage a witness machine has.
WITNESS_BYTES: Final = 8192


def witness_env() -> tuple[Env, list[Term], dict[str, Term]]:
    """A small wire-buildable machine with free parameters, its constraints and constants."""
    ram_pages, mmio_page, lat = z3.Ints("w_ram_pages w_mmio_page w_latency")
    sid0, sid1, size0, size1 = z3.Ints("w_sid0 w_sid1 w_size0 w_size1")
    faults = z3.Ints("w_fr0 w_fw0 w_fr1 w_fw1")
    fr0, fw0, fr1, fw1 = faults
    consts = {
        "ram_pages": ram_pages,
        "mmio_page": mmio_page,
        "latency": lat,
        "sid0": sid0,
        "sid1": sid1,
        "size0": size0,
        "size1": size1,
        "fr0": fr0,
        "fw0": fw0,
        "fr1": fr1,
        "fw1": fw1,
    }

    def attached(sid: Term) -> Term:
        return z3.Or(sid == sid0, sid == sid1)

    def size(sid: Term) -> Term:
        return z3.If(sid == sid0, size0, z3.If(sid == sid1, size1, 0))

    def pending(sid: Term, is_read: Term) -> Term:
        return z3.If(
            sid == sid0, z3.If(is_read, fr0, fw0), z3.If(sid == sid1, z3.If(is_read, fr1, fw1), 0)
        )

    env = Env(
        z3.IntVal(BLOCK_SIZE),
        z3.IntVal(PAGE_SIZE),
        ram_pages * PAGE_SIZE,
        mmio_page * PAGE_SIZE,
        lat,
        attached,
        size,
        pending,
    )
    limits = [
        ram_pages >= 1,
        ram_pages * PAGE_SIZE <= WITNESS_BYTES,
        mmio_page >= 0,
        mmio_page <= U32_MASK // PAGE_SIZE,
        lat >= 0,
        lat <= 3,
        sid0 >= 0,
        sid0 < sid1,
        sid1 <= U32_MASK,
        size0 >= 0,
        size0 <= WITNESS_BYTES,
        size1 >= 0,
        size1 <= WITNESS_BYTES,
        *(z3.And(f >= 0, f <= 2) for f in faults),
    ]
    return env, limits, consts
