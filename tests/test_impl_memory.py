"""Paged memory: RAM ranges, MMIO registration and word dispatch."""

from __future__ import annotations

import pytest

from duckybio.impl import Memory

PAGE = 256


class Recorder:
    """An MMIO handler that records accesses and answers offset + 0x1000."""

    def __init__(self) -> None:
        self.writes: list[tuple[int, int]] = []
        self.reads: list[int] = []

    def read_u32(self, offset: int) -> int:
        self.reads.append(offset)
        return offset + 0x1000

    def write_u32(self, offset: int, value: int) -> None:
        self.writes.append((offset, value))


def _memory() -> tuple[Memory, Recorder]:
    mem = Memory(8 * PAGE, PAGE)
    dev = Recorder()
    mem.register_mmio(4 * PAGE, dev)
    return mem, dev


def test_is_ram_edges() -> None:
    mem, _ = _memory()
    mmio, end = 4 * PAGE, 8 * PAGE
    assert mem.is_ram(0, 0) and mem.is_ram(-5, 0) and mem.is_ram(1 << 40, 0)
    assert mem.is_ram(mmio + 4, 0)  # an empty range is RAM wherever it points
    assert mem.is_ram(0, mmio)
    assert not mem.is_ram(0, mmio + 1)
    assert not mem.is_ram(mmio - 1, 1 + 1)
    assert not mem.is_ram(mmio + PAGE - 1, 1)
    assert mem.is_ram(mmio + PAGE, end - mmio - PAGE)
    assert not mem.is_ram(mmio + PAGE, end - mmio - PAGE + 1)
    assert not mem.is_ram(-1, 2)
    assert not mem.is_ram(0, end)  # spans the MMIO page
    assert not mem.is_ram(end, 1)
    assert not mem.is_ram(0xFFFFFFFF, 2)  # no wrap-around


def test_register_rejects_misaligned_and_taken_pages() -> None:
    mem, dev = _memory()
    with pytest.raises(ValueError, match="aligned"):
        mem.register_mmio(PAGE + 4, dev)
    with pytest.raises(ValueError, match="taken"):
        mem.register_mmio(4 * PAGE, Recorder())
    mem.unregister_mmio(4 * PAGE)
    assert mem.is_ram(4 * PAGE, PAGE)
    mem.register_mmio(4 * PAGE, dev)
    assert not mem.is_ram(4 * PAGE, PAGE)


def test_words_dispatch_to_the_mmio_page_with_the_offset() -> None:
    mem, dev = _memory()
    assert mem.read_u32(4 * PAGE + 0x14) == 0x1014
    mem.write_u32(4 * PAGE + 0xFD, -1)
    assert dev.reads == [0x14]
    assert dev.writes == [(0xFD, 0xFFFFFFFF)]
    assert mem.data == bytearray(8 * PAGE)


def test_mmio_page_beyond_ram_still_dispatches() -> None:
    mem = Memory(PAGE, PAGE)
    dev = Recorder()
    mem.register_mmio(0x8400, dev)
    assert mem.read_u32(0x8408) == 0x1008
    assert mem.is_ram(0, PAGE)


def test_ram_words_are_little_endian_and_bounded() -> None:
    mem, dev = _memory()
    mem.write_u32(8, 0x1_0403_0201)
    assert mem.read(8, 4) == b"\x01\x02\x03\x04"
    assert mem.read_u32(8) == 0x04030201
    for bad in (4 * PAGE - 2, 8 * PAGE - 2, -4, 8 * PAGE):
        with pytest.raises(ValueError, match="not RAM"):
            mem.read_u32(bad)
        with pytest.raises(ValueError, match="not RAM"):
            mem.write_u32(bad, 0)
    assert dev.reads == [] and dev.writes == []


def test_host_access_and_views() -> None:
    mem, _ = _memory()
    mem.write(10, b"hello")
    assert mem.read(10, 5) == b"hello"
    view = mem.view(10, 5)
    view[0:1] = b"J"
    assert mem.read(10, 5) == b"Jello"
    with pytest.raises(ValueError):
        mem.write(4 * PAGE - 2, b"abcd")
    with pytest.raises(ValueError):
        mem.read(8 * PAGE - 1, 2)
    with pytest.raises(ValueError):
        mem.view(4 * PAGE, 4)
    assert len(mem.view(4 * PAGE, 0)) == 0


def test_size_must_be_whole_pages() -> None:
    with pytest.raises(ValueError):
        Memory(PAGE + 1, PAGE)
    with pytest.raises(ValueError):
        Memory(PAGE, 6)
