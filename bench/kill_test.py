"""Kill test: SIGKILL the server at random moments of DMA and PIO writes (SPEC section 17).

Every trial starts ``duckybio serve --storage-dir DIR`` (storages in files),
writes a first generation of data to the whole storage with an acknowledged
DMA write, then starts a second write -- a DMA write, or a PIO write of a few
staged words and many blocks of zero padding -- over a random range of
blocks, and SIGKILLs the server's process group after a random delay drawn
from ``[0, 1.5 x`` the command's measured duration``]``.  It then reads the
storage file and checks the promise of section 17:

- no torn block: every block holds exactly its old or its new contents;
- a prefix: within the command's range, new blocks form a prefix (``k`` of
  ``COUNT``), outside it every block is old;
- an acknowledged command (its answer reached us before the kill) has all
  of its blocks written.

Prints the number of kills, how many landed in the middle of a write
(``0 < k < COUNT``), torn blocks and broken promises; exits 1 if either of
the last two is not 0.  ``--kills N`` (default 200), ``--quick`` (10 kills, a
smoke test), ``--durable`` (the server syncs every command), ``--seed``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from duckybio.spec.regmap import BLOCK_SIZE, PAGE_SIZE, Flag, Reg

SID = 1
#: Storage size in blocks by default (``--blocks``): 16 MiB.
BLOCKS = 16384


@dataclass(frozen=True)
class Geometry:
    """A storage of ``blocks`` blocks; RAM holds it all, with the MMIO page on top."""

    blocks: int

    @property
    def ram(self) -> int:
        return self.blocks * BLOCK_SIZE + PAGE_SIZE

    @property
    def base(self) -> int:
        return self.ram - PAGE_SIZE


def block_of(generation: int, block: int) -> bytes:
    """The contents generation ``generation`` writes to ``block``: distinct per block."""
    head = generation.to_bytes(4, "little") + block.to_bytes(4, "little")
    return (head * (BLOCK_SIZE // len(head)))


class Server:
    """``duckybio serve`` in its own process group, spoken to line by line."""

    def __init__(self, directory: Path, durable: bool, geo: Geometry) -> None:
        self.geo = geo
        argv = [sys.executable, "-m", "duckybio", "serve", "--storage-dir", str(directory)]
        self.proc = subprocess.Popen([*argv, *(["--durable"] if durable else [])],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     start_new_session=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout

    def send(self, line: str) -> None:
        self.stdin.write(line.encode() + b"\n")
        self.stdin.flush()

    def ask(self, line: str) -> str:
        self.send(line)
        answer = self.stdout.readline().decode().strip()
        if not answer.startswith("OK"):
            raise RuntimeError(f"{line[:40]!r} answered {answer!r}")
        return answer

    def writel(self, offset: int, value: int) -> None:
        self.ask(f"writel {self.geo.base + offset:#x} {value:#x}")

    def answered(self) -> bool:
        """Whether an answer line is waiting (without blocking)."""
        return bool(select.select([self.stdout], [], [], 0)[0])

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.stdin.close()
        self.stdout.close()


@dataclass
class Tally:
    kills: int = 0
    acknowledged: int = 0
    mid_write: int = 0
    torn: int = 0
    broken: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def prepare(server: Server, rng: random.Random) -> tuple[str, int, int, bytes]:
    """Power on, write generation 1 everywhere, stage the second write; its STATUS line."""
    blocks, ram, base = server.geo.blocks, server.geo.ram, server.geo.base
    server.ask(f"machine {ram:#x} {base:#x}")
    server.ask(f"storage {SID} {blocks * BLOCK_SIZE:#x}")
    first = b"".join(block_of(1, b) for b in range(blocks))
    server.ask(f"write 0 {len(first):#x} 0x{first.hex()}")
    for offset, value in ((Reg.SID, SID), (Reg.BLOCK, 0), (Reg.COUNT, blocks), (Reg.ADDR, 0)):
        server.writel(offset, value)
    server.writel(Reg.STATUS, Flag.DMA | Flag.WRITE)
    assert server.ask(f"readl {base + Reg.STATUS:#x}") == f"OK {int(Flag.RDY):#x}"
    count = rng.randint(blocks // 4, blocks)
    block = rng.randint(0, blocks - count)
    kind = rng.choice(["dma", "pio"])
    server.writel(Reg.STATUS, Flag.SRST)
    server.writel(Reg.SID, SID)
    server.writel(Reg.BLOCK, block)
    server.writel(Reg.COUNT, count)
    if kind == "dma":
        new = b"".join(block_of(2, block + i) for i in range(count))
        server.ask(f"write 0 {len(new):#x} 0x{new.hex()}")
        server.writel(Reg.ADDR, 0)
        flags = Flag.DMA | Flag.WRITE
    else:
        words = [rng.getrandbits(32) for _ in range(rng.randint(0, 300))]
        for word in words:
            server.writel(Reg.DATA, word)
        staged = b"".join(w.to_bytes(4, "little") for w in words)
        new = staged + bytes(count * BLOCK_SIZE - len(staged))
        flags = Flag.WRITE
    return f"writel {base + Reg.STATUS:#x} {int(flags):#x}", block, count, new


def check(path: Path, block: int, count: int, new: bytes, acknowledged: bool,
          tally: Tally, blocks: int) -> int:
    """Check the file after a kill; the number of new blocks (the prefix length).

    Old and new contents of a block always differ (the generation is in every
    block; a PIO block's padding is zeros), so each block is old, new or torn.
    """
    data = path.read_bytes()
    states = []
    for b in range(blocks):
        got = data[b * BLOCK_SIZE:(b + 1) * BLOCK_SIZE]
        i = b - block
        if 0 <= i < count and got == new[i * BLOCK_SIZE:(i + 1) * BLOCK_SIZE]:
            states.append("new")
        elif got == block_of(1, b):
            states.append("old")
        else:
            tally.torn += 1
            states.append("torn")
    inner = states[block:block + count]
    k = inner.index("old") if "old" in inner else count
    if "torn" in inner[:k]:
        k = inner.index("torn")
    promise = (len(data) == blocks * BLOCK_SIZE
               and all(s == "old" for s in states[:block] + states[block + count:])
               and all(s == "new" for s in inner[:k]) and all(s == "old" for s in inner[k:])
               and (k == count or not acknowledged))
    tally.broken += not promise
    return k


def duration(directory: Path, rng: random.Random, durable: bool, geo: Geometry) -> float:
    """Seconds from sending a write's STATUS line to its answer (median of a few)."""
    times = []
    for _ in range(5):
        server = Server(directory, durable, geo)
        try:
            line, _, _, _ = prepare(server, rng)
            start = time.perf_counter()
            server.ask(line)
            times.append(time.perf_counter() - start)
        finally:
            server.kill()
    return sorted(times)[len(times) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="10 kills on a 1 MiB storage (a smoke test)")
    parser.add_argument("--blocks", type=int, default=BLOCKS,
                        help=f"storage size in blocks (default {BLOCKS}: 16 MiB)")
    parser.add_argument("--durable", action="store_true", help="serve --durable")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    kills = 10 if args.quick else args.kills
    geo = Geometry(1024 if args.quick else args.blocks)
    rng = random.Random(args.seed)
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        window = 1.5 * duration(directory, rng, args.durable, geo)
        for _ in range(kills):
            server = Server(directory, args.durable, geo)
            try:
                line, block, count, new = prepare(server, rng)
                delay = rng.uniform(0, window)
                server.send(line)
                until = time.perf_counter() + delay
                while time.perf_counter() < until:  # busy: sleep overshoots sub-ms delays
                    pass
            finally:
                acknowledged = server.answered()
                server.kill()
            tally.kills += 1
            tally.acknowledged += acknowledged
            k = check(directory / f"{SID}.img", block, count, new, acknowledged, tally, geo.blocks)
            tally.mid_write += 0 < k < count
            if os.environ.get("KILL_DEBUG"):
                print(f"{delay * 1e3:.3f} ms k={k}/{count} ack={acknowledged}")
            kind = "dma" if "0x28" in line else "pio"
            tally.by_kind[kind] = tally.by_kind.get(kind, 0) + 1
    kinds = ", ".join(f"{n} during {k.upper()} writes" for k, n in sorted(tally.by_kind.items()))
    print(f"kills: {tally.kills} ({kinds}; random moment in a {window * 1e3:.2f} ms window)")
    print(f"  killed in the middle of a write (0 < k < COUNT blocks new): {tally.mid_write}")
    print(f"  acknowledged before the kill: {tally.acknowledged}")
    print(f"  torn blocks: {tally.torn}")
    print(f"  broken promises: {tally.broken}")
    return 0 if tally.torn == 0 and tally.broken == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
