"""Golden test vectors: fixed wire sequences with the answers the model gives.

A vector is a :class:`~duckybio.kit.trace.Trace` (wire command lines, each
with its expected answer) plus the latency it was recorded with.  The files
under ``spec/vectors/`` are generated from the scenarios below by running
each on :class:`~duckybio.kit.model_target.ModelTarget` with that latency;
an implementer in any language replays them with a line parser (see
``spec/vectors/README.md``).

Expected answers are only recorded where every conforming implementation
must give them: a ``clock_step`` answer is implementation-defined (recorded
as ``None``: any answer), a refusal is recorded as a bare ``FAIL`` (any
message), and a scenario must not look at bytes the spec leaves unspecified
(the addressed blocks and DMA range of a command in flight) — recording
refuses such a scenario.

A vector with latency 0 is for targets that complete a command within the
STATUS write that starts it; a vector with latency N > 0 is for targets that
complete it on exactly the N-th clock step after the start (like ``duckybio
serve --latency N``).  Every vector starts with a ``machine`` command, so one
target may run them all in a row.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..spec.regmap import (
    BLOCK_SIZE,
    DATA_INVALID,
    DEFAULT_MMIO_ADDRESS,
    GUEST_SETTABLE,
    PAGE_SIZE,
    RESERVED_START,
    U32_MASK,
    WORD_SIZE,
    Flag,
    Reg,
)
from ..spec.rules import RULES, RULES_BY_ID, SPEC_PATH
from ..spec.wire import (
    ClockStep,
    Command,
    Machine,
    Read,
    Readl,
    Storage,
    StorageRead,
    StorageWrite,
    WireError,
    Write,
    Writel,
    format_answer,
    format_command,
    parse_command,
)
from .errors import ScenarioError, VectorError
from .jsonfile import load_json
from .model_target import ModelTarget
from .replay import execute, replay_steps
from .target import Target
from .trace import Step, Trace

__all__ = [
    "DEFAULT_DIR",
    "ERRATA_IDS",
    "NOT_WIRE_OBSERVABLE",
    "VECTOR_FORMAT",
    "Scenario",
    "ScenarioError",
    "Vector",
    "VectorError",
    "exercised_ids",
    "file_name",
    "generate_all",
    "load_all",
    "record",
    "run_vector",
    "scenarios",
    "stale",
    "wire_observable_ids",
    "write_all",
]

#: The format tag of a vector file.
VECTOR_FORMAT: Final = "duckybio-vector/1"
#: The committed vectors, next to this module.
DEFAULT_DIR: Final = SPEC_PATH.with_name("vectors")
#: The errata ids of ``SPEC.md`` section 14, in document order.
ERRATA_IDS: Final[tuple[str, ...]] = tuple(
    re.findall(r"^\| (E[0-9]+) \|", SPEC_PATH.read_text("utf-8"), re.MULTILINE))
#: Rules and errata no wire sequence can observe, with the reason.
NOT_WIRE_OBSERVABLE: Final[dict[str, str]] = {
    "R-CMD-12": "a storage I/O error needs fault injection inside the device",
    "E15": "a storage I/O error needs fault injection inside the device",
    "E17": "the interrupt line is not part of the wire protocol",
}


# --- the file format -------------------------------------------------------------





class Vector(BaseModel):
    """One golden test vector: a trace and the latency it needs."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-vector/1"] = VECTOR_FORMAT
    latency: int = Field(ge=0)
    trace: Trace

    @model_validator(mode="after")
    def _commands_parse(self) -> Vector:
        steps = self.trace.steps
        if not steps:
            raise ValueError("a vector needs at least one step")
        for number, step in enumerate(steps, 1):
            try:
                command = parse_command(step.command)
            except WireError as exc:
                raise ValueError(f"step {number}: {exc}") from None
            if number == 1 and not isinstance(command, Machine):
                raise ValueError("the first step must be a machine command")
        return self

    def to_json(self) -> str:
        """The file text of this vector."""
        return self.model_dump_json(indent=1) + "\n"

    @classmethod
    def load(cls, path: Path) -> Vector:
        """Read a vector file; :class:`VectorError` with one line on any problem."""
        return load_json(cls, path, VectorError, "vector")


def file_name(name: str) -> str:
    """The file name of the vector called ``name``."""
    return f"{name}.json"


def load_all(directory: Path) -> list[Vector]:
    """Every ``*.json`` vector of ``directory``, by file name.

    :class:`VectorError` if the directory has none or any of them is bad.
    """
    if not directory.is_dir():
        raise VectorError(f"vector directory {directory} does not exist")
    vectors = [Vector.load(path) for path in sorted(directory.glob("*.json"))]
    if not vectors:
        raise VectorError(f"no vector files (*.json) in {directory}")
    return vectors


def run_vector(target: Target, vector: Vector) -> list[str]:
    """Replay ``vector`` on ``target``: one line per answer that differs (none: pass).

    :class:`~duckybio.kit.target.TargetBroken` propagates.
    """
    return replay_steps(target, vector.trace.steps)


def exercised_ids(vectors: list[Vector]) -> set[str]:
    """The rule and errata ids the ``vectors`` say they exercise."""
    return {rule for vector in vectors for rule in vector.trace.rules}


# --- scenarios -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scenario:
    """A named wire sequence without answers; ``wants`` pins a few answers by step index."""

    name: str
    description: str
    rules: tuple[str, ...]
    latency: int
    commands: tuple[Command, ...]
    wants: tuple[tuple[int, str], ...] = ()


RAM_SIZE: Final = 0x10000
MMIO_BASE: Final = DEFAULT_MMIO_ADDRESS
MMIO_END: Final = MMIO_BASE + PAGE_SIZE
SID_A: Final = 1
SIZE_A: Final = 4 * BLOCK_SIZE
SID_B: Final = 0xCAFE0002
SIZE_B: Final = 2 * BLOCK_SIZE + BLOCK_SIZE // 2
SID_UNKNOWN: Final = 3
WORDS_PER_BLOCK: Final = BLOCK_SIZE // WORD_SIZE

RDY, ERR, READ, WRITE, BUSY, DMA, SRST = (int(f) for f in Flag)
STATUS, SID, BLOCK, COUNT, ADDR, DATA = (int(r) for r in Reg)

#: Offsets of the page that are not registers: reserved and unaligned.
OTHER_OFFSETS: Final = (*range(RESERVED_START, PAGE_SIZE, WORD_SIZE), 0x01, 0x02, 0x03, 0x05,
                        0x0E, 0x11, 0x13, 0x15, 0x16, 0x17, 0x19, 0xFB)


def pattern(tag: str, length: int) -> bytes:
    """``length`` reproducible pseudo-random bytes named by ``tag``."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{tag}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:length])


def numbers(tag: str) -> Iterator[int]:
    """An endless reproducible stream of pseudo-random u32 values named by ``tag``."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{tag}:{counter}".encode()).digest()
        for i in range(0, len(digest), WORD_SIZE):
            yield int.from_bytes(digest[i:i + WORD_SIZE], "little")
        counter += 1


CONTENT_A: Final = pattern("storage-a", SIZE_A)
CONTENT_B: Final = pattern("storage-b", SIZE_B)


