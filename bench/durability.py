"""Benchmark: the cost of durability (``fdatasync`` per command, SPEC section 17).

Boots two machines in the same process, each with a file-backed storage in a
temporary directory, one ``durable`` (the INI key ``durable = yes``, ``duckybio
serve --durable``), and times the same DMA writes on both: ``--count`` blocks
per command, best of several repeats.  Prints both timings and the ratio of
durable time to plain time (how many times slower a durable write is).
``--quick`` runs a few single-block commands (a smoke test: both write the
right bytes, not how fast).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import timeit
from pathlib import Path

from duckybio.impl import FileBackedStorage, Machine
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, Flag, Reg

SID = 1
BLOCKS = 1024  # a 1 MiB storage
STATUS = DEFAULT_MMIO_ADDRESS + int(Reg.STATUS)


def dma_write(machine: Machine, block: int, count: int) -> None:
    """One driver sequence of a DMA write of ``count`` blocks from RAM 0."""
    w = machine.memory.write_u32
    w(STATUS, Flag.SRST)
    w(DEFAULT_MMIO_ADDRESS + Reg.SID, SID)
    w(DEFAULT_MMIO_ADDRESS + Reg.BLOCK, block)
    w(DEFAULT_MMIO_ADDRESS + Reg.COUNT, count)
    w(DEFAULT_MMIO_ADDRESS + Reg.ADDR, 0)
    w(STATUS, Flag.DMA | Flag.WRITE)
    if machine.memory.read_u32(STATUS) != Flag.RDY:
        raise SystemExit("a DMA write failed")


def run(path: Path, durable: bool, commands: int, count: int, repeat: int) -> float:
    """Best time, in seconds, of ``commands`` DMA writes of ``count`` blocks each."""
    path.write_bytes(bytes(BLOCKS * BLOCK_SIZE))
    with Machine() as machine:
        machine.attach(FileBackedStorage(SID, path, durable=durable))
        machine.memory.write(0, bytes(range(256)) * (count * BLOCK_SIZE // 256))

        def writes() -> None:
            for i in range(commands):
                dma_write(machine, (i * count) % (BLOCKS - count + 1), count)

        best = min(timeit.repeat(writes, number=1, repeat=repeat))
    if path.read_bytes()[:256] != bytes(range(256)):
        raise SystemExit(f"{path}: the writes did not reach the file")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few commands (smoke test)")
    parser.add_argument("--count", type=int, default=16, help="blocks per command (default 16)")
    args = parser.parse_args()
    commands, repeat = (5, 1) if args.quick else (200, 5)
    with tempfile.TemporaryDirectory() as tmp:
        plain = run(Path(tmp) / "plain.img", False, commands, args.count, repeat)
        durable = run(Path(tmp) / "durable.img", True, commands, args.count, repeat)
    print(f"{commands} DMA writes of {args.count} blocks ({args.count} KiB) each")
    print(f"  plain (no fdatasync):        {plain / commands * 1e6:10.1f} us a command")
    print(f"  durable (fdatasync each):    {durable / commands * 1e6:10.1f} us a command")
    print(f"  ratio durable / plain:       {durable / plain:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
