"""Benchmark: a 1 MiB DMA read through the BIO's registers vs a plain ``os.preadv``.

Creates a 4 MiB file, boots a machine with it as a file-backed storage and
times, in the same process (best of several repeats), the full driver
sequence of a 1 MiB DMA read (SRST, SID, BLOCK, COUNT, ADDR, DMA|READ) against
``os.preadv`` of the same bytes into a preallocated ``bytearray``.  Prints
both timings and the ratio of the implementation's speed to ``preadv``'s;
with ``--check`` exits 1 when that ratio is below the bar (0.5).  ``--quick``
times a single read each (a smoke test: it runs and moves the right bytes,
not how fast).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import timeit
from pathlib import Path

from duckybio.cli.options import positive
from duckybio.impl import FileBackedStorage, Machine
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, Flag, Reg

FILE_SIZE = 4 << 20
READ_SIZE = 1 << 20
FIRST_BLOCK = 1024  # read the second MiB of the file
DEST = 0x100000  # RAM address of the DMA destination
SID = 1
BAR = 0.5
# Plain ints, as a guest's registers would hold them.
STATUS = DEFAULT_MMIO_ADDRESS + int(Reg.STATUS)
SID_REG = DEFAULT_MMIO_ADDRESS + int(Reg.SID)
BLOCK_REG = DEFAULT_MMIO_ADDRESS + int(Reg.BLOCK)
COUNT_REG = DEFAULT_MMIO_ADDRESS + int(Reg.COUNT)
ADDR_REG = DEFAULT_MMIO_ADDRESS + int(Reg.ADDR)
SRST, DMA_READ, RDY = int(Flag.SRST), int(Flag.DMA | Flag.READ), int(Flag.RDY)


def _dma_read(machine: Machine) -> None:
    """One 1 MiB DMA read, as a driver performs it."""
    mem = machine.memory
    mem.write_u32(STATUS, SRST)
    mem.write_u32(SID_REG, SID)
    mem.write_u32(BLOCK_REG, FIRST_BLOCK)
    mem.write_u32(COUNT_REG, READ_SIZE // BLOCK_SIZE)
    mem.write_u32(ADDR_REG, DEST)
    mem.write_u32(STATUS, DMA_READ)
    if mem.read_u32(STATUS) != RDY:
        raise RuntimeError("the DMA read did not complete with RDY")


def measure(path: Path, number: int, repeat: int) -> tuple[float, float]:
    """Best seconds per read: (implementation, preadv)."""
    offset = FIRST_BLOCK * BLOCK_SIZE
    with Machine(4 << 20) as machine:
        machine.attach(FileBackedStorage(SID, path))
        _dma_read(machine)
        expected = path.read_bytes()[offset:offset + READ_SIZE]
        if machine.memory.read(DEST, READ_SIZE) != expected:
            raise RuntimeError("the DMA read moved the wrong bytes")
        impl = min(timeit.repeat(lambda: _dma_read(machine), number=number, repeat=repeat))
    buf = bytearray(READ_SIZE)
    fd = os.open(path, os.O_RDONLY)
    try:
        def plain() -> None:
            if os.preadv(fd, [buf], offset) != READ_SIZE:
                raise RuntimeError("short preadv")
        plain()
        base = min(timeit.repeat(plain, number=number, repeat=repeat))
    finally:
        os.close(fd)
    return impl / number, base / number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if the speed ratio is below {BAR}")
    parser.add_argument("--number", type=positive, default=20, help="reads per timing (20)")
    parser.add_argument("--repeat", type=positive, default=7, help="timings, best kept (7)")
    parser.add_argument("--quick", action="store_true",
                        help="one read per timing, one timing: check that it runs")
    args = parser.parse_args(argv)
    number, repeat = (1, 1) if args.quick else (args.number, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "storage.img"
        path.write_bytes(os.urandom(FILE_SIZE))
        impl, base = measure(path, number, repeat)
    ratio = base / impl
    print(f"1 MiB DMA read via BIO registers: {impl * 1e6:9.1f} us")
    print(f"1 MiB os.preadv into bytearray:   {base * 1e6:9.1f} us")
    print(f"ratio (BIO speed / preadv speed): {ratio:.3f} (bar {BAR})")
    if args.check and ratio < BAR:
        print(f"FAIL: ratio {ratio:.3f} is below {BAR}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