@dataclass(slots=True)
class Script:
    """Builds a scenario's commands the way a driver and a host would issue them.

    ``latency`` is the scenario's: :meth:`run` polls STATUS and steps the
    clock that many times after starting a command.  Methods taking ``want``
    pin the model's answer (a number), checked when the vector is recorded.
    """

    latency: int = 0
    base: int = MMIO_BASE
    commands: list[Command] = field(default_factory=list)
    wants: list[tuple[int, str]] = field(default_factory=list)

    def add(self, command: Command, want: str | None = None) -> None:
        if want is not None:
            self.wants.append((len(self.commands), want))
        self.commands.append(command)

    # host accesses
    def machine(self, ram_size: int = RAM_SIZE, base: int = MMIO_BASE) -> None:
        self.add(Machine(ram_size, base))
        self.base = base

    def setup(self, fill: bool = False) -> None:
        """A fresh machine with storages A and B (``fill``: with their known contents)."""
        self.machine()
        self.add(Storage(SID_A, SIZE_A))
        self.add(Storage(SID_B, SIZE_B))
        if fill:
            self.add(StorageWrite(SID_A, 0, CONTENT_A))
            self.add(StorageWrite(SID_B, 0, CONTENT_B))

    def write(self, addr: int, data: bytes) -> None:
        self.add(Write(addr, data))

    def fill(self, addr: int, length: int) -> None:
        """Fill RAM ``[addr, addr + length)`` with a known pattern."""
        self.write(addr, pattern(f"ram-{addr:#x}", length))

    def read(self, addr: int, length: int) -> None:
        self.add(Read(addr, length))

    def swrite(self, sid: int, offset: int, data: bytes) -> None:
        self.add(StorageWrite(sid, offset, data))

    def sread(self, sid: int, offset: int = 0, length: int | None = None) -> None:
        if length is None:
            length = (SIZE_A if sid == SID_A else SIZE_B) - offset
        self.add(StorageRead(sid, offset, length))

    def writel(self, addr: int, value: int) -> None:
        self.add(Writel(addr, value))

    def readl(self, addr: int, want: int | None = None) -> None:
        self.add(Readl(addr), None if want is None else f"OK {want:#x}")

    def tick(self, ns: int | None = None) -> None:
        self.add(ClockStep(ns))

    # registers
    def wr(self, offset: int, value: int) -> None:
        self.writel(self.base + offset, value)

    def rd(self, offset: int, want: int | None = None) -> None:
        self.readl(self.base + offset, want)

    def status(self, want: int | None = None) -> None:
        self.rd(STATUS, want)

    def sid(self, value: int) -> None:
        self.wr(SID, value)

    def block(self, value: int) -> None:
        self.wr(BLOCK, value)

    def count(self, value: int) -> None:
        self.wr(COUNT, value)

    def addr(self, value: int) -> None:
        self.wr(ADDR, value)

    def go(self, flags: int) -> None:
        self.wr(STATUS, flags)

    def data(self, n: int = 1, want: int | None = None) -> None:
        for _ in range(n):
            self.rd(DATA, want)

    def put(self, *words: int) -> None:
        for word in words:
            self.wr(DATA, word)

    def wait(self, want: int | None = None) -> None:
        """Poll STATUS and step the clock until the command has completed."""
        for _ in range(self.latency):
            self.status()
            self.tick()
        self.status(want)

    def run(self, flags: int, want: int | None = None) -> None:
        """Start a command and wait for it."""
        self.go(flags)
        self.wait(want)

    def op(self, flags: int, sid: int, block: int, count: int, addr: int = 0,
           want: int | None = None) -> None:
        """One driver operation from a reset controller."""
        self.go(SRST)
        self.sid(sid)
        self.block(block)
        self.count(count)
        self.addr(addr)
        self.run(flags, want)


_Body = Callable[[Script], None]
_REGISTRY: list[tuple[str, tuple[str, ...], int, _Body]] = []


def scenario(name: str, *ids: str, latency: int = 0) -> Callable[[_Body], _Body]:
    """Register the decorated function as the scenario ``name`` exercising ``ids``."""
    unknown = [i for i in ids if i not in RULES_BY_ID and i not in ERRATA_IDS]
    if unknown or not ids:
        raise ScenarioError(f"scenario {name}: unknown or no rule ids {unknown}")

    def register(body: _Body) -> _Body:
        _REGISTRY.append((name, ids, latency, body))
        return body

    return register


# --- reset -----------------------------------------------------------------------

def _probe_flags(s: Script) -> None:
    s.status(RDY)


def _probe_no_storage(s: Script) -> None:
    s.count(1)
    s.run(DMA | READ, ERR)
    s.read(0, 64)


def _probe_block_and_addr_zero(s: Script) -> None:
    s.sid(SID_A)
    s.count(1)
    s.run(DMA | READ, RDY)
    s.read(0, BLOCK_SIZE + 16)


def _probe_dma_off(s: Script) -> None:
    s.sid(SID_A)
    s.count(1)
    s.addr(0x2000)
    s.run(READ, RDY)
    s.read(0x2000, 64)
    s.data(4)


def _probe_count_zero(s: Script) -> None:
    s.sid(SID_A)
    s.run(READ, RDY)
    s.data(want=DATA_INVALID)


def _probe_r_empty(s: Script) -> None:
    s.data(want=DATA_INVALID)
    s.status(ERR)


def _probe_w_empty(s: Script) -> None:
    s.put(0x12345678)
    s.status(ERR)


RESET_PROBES: Final[tuple[_Body, ...]] = (
    _probe_flags, _probe_no_storage, _probe_block_and_addr_zero, _probe_dma_off,
    _probe_count_zero, _probe_r_empty, _probe_w_empty)
#: The probes that look at storage contents.
DATA_PROBES: Final[tuple[_Body, ...]] = (_probe_block_and_addr_zero, _probe_dma_off)


def _dirty(s: Script) -> None:
    """Move every part of the controller's state away from its reset value."""
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.run(DMA | READ, RDY)
    s.data()
    s.sid(SID_UNKNOWN)
    s.sid(SID_B)
    s.block(2)
    s.count(2)
    s.addr(0x3000)
    s.put(1, 2, 3)
    s.status(ERR)


@scenario("reset-power-on-state", "R-RST-1", "R-HOST-1", "E3")
def _power_on_state(s: Script) -> None:
    """Each part of the power-on state, probed on a fresh machine: flags RDY, no
    storage, BLOCK = ADDR = 0, DMA off, COUNT = 0, R empty, W empty."""
    for probe in RESET_PROBES:
        s.setup(fill=probe in DATA_PROBES)
        probe(s)


@scenario("reset-srst-restores-power-on-state", "R-RST-2", "E7")
def _srst_state(s: Script) -> None:
    """Each part of the power-on state, probed after dirtying the controller and
    writing SRST."""
    for probe in RESET_PROBES:
        s.setup(fill=probe in DATA_PROBES)
        _dirty(s)
        s.go(SRST)
        probe(s)


@scenario("reset-srst-deselects", "R-RST-2", "E7")
def _srst_deselects(s: Script) -> None:
    """SRST deselects the storage: a READ right after it fails."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.status(RDY)
    s.go(SRST)
    s.count(1)
    s.run(READ, ERR)
    s.data(want=DATA_INVALID)


@scenario("reset-keeps-data", "R-RST-3")
def _reset_keeps_data(s: Script) -> None:
    """Resets change neither RAM nor storages (only the DMA read before them does)."""
    s.setup(fill=True)
    s.fill(0x0F00, 0x600)
    s.fill(0x2F00, 0x200)
    _dirty(s)
    s.go(SRST)
    s.go(SRST | DMA)
    s.read(0x0F00, 0x600)
    s.read(0x2F00, 0x200)
    s.sread(SID_A)
    s.sread(SID_B)


# --- MMIO reads ------------------------------------------------------------------

@scenario("read-status-flags", "R-RD-1", "R-INV-2")
def _status_flags(s: Script) -> None:
    """STATUS reads only RDY, ERR and BUSY, and reading it has no effect."""
    s.setup(fill=True)
    s.status(RDY)
    s.status(RDY)
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.sid(SID_A)
    s.count(1)
    s.run(DMA | WRITE | READ, RDY | ERR)
    s.status(RDY | ERR)
    s.go(SRST)
    s.status(RDY)


@scenario("read-write-only-registers", "R-RD-2", "E9")
def _write_only_registers(s: Script) -> None:
    """SID, BLOCK, COUNT and ADDR read 0, and reading them changes nothing."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    for reg in (SID, BLOCK, COUNT, ADDR):
        s.rd(reg, 0)
    s.status(RDY)
    s.run(DMA | READ, RDY)
    s.read(0x1000, BLOCK_SIZE)


