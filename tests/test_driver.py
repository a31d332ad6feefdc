"""The reference driver against the model and the reference implementation."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duckybio.driver._reference import (
    BioDriver,
    BioError,
    CommandError,
    DeviceTimeout,
    Operation,
    StorageSelectError,
)
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, PAGE_SIZE, Flag, Reg

RAM = 0x10000
BASE = DEFAULT_MMIO_ADDRESS
SID = 1
BLOCKS = 4
SIZE = BLOCKS * BLOCK_SIZE
RDY, ERR, BUSY = int(Flag.RDY), int(Flag.ERR), int(Flag.BUSY)

#: Fresh targets by name, with the latency each declares.
FACTORIES: dict[str, tuple[Callable[[], Target], int]] = {
    "model": (lambda: ModelTarget(0), 0),
    "model-latency-2": (lambda: ModelTarget(2), 2),
    "reference": (lambda: ReferenceTarget(0), 0),
    "reference-latency-2": (lambda: ReferenceTarget(2), 2),
}
NAMES = sorted(FACTORIES)


def _pattern(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _setup(name: str, *, poll_bound: int | None = None) -> tuple[Target, BioDriver]:
    """A powered-on target with storage 1 (4 blocks, a pattern) and a tight driver."""
    factory, latency = FACTORIES[name]
    target = factory()
    target.machine(RAM, BASE)
    target.storage(SID, SIZE)
    target.storage_write(SID, 0, _pattern(SIZE, 7))
    bound = latency if poll_bound is None else poll_bound
    return target, BioDriver(target, BASE, poll_bound=bound)


def _storage(target: Target) -> bytes:
    return target.storage_read(SID, 0, SIZE)


# --- round trips --------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_dma_round_trip(name: str) -> None:
    target, bio = _setup(name)
    data = _pattern(2 * BLOCK_SIZE, 1)
    bio.write_blocks(SID, 1, data, addr=0x1000)
    assert target.storage_read(SID, BLOCK_SIZE, len(data)) == data
    assert target.read(0x1000, len(data)) == data
    assert bio.read_blocks(SID, 1, 2, addr=0x4000) == data
    assert target.read(0x4000, len(data)) == data
    assert bio.status() == RDY


@pytest.mark.parametrize("name", NAMES)
def test_pio_round_trip(name: str) -> None:
    target, bio = _setup(name)
    before = _storage(target)
    data = _pattern(BLOCK_SIZE, 2)
    bio.write_blocks(SID, 3, data)
    assert _storage(target) == before[:3 * BLOCK_SIZE] + data
    assert bio.read_blocks(SID, 3, 1) == data
    assert bio.read_blocks(SID, 0, 1) == before[:BLOCK_SIZE]
    assert target.read(0, RAM // 2) == bytes(RAM // 2)  # PIO never touches RAM
    assert bio.status() == RDY


@pytest.mark.parametrize("name", NAMES)
def test_pio_after_dma_is_not_dma(name: str) -> None:
    """The SRST at the start of a PIO operation switches the sticky DMA mode off."""
    target, bio = _setup(name)
    disk = _storage(target)
    assert bio.read_blocks(SID, 1, 1, addr=0x2000) == disk[BLOCK_SIZE:2 * BLOCK_SIZE]
    assert bio.read_blocks(SID, 0, 1) == disk[:BLOCK_SIZE]
    assert target.read(0x2000, BLOCK_SIZE) == disk[BLOCK_SIZE:2 * BLOCK_SIZE]


@pytest.mark.parametrize("name", NAMES)
def test_empty_transfers(name: str) -> None:
    target, bio = _setup(name)
    before = _storage(target)
    assert bio.read_blocks(SID, BLOCKS, 0) == b""
    assert bio.read_blocks(SID, BLOCKS, 0, addr=0x1000) == b""
    bio.write_blocks(SID, BLOCKS, b"")
    bio.write_blocks(SID, 0, b"", addr=0x1000)
    assert _storage(target) == before


# --- errors and recovery --------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("addr", [None, 0x1000])
def test_unknown_sid(name: str, addr: int | None) -> None:
    target, bio = _setup(name)
    before = _storage(target)
    with pytest.raises(StorageSelectError) as info:
        bio.read_blocks(9, 0, 1, addr=addr)
    assert info.value.sid == 9
    assert info.value.status == ERR
    with pytest.raises(StorageSelectError):
        bio.write_blocks(9, 0, bytes(BLOCK_SIZE), addr=addr)
    assert _storage(target) == before
    assert bio.read_blocks(SID, 0, 1, addr=addr) == before[:BLOCK_SIZE]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("addr", [None, 0x1000])
def test_out_of_bounds_then_recovery(name: str, addr: int | None) -> None:
    target, bio = _setup(name)
    before = _storage(target)
    with pytest.raises(CommandError) as info:
        bio.read_blocks(SID, 3, 2, addr=addr)
    assert info.value.operation == Operation(op="read", sid=SID, block=3, count=2, addr=addr)
    assert info.value.stage == "the command"
    assert info.value.status == ERR
    assert target.readl(BASE + Reg.STATUS) == ERR  # sticky until the next SRST
    with pytest.raises(CommandError):
        bio.write_blocks(SID, BLOCKS, bytes(BLOCK_SIZE), addr=addr)
    assert _storage(target) == before
    assert target.read(0x1000, BLOCK_SIZE) == bytes(BLOCK_SIZE)
    # recovery: the next operation starts with SRST, which clears ERR
    assert bio.read_blocks(SID, 3, 1, addr=addr) == before[3 * BLOCK_SIZE:]
    assert bio.status() == RDY


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("addr", [BASE - BLOCK_SIZE + 4, BASE + PAGE_SIZE - 4, RAM - 4])
def test_dma_range_not_ram(name: str, addr: int) -> None:
    target, bio = _setup(name)
    with pytest.raises(CommandError) as info:
        bio.read_blocks(SID, 0, 1, addr=addr)
    assert info.value.status == ERR
    assert target.read(0, BASE) == bytes(BASE)
    assert bio.read_blocks(SID, 0, 1, addr=0) == _storage(target)[:BLOCK_SIZE]


@pytest.mark.parametrize("name", NAMES)
def test_dma_write_from_the_mmio_page_is_refused(name: str) -> None:
    target, bio = _setup(name)
    before = _storage(target)
    with pytest.raises(BioError, match="RAM is not writable"):
        bio.write_blocks(SID, 0, bytes(BLOCK_SIZE), addr=BASE)
    assert _storage(target) == before


class NeverDone:
    """A target whose STATUS always reads BUSY; it counts the clock steps."""

    def __init__(self) -> None:
        self.inner = ModelTarget()
        self.steps = 0

    def machine(self, ram_size: int, mmio_base: int) -> None:
        self.inner.machine(ram_size, mmio_base)

    def storage(self, sid: int, size: int) -> None:
        self.inner.storage(sid, size)

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        self.inner.storage_write(sid, offset, data)

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        return self.inner.storage_read(sid, offset, length)

    def writel(self, addr: int, value: int) -> None:
        self.inner.writel(addr, value)

    def readl(self, addr: int) -> int:
        value = self.inner.readl(addr)
        return BUSY if addr == BASE + Reg.STATUS else value

    def write(self, addr: int, data: bytes) -> None:
        self.inner.write(addr, data)

    def read(self, addr: int, length: int) -> bytes:
        return self.inner.read(addr, length)

    def clock_step(self, ns: int | None = None) -> int:
        self.steps += 1
        return self.inner.clock_step(ns)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("bound", [0, 1, 5])
def test_device_that_never_completes(bound: int) -> None:
    target = NeverDone()
    assert isinstance(target, Target)
    target.machine(RAM, BASE)
    target.storage(SID, SIZE)
    bio = BioDriver(target, BASE, poll_bound=bound)
    with pytest.raises(DeviceTimeout) as info:
        bio.read_blocks(SID, 0, 1, addr=0x1000)
    assert info.value.poll_bound == bound
    assert info.value.status == BUSY
    assert target.steps == bound


@pytest.mark.parametrize("kind", ["model", "reference"])
def test_slow_device_timeout_then_recovery(kind: str) -> None:
    """A bound below the latency times out; the next operation waits the command out."""
    target, bio = _setup(f"{kind}-latency-2", poll_bound=1)
    data = _pattern(BLOCK_SIZE, 3)
    with pytest.raises(DeviceTimeout) as info:
        bio.write_blocks(SID, 2, data, addr=0x3000)
    assert info.value.status == BUSY
    patient = BioDriver(target, BASE, poll_bound=2)
    # the SRST is deferred until the write completes, in full
    assert patient.read_blocks(SID, 2, 1) == data
    assert target.storage_read(SID, 2 * BLOCK_SIZE, BLOCK_SIZE) == data


@pytest.mark.parametrize("kind", ["model", "reference"])
def test_poll_bound_equal_to_latency_suffices(kind: str) -> None:
    target, bio = _setup(f"{kind}-latency-2", poll_bound=2)
    assert bio.read_blocks(SID, 0, 1, addr=0) == _storage(target)[:BLOCK_SIZE]
    short = BioDriver(target, BASE, poll_bound=1)
    with pytest.raises(DeviceTimeout):
        short.read_blocks(SID, 0, 1, addr=0)


def test_caller_errors_are_value_errors() -> None:
    _, bio = _setup("model")
    with pytest.raises(ValueError, match="whole blocks"):
        bio.write_blocks(SID, 0, bytes(BLOCK_SIZE - 4))
    with pytest.raises(ValueError, match="SID"):
        bio.read_blocks(1 << 32, 0, 1)
    with pytest.raises(ValueError, match="ADDR"):
        bio.read_blocks(SID, 0, 1, addr=-1)
    with pytest.raises(ValueError, match="poll_bound"):
        BioDriver(ModelTarget(), BASE, poll_bound=-1)


def test_errors_are_bio_errors_with_one_line_messages() -> None:
    _, bio = _setup("model")
    for sid, block in ((9, 0), (SID, BLOCKS)):
        with pytest.raises(BioError) as info:
            bio.read_blocks(sid, block, 1)
        assert "\n" not in str(info.value)
        assert "STATUS=0x2" in str(info.value)


# --- property -------------------------------------------------------------------

@st.composite
def _transfers(draw: st.DrawFn) -> tuple[int, int, int, int | None]:
    """(block, count, data seed, DMA address or None for PIO) within the storage."""
    block = draw(st.integers(0, BLOCKS))
    count = draw(st.integers(0, BLOCKS - block))
    seed = draw(st.integers(0, 2**32))
    if not draw(st.booleans()):
        return block, count, seed, None
    length = count * BLOCK_SIZE
    below = st.integers(0, BASE - length) if length <= BASE else st.nothing()
    above = st.integers(BASE + PAGE_SIZE, RAM - length)
    return block, count, seed, draw(below | above)


@pytest.mark.parametrize("name", NAMES)
@given(transfer=_transfers())
def test_write_then_read_returns_the_data(name: str,
                                          transfer: tuple[int, int, int, int | None]) -> None:
    block, count, seed, addr = transfer
    target, bio = _setup(name)
    before = _storage(target)
    data = _pattern(count * BLOCK_SIZE, seed)
    bio.write_blocks(SID, block, data, addr=addr)
    start, end = block * BLOCK_SIZE, (block + count) * BLOCK_SIZE
    assert _storage(target) == before[:start] + data + before[end:]
    read_addr = None if addr is None else RAM - BLOCK_SIZE * BLOCKS
    assert bio.read_blocks(SID, block, count, addr=read_addr) == data
