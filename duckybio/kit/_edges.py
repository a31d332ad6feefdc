"""Host commands at the edges: what a conforming target must refuse, or accept.

SPEC section 12 fixes which host accesses a target refuses: ids that are not
u32 or are already attached (R-HOST-2), storage ranges past the end or of an
unknown id (R-HOST-3), RAM ranges past RAM or touching the MMIO page, while an
empty range is always accepted (R-HOST-4), 32-bit accesses likewise
(R-HOST-5), faults on an unknown id (R-HOST-7), bad machine geometry
(R-HOST-1).  :func:`host_edges` lists, for one machine, the commands on both
sides of every such edge, each followed by a read that shows whether a refused
command changed anything; the harness compares every answer with the model's.
:func:`machine_edges` are the ``machine`` commands a target must refuse or
accept; each is followed by the machine's power-on again, since what a refused
``machine`` leaves behind is unspecified.
"""

from __future__ import annotations

from ..spec import wire
from ..spec.regmap import DEFAULT_RAM_SIZE, PAGE_SIZE, U32_MASK, WORD_SIZE, Reg
from ._instance import Instance
from ._power_on import power_on_commands

__all__ = ["host_edges", "machine_edges", "wide"]

#: Added to a u32 to make a number that is not one (R-HOST-2, R-WR-1).
_ABOVE_U32 = 1 << 32
#: A few bytes a refused write would leave behind.
_MARK = bytes(range(0xA0, 0xA8))


def wide(value: int) -> int:
    """``value`` with bits above 32 set: the same u32 once taken modulo 2**32 (R-WR-1)."""
    return _ABOVE_U32 | (value & U32_MASK)


def host_edges(inst: Instance) -> list[wire.Command]:
    """Storage, RAM, 32-bit and fault commands on both sides of every host edge of ``inst``."""
    out: list[wire.Command] = []
    unknown = inst.unknown_sids()
    for sid in unknown[:2]:
        out += [wire.AttachStorage(wide(sid), PAGE_SIZE), wire.StorageRead(sid, 0, 0),
                wire.StorageRead(wide(sid), 0, 0), wire.Fault(wide(sid), "read", 1),
                wire.Fault(sid, "write", 1)]
    out.append(wire.AttachStorage(wire.WIRE_MAX, 0))
    for shape in inst.storages:
        sid, size = shape.sid, shape.size
        out += [wire.AttachStorage(sid, PAGE_SIZE), wire.AttachStorage(wide(sid), PAGE_SIZE),
                wire.StorageRead(wide(sid), 0, 0), wire.StorageWrite(wide(sid), 0, _MARK[:1]),
                wire.StorageRead(sid, 0, 0), wire.StorageRead(sid, size, 0),
                wire.StorageRead(sid, size + 1, 0), wire.StorageRead(sid, size, 1),
                wire.StorageRead(sid, 0, size + 1), wire.StorageWrite(sid, size, b""),
                wire.StorageWrite(sid, size + 1, b""), wire.StorageWrite(sid, size, _MARK[:1])]
        if size:
            out += [wire.StorageRead(sid, size - 1, 1), wire.StorageRead(sid, size - 1, 2),
                    wire.StorageWrite(sid, max(size - 4, 0), _MARK)]
        out.append(wire.StorageRead(sid, 0, size))
    base, end, ram = inst.mmio_base, inst.mmio_base + PAGE_SIZE, inst.ram_size
    for addr in (0, base, base + PAGE_SIZE // 2, ram, ram + PAGE_SIZE, U32_MASK, wire.WIRE_MAX):
        out += [wire.RamRead(addr, 0), wire.RamWrite(addr, b"")]
    out += [wire.RamRead(ram - 1, 1), wire.RamRead(ram - 1, 2), wire.RamRead(ram, 1),
            wire.RamWrite(ram - 4, _MARK), wire.Readl(ram - WORD_SIZE), wire.Readl(ram - 2),
            wire.Writel(ram - 2, U32_MASK), wire.Writel(ram, 0)]
    if base >= WORD_SIZE:
        out += [wire.RamRead(base - 1, 2), wire.RamWrite(base - 4, _MARK), wire.Readl(base - 2),
                wire.Writel(base - 2, U32_MASK), wire.Writel(base - WORD_SIZE, 0x11223344),
                wire.RamRead(base - WORD_SIZE, WORD_SIZE), wire.Readl(base - WORD_SIZE)]
    if end < ram:
        out += [wire.RamRead(end - 1, 2), wire.RamWrite(end - 2, _MARK[:4]), wire.RamRead(end, 1),
                wire.Writel(end, 0x55667788), wire.RamRead(end, WORD_SIZE), wire.Readl(end)]
    out += [wire.RamRead(ram - 8, 8)]
    if base >= WORD_SIZE:
        out.append(wire.RamRead(base - 8, 8))
    return out


def machine_edges(inst: Instance) -> list[wire.Command]:
    """``machine`` commands a target must refuse or accept, then ``inst`` powered on again.

    A machine at MMIO base 0 is powered on and its STATUS read (R-HOST-1: any
    page-aligned base, 0 included); a machine of 16 MiB of RAM must be accepted
    (R-HOST-10).
    """
    ram, base = inst.ram_size, inst.mmio_base
    out: list[wire.Command] = [
        wire.PowerOn(ram + PAGE_SIZE // 2, base), wire.PowerOn(ram, base + WORD_SIZE),
        wire.PowerOn(ram, wide(base)),
        wire.PowerOn(ram, 0), wire.Readl(Reg.STATUS), wire.Readl(Reg.SID),
        wire.Readl(PAGE_SIZE), wire.RamRead(PAGE_SIZE, WORD_SIZE),
        wire.PowerOn(DEFAULT_RAM_SIZE, base),
    ]
    return out + power_on_commands(inst)