@scenario("read-other-offsets", "R-RD-3")
def _other_offsets_read(s: Script) -> None:
    """Reserved and unaligned offsets read 0 and do not move the DATA cursor."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(2)
    s.count(1)
    s.run(READ, RDY)
    for offset in OTHER_OFFSETS:
        s.rd(offset, 0)
    s.status(RDY)
    s.data(2)


# --- MMIO writes -----------------------------------------------------------------

@scenario("write-values-mod-2-32", "R-WR-1", "R-ST-1")
def _mod_2_32(s: Script) -> None:
    """Values wider than 32 bits are taken modulo 2**32 (wire numbers are 64-bit)."""
    s.setup(fill=True)
    s.sid(SID_A + (1 << 32))
    s.status(RDY)
    s.sid((U32_MASK << 32) | SID_B)
    s.status(RDY)
    s.sid(SID_A | (7 << 40))
    s.block(1 + (5 << 32))
    s.count(1 + (1 << 40))
    s.addr(0x1000 + (1 << 32))
    s.run(DMA | READ | (1 << 34), RDY)
    s.read(0x1000, 2 * BLOCK_SIZE)


@scenario("write-sid-known-keeps-flags", "R-WR-2", "E13")
def _sid_known(s: Script) -> None:
    """Selecting an attached storage leaves the flags, even ERR with RDY clear."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.sid(SID_B)
    s.status(ERR)
    s.count(1)
    s.run(DMA | READ, RDY | ERR)
    s.read(0, BLOCK_SIZE)


@scenario("write-sid-unknown", "R-WR-3", "R-CMD-6", "E13")
def _sid_unknown(s: Script) -> None:
    """An unknown id sets ERR, clears RDY and deselects (the original's 0x02)."""
    s.setup(fill=True)
    s.go(SRST)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.go(SRST)
    s.sid(SID_A)
    s.count(1)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.run(DMA | READ, ERR)
    s.read(0, BLOCK_SIZE)


@scenario("write-block-addr-latch", "R-WR-4")
def _block_addr_latch(s: Script) -> None:
    """BLOCK and ADDR latch their values for the next command and nothing else."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(0xA1B2C3D4)
    s.block(2)
    s.addr(0x3000)
    s.status(RDY)
    s.run(WRITE, RDY)
    s.sread(SID_A, 2 * BLOCK_SIZE, 16)
    s.run(DMA | READ, RDY)
    s.read(0x3000, BLOCK_SIZE)


@scenario("write-count-empties-w", "R-WR-5", "R-PIO-5", "E4")
def _count_empties_w(s: Script) -> None:
    """A COUNT write empties W but leaves R and its cursor."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.run(READ, RDY)
    s.put(0x11111111)
    s.count(2)
    s.put(0x22222222)
    s.data()
    s.block(0)
    s.run(WRITE, RDY)
    s.sread(SID_A, 0, 2 * BLOCK_SIZE + 16)


@scenario("write-other-offsets", "R-WR-6")
def _other_offsets_write(s: Script) -> None:
    """Writes to reserved and unaligned offsets are ignored, even STATUS-like values."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.put(0xFEEDFACE)
    for offset in OTHER_OFFSETS:
        s.wr(offset, U32_MASK)
        s.wr(offset, SRST | DMA | READ)
    s.status(RDY)
    s.read(0, BLOCK_SIZE)
    s.sread(SID_A)
    s.run(WRITE, RDY)
    s.sread(SID_A)


# --- STATUS writes ---------------------------------------------------------------

@scenario("status-guest-settable-bits", "R-ST-1")
def _guest_bits(s: Script) -> None:
    """Only READ, WRITE, DMA and SRST of a STATUS write count."""
    s.setup(fill=True)
    s.go(U32_MASK & ~GUEST_SETTABLE)
    s.status(RDY)
    s.go(ERR | BUSY)
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.go(RDY | 0xFFFFFF00)
    s.status(ERR)
    s.read(0, BLOCK_SIZE)
    s.sread(SID_A, 0, 64)


@scenario("status-srst-first", "R-ST-2")
def _srst_first(s: Script) -> None:
    """SRST applies first, then DMA, then the command: SRST|DMA keeps DMA mode on,
    SRST|DMA|READ starts a read with no storage selected."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.sid(SID_UNKNOWN)
    s.go(SRST | DMA)
    s.status(RDY)
    s.sid(SID_A)
    s.block(3)
    s.count(1)
    s.addr(0x2000)
    s.run(READ, RDY)
    s.read(0x2000, BLOCK_SIZE)
    s.addr(0)
    s.run(SRST | DMA | READ, ERR)
    s.read(0, BLOCK_SIZE)


@scenario("status-dma-mode-sticky", "R-ST-3", "E10")
def _dma_sticky(s: Script) -> None:
    """The DMA bit switches DMA mode on for every later command until a reset."""
    s.setup(fill=True)
    s.go(DMA)
    s.status(RDY)
    s.read(0, 64)
    s.sid(SID_A)
    s.count(1)
    s.addr(0x2000)
    s.run(READ, RDY)
    s.read(0x2000, BLOCK_SIZE)
    s.block(1)
    s.run(READ, RDY)
    s.read(0x2000, BLOCK_SIZE)
    s.go(SRST)
    s.sid(SID_A)
    s.count(1)
    s.addr(0x3000)
    s.run(READ, RDY)
    s.read(0x3000, BLOCK_SIZE)
    s.data(2)


@scenario("status-read-wins", "R-ST-4", "E11")
def _read_wins(s: Script) -> None:
    """READ|WRITE performs a READ; WRITE alone a write."""
    s.setup(fill=True)
    s.fill(0x1000, BLOCK_SIZE)
    s.fill(0x4000, BLOCK_SIZE)
    s.op(DMA | READ | WRITE, SID_A, 1, 1, 0x1000, want=RDY)
    s.sread(SID_A)
    s.read(0x1000, BLOCK_SIZE)
    s.op(DMA | WRITE, SID_A, 2, 1, 0x4000, want=RDY)
    s.sread(SID_A)


