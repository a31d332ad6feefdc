"""What reaches a storage: whole blocks in order, and nothing when its file changed behind it.

Regression tests of crash consistency (SPEC section 17): a PIO write is issued
to the storage in whole blocks, in order; a file-backed storage whose file
was shrunk is not grown back, and one whose file was deleted fails every
command.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from duckybio.impl import FileBackedStorage, Machine
from duckybio.impl._storage import MemoryStorage
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, Flag, Reg

STATUS = DEFAULT_MMIO_ADDRESS + int(Reg.STATUS)


class Recording(MemoryStorage):
    """A storage that records every write the controller issues."""

    def __init__(self, sid: int, size: int) -> None:
        super().__init__(sid, size)
        self.writes: list[tuple[int, int]] = []

    def write_from(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        self.writes.append((offset, len(data)))
        super().write_from(offset, data)


@pytest.mark.parametrize("words", [0, 1, 255, 256, 257, 300 * 256 + 3])
def test_a_pio_write_is_issued_in_whole_blocks_in_order(words: int) -> None:
    count = 400
    storage = Recording(1, (count + 3) * BLOCK_SIZE)
    with Machine(0x10000) as machine:
        machine.attach(storage)
        mem = machine.memory
        mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.SID, 1)
        mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.BLOCK, 3)
        mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.COUNT, count)
        for i in range(words):
            mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.DATA, i + 1)
        mem.write_u32(STATUS, Flag.WRITE)
        assert mem.read_u32(STATUS) == Flag.RDY
    pos = 3 * BLOCK_SIZE
    for offset, length in storage.writes:
        assert offset == pos and length % BLOCK_SIZE == 0 and length > 0
        pos += length
    assert pos == (count + 3) * BLOCK_SIZE
    staged = b"".join((i + 1).to_bytes(4, "little") for i in range(words))
    assert storage.data[3 * BLOCK_SIZE :] == staged + bytes(count * BLOCK_SIZE - len(staged))


@pytest.fixture
def image(tmp_path: Path) -> Iterator[tuple[Machine, Path]]:
    path = tmp_path / "disk.img"
    path.write_bytes(bytes(range(256)) * 16)  # 4 blocks
    with Machine(0x10000) as machine:
        machine.attach(FileBackedStorage(1, path))
        yield machine, path


def _dma_write(machine: Machine, block: int) -> int:
    mem = machine.memory
    mem.write_u32(STATUS, Flag.SRST)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.SID, 1)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.BLOCK, block)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.COUNT, 1)
    mem.write_u32(DEFAULT_MMIO_ADDRESS + Reg.ADDR, 0)
    mem.write_u32(STATUS, Flag.DMA | Flag.WRITE)
    return mem.read_u32(STATUS)


def test_a_shrunk_file_is_not_grown_back(image: tuple[Machine, Path]) -> None:
    machine, path = image
    os.truncate(path, 2 * BLOCK_SIZE)
    assert _dma_write(machine, 3) == Flag.ERR
    assert path.stat().st_size == 2 * BLOCK_SIZE
    assert _dma_write(machine, 1) == Flag.RDY


def test_a_deleted_file_fails_every_command(image: tuple[Machine, Path]) -> None:
    machine, path = image
    path.unlink()
    assert _dma_write(machine, 0) == Flag.ERR
    assert not path.exists()
