"""Storages: in-memory and file-backed, on real files."""

from __future__ import annotations

import array
import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from duckybio.impl import (
    FileBackedStorage,
    Machine,
    MemoryStorage,
    StorageConfigError,
    StorageIOError,
    StorageOpenError,
)
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, Flag, Reg

BASE = DEFAULT_MMIO_ADDRESS


def _file(tmp_path: Path, data: bytes, name: str = "disk.img") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _pattern(n: int) -> bytes:
    return bytes(i * 7 % 251 for i in range(n))


# --- MemoryStorage --------------------------------------------------------------

def test_memory_storage_round_trip_and_bounds() -> None:
    s = MemoryStorage(3, 16, bytes(range(16)))
    assert s.read(4, 4) == bytes([4, 5, 6, 7])
    s.write(14, b"\xaa\xbb")
    assert s.read(12, 4) == bytes([12, 13, 0xAA, 0xBB])
    with pytest.raises(ValueError, match="past its end"):
        s.read(15, 2)
    with pytest.raises(ValueError, match="past its end"):
        s.write(-1, b"x")
    assert s.read(16, 0) == b""


def test_memory_storage_rejects_bad_parameters() -> None:
    with pytest.raises(StorageConfigError):
        MemoryStorage(1, 4, b"12345")
    with pytest.raises(StorageConfigError):
        MemoryStorage(1 << 32, 4)
    with pytest.raises(StorageConfigError):
        MemoryStorage(1, -1)


def test_memory_storage_read_into_fills_the_view() -> None:
    s = MemoryStorage(1, 8, b"abcdefgh")
    buf = bytearray(4)
    s.read_into(2, memoryview(buf))
    assert buf == b"cdef"
    with pytest.raises(StorageIOError):
        s.read_into(6, memoryview(buf))


# --- FileBackedStorage -------------------------------------------------------------

def test_file_storage_takes_its_size_from_the_file(tmp_path: Path) -> None:
    path = _file(tmp_path, _pattern(3 * BLOCK_SIZE + 5))
    assert FileBackedStorage(7, path).size == 3 * BLOCK_SIZE + 5


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigError) as info:
        FileBackedStorage(1, tmp_path / "nope.img")
    message = str(info.value)
    assert "nope.img" in message and "\n" not in message


def test_file_round_trip_and_every_write_is_visible_to_another_reader(tmp_path: Path) -> None:
    data = _pattern(4 * BLOCK_SIZE)
    path = _file(tmp_path, data)
    s = FileBackedStorage(1, path)
    s.boot()
    try:
        assert s.read(BLOCK_SIZE, 8) == data[BLOCK_SIZE:BLOCK_SIZE + 8]
        for i, chunk in enumerate((b"first", b"second", b"third")):
            s.write(i * 100, chunk)
            with open(path, "rb") as other:
                other.seek(i * 100)
                assert other.read(len(chunk)) == chunk
        buf = bytearray(BLOCK_SIZE)
        s.read_into(2 * BLOCK_SIZE, memoryview(buf))
        assert bytes(buf) == data[2 * BLOCK_SIZE:3 * BLOCK_SIZE]
    finally:
        s.halt()
    assert path.stat().st_size == len(data)


def test_io_before_boot_and_after_halt_is_an_io_error(tmp_path: Path) -> None:
    s = FileBackedStorage(1, _file(tmp_path, bytes(64)))
    with pytest.raises(StorageIOError, match="not booted"):
        s.read(0, 4)
    s.boot()
    s.write(0, b"ok")
    s.halt()
    s.halt()  # idempotent
    with pytest.raises(StorageIOError):
        s.write_from(0, b"no")
    with pytest.raises(StorageIOError):
        s.read_into(0, memoryview(bytearray(4)))


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """Make ``path`` impossible to open for writing, even for a privileged user."""
    path.chmod(0o444)
    immutable = False
    try:
        fd = os.open(path, os.O_RDWR)
    except PermissionError:
        pass
    else:  # privileged: the permission bits do not bind, use the immutable attribute
        os.close(fd)
        _set_immutable(path, True)
        immutable = True
    try:
        yield
    finally:
        if immutable:
            _set_immutable(path, False)
        path.chmod(0o644)


def _set_immutable(path: Path, on: bool) -> None:
    get_flags, set_flags, flag = 0x80086601, 0x40086602, 0x10  # FS_IOC_*FLAGS, FS_IMMUTABLE_FL
    fd = os.open(path, os.O_RDONLY)
    try:
        flags = array.array("l", [0])
        fcntl.ioctl(fd, get_flags, flags, True)
        flags[0] = flags[0] | flag if on else flags[0] & ~flag
        fcntl.ioctl(fd, set_flags, flags, True)
    finally:
        os.close(fd)


def test_read_only_file_is_a_clear_error_at_boot(tmp_path: Path) -> None:
    path = _file(tmp_path, bytes(BLOCK_SIZE))
    s = FileBackedStorage(1, path)
    with _read_only(path):
        with pytest.raises(StorageOpenError) as info:
            s.boot()
        assert "read-write" in str(info.value) and "\n" not in str(info.value)
        with pytest.raises(StorageIOError):
            s.read(0, 4)


def test_vanished_file_is_a_clear_error_at_boot(tmp_path: Path) -> None:
    path = _file(tmp_path, bytes(BLOCK_SIZE))
    s = FileBackedStorage(1, path)
    path.unlink()
    with pytest.raises(StorageOpenError, match=r"disk\.img"):
        s.boot()


def test_a_file_that_shrinks_fails_the_command_and_the_device_keeps_running(
        tmp_path: Path) -> None:
    data = _pattern(4 * BLOCK_SIZE)
    path = _file(tmp_path, data)
    with Machine(0x10000) as m:
        m.attach(FileBackedStorage(1, path))
        mem = m.memory

        def dma_read(block: int) -> int:
            mem.write_u32(BASE + Reg.STATUS, Flag.SRST)
            mem.write_u32(BASE + Reg.SID, 1)
            mem.write_u32(BASE + Reg.BLOCK, block)
            mem.write_u32(BASE + Reg.COUNT, 1)
            mem.write_u32(BASE + Reg.ADDR, 0)
            mem.write_u32(BASE + Reg.STATUS, Flag.DMA | Flag.READ)
            return mem.read_u32(BASE + Reg.STATUS)

        assert dma_read(0) == Flag.RDY
        # PIO read of block 3, then the file shrinks below it.
        mem.write_u32(BASE + Reg.STATUS, Flag.SRST)
        mem.write_u32(BASE + Reg.SID, 1)
        mem.write_u32(BASE + Reg.BLOCK, 3)
        mem.write_u32(BASE + Reg.COUNT, 1)
        mem.write_u32(BASE + Reg.STATUS, Flag.READ)
        assert mem.read_u32(BASE + Reg.STATUS) == Flag.RDY
        os.truncate(path, BLOCK_SIZE)
        assert mem.read_u32(BASE + Reg.DATA) == 0xFFFFFFFF
        assert mem.read_u32(BASE + Reg.STATUS) == Flag.ERR
        assert dma_read(2) == Flag.ERR
        assert dma_read(0) == Flag.RDY
        assert mem.read(0, BLOCK_SIZE) == data[:BLOCK_SIZE]