@scenario("status-without-command", "R-ST-5")
def _no_command(s: Script) -> None:
    """A STATUS write without READ or WRITE starts nothing and leaves the flags."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(7)
    for value in (0, DMA, RDY | ERR | BUSY | DMA):
        s.go(value)
        s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.go(0)
    s.go(DMA)
    s.status(ERR)
    s.read(0, BLOCK_SIZE)
    s.sread(SID_A)


# --- commands --------------------------------------------------------------------

@scenario("command-no-storage", "R-CMD-2", "R-CMD-6")
def _no_storage(s: Script) -> None:
    """Every kind of command fails without a selected storage, with no data effect."""
    s.setup(fill=True)
    s.fill(0, BLOCK_SIZE)
    for flags in (READ, DMA | READ, WRITE, DMA | WRITE):
        s.go(SRST)
        s.count(1)
        s.run(flags, ERR)
        s.data(want=DATA_INVALID)
    s.read(0, BLOCK_SIZE)
    s.sread(SID_A)
    s.sread(SID_B)


BOUNDS_CASES: Final = (
    (SID_A, 3, 1, True), (SID_A, 0, 4, True), (SID_A, 3, 2, False), (SID_A, 0, 5, False),
    (SID_A, 4, 1, False), (SID_B, 1, 1, True), (SID_B, 2, 1, False), (SID_B, 0, 3, False),
)


@scenario("command-bounds", "R-CMD-3", "R-CMD-6", "R-CMD-10")
def _bounds(s: Script) -> None:
    """(block + count) * 1024 > size fails; equality is in bounds (storage B's size
    is not a multiple of the block size)."""
    s.setup(fill=True)
    s.fill(0x1000, 4 * BLOCK_SIZE)
    for flags in (DMA | READ, READ, DMA | WRITE, WRITE):
        for sid, block, count, ok in BOUNDS_CASES:
            s.op(flags, sid, block, count, 0x1000, want=RDY if ok else ERR)
            s.data(want=None if ok else DATA_INVALID)
    s.read(0x1000, 16)
    s.sread(SID_A)
    s.sread(SID_B)


DMA_RANGE_CASES: Final = (
    (MMIO_BASE - BLOCK_SIZE, 1, True),
    (MMIO_BASE - BLOCK_SIZE + 4, 1, False),
    (MMIO_BASE - 4, 1, False),
    (MMIO_BASE, 1, False),
    (MMIO_END - 4, 1, False),
    (MMIO_END, 1, True),
    (MMIO_BASE - BLOCK_SIZE, 2, False),
    (0, 4, True),
    (0x7F00, 2, False),
    (RAM_SIZE - BLOCK_SIZE, 1, True),
    (RAM_SIZE - BLOCK_SIZE + 4, 1, False),
    (RAM_SIZE, 1, False),
    (U32_MASK, 1, False),
)
#: Small RAM windows at the edges of the MMIO page and of RAM.
EDGE_WINDOWS: Final = ((MMIO_BASE - BLOCK_SIZE, 16), (MMIO_BASE - 16, 16), (MMIO_END, 16),
                       (RAM_SIZE - 16, 16))


def _dma_range(s: Script, op: int) -> None:
    s.setup(fill=True)
    for addr, length in EDGE_WINDOWS:
        s.fill(addr, length)
    for addr, count, ok in DMA_RANGE_CASES:
        s.op(DMA | op, SID_A, 0, count, addr, want=RDY if ok else ERR)
        if ok:
            continue
        if op == READ:
            for window in EDGE_WINDOWS:
                s.read(*window)
        else:
            s.sread(SID_A, 0, 32)
            s.sread(SID_A, BLOCK_SIZE - 16, 32)


@scenario("command-dma-range-read", "R-CMD-4", "R-CMD-6", "E6")
def _dma_range_read(s: Script) -> None:
    """A DMA read fails, copying nothing, when its range touches the MMIO page or
    runs past RAM; ranges ending at the page or at the end of RAM are fine."""
    _dma_range(s, READ)


@scenario("command-dma-range-write", "R-CMD-4", "R-CMD-6", "E6")
def _dma_range_write(s: Script) -> None:
    """A DMA write fails, writing nothing, when its range touches the MMIO page or
    runs past RAM."""
    _dma_range(s, WRITE)


@scenario("command-pio-ignores-addr", "R-CMD-4")
def _pio_ignores_addr(s: Script) -> None:
    """A PIO command does not look at ADDR, whatever it points to."""
    s.setup(fill=True)
    for addr in (MMIO_BASE, RAM_SIZE, U32_MASK):
        s.op(READ, SID_A, 1, 1, addr, want=RDY)
        s.data(4)
        s.op(WRITE, SID_A, 1, 1, addr, want=RDY)
        s.sread(SID_A, 0, 2 * BLOCK_SIZE + 16)


EXACT_CASES: Final = (
    (READ, U32_MASK, 1, 0),
    (WRITE, 0xFFC00000, 0x400000, 0),
    (READ, 0x400000, 0, 0),
    (WRITE, 0, 0x400000, 0),
    (DMA | READ, 0, 1, 0xFFFFFC00),
    (DMA | WRITE, 0, 0x400001, 0xFFFFFC00),
    (DMA | READ, 1, U32_MASK, 0x1000),
)


@scenario("command-exact-arithmetic", "R-CMD-5", "E8")
def _exact(s: Script) -> None:
    """Block and address arithmetic never wraps at 2**32: each of these would pass
    its check with u32 arithmetic, and fails."""
    s.setup(fill=True)
    s.fill(0, 64)
    s.fill(0x1000, 64)
    for flags, block, count, addr in EXACT_CASES:
        s.op(flags, SID_A, block, count, addr, want=ERR)
        s.data(want=DATA_INVALID)
    s.read(0, 64)
    s.read(0x1000, 64)
    s.sread(SID_A)


@scenario("command-failure-empties-r-and-w", "R-CMD-6", "E14")
def _failure_empties(s: Script) -> None:
    """A failed command empties R and W and has no data effect."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.run(READ, RDY)
    s.put(0x0BADF00D)
    s.block(9)
    s.run(WRITE, ERR)
    s.data(want=DATA_INVALID)
    s.sread(SID_A)
    s.block(0)
    s.run(WRITE, RDY | ERR)
    s.sread(SID_A, 0, BLOCK_SIZE + 16)


@scenario("command-failed-read-no-stale-data", "R-CMD-6", "E14")
def _no_stale(s: Script) -> None:
    """DATA reads after a failed READ return no stale data from the previous one."""
    s.setup(fill=True)
    s.op(READ, SID_A, 0, 2, want=RDY)
    s.data()
    s.block(3)
    s.run(READ, ERR)
    s.data(want=DATA_INVALID)


@scenario("command-dma-read", "R-CMD-7", "R-CMD-10", "R-INV-3", "E12")
def _dma_read(s: Script) -> None:
    """A DMA read copies the blocks to RAM at ADDR and nothing else; R holds them."""
    s.setup(fill=True)
    for block, count, addr in ((0, 4, 0), (1, 2, 0x1000), (3, 1, MMIO_END), (0, 1, 0xFC00)):
        start = addr if addr in (0, MMIO_END) else addr - 16
        end = min(addr + count * BLOCK_SIZE + 16, RAM_SIZE)
        s.fill(start, end - start)
        s.op(DMA | READ, SID_A, block, count, addr, want=RDY)
        s.read(start, end - start)
        s.data(4)
    s.sread(SID_A)


@scenario("command-pio-read", "R-CMD-7", "R-PIO-1", "R-INV-3")
def _pio_read(s: Script) -> None:
    """A PIO read leaves RAM alone; the block comes out of DATA word by word."""
    s.setup(fill=True)
    s.fill(0x1000, BLOCK_SIZE)
    s.op(READ, SID_B, 1, 1, 0x1000, want=RDY)
    s.read(0x1000, BLOCK_SIZE)
    s.data(WORDS_PER_BLOCK)
    s.status(RDY)


@scenario("command-dma-write", "R-CMD-8", "R-CMD-10", "R-INV-3", "E12")
def _dma_write(s: Script) -> None:
    """A DMA write copies RAM at ADDR to the blocks and nothing else; R holds the data."""
    s.setup(fill=True)
    for block, count, addr in ((0, 4, 0), (1, 2, 0x2000), (2, 1, MMIO_END)):
        s.fill(addr, count * BLOCK_SIZE)
        s.op(DMA | WRITE, SID_A, block, count, addr, want=RDY)
        s.sread(SID_A)
        s.sread(SID_B, 0, 16)
        s.data(4)


@scenario("command-dma-write-r", "R-CMD-8", "R-CMD-10")
def _dma_write_r(s: Script) -> None:
    """After a DMA write, DATA reads return exactly the bytes written, then underrun."""
    s.setup(fill=True)
    s.fill(0x5000, BLOCK_SIZE)
    s.op(DMA | WRITE, SID_B, 2, 0, 0x5000, want=RDY)
    s.data(want=DATA_INVALID)
    s.op(DMA | WRITE, SID_B, 1, 1, 0x5000, want=RDY)
    s.data(WORDS_PER_BLOCK)
    s.data(want=DATA_INVALID)
    s.sread(SID_B)


@scenario("command-pio-write-pads", "R-CMD-9", "E5")
def _pio_write_pads(s: Script) -> None:
    """A PIO write stores W padded with zeros to count blocks, and nothing more."""
    s.setup(fill=True)
    s.sid(SID_B)
    s.block(1)
    s.count(1)
    s.put(0x03020100, 0x07060504, 0x0B0A0908)
    s.run(WRITE, RDY)
    s.sread(SID_B)
    s.sread(SID_A, 0, 16)
    s.op(READ, SID_A, 0, 4, want=RDY)
    s.op(WRITE, SID_A, 1, 2, want=RDY)
    s.sread(SID_A)


