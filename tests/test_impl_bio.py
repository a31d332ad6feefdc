"""The BIO controller driven directly through its MMIO page."""

from __future__ import annotations

import random

import pytest

from duckybio.impl import BlockIO, InFlight, Machine, Memory, MemoryStorage
from duckybio.impl._rbuf import WINDOW
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.kit.errors import TargetRefused
from duckybio.spec.regmap import BLOCK_SIZE, DATA_INVALID, Flag, Reg

BASE = 0x2000
RAM = 0x40000
RDY, ERR, BUSY = int(Flag.RDY), int(Flag.ERR), int(Flag.BUSY)


def _pattern(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


class Driver:
    """A machine with storage 1 (8 blocks of a pattern) and storage 2 (empty)."""

    def __init__(self, latency: int = 0) -> None:
        self.m = Machine(RAM, mmio_address=BASE, latency=latency)
        self.disk = _pattern(8 * BLOCK_SIZE)
        self.m.attach(MemoryStorage(1, len(self.disk), self.disk))
        self.m.attach(MemoryStorage(2, 0))
        self.m.boot()

    def w(self, reg: Reg, value: int) -> None:
        self.m.memory.write_u32(BASE + reg, value)

    def r(self, reg: Reg) -> int:
        return self.m.memory.read_u32(BASE + reg)

    def setup(self, sid: int, block: int, count: int, addr: int = 0) -> None:
        self.w(Reg.STATUS, Flag.SRST)
        self.w(Reg.SID, sid)
        self.w(Reg.BLOCK, block)
        self.w(Reg.COUNT, count)
        self.w(Reg.ADDR, addr)

    def status(self) -> int:
        return self.r(Reg.STATUS)

    def busy(self) -> bool:
        return self.m.bio.busy


def test_srst_then_unknown_sid_reads_err() -> None:
    d = Driver()
    d.w(Reg.STATUS, Flag.SRST)
    d.w(Reg.SID, 7)
    assert d.status() == 0x02
    assert d.m.bio.selected_sid is None


def test_out_of_bounds_dma_read_reads_err_and_moves_nothing() -> None:
    d = Driver()
    d.setup(1, 7, 2, 0x100)
    d.w(Reg.STATUS, Flag.DMA | Flag.READ)
    assert d.status() == 0x02
    assert d.m.memory.data == bytearray(RAM)
    assert d.m.bio.read_buffer() == b""


def test_good_dma_read_and_write_read_rdy() -> None:
    d = Driver()
    d.setup(1, 2, 3, 0x4000)
    d.w(Reg.STATUS, Flag.DMA | Flag.READ)
    assert d.status() == 0x01
    chunk = d.disk[2 * BLOCK_SIZE:5 * BLOCK_SIZE]
    assert d.m.memory.read(0x4000, len(chunk)) == chunk
    assert d.m.bio.read_buffer() == chunk

    fresh = _pattern(2 * BLOCK_SIZE, seed=9)
    d.m.memory.write(0x8000, fresh)
    d.setup(1, 6, 2, 0x8000)
    d.w(Reg.STATUS, Flag.DMA | Flag.WRITE)
    assert d.status() == 0x01
    assert d.m.storage_read(1, 0, 8 * BLOCK_SIZE) == d.disk[:6 * BLOCK_SIZE] + fresh
    assert d.m.bio.read_buffer() == fresh


@pytest.mark.parametrize("addr", [BASE - BLOCK_SIZE + 4, BASE, RAM - BLOCK_SIZE + 4, RAM])
def test_dma_touching_the_mmio_page_or_past_ram_fails(addr: int) -> None:
    d = Driver()
    d.setup(1, 0, 1, addr)
    d.w(Reg.STATUS, Flag.DMA | Flag.READ)
    assert d.status() == ERR
    assert d.m.memory.data == bytearray(RAM)


def test_latency_keeps_the_command_busy_for_n_ticks() -> None:
    d = Driver(latency=3)
    d.setup(1, 1, 1, 0)
    d.w(Reg.STATUS, Flag.DMA | Flag.READ)
    assert d.m.bio.command == InFlight("read", 1, 1, 1, 0, True, 3)
    for _ in range(2):
        assert d.status() == BUSY
        assert d.r(Reg.DATA) == DATA_INVALID
        d.w(Reg.BLOCK, 5)  # ignored while busy
        d.m.clock_step()
    assert d.status() == BUSY and d.busy()
    assert d.m.memory.read(0, BLOCK_SIZE) == bytes(BLOCK_SIZE)
    d.m.clock_step()
    assert d.status() == RDY and not d.busy()
    assert d.m.bio.block == 1
    assert d.m.memory.read(0, BLOCK_SIZE) == d.disk[BLOCK_SIZE:2 * BLOCK_SIZE]


def test_srst_while_busy_completes_the_command_then_resets() -> None:
    d = Driver(latency=1)
    d.m.memory.write(0, b"\x11" * BLOCK_SIZE)
    d.setup(1, 0, 1, 0)
    d.w(Reg.STATUS, Flag.DMA | Flag.WRITE)
    d.w(Reg.STATUS, Flag.SRST | Flag.READ)
    assert (d.m.bio.reset_pending, d.status()) == (True, BUSY)
    d.m.clock_step()
    assert (d.m.bio.reset_pending, d.status()) == (False, RDY)
    assert d.m.bio.selected_sid is None and not d.m.bio.dma
    assert d.m.bio.read_buffer() == b""
    assert d.m.storage_read(1, 0, BLOCK_SIZE) == b"\x11" * BLOCK_SIZE


def test_pio_write_pads_with_zeros_and_pio_read_reads_it_back() -> None:
    d = Driver()
    d.setup(1, 3, 1)
    for word in (0x04030201, 0x08070605):
        d.w(Reg.DATA, word)
    assert d.m.bio.staged() == bytes(range(1, 9))
    d.w(Reg.STATUS, Flag.WRITE)
    assert d.status() == RDY and d.m.bio.staged() == b""
    expected = bytes(range(1, 9)) + bytes(BLOCK_SIZE - 8)
    assert d.m.storage_read(1, 3 * BLOCK_SIZE, BLOCK_SIZE) == expected
    d.setup(1, 3, 1)
    d.w(Reg.STATUS, Flag.READ)
    words = [d.r(Reg.DATA) for _ in range(BLOCK_SIZE // 4)]
    assert words[:3] == [0x04030201, 0x08070605, 0]
    assert d.status() == RDY
    assert d.r(Reg.DATA) == DATA_INVALID and d.status() == ERR
    assert d.m.bio.cursor == BLOCK_SIZE


def test_data_port_overrun_and_count_reset() -> None:
    d = Driver()
    d.setup(1, 0, 0xFFFFFFFF)
    assert d.m.bio.staged() == b""  # nothing allocated for a huge COUNT
    d.w(Reg.DATA, 1)
    d.w(Reg.COUNT, 0)
    assert d.m.bio.staged() == b""
    d.w(Reg.DATA, 1)
    assert d.status() == ERR and d.m.bio.staged() == b""


def test_pio_read_crosses_the_window_and_survives_host_writes() -> None:
    d = Driver()
    big = _pattern(2 * WINDOW + 2 * BLOCK_SIZE, seed=3)
    d.m.attach(MemoryStorage(3, len(big), big))
    count = len(big) // BLOCK_SIZE
    d.setup(3, 0, count)
    d.w(Reg.STATUS, Flag.READ)
    half = len(big) // 8
    got = bytearray()
    for _ in range(half):
        got += d.r(Reg.DATA).to_bytes(4, "little")
    d.m.storage_write(3, 0, bytes(len(big)))  # R must keep the data transferred
    for _ in range(len(big) // 4 - half):
        got += d.r(Reg.DATA).to_bytes(4, "little")
    assert bytes(got) == big and d.status() == RDY


def test_dma_read_buffer_survives_host_storage_writes() -> None:
    d = Driver()
    d.setup(1, 0, 2, 0)
    d.w(Reg.STATUS, Flag.DMA | Flag.READ)
    d.m.storage_write(1, 100, b"\xff" * 8)
    assert d.m.bio.read_buffer() == d.disk[:2 * BLOCK_SIZE]
    assert d.r(Reg.DATA) == int.from_bytes(d.disk[:4], "little")


def test_count_zero_is_an_empty_transfer_anywhere() -> None:
    d = Driver()
    d.setup(2, 0, 0, BASE)
    d.w(Reg.STATUS, Flag.DMA | Flag.READ)
    assert d.status() == RDY and d.m.bio.read_buffer() == b""
    d.setup(2, 1, 0)
    d.w(Reg.STATUS, Flag.READ)
    assert d.status() == ERR


def test_other_offsets_read_zero_and_ignore_writes() -> None:
    d = Driver()
    d.setup(1, 2, 3, 4)
    for off in (Reg.SID, Reg.BLOCK, Reg.COUNT, Reg.ADDR, 0x18, 0x01, 0x15, 0xFC):
        assert d.m.memory.read_u32(BASE + off) == 0
    for off in (0x18, 0x01, 0x15, 0xFC):
        d.m.memory.write_u32(BASE + off, 0xFFFF)
    bio = d.m.bio
    assert (bio.selected_sid, bio.block, bio.count, bio.addr) == (1, 2, 3, 4)
    assert bio.flags == RDY and bio.staged() == b"" and bio.cursor == 0


def test_hostile_register_traffic_never_raises() -> None:
    rng = random.Random(7)
    bio = BlockIO({1: MemoryStorage(1, 4 * BLOCK_SIZE)}, Memory(0x4000), mmio_address=0x1000,
                  latency=1)
    bio.boot()
    offsets = [int(r) for r in Reg] + [0x18, 0x02]
    for _ in range(5000):
        if rng.random() < 0.5:
            bio.write_u32(rng.choice(offsets), rng.choice([0, 1, 2, 3, 0x24, 0x28, 0x44,
                                                           0x1000, 0xFFFFFFFF]))
        else:
            bio.read_u32(rng.choice(offsets))
        if rng.random() < 0.2:
            bio.tick()
        flags = bio.flags
        assert flags & ~(RDY | ERR | BUSY) == 0
        assert not (flags & RDY and flags & BUSY)
        assert (flags & BUSY != 0) == bio.busy


def test_reference_target_refuses_what_it_must() -> None:
    t = ReferenceTarget()
    assert isinstance(t, Target)
    t.machine(0x1000, 0x800)
    t.storage(4, 16)
    for call in (lambda: t.storage(4, 8), lambda: t.read(0x7FE, 4),
                 lambda: t.write(0x1000, b"x"), lambda: t.storage_read(4, 12, 8),
                 lambda: t.storage_write(5, 0, b"x"), lambda: t.readl(0xFFE),
                 lambda: t.machine(0x1000, 0x801)):
        with pytest.raises(TargetRefused):
            call()
    t.writel(0x10, 0xDEADBEEF)
    assert t.read(0x10, 4) == b"\xef\xbe\xad\xde" and t.readl(0x800) == RDY
    assert t.clock_step() == 1 and t.clock_step(10) == 11
    t.close()


def test_halt_unmaps_the_page_and_boot_maps_it_again() -> None:
    memory = Memory(RAM)
    bio = BlockIO({}, memory, mmio_address=BASE)
    bio.boot()
    assert memory.read_u32(BASE + Reg.STATUS) == RDY
    assert not memory.is_ram(BASE, 4)
    bio.halt()
    assert memory.is_ram(BASE, 4), "a halted controller leaves its page to RAM"
    bio.halt()  # idempotent
    memory.register_mmio(BASE, bio)  # the page is free again
    memory.unregister_mmio(BASE)
    bio.boot()
    assert not memory.is_ram(BASE, 4)
    assert memory.read_u32(BASE + Reg.STATUS) == RDY


@pytest.mark.parametrize("block_size", [0, -4, 6, 1022])
def test_a_block_size_that_is_not_a_positive_multiple_of_a_word_is_refused(
        block_size: int) -> None:
    with pytest.raises(ValueError, match="block size must be a positive multiple of 4"):
        BlockIO({}, Memory(RAM), mmio_address=BASE, block_size=block_size)


def test_a_block_larger_than_the_zero_window_is_padded_with_zeros_to_its_end() -> None:
    """A PIO WRITE of one word with a block size above the 64 KiB zero window used for
    padding: every byte after the word is zero (R-CMD-8)."""
    bs = 1 << 17
    memory = Memory(RAM)
    storage = MemoryStorage(1, 2 * bs, b"\xff" * (2 * bs))
    bio = BlockIO({1: storage}, memory, mmio_address=BASE, block_size=bs)
    bio.boot()
    for reg, value in ((Reg.SID, 1), (Reg.BLOCK, 0), (Reg.COUNT, 2), (Reg.DATA, 0x44332211),
                       (Reg.STATUS, int(Flag.WRITE))):
        memory.write_u32(BASE + reg, value)
    assert memory.read_u32(BASE + Reg.STATUS) == RDY
    data = storage.read(0, 2 * bs)
    assert data[:4] == b"\x11\x22\x33\x44"
    assert data[4:] == bytes(2 * bs - 4), f"{data[4:].count(0xFF)} bytes not zeroed"


def test_storages_may_be_a_lookup_function_consulted_on_every_access() -> None:
    memory = Memory(RAM)
    attached: dict[int, MemoryStorage] = {}
    bio = BlockIO(lambda sid: attached.get(sid), memory, mmio_address=BASE, block_size=8)
    bio.boot()
    memory.write_u32(BASE + Reg.SID, 7)
    assert memory.read_u32(BASE + Reg.STATUS) & ERR, "nothing attached yet"
    attached[7] = MemoryStorage(7, 16, bytes(range(16)))
    memory.write_u32(BASE + Reg.STATUS, int(Flag.SRST))
    memory.write_u32(BASE + Reg.SID, 7)
    memory.write_u32(BASE + Reg.BLOCK, 1)
    memory.write_u32(BASE + Reg.COUNT, 1)
    memory.write_u32(BASE + Reg.STATUS, int(Flag.READ))
    assert memory.read_u32(BASE + Reg.STATUS) == RDY
    assert memory.read_u32(BASE + Reg.DATA) == int.from_bytes(bytes(range(8, 12)), "little")
