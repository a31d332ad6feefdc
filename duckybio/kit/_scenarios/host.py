"""Scenarios of SPEC section 12, host accesses (R-HOST-*)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ...spec.regmap import BLOCK_SIZE, DATA_INVALID, DEFAULT_RAM_SIZE, PAGE_SIZE, U32_MASK
from ...spec.wire import (
    AttachStorage,
    Fault,
    PowerOn,
    RamRead,
    RamWrite,
    Readl,
    StorageRead,
    StorageWrite,
    Writel,
)
from .._scenario import Session
from .._testbed import (
    BUSY,
    CONTENT_A,
    CONTENT_B,
    DMA,
    ERR,
    MMIO_BASE,
    MMIO_END,
    RAM_SIZE,
    RDY,
    READ,
    SID,
    SID_A,
    SID_B,
    SID_UNKNOWN,
    SIZE_A,
    SIZE_B,
    STATUS,
    WRITE,
    le_words,
)
from .registry import scenario

__all__ = ["BAD_GEOMETRIES", "MALFORMED_LINES", "MAX_SIZE", "MAX_STORAGES", "answer_format",
           "bad_geometry", "base_zero", "empty_ranges", "faults", "machine_fresh",
           "malformed_lines", "ram_access", "routing", "sizes_to_accept", "storage_access",
           "storage_attach"]


@scenario("host-machine-fresh", "R-HOST-1", "E16")
def machine_fresh(s: Session) -> None:
    """machine powers on a fresh machine: RAM zero, no storages, BIO in reset."""
    s.setup(fill=True)
    s.op(DMA | READ, SID_A, 0, 1, 0, want=RDY)
    s.sid(SID_UNKNOWN)
    s.machine()
    s.status(RDY)
    s.read(0, BLOCK_SIZE, want=bytes(BLOCK_SIZE))
    s.refuse(StorageRead(SID_A, 0, 1))
    s.sid(SID_A)
    s.status(ERR)


@scenario("host-mmio-base-zero", "R-HOST-1", "R-HOST-4", "E16")
def base_zero(s: Session) -> None:
    """MMIO base 0 is valid: the first page is the BIO, not RAM."""
    block = b"\x5A" * BLOCK_SIZE
    s.machine(RAM_SIZE, 0)
    s.storage(SID_A, SIZE_A)
    s.status(RDY)
    s.refuse(RamWrite(0, b"\x00"))
    s.refuse(RamRead(PAGE_SIZE - 4, 8))
    s.write(PAGE_SIZE, block)
    s.sid(SID_A)
    s.count(1)
    s.addr(PAGE_SIZE)
    s.run(DMA | WRITE, RDY)
    s.sread(SID_A, 0, BLOCK_SIZE, want=block)
    s.addr(0x80)
    s.run(DMA | READ, ERR)
    s.read(PAGE_SIZE, 16, want=block[:16])


#: ``(ram_size, mmio_base)`` pairs ``machine`` refuses.
BAD_GEOMETRIES: Final = ((RAM_SIZE + 1, MMIO_BASE), (RAM_SIZE, MMIO_BASE + 4),
                         (RAM_SIZE - PAGE_SIZE // 2, 0))


@scenario("host-machine-bad-geometry", "R-HOST-1", "E16")
def bad_geometry(s: Session, geometries: Sequence[tuple[int, int]] = BAD_GEOMETRIES) -> None:
    """A RAM size that is not a multiple of the page size or an unaligned MMIO base
    is refused; any page-aligned u32 base is valid, even one beyond RAM."""
    for ram_size, base in geometries:
        s.setup()
        s.refuse(PowerOn(ram_size, base))
    s.machine(RAM_SIZE, U32_MASK & ~(PAGE_SIZE - 1))
    s.status(RDY)
    s.write(MMIO_BASE, b"\x11\x22\x33\x44")
    s.readl(MMIO_BASE, 0x44332211)
    s.setup(fill=True)
    s.sid(SID_A)
    s.status(RDY)
    s.count(1)
    s.run(READ, RDY)
    s.data(want=le_words(CONTENT_A)[0])
    s.sread(SID_A, 0, 16, want=CONTENT_A[:16])


@scenario("host-storage-attach", "R-HOST-2")
def storage_attach(s: Session) -> None:
    """storage attaches a zero-filled storage of any size; a duplicate id or an id
    that is not a u32 is refused."""
    s.setup(fill=True)
    s.storage(5, 100)
    s.sread(5, 0, 100, want=bytes(100))
    s.sid(5)
    s.status(RDY)
    s.run(READ, RDY)
    s.count(1)
    s.run(READ, ERR)
    s.refuse(AttachStorage(5, 10))
    s.refuse(AttachStorage(SID_A, SIZE_A))
    s.refuse(AttachStorage(1 << 32, 10))
    s.storage(6, 0)
    s.sread(6, 0, 0, want=b"")
    s.sread(SID_A, 0, 64, want=CONTENT_A[:64])


@scenario("host-storage-access", "R-HOST-3")
def storage_access(s: Session) -> None:
    """storage-read and storage-write reach a storage's bytes up to its end, never
    past it, and do not touch the BIO (the read buffer keeps what a READ read)."""
    s.setup(fill=True)
    s.op(READ, SID_B, 0, 1, want=RDY)
    s.swrite(SID_B, SIZE_B - 4, b"\x01\x02\x03\x04")
    s.sread(SID_B, SIZE_B - 6, 6, want=CONTENT_B[-6:-4] + b"\x01\x02\x03\x04")
    s.sread(SID_B, SIZE_B, 0, want=b"")
    s.refuse(StorageWrite(SID_B, SIZE_B - 3, bytes(4)))
    s.refuse(StorageRead(SID_B, SIZE_B - 3, 4))
    s.refuse(StorageRead(SID_UNKNOWN, 0, 1))
    s.refuse(StorageWrite(SID_UNKNOWN, 0, b"\x00"))
    s.sread(SID_B, 0, 4, want=CONTENT_B[:4])
    s.swrite(SID_B, 0, b"\x09\x08\x07\x06")  # the read buffer keeps the bytes read
    s.status(RDY)
    s.data(want=le_words(CONTENT_B)[0])
    s.data(want=le_words(CONTENT_B)[1])


@scenario("host-ram-access", "R-HOST-4")
def ram_access(s: Session) -> None:
    """read and write reach RAM up to the MMIO page and the end of RAM, never into
    or past them; empty ranges are accepted anywhere."""
    s.setup()
    s.write(MMIO_BASE - 4, b"\xAA" * 4)
    s.write(MMIO_END, b"\xBB" * 4)
    s.write(RAM_SIZE - 4, b"\xCC" * 4)
    s.read(MMIO_BASE - 4, 4, want=b"\xAA" * 4)
    s.read(MMIO_END, 4, want=b"\xBB" * 4)
    s.read(RAM_SIZE - 4, 4, want=b"\xCC" * 4)
    for addr, length in ((MMIO_BASE - 4, 8), (MMIO_BASE, 4), (MMIO_END - 1, 2),
                         (RAM_SIZE - 4, 8), (RAM_SIZE, 1), (U32_MASK, 1)):
        s.refuse(RamRead(addr, length))
        s.refuse(RamWrite(addr, bytes(length)))
    s.read(MMIO_BASE, 0, want=b"")
    s.write(MMIO_BASE, b"")
    s.read(MMIO_BASE - 4, 4, want=b"\xAA" * 4)
    s.read(RAM_SIZE - 8, 8, want=bytes(4) + b"\xCC" * 4)
    s.status(RDY)


@scenario("host-readl-writel-routing", "R-HOST-5")
def routing(s: Session) -> None:
    """readl/writel inside the MMIO page are register accesses; elsewhere they are
    little-endian RAM accesses, refused when not all 4 bytes are RAM."""
    s.setup()
    s.writel(0x1000, 0x11223344)
    s.read(0x1000, 4, want=(0x11223344).to_bytes(4, "little"))
    s.readl(0x1000, 0x11223344)
    s.writel(0x1004, 0x1_AABBCCDD)
    s.readl(0x1004, 0xAABBCCDD)
    s.readl(MMIO_BASE + STATUS, RDY)
    s.writel(MMIO_BASE + SID, SID_UNKNOWN)
    s.readl(MMIO_BASE + STATUS, ERR)
    s.readl(MMIO_END - 1, 0)
    for addr in (MMIO_BASE - 2, RAM_SIZE - 2, RAM_SIZE, U32_MASK):
        s.refuse(Readl(addr))
        s.refuse(Writel(addr, 0))
    s.read(MMIO_BASE - 4, 4, want=bytes(4))


@scenario("host-fault-injection", "R-HOST-7", "R-CMD-12", "E15")
def faults(s: Session) -> None:
    """fault fails the next N commands of one direction on one storage with an I/O
    error (ERR, R emptied; the blocks or DMA range it addressed are then left
    unread); N = 0 cancels; host accesses, other storages, empty commands and
    the other direction are not hit; machine clears every fault."""
    s.setup(fill=True)
    ram = s.fill(0, 4 * BLOCK_SIZE)
    s.fault(SID_A, "write", 1)
    s.op(DMA | READ, SID_A, 3, 1, 2 * BLOCK_SIZE, want=RDY)
    s.op(DMA | WRITE, SID_B, 0, 1, 0, want=RDY)
    s.op(DMA | WRITE, SID_A, 0, 0, 0, want=RDY)
    s.op(DMA | WRITE, SID_A, 0, 1, 0, want=ERR)
    s.data(want=DATA_INVALID)
    s.op(DMA | WRITE, SID_A, 1, 1, BLOCK_SIZE, want=RDY)
    s.sread(SID_A, BLOCK_SIZE, BLOCK_SIZE, want=ram[BLOCK_SIZE:2 * BLOCK_SIZE])
    s.fault(SID_A, "read", 2)
    s.sread(SID_A, 3 * BLOCK_SIZE, 4, want=CONTENT_A[3 * BLOCK_SIZE:3 * BLOCK_SIZE + 4])
    s.swrite(SID_A, 2 * BLOCK_SIZE, b"\x01\x02\x03\x04")
    s.op(READ, SID_A, 2, 1, want=ERR)
    s.data(want=DATA_INVALID)
    s.op(DMA | READ, SID_A, 2, 1, 3 * BLOCK_SIZE, want=ERR)
    s.op(READ, SID_A, 2, 1, want=RDY)
    s.data(want=0x04030201)
    s.fault(SID_A, "read", 3)
    s.fault(SID_A, "read", 0)
    s.op(READ, SID_A, 3, 1, want=RDY)
    s.data(want=le_words(CONTENT_A[3 * BLOCK_SIZE:])[0])
    s.refuse(Fault(SID_UNKNOWN, "read", 1))
    s.fault(SID_B, "read", 1)
    s.machine()
    s.storage(SID_B, SIZE_B)
    s.op(READ, SID_B, 0, 1, want=RDY)


@scenario("host-answer-format", "R-HOST-8")
def answer_format(s: Session) -> None:
    """Answers write numbers as 0x and lower-case hex digits without leading zeros, and
    byte strings as 0x and two lower-case hex digits a byte (0x alone when empty)."""
    s.setup()
    s.write(0x1000, bytes([0x0A, 0x0B, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xEF, 0xBE, 0xAD, 0xDE]))
    s.readl(0x1000, 0xB0A)
    s.readl(0x1004, 0xFF)
    s.readl(0x1008, 0)
    s.readl(0x100C, 0xDEADBEEF)
    s.read(0x1000, 6, want=bytes([0x0A, 0x0B, 0, 0, 0xFF, 0]))
    s.read(0x1000, 0, want=b"")
    s.sread(SID_A, 0, 0, want=b"")
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.data(DATA_INVALID)


#: Lines that are no wire command (a sign, a number of 2**64 or more, a LEN that is not
#: the length of BYTES, a wrong number of arguments, an unknown name).
MALFORMED_LINES: Final = (
    "storage 0x5 -0x1",
    "storage 0x5 0x10000000000000000",
    "storage -0x5 0x10",
    f"writel {MMIO_BASE + SID:#x} -0x1",
    f"writel {MMIO_BASE + SID:#x} 0x10000000000000000",
    "write 0x1000 0x2 0x0a",
    "write 0x1000 0x1 0x0a0b",
    "write 0x1000 0x10000000000000001 0x0a",
    "write 0x1000 0x0 0x0a",
    "read 0x1000",
    "read 0x1000 -0x4",
    "storage-write 0x1 0x0",
    "clock_step 0x10000000000000000",
    "clock_step 0x1 0x2",
    "poke 0x1",
)


@scenario("host-malformed-lines", "R-HOST-9", "R-HOST-2", "R-HOST-6", "R-WR-1")
def malformed_lines(s: Session, lines: Sequence[str] = MALFORMED_LINES) -> None:
    """A line with a sign or a number of 2**64 or more, a write whose LEN is not the
    length of its bytes, a wrong number of arguments or an unknown command is refused
    and changes nothing: no storage attached, no RAM byte, no register, no clock step
    (a command in flight stays BUSY)."""
    s.setup(fill=True)
    ram = s.fill(0x1000, 16)
    for line in lines:
        s.malformed(line)
    s.storage(5, 0x10)
    s.read(0x1000, 16, want=ram)
    s.sread(SID_A, 0, 16, want=CONTENT_A[:16])
    s.status(RDY)
    s.sid(SID_A)
    s.count(1)
    s.go(READ)
    if s.in_flight(busy=BUSY, done=RDY):
        s.malformed("clock_step 0x10000000000000000")
        s.status(BUSY)
    s.wait(RDY)
    s.data(want=le_words(CONTENT_A)[0])
    s.tick(U64_MAX)
    s.status(RDY)


#: The largest number on the wire (clock_step's NS may be as large).
U64_MAX: Final = (1 << 64) - 1


@scenario("host-empty-ranges", "R-HOST-3", "R-HOST-4")
def empty_ranges(s: Session) -> None:
    """An empty storage range is accepted at any offset up to the storage's end, the end
    included, and refused past it (like a count-0 command); an empty RAM range is
    accepted wherever it points."""
    s.setup(fill=True)
    for sid, size in ((SID_A, SIZE_A), (SID_B, SIZE_B)):
        for offset in (0, 1, size - 1, size):
            s.sread(sid, offset, 0, want=b"")
            s.swrite(sid, offset, b"")
        for offset in (size + 1, size + BLOCK_SIZE, U32_MASK, 1 << 40):
            s.refuse(StorageRead(sid, offset, 0))
            s.refuse(StorageWrite(sid, offset, b""))
    s.refuse(StorageRead(SID_UNKNOWN, 0, 0))
    s.refuse(StorageWrite(SID_UNKNOWN, 0, b""))
    for addr in (0, MMIO_BASE, MMIO_BASE + 4, RAM_SIZE, RAM_SIZE + PAGE_SIZE, U32_MASK,
                 1 << 40):
        s.read(addr, 0, want=b"")
        s.write(addr, b"")
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=CONTENT_B)
    s.status(RDY)


#: The largest RAM and storage sizes every target must accept, and how many storages.
MAX_SIZE: Final = DEFAULT_RAM_SIZE
MAX_STORAGES: Final = 8


@scenario("host-sizes-to-accept", "R-HOST-10", "R-HOST-1", "R-HOST-2")
def sizes_to_accept(s: Session) -> None:
    """A 16 MiB RAM and eight storages, two of them of 16 MiB, are accepted and work to
    their last bytes."""
    s.machine(MAX_SIZE, MMIO_BASE)
    s.storage(SID_A, MAX_SIZE)
    s.storage(SID_B, MAX_SIZE)
    for sid in range(0x10, 0x10 + MAX_STORAGES - 2):
        s.storage(sid, BLOCK_SIZE)
    tail = b"\x01\x02\x03\x04"
    s.swrite(SID_A, MAX_SIZE - 4, tail)
    s.sread(SID_A, MAX_SIZE - 4, 4, want=tail)
    s.write(MAX_SIZE - 4, b"\x05\x06\x07\x08")
    s.read(MAX_SIZE - 4, 4, want=b"\x05\x06\x07\x08")
    s.sid(SID_A)
    s.block(MAX_SIZE // BLOCK_SIZE - 1)
    s.count(1)
    s.addr(MAX_SIZE - BLOCK_SIZE)
    s.run(DMA | READ, RDY)
    s.read(MAX_SIZE - 8, 8, want=bytes(4) + tail)
    s.sid(0x10 + MAX_STORAGES - 3)
    s.block(0)
    s.run(DMA | WRITE, RDY)
    s.sread(0x10 + MAX_STORAGES - 3, BLOCK_SIZE - 4, 4, want=tail)