@scenario("command-pio-write-full", "R-CMD-9", "R-PIO-4")
def _pio_write_full(s: Script) -> None:
    """A W filled exactly to COUNT * 1024 is accepted and written."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(2)
    s.count(1)
    s.put(*(int.from_bytes(CONTENT_B[i:i + WORD_SIZE], "little")
            for i in range(0, BLOCK_SIZE, WORD_SIZE)))
    s.status(RDY)
    s.run(WRITE, RDY)
    s.sread(SID_A)


@scenario("command-success-keeps-err", "R-CMD-10", "R-INV-1")
def _success_keeps_err(s: Script) -> None:
    """Success sets RDY but keeps an earlier ERR; each command refills R from the start."""
    s.setup(fill=True)
    s.sid(SID_UNKNOWN)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.run(READ, RDY | ERR)
    s.data(3)
    s.run(READ, RDY | ERR)
    s.data(3)
    s.put(0xDDCCBBAA)
    s.run(WRITE, RDY | ERR)
    s.data(WORDS_PER_BLOCK)
    s.run(WRITE, RDY | ERR)
    s.sread(SID_A, BLOCK_SIZE, BLOCK_SIZE)


COUNT_ZERO_CASES: Final = (
    (SID_A, 0, MMIO_BASE, True), (SID_A, 4, RAM_SIZE, True), (SID_A, 2, U32_MASK, True),
    (SID_B, 2, MMIO_BASE + 8, True), (SID_A, 5, 0, False), (SID_B, 3, 0, False),
)


@scenario("command-count-zero", "R-CMD-11")
def _count_zero(s: Script) -> None:
    """COUNT 0 is an empty transfer: fine wherever ADDR points, failing only when
    block * 1024 > size; R stays empty and nothing changes."""
    s.setup(fill=True)
    s.fill(0, 64)
    for flags in (DMA | READ, DMA | WRITE, READ, WRITE):
        for sid, block, addr, ok in COUNT_ZERO_CASES:
            s.op(flags, sid, block, 0, addr, want=RDY if ok else ERR)
            s.data(want=DATA_INVALID)
    s.read(0, 64)
    s.sread(SID_A)
    s.sread(SID_B)


# --- data port -------------------------------------------------------------------

@scenario("pio-read-words", "R-PIO-1")
def _read_words(s: Script) -> None:
    """DATA reads return the little-endian words of R in order; flags unchanged."""
    s.setup(fill=True)
    s.op(READ, SID_B, 2, 0, want=RDY)
    s.op(READ, SID_B, 1, 1, want=RDY)
    s.data(WORDS_PER_BLOCK)
    s.status(RDY)


@scenario("pio-read-underrun", "R-PIO-2", "E2", "E3")
def _underrun(s: Script) -> None:
    """A DATA read with no word left sets ERR, clears RDY, returns 0xFFFFFFFF and
    leaves the cursor: every later read underruns too."""
    s.setup(fill=True)
    s.data(want=DATA_INVALID)
    s.status(ERR)
    s.op(READ, SID_A, 3, 1, want=RDY)
    s.data(WORDS_PER_BLOCK)
    s.status(RDY)
    s.data(want=DATA_INVALID)
    s.status(ERR)
    s.data(want=DATA_INVALID)
    s.status(ERR)


@scenario("pio-write-little-endian", "R-PIO-3", "E1")
def _write_le(s: Script) -> None:
    """A DATA write appends its 4 bytes, least significant first."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(0x04030201, 0x08070605)
    s.status(RDY)
    s.run(WRITE, RDY)
    s.sread(SID_A, 0, 16)
    s.data(3)


@scenario("pio-write-overrun", "R-PIO-4", "E3", "E4")
def _overrun(s: Script) -> None:
    """A DATA write past COUNT * 1024 (COUNT 0 included) sets ERR and stores nothing;
    a DATA write after a READ does not touch R."""
    s.setup(fill=True)
    s.put(0x55555555)
    s.status(ERR)
    s.go(SRST)
    s.op(READ, SID_A, 0, 1, want=RDY)
    s.put(0x66666666)
    s.status(RDY)
    s.data()
    s.go(SRST)
    s.sid(SID_A)
    s.count(1)
    s.put(*range(1, WORDS_PER_BLOCK + 1))
    s.status(RDY)
    s.put(0xFFFFFFFF)
    s.status(ERR)
    s.run(WRITE, RDY | ERR)
    s.sread(SID_A, 0, BLOCK_SIZE + 16)


@scenario("pio-separate-buffers", "R-PIO-5", "E4")
def _separate(s: Script) -> None:
    """R and W are separate: DATA writes between DATA reads do not disturb them."""
    s.setup(fill=True)
    s.op(READ, SID_A, 1, 1, want=RDY)
    s.data(2)
    s.put(0xAAAAAAAA, 0xBBBBBBBB, 0xCCCCCCCC)
    s.data(2)
    s.block(3)
    s.run(WRITE, RDY)
    s.sread(SID_A)


@scenario("pio-any-count", "R-PIO-6")
def _any_count(s: Script) -> None:
    """COUNT 0xFFFFFFFF is accepted: W takes the words supplied; the write then fails
    its bounds check."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(U32_MASK)
    s.put(*range(64))
    s.status(RDY)
    s.run(WRITE, ERR)
    s.sread(SID_A)


# --- busy and timing -------------------------------------------------------------

@scenario("busy-start-flags", "R-CMD-1", "R-BSY-1", "R-BSY-2", "R-INV-2", "E18", latency=2)
def _busy_start(s: Script) -> None:
    """Starting sets BUSY and clears RDY, keeping ERR; the command completes on the
    second clock step."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.go(READ)
    s.status(BUSY)
    s.wait(RDY)
    s.sid(SID_UNKNOWN)
    s.sid(SID_A)
    s.go(DMA | WRITE)
    s.status(BUSY | ERR)
    s.wait(RDY | ERR)
    s.status(RDY | ERR)


@scenario("busy-latched-values", "R-CMD-1", "R-CMD-2", latency=2)
def _busy_latched(s: Script) -> None:
    """A command uses the registers latched at its start, not later writes."""
    s.setup(fill=True)
    s.fill(0x1000, BLOCK_SIZE)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.go(DMA | WRITE)
    s.sid(SID_B)
    s.block(2)
    s.count(2)
    s.addr(0x3000)
    s.wait(RDY)
    s.sread(SID_A)
    s.sread(SID_B)


@scenario("busy-reads", "R-BSY-2", latency=2)
def _busy_reads(s: Script) -> None:
    """While BUSY, STATUS reads BUSY (with ERR if set) and other offsets read 0."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.go(DMA | READ)
    s.status(BUSY)
    for offset in (SID, BLOCK, COUNT, ADDR, *OTHER_OFFSETS):
        s.rd(offset, 0)
    s.wait(RDY)
    s.sid(SID_UNKNOWN)
    s.sid(SID_A)
    s.go(READ)
    s.status(BUSY | ERR)
    s.wait(RDY | ERR)


@scenario("busy-writes-ignored", "R-BSY-3", "R-CMD-1", latency=2)
def _busy_writes(s: Script) -> None:
    """While BUSY every write is ignored: registers, DATA, commands, reserved offsets."""
    s.setup(fill=True)
    s.fill(0x1000, BLOCK_SIZE)
    s.fill(0x3000, 2 * BLOCK_SIZE)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.go(READ)
    s.sid(SID_B)
    s.block(2)
    s.count(2)
    s.addr(0x3000)
    s.put(0x12345678)
    s.go(DMA | WRITE)
    s.go(DMA | READ)
    s.go(RDY | ERR | DMA)
    for offset in OTHER_OFFSETS:
        s.wr(offset, U32_MASK)
    s.status(BUSY)
    s.wait(RDY)
    s.read(0x1000, BLOCK_SIZE)
    s.read(0x3000, 2 * BLOCK_SIZE)
    s.sread(SID_A)
    s.sread(SID_B)
    s.data()
    s.run(READ, RDY)
    s.read(0x1000, BLOCK_SIZE)
    s.data(WORDS_PER_BLOCK)


@scenario("busy-data-writes-ignored", "R-BSY-3", latency=2)
def _busy_data_writes(s: Script) -> None:
    """DATA and COUNT writes while BUSY do not reach W."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(0x11111111)
    s.go(WRITE)
    s.put(0x22222222)
    s.count(1)
    s.wait(RDY)
    s.sread(SID_A, 0, BLOCK_SIZE + 16)


