"""The BIO register map: the single source of truth for every constant.

Offsets, access modes, reset values, flag bits, block and page sizes and the
machine defaults are defined here once, as typed data, together with what each
one means (:data:`CONSTANT_DEFS`, :data:`FLAG_DEFS`, :data:`REGISTER_DEFS`).
Everything else -- the model, the implementation, the generated C header and
documentation, the tests -- reads them from this module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Literal

# Sizes and machine defaults (SPEC.md section 2); CONSTANT_DEFS says what each means.
BLOCK_SIZE: Final = 1024
PAGE_SIZE: Final = 256
WORD_SIZE: Final = 4
U32_MASK: Final = 0xFFFFFFFF
DEFAULT_RAM_SIZE: Final = 0x1000000
DEFAULT_MMIO_ADDRESS: Final = 0x8400
DEFAULT_IRQ: Final = 0x02
DATA_INVALID: Final = 0xFFFFFFFF

Access = Literal["rw", "r", "w"]


@dataclass(frozen=True, slots=True)
class ConstantDef:
    """One named constant of this module: its name, its value and what it means."""

    name: str
    value: int
    description: str


@dataclass(frozen=True, slots=True)
class FlagDef:
    """One bit of the STATUS register."""

    name: str
    mask: int
    guest_settable: bool
    readable: bool
    description: str


@dataclass(frozen=True, slots=True)
class RegisterDef:
    """One 32-bit register of the MMIO page."""

    name: str
    offset: int
    access: Access
    reset: int
    on_read: str
    on_write: str


FLAG_DEFS: Final[tuple[FlagDef, ...]] = (
    FlagDef("RDY", 0x01, False, True,
            "Ready: the last command completed; a new one may be started."),
    FlagDef("ERR", 0x02, False, True,
            "Error: a command, a storage selection or a data-port access failed. "
            "Sticky: only SRST clears it."),
    FlagDef("READ", 0x04, True, False,
            "Write-only: start a read command (storage to RAM or read buffer)."),
    FlagDef("WRITE", 0x08, True, False,
            "Write-only: start a write command (RAM or staging buffer to storage)."),
    FlagDef("BUSY", 0x10, False, True, "A command is in flight."),
    FlagDef("DMA", 0x20, True, False,
            "Write-only: switch DMA mode on; only SRST switches it off."),
    FlagDef("SRST", 0x40, True, False, "Write-only: reset the controller."),
)

REGISTER_DEFS: Final[tuple[RegisterDef, ...]] = (
    RegisterDef("STATUS", 0x00, "rw", 0x01,
                "the flags; only RDY, ERR and BUSY can read as 1",
                "value & 0x6C: SRST, then DMA, then READ, else WRITE"),
    RegisterDef("SID", 0x04, "w", 0x00,
                "0, no effect",
                "select the storage with this id; an unknown id deselects and flags ERR"),
    RegisterDef("BLOCK", 0x08, "w", 0x00, "0, no effect", "latch the first block number"),
    RegisterDef("COUNT", 0x0C, "w", 0x00, "0, no effect",
                "latch the number of blocks; empty the staging buffer"),
    RegisterDef("ADDR", 0x10, "w", 0x00, "0, no effect", "latch the DMA address in RAM"),
    RegisterDef("DATA", 0x14, "rw", 0x00,
                "next little-endian word of the read buffer (PIO read)",
                "append 4 little-endian bytes to the staging buffer (PIO write)"),
)


class Flag(enum.IntFlag):
    """STATUS bits, derived from :data:`FLAG_DEFS`."""

    RDY = 0x01
    ERR = 0x02
    READ = 0x04
    WRITE = 0x08
    BUSY = 0x10
    DMA = 0x20
    SRST = 0x40


class Reg(enum.IntEnum):
    """Register offsets from the MMIO base, derived from :data:`REGISTER_DEFS`."""

    STATUS = 0x00
    SID = 0x04
    BLOCK = 0x08
    COUNT = 0x0C
    ADDR = 0x10
    DATA = 0x14


def _mask(defs: tuple[FlagDef, ...], *, settable: bool | None = None,
          readable: bool | None = None) -> int:
    value = 0
    for flag in defs:
        if settable is not None and flag.guest_settable != settable:
            continue
        if readable is not None and flag.readable != readable:
            continue
        value |= flag.mask
    return value


# Masks and offsets derived from the tables.
GUEST_SETTABLE: Final = _mask(FLAG_DEFS, settable=True)
READABLE_FLAGS: Final = _mask(FLAG_DEFS, readable=True)
RESERVED_START: Final = max(r.offset for r in REGISTER_DEFS) + WORD_SIZE

CONSTANT_DEFS: Final[tuple[ConstantDef, ...]] = (
    ConstantDef("BLOCK_SIZE", BLOCK_SIZE, "Size of one storage block, in bytes."),
    ConstantDef("PAGE_SIZE", PAGE_SIZE,
                "Size of one memory page, in bytes; the BIO occupies exactly one page."),
    ConstantDef("WORD_SIZE", WORD_SIZE, "Size of one MMIO register, in bytes."),
    ConstantDef("U32_MASK", U32_MASK, "Mask of a 32-bit register value."),
    ConstantDef("DEFAULT_RAM_SIZE", DEFAULT_RAM_SIZE,
                "Default amount of RAM of a machine, in bytes (16 MiB)."),
    ConstantDef("DEFAULT_MMIO_ADDRESS", DEFAULT_MMIO_ADDRESS,
                "Default base address of the BIO's MMIO page."),
    ConstantDef("DEFAULT_IRQ", DEFAULT_IRQ, "Default interrupt line (configured, never raised)."),
    ConstantDef("DATA_INVALID", DATA_INVALID,
                "Value a DATA read returns when there is no data to return."),
    ConstantDef("GUEST_SETTABLE", GUEST_SETTABLE, "Bits a guest may write to STATUS (0x6C)."),
    ConstantDef("READABLE_FLAGS", READABLE_FLAGS,
                "Bits that can read back as 1 from STATUS (0x13)."),
    ConstantDef("RESERVED_START", RESERVED_START,
                "Offset of the first reserved byte of the MMIO page."),
)
"""Every integer constant above, with its meaning (SPEC.md section 2)."""


def constant(name: str) -> ConstantDef:
    """The entry of :data:`CONSTANT_DEFS` named ``name``; ``KeyError`` if there is none."""
    for const in CONSTANT_DEFS:
        if const.name == name:
            return const
    raise KeyError(name)


def register_by_offset(offset: int) -> RegisterDef | None:
    """The register at ``offset``, or ``None`` for a reserved or unaligned offset."""
    for reg in REGISTER_DEFS:
        if reg.offset == offset:
            return reg
    return None


def _check_consistency() -> None:
    """The enums and module constants above must say exactly what the tables say."""
    flags = {f.name: f.mask for f in FLAG_DEFS}
    if flags != {f.name: int(f.value) for f in Flag}:  # pragma: no cover
        raise AssertionError("Flag enum disagrees with FLAG_DEFS")
    regs = {r.name: r.offset for r in REGISTER_DEFS}
    if regs != {r.name: int(r.value) for r in Reg}:  # pragma: no cover
        raise AssertionError("Reg enum disagrees with REGISTER_DEFS")
    names = [c.name for c in CONSTANT_DEFS]
    if len(set(names)) != len(names) or any(  # pragma: no cover
            globals().get(c.name) != c.value for c in CONSTANT_DEFS):
        raise AssertionError("CONSTANT_DEFS disagrees with the module constants")


_check_consistency()