@scenario("busy-data-read", "R-BSY-4", latency=2)
def _busy_data_read(s: Script) -> None:
    """A DATA read while BUSY returns 0xFFFFFFFF with no effect (no ERR, no cursor)."""
    s.setup(fill=True)
    s.op(READ, SID_A, 0, 1, want=RDY)
    s.data()
    s.block(2)
    s.go(READ)
    s.data(3, want=DATA_INVALID)
    s.status(BUSY)
    s.wait(RDY)
    s.data(WORDS_PER_BLOCK)
    s.status(RDY)


@scenario("busy-deferred-srst", "R-BSY-5", "R-RST-2", latency=2)
def _deferred_srst(s: Script) -> None:
    """SRST while BUSY lets the command complete in full, then resets; the other bits
    of that write are ignored and repeated SRSTs act as one."""
    for extra in (0, READ, WRITE, DMA, DMA | READ | WRITE, ERR | RDY):
        s.setup(fill=True)
        s.fill(0x2000, 2 * BLOCK_SIZE)
        s.sid(SID_UNKNOWN)
        s.sid(SID_A)
        s.block(1)
        s.count(2)
        s.addr(0x2000)
        s.go(DMA | WRITE)
        s.go(SRST | extra)
        s.go(SRST)
        s.status(BUSY | ERR)
        s.wait(RDY)
        s.sread(SID_A)
        for probe in RESET_PROBES:
            probe(s)
            s.go(SRST)


@scenario("busy-deferred-srst-after-failure", "R-BSY-5", latency=2)
def _deferred_srst_failing(s: Script) -> None:
    """A command that fails still completes before a deferred SRST; then RDY."""
    s.setup(fill=True)
    s.fill(0, BLOCK_SIZE)
    s.sid(SID_A)
    s.block(4)
    s.count(1)
    s.go(DMA | READ)
    s.go(SRST)
    s.wait(RDY)
    s.read(0, BLOCK_SIZE)
    s.sread(SID_A)
    s.data(want=DATA_INVALID)


@scenario("busy-nothing-else-changes", "R-BSY-6", latency=2)
def _busy_nothing_else(s: Script) -> None:
    """While BUSY, RAM outside the DMA range and storage bytes outside the addressed
    blocks keep their values (the addressed ones are not looked at)."""
    for flags in (DMA | READ, DMA | WRITE, WRITE):
        s.setup(fill=True)
        s.fill(0x1F00, 0xA00)
        s.sid(SID_A)
        s.block(1)
        s.count(2)
        s.addr(0x2000)
        s.go(flags)
        s.status(BUSY)
        s.read(0x1F00, 0x100)
        s.read(0x2800, 0x100)
        s.sread(SID_A, 0, BLOCK_SIZE)
        s.sread(SID_A, 3 * BLOCK_SIZE, BLOCK_SIZE)
        s.sread(SID_B)
        s.wait(RDY)
        s.read(0x1F00, 0xA00)
        s.sread(SID_A)


@scenario("busy-time-stands-still", "R-BSY-7", latency=2)
def _time_still(s: Script) -> None:
    """Only clock steps complete a command: host accesses and CPU accesses to RAM
    between them do not."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.go(DMA | READ)
    for _ in range(10):
        s.status(BUSY)
        s.write(0x5000, b"\x01\x02")
        s.sread(SID_B, 0, 16)
        s.read(0x6000, 64)
        s.writel(0x7000, 5)
        s.readl(0x7000)
    s.wait(RDY)
    s.read(0, BLOCK_SIZE)
    s.read(0x5000, 4)


@scenario("busy-rdy-never-with-busy", "R-INV-2", "R-BSY-1", latency=2)
def _busy_never_both(s: Script) -> None:
    """RDY and BUSY never read together, across commands that succeed and fail."""
    _never_both(s)


@scenario("busy-forth-driver", "R-BSY-1", "R-ST-2", "R-CMD-7", "R-CMD-8", "R-WR-3",
          "R-CMD-3", latency=2)
def _busy_forth(s: Script) -> None:
    """The original FORTH block driver, polling STATUS and stepping the clock."""
    _forth(s)


@scenario("timing-latency-zero", "R-BSY-1", "E18")
def _latency_zero(s: Script) -> None:
    """With latency 0 a command has completed when the STATUS write returns."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.go(DMA | READ)
    s.status(RDY)
    s.read(0, BLOCK_SIZE)
    for flags, block, count in ((DMA | READ, 1, 1), (READ, 0, 4), (DMA | WRITE, 2, 2),
                                (WRITE, 3, 1), (DMA | READ, 4, 1), (WRITE, 0, 0)):
        s.op(flags, SID_A, block, count, 0x1000)


@scenario("timing-clock-step-idle", "R-BSY-7", "R-HOST-6")
def _clock_idle(s: Script) -> None:
    """A clock step while idle changes nothing; NS is advisory."""
    s.setup(fill=True)
    s.fill(0, 64)
    s.op(READ, SID_A, 1, 1, want=RDY)
    s.data(2)
    s.tick()
    s.tick(1)
    s.tick(1000)
    s.status(RDY)
    s.data()
    s.read(0, 64)
    s.sread(SID_A)


# --- invariants ------------------------------------------------------------------

def _err_unknown_sid(s: Script) -> None:
    s.sid(SID_UNKNOWN)


def _err_underrun(s: Script) -> None:
    s.data()


def _err_overrun(s: Script) -> None:
    s.put(1)


def _err_failed_command(s: Script) -> None:
    s.sid(SID_A)
    s.block(7)
    s.run(READ)


@scenario("invariant-err-sticky", "R-INV-1")
def _err_sticky(s: Script) -> None:
    """ERR, whatever set it, survives selections, commands, STATUS writes and clock
    steps; only SRST clears it."""
    for cause in (_err_unknown_sid, _err_underrun, _err_overrun, _err_failed_command):
        s.setup()
        cause(s)
        s.status(ERR)
        s.sid(SID_A)
        s.block(0)
        s.count(1)
        for value in (0, DMA, RDY, ERR, U32_MASK & ~SRST & ~READ & ~WRITE):
            s.go(value)
            s.status(ERR)
        s.run(READ, RDY | ERR)
        s.data()
        s.put(1)
        s.run(WRITE, RDY | ERR)
        s.tick()
        s.tick()
        s.status(RDY | ERR)
        s.go(SRST)
        s.status(RDY)


def _never_both(s: Script) -> None:
    s.setup(fill=True)
    flags = (READ, WRITE, DMA | READ, DMA | WRITE, SRST | READ)
    sids = (SID_A, SID_B, SID_UNKNOWN)
    addrs = (0, 0x1000, MMIO_BASE, RAM_SIZE - BLOCK_SIZE)
    for i in range(40):
        s.sid(sids[(7 * i) % len(sids)])
        s.block((3 * i) % 5)
        s.count((5 * i) % 3)
        s.addr(addrs[(11 * i) % len(addrs)])
        s.go(flags[i % len(flags)])
        for _ in range(3):
            s.status()
            s.tick()
        s.status()
        if i % 4 == 3:
            s.go(SRST)


@scenario("invariant-rdy-never-with-busy", "R-INV-2")
def _rdy_busy(s: Script) -> None:
    """RDY and BUSY never read together, across commands that succeed and fail."""
    _never_both(s)


@scenario("invariant-only-commands-change-data", "R-INV-3", "E5")
def _only_commands(s: Script) -> None:
    """Hundreds of register writes that start no command change no data; one PIO
    write then changes exactly its block."""
    s.setup(fill=True)
    s.fill(0, BLOCK_SIZE)
    s.fill(MMIO_BASE - BLOCK_SIZE, BLOCK_SIZE)
    s.fill(MMIO_END, BLOCK_SIZE)
    offsets = (SID, BLOCK, COUNT, ADDR, DATA, *OTHER_OFFSETS)
    rand = numbers("only-commands")
    for _ in range(300):
        pick = next(rand)
        offset = STATUS if pick % 11 == 0 else offsets[pick % len(offsets)]
        value = (0, 1, 2, 4, SID_A, SID_B, U32_MASK, next(rand))[next(rand) % 8]
        if offset == STATUS:
            value &= ~(READ | WRITE)
        s.wr(offset, value)
        if next(rand) % 5 == 0:
            s.rd((STATUS, DATA, *offsets)[next(rand) % (len(offsets) + 2)])
    s.read(0, BLOCK_SIZE)
    s.read(MMIO_BASE - BLOCK_SIZE, BLOCK_SIZE)
    s.read(MMIO_END, BLOCK_SIZE)
    s.sread(SID_A)
    s.sread(SID_B)
    s.op(WRITE, SID_B, 1, 1, want=RDY)
    s.sread(SID_A)
    s.sread(SID_B)
    s.read(0, BLOCK_SIZE)


HOSTILE: Final[tuple[tuple[tuple[str, int, int], ...], ...]] = (
    (("r", DATA, 0), ("w", DATA, 1), ("w", STATUS, WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", STATUS, WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", STATUS, READ), ("w", DATA, 5), ("r", DATA, 0),
     ("w", STATUS, WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 4), ("w", ADDR, MMIO_BASE - 8),
     ("w", STATUS, DMA | READ), ("w", STATUS, DMA | WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", ADDR, U32_MASK), ("w", STATUS, DMA | READ)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", STATUS, READ),
     *((("r", DATA, 0),) * (WORDS_PER_BLOCK + 3))),
    (("w", SID, U32_MASK), ("w", BLOCK, U32_MASK), ("w", COUNT, U32_MASK),
     ("w", ADDR, U32_MASK), ("w", STATUS, U32_MASK), ("w", DATA, U32_MASK)),
)


@scenario("invariant-hostile-sequences", "R-INV-4", "E2", "E3", "E4", "E5", "E6")
def _hostile(s: Script) -> None:
    """Sequences that crashed the original device are answered, then a sweep over
    the page's offsets is too."""
    for sequence in HOSTILE:
        s.setup()
        for kind, offset, value in sequence:
            if kind == "r":
                s.rd(offset)
            else:
                s.wr(offset, value)
        s.wait()
        for offset in (*range(0, 0x20), 0x7C, 0xFC, 0xFF):
            s.rd(offset)
            s.wr(offset, U32_MASK)
            s.tick()
        s.wait()
        s.sread(SID_A, 0, 64)


# --- host accesses ---------------------------------------------------------------

@scenario("host-machine-fresh", "R-HOST-1", "E16")
def _machine_fresh(s: Script) -> None:
    """machine powers on a fresh machine: RAM zero, no storages, BIO in reset."""
    s.setup(fill=True)
    s.op(DMA | READ, SID_A, 0, 1, 0, want=RDY)
    s.sid(SID_UNKNOWN)
    s.machine()
    s.status(RDY)
    s.read(0, BLOCK_SIZE)
    s.sread(SID_A, 0, 1)
    s.sid(SID_A)
    s.status(ERR)


@scenario("host-mmio-base-zero", "R-HOST-1", "R-HOST-4", "E16")
def _base_zero(s: Script) -> None:
    """MMIO base 0 is valid: the first page is the BIO, not RAM."""
    s.machine(RAM_SIZE, 0)
    s.add(Storage(SID_A, SIZE_A))
    s.status(RDY)
    s.write(0, b"\x00")
    s.read(PAGE_SIZE - 4, 8)
    s.write(PAGE_SIZE, b"\x5A" * BLOCK_SIZE)
    s.sid(SID_A)
    s.count(1)
    s.addr(PAGE_SIZE)
    s.run(DMA | WRITE, RDY)
    s.sread(SID_A, 0, BLOCK_SIZE)
    s.addr(0x80)
    s.run(DMA | READ, ERR)
    s.read(PAGE_SIZE, 16)


@scenario("host-machine-bad-geometry", "R-HOST-1", "E16")
def _bad_geometry(s: Script) -> None:
    """A RAM size that is not a multiple of the page size or an unaligned MMIO base
    is refused; any page-aligned u32 base is valid, even one beyond RAM."""
    for ram_size, base in ((RAM_SIZE + 1, MMIO_BASE), (RAM_SIZE, MMIO_BASE + 4),
                           (RAM_SIZE - PAGE_SIZE // 2, 0)):
        s.setup()
        s.add(Machine(ram_size, base))
    s.machine(RAM_SIZE, U32_MASK & ~(PAGE_SIZE - 1))
    s.status(RDY)
    s.write(MMIO_BASE, b"\x11\x22\x33\x44")
    s.readl(MMIO_BASE, 0x44332211)
    s.setup(fill=True)
    s.sid(SID_A)
    s.status(RDY)
    s.count(1)
    s.run(READ, RDY)
    s.data()
    s.sread(SID_A, 0, 16)


@scenario("host-storage-attach", "R-HOST-2")
def _storage_attach(s: Script) -> None:
    """storage attaches a zero-filled storage of any size; a duplicate id or an id
    that is not a u32 is refused."""
    s.setup(fill=True)
    s.add(Storage(5, 100))
    s.sread(5, 0, 100)
    s.sid(5)
    s.status(RDY)
    s.run(READ, RDY)
    s.count(1)
    s.run(READ, ERR)
    s.add(Storage(5, 10))
    s.add(Storage(SID_A, SIZE_A))
    s.add(Storage(1 << 32, 10))
    s.add(Storage(6, 0))
    s.sread(6, 0, 0)
    s.sread(SID_A, 0, 64)


@scenario("host-storage-access", "R-HOST-3")
def _storage_access(s: Script) -> None:
    """storage-read and storage-write reach a storage's bytes up to its end, never
    past it, and do not touch the BIO."""
    s.setup(fill=True)
    s.op(READ, SID_B, 0, 1, want=RDY)
    s.swrite(SID_B, SIZE_B - 4, b"\x01\x02\x03\x04")
    s.sread(SID_B, SIZE_B - 6, 6)
    s.sread(SID_B, SIZE_B, 0)
    s.swrite(SID_B, SIZE_B - 3, bytes(4))
    s.sread(SID_B, SIZE_B - 3, 4)
    s.sread(SID_UNKNOWN, 0, 1)
    s.swrite(SID_UNKNOWN, 0, b"\x00")
    s.sread(SID_B, 0, 4)
    s.status(RDY)
    s.data()


@scenario("host-ram-access", "R-HOST-4")
def _ram_access(s: Script) -> None:
    """read and write reach RAM up to the MMIO page and the end of RAM, never into
    or past them; empty ranges are accepted anywhere."""
    s.setup()
    s.write(MMIO_BASE - 4, b"\xAA" * 4)
    s.write(MMIO_END, b"\xBB" * 4)
    s.write(RAM_SIZE - 4, b"\xCC" * 4)
    s.read(MMIO_BASE - 4, 4)
    s.read(MMIO_END, 4)
    s.read(RAM_SIZE - 4, 4)
    for addr, length in ((MMIO_BASE - 4, 8), (MMIO_BASE, 4), (MMIO_END - 1, 2),
                         (RAM_SIZE - 4, 8), (RAM_SIZE, 1), (U32_MASK, 1)):
        s.read(addr, length)
        s.write(addr, bytes(length))
    s.read(MMIO_BASE, 0)
    s.write(MMIO_BASE, b"")
    s.read(MMIO_BASE - 4, 4)
    s.read(RAM_SIZE - 8, 8)
    s.status(RDY)


@scenario("host-readl-writel-routing", "R-HOST-5")
def _routing(s: Script) -> None:
    """readl/writel inside the MMIO page are register accesses; elsewhere they are
    little-endian RAM accesses, refused when not all 4 bytes are RAM."""
    s.setup()
    s.writel(0x1000, 0x11223344)
    s.read(0x1000, 4)
    s.readl(0x1000, 0x11223344)
    s.writel(0x1004, 0x1_AABBCCDD)
    s.readl(0x1004, 0xAABBCCDD)
    s.readl(MMIO_BASE + STATUS, RDY)
    s.writel(MMIO_BASE + SID, SID_UNKNOWN)
    s.readl(MMIO_BASE + STATUS, ERR)
    s.readl(MMIO_END - 1, 0)
    for addr in (MMIO_BASE - 2, RAM_SIZE - 2, RAM_SIZE, U32_MASK):
        s.readl(addr)
        s.writel(addr, 0)
    s.read(MMIO_BASE - 4, 4)


# --- the original's expectations and its driver ----------------------------------

@scenario("original-status-expectations", "R-WR-3", "R-CMD-3", "R-CMD-7", "R-CMD-8",
          "R-CMD-10")
def _original(s: Script) -> None:
    """The original's tests: SRST then an unknown id reads 0x02; an out-of-bounds DMA
    read 0x02; a good DMA read or write 0x01."""
    s.setup(fill=True)
    s.go(SRST)
    s.sid(SID_UNKNOWN)
    s.status(0x02)
    s.op(DMA | READ, SID_A, 4, 1, 0x1000, want=0x02)
    s.op(DMA | READ, SID_A, 3, 1, 0x1000, want=0x01)
    s.op(DMA | WRITE, SID_A, 0, 1, 0x1000, want=0x01)
    s.sread(SID_A, 0, BLOCK_SIZE)


def _forth_op(s: Script, flags: int, sid: int, block: int, count: int, addr: int,
              ok: bool) -> None:
    """One operation of the FORTH driver (it stops after a SID that flags ERR)."""
    s.go(SRST)
    s.sid(sid)
    s.status(ERR if sid == SID_UNKNOWN else RDY)
    if sid == SID_UNKNOWN:
        return
    for reg, value in ((BLOCK, block), (COUNT, count), (ADDR, addr)):
        s.wr(reg, value)
        s.status(RDY)
    s.run(flags, RDY if ok else ERR)


def _forth(s: Script) -> None:
    s.setup(fill=True)
    s.fill(0x4000, 2 * BLOCK_SIZE)
    _forth_op(s, DMA | WRITE, SID_B, 0, 2, 0x4000, True)
    s.sread(SID_B)
    _forth_op(s, DMA | READ, SID_A, 1, 3, 0xA000, True)
    s.read(0xA000, 3 * BLOCK_SIZE)
    _forth_op(s, DMA | READ, SID_B, 0, 2, 0xC000, True)
    s.read(0xC000, 2 * BLOCK_SIZE)
    _forth_op(s, DMA | READ, SID_UNKNOWN, 0, 1, 0, False)
    _forth_op(s, DMA | READ, SID_B, 2, 1, 0, False)
    _forth_op(s, DMA | WRITE, SID_A, 0, 1, MMIO_BASE, False)
    _forth_op(s, DMA | READ, SID_A, 0, 1, 0, True)
    s.status(RDY)
    s.read(0, BLOCK_SIZE)


@scenario("driver-forth", "R-BSY-1", "R-ST-2", "R-CMD-7", "R-CMD-8", "R-WR-3", "R-CMD-3")
def _driver_forth(s: Script) -> None:
    """The original FORTH block driver (SPEC section 15): DMA writes and reads, and
    the failures it reports."""
    _forth(s)


# --- recording -------------------------------------------------------------------

@cache
def scenarios() -> tuple[Scenario, ...]:
    """Every scenario, in definition order."""
    built: list[Scenario] = []
    for name, ids, latency, body in _REGISTRY:
        script = Script(latency=latency)
        body(script)
        doc = " ".join((body.__doc__ or "").split())
        built.append(Scenario(name, doc, ids, latency, tuple(script.commands),
                              tuple(script.wants)))
    names = [s.name for s in built]
    if len(set(names)) != len(names):
        raise ScenarioError("scenario names are not unique")
    return tuple(built)


def _overlaps(start: int, length: int, other: int, other_length: int) -> bool:
    return length > 0 and other_length > 0 and start < other + other_length \
        and other < start + length


def _unspecified(model: ModelTarget, command: Command) -> bool:
    """Whether ``command`` touches bytes a command in flight leaves unspecified."""
    flight = model.state.bio.command
    if flight is None:
        return False
    length = flight.count * BLOCK_SIZE
    ram: tuple[int, int] | None = None
    match command:
        case Read(addr, n):
            ram = (addr, n)
        case Write(addr, data):
            ram = (addr, len(data))
        case Readl(addr) | Writel(addr, _):
            ram = None if 0 <= addr - model.config.mmio_base < PAGE_SIZE else (addr, WORD_SIZE)
        case StorageRead(sid, offset, n):
            return sid == flight.sid and _overlaps(offset, n, flight.block * BLOCK_SIZE, length)
        case StorageWrite(sid, offset, data):
            return sid == flight.sid and _overlaps(offset, len(data), flight.block * BLOCK_SIZE,
                                                   length)
    return ram is not None and flight.dma and _overlaps(*ram, flight.addr, length)


def record(item: Scenario) -> Vector:
    """Run ``item`` on the model and keep its answers; :class:`ScenarioError` if the
    scenario looks at unspecified bytes, misses a pinned answer, or never goes BUSY
    although it needs a latency."""
    model = ModelTarget(item.latency)
    wants = dict(item.wants)
    steps: list[Step] = []
    busy_seen = False
    for index, command in enumerate(item.commands):
        line = format_command(command)
        if _unspecified(model, command):
            raise ScenarioError(f"{item.name} step {index + 1}: {line} touches bytes a "
                                "command in flight leaves unspecified")
        answer = format_answer(execute(model, command))
        busy_seen |= model.state.bio.command is not None
        if index in wants and answer != wants[index]:
            raise ScenarioError(f"{item.name} step {index + 1}: {line} answers {answer}, "
                                f"the scenario says {wants[index]}")
        expect: str | None = answer
        if isinstance(command, ClockStep):
            expect = None
        elif answer.startswith("FAIL"):
            expect = "FAIL"
        steps.append(Step(command=line, expect=expect))
    if item.latency and not busy_seen:
        raise ScenarioError(f"{item.name} needs latency {item.latency} but is never BUSY")
    trace = Trace(name=item.name, description=item.description, rules=list(item.rules),
                  steps=steps)
    return Vector(latency=item.latency, trace=trace)


def generate_all() -> dict[str, Vector]:
    """Every vector, recorded from the model, by name."""
    return {item.name: record(item) for item in scenarios()}


def _obsolete(directory: Path, names: set[str]) -> list[Path]:
    """Vector files in ``directory`` that no scenario generates any more."""
    found: list[Path] = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        if path.name in names:
            continue
        try:
            Vector.load(path)
        except VectorError:
            continue
        found.append(path)
    return found


def write_all(directory: Path) -> list[str]:
    """Write every vector into ``directory`` and remove obsolete vector files; the
    file names written or removed."""
    directory.mkdir(parents=True, exist_ok=True)
    vectors = generate_all()
    names = {file_name(name) for name in vectors}
    changed: list[str] = []
    for name, vector in vectors.items():
        path = directory / file_name(name)
        text = vector.to_json()
        if not path.is_file() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
            changed.append(path.name)
    for path in _obsolete(directory, names):
        path.unlink()
        changed.append(path.name)
    return changed


def stale(directory: Path) -> list[str]:
    """File names in ``directory`` that differ from what :func:`write_all` would write
    (missing, different, or obsolete)."""
    vectors = generate_all()
    out: list[str] = []
    for name, vector in vectors.items():
        path = directory / file_name(name)
        try:
            current = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != vector.to_json():
            out.append(path.name)
    out += [path.name for path in _obsolete(directory, {file_name(n) for n in vectors})]
    return sorted(out)


def wire_observable_ids() -> set[str]:
    """The rule and errata ids that vectors must exercise."""
    return ({rule.id for rule in RULES} | set(ERRATA_IDS)) - set(NOT_WIRE_OBSERVABLE)
