"""Example tests pinning every rule of ``spec/SPEC.md`` on every target.

Each test names the rules (``R-…``) and errata (``E…``) it pins with
:func:`pins`; meta-tests check that the rule ids of the document equal
``RULES`` and that every rule and every observable erratum is pinned.  Tests
speak to targets only through the :class:`~duckybio.kit.target.Target`
protocol, driver-style, via :class:`Bio`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeVar

import pytest
from target_factories import TARGET_FACTORIES, TARGET_LATENCY, busy_target_names

from duckybio.kit.errors import TargetRefused
from duckybio.kit.target import Target
from duckybio.spec.regmap import (
    BLOCK_SIZE,
    DATA_INVALID,
    FLAG_DEFS,
    GUEST_SETTABLE,
    PAGE_SIZE,
    READABLE_FLAGS,
    REGISTER_DEFS,
    RESERVED_START,
    U32_MASK,
    WORD_SIZE,
    Flag,
    Reg,
)
from duckybio.spec.rules import RULES, RULES_BY_ID, SECTIONS, SPEC_PATH, defined_ids, spec_ids

# --- the machine every test runs on ------------------------------------------

RAM_SIZE = 0x10000
MMIO_BASE = 0x8400
MMIO_END = MMIO_BASE + PAGE_SIZE
SID_A = 1
SIZE_A = 4 * BLOCK_SIZE
SID_B = 0xCAFE0002
SIZE_B = 2 * BLOCK_SIZE + BLOCK_SIZE // 2
SID_UNKNOWN = 3
CONTENT_A = random.Random(1).randbytes(SIZE_A)
CONTENT_B = random.Random(2).randbytes(SIZE_B)
RAM_FILL = random.Random(3).randbytes(RAM_SIZE)

RDY = int(Flag.RDY)
ERR = int(Flag.ERR)
BUSY = int(Flag.BUSY)
READ = int(Flag.READ)
WRITE = int(Flag.WRITE)
DMA = int(Flag.DMA)
SRST = int(Flag.SRST)
WORDS_PER_BLOCK = BLOCK_SIZE // WORD_SIZE

# --- rule pinning ------------------------------------------------------------

ERRATA_IDS: list[str] = re.findall(r"^\| (E[0-9]+) \|", SPEC_PATH.read_text("utf-8"),
                                   re.MULTILINE)
#: Rules and errata no example test over the Target protocol can observe.
NOT_OBSERVABLE: dict[str, str] = {
    "R-CMD-12": "needs storage fault injection; pinned by the implementation's storage tests",
    "E15": "needs storage fault injection; pinned by the implementation's storage tests",
    "E17": "the interrupt line is not visible through the Target protocol",
}
#: Rule or erratum id -> names of the tests that pin it.
PINNED: dict[str, list[str]] = {}

_Test = TypeVar("_Test", bound=Callable[..., None])


def pins(*ids: str) -> Callable[[_Test], _Test]:
    """Register the decorated test as pinning the rules and errata ``ids``."""
    unknown = [i for i in ids if i not in RULES_BY_ID and i not in ERRATA_IDS]
    if unknown or not ids:
        raise ValueError(f"pins() needs known rule or errata ids, got {ids!r}")

    def register(test: _Test) -> _Test:
        for i in ids:
            PINNED.setdefault(i, []).append(test.__name__)
        return test

    return register


# --- driver-style access -----------------------------------------------------

class Snap(NamedTuple):
    """Everything the guest can change: RAM (MMIO page as zeros) and storages."""

    ram: bytes
    a: bytes
    b: bytes


def le_words(data: bytes) -> list[int]:
    """``data`` as little-endian 32-bit words."""
    return [int.from_bytes(data[i:i + WORD_SIZE], "little") for i in range(0, len(data), 4)]


def le_bytes(words: list[int]) -> bytes:
    return b"".join(w.to_bytes(WORD_SIZE, "little") for w in words)


def block_of(content: bytes, block: int, count: int = 1) -> bytes:
    return content[block * BLOCK_SIZE:(block + count) * BLOCK_SIZE]


def splice(data: bytes, offset: int, part: bytes) -> bytes:
    return data[:offset] + part + data[offset + len(part):]


class Bio:
    """A target's BIO seen as a driver sees it, plus the host's view.

    ``bound`` is the target's declared latency; :meth:`wait` steps the clock
    while STATUS reads BUSY and fails if that takes more than ``bound`` steps.
    Every STATUS value read is checked against the readable flags and kept.
    """

    def __init__(self, target: Target, bound: int) -> None:
        self.target = target
        self.bound = bound
        self.seen: list[int] = []
        self.base = MMIO_BASE
        self.power()

    def power(self) -> None:
        """A fresh machine: both storages attached and filled, RAM zero."""
        t = self.target
        t.machine(RAM_SIZE, MMIO_BASE)
        self.base = MMIO_BASE
        t.storage(SID_A, SIZE_A)
        t.storage(SID_B, SIZE_B)
        t.storage_write(SID_A, 0, CONTENT_A)
        t.storage_write(SID_B, 0, CONTENT_B)

    def fill_ram(self) -> None:
        """Fill all of RAM with a known pattern, so untouched bytes are checkable."""
        self.target.write(0, RAM_FILL[:MMIO_BASE])
        self.target.write(MMIO_END, RAM_FILL[MMIO_END:])

    # registers
    def rd(self, offset: int) -> int:
        value = self.target.readl(self.base + offset)
        assert 0 <= value <= U32_MASK
        return value

    def wr(self, offset: int, value: int) -> None:
        self.target.writel(self.base + offset, value)

    def status(self) -> int:
        value = self.rd(Reg.STATUS)
        self.seen.append(value)
        assert value & ~READABLE_FLAGS == 0, f"STATUS {value:#x} has unreadable bits"
        assert value & (RDY | BUSY) != RDY | BUSY, f"STATUS {value:#x}: RDY and BUSY"
        return value

    def sid(self, value: int) -> None:
        self.wr(Reg.SID, value)

    def block(self, value: int) -> None:
        self.wr(Reg.BLOCK, value)

    def count(self, value: int) -> None:
        self.wr(Reg.COUNT, value)

    def addr(self, value: int) -> None:
        self.wr(Reg.ADDR, value)

    def data(self) -> int:
        return self.rd(Reg.DATA)

    def put(self, value: int) -> None:
        self.wr(Reg.DATA, value)

    def go(self, flags: int) -> None:
        self.wr(Reg.STATUS, flags)

    def words(self, n: int) -> list[int]:
        return [self.data() for _ in range(n)]

    def put_words(self, words: list[int]) -> None:
        for w in words:
            self.put(w)

    # time
    def wait(self) -> int:
        """Step the clock while BUSY (at most ``bound`` steps); the final STATUS."""
        steps = 0
        value = self.status()
        while value & BUSY:
            assert steps < self.bound, f"still BUSY after {steps} clock steps"
            self.target.clock_step()
            steps += 1
            value = self.status()
        return value

    def run(self, flags: int) -> int:
        """Start a command and wait for it; the final STATUS."""
        self.go(flags)
        return self.wait()

    def op(self, flags: int, sid: int, block: int, count: int, addr: int = 0) -> int:
        """One driver operation from a reset controller; the final STATUS."""
        self.go(SRST)
        self.sid(sid)
        self.block(block)
        self.count(count)
        self.addr(addr)
        return self.run(flags)

    # host view
    def ram(self, addr: int = 0, length: int = RAM_SIZE) -> bytes:
        """RAM ``[addr, addr + length)``, the MMIO page read as zeros."""
        full = (self.target.read(0, MMIO_BASE) + bytes(PAGE_SIZE)
                + self.target.read(MMIO_END, RAM_SIZE - MMIO_END))
        return full[addr:addr + length]

    def storage(self, sid: int) -> bytes:
        return self.target.storage_read(sid, 0, SIZE_A if sid == SID_A else SIZE_B)

    def snap(self) -> Snap:
        return Snap(self.ram(), self.storage(SID_A), self.storage(SID_B))


def _make(name: str) -> Iterator[Bio]:
    target = TARGET_FACTORIES[name]()
    try:
        yield Bio(target, TARGET_LATENCY[name])
    finally:
        target.close()


@pytest.fixture(params=sorted(TARGET_FACTORIES))
def bio(request: pytest.FixtureRequest) -> Iterator[Bio]:
    """Every target, powered on."""
    yield from _make(request.param)


@pytest.fixture(params=busy_target_names())
def busy(request: pytest.FixtureRequest) -> Iterator[Bio]:
    """The targets whose commands stay BUSY across clock steps, powered on."""
    yield from _make(request.param)


def expect_refused(action: Callable[[], object]) -> None:
    with pytest.raises(TargetRefused):
        action()


# --- meta ----------------------------------------------------------------------

def test_spec_defines_exactly_the_rules() -> None:
    assert spec_ids() == [rule.id for rule in RULES]


def test_rule_ids_are_numbered_by_section_in_order() -> None:
    expected: list[str] = []
    for prefix in SECTIONS:
        size = sum(1 for rule in RULES if rule.section == prefix)
        assert size, f"section {prefix} has no rules"
        expected += [f"R-{prefix}-{n}" for n in range(1, size + 1)]
    assert [rule.id for rule in RULES] == expected


def test_defined_ids_reads_only_definitions() -> None:
    text = "- **R-RST-1** x\nsee **R-RST-2** here\n- **R-CMD-10** y\n"
    assert defined_ids(text) == ["R-RST-1", "R-CMD-10"]


def test_spec_tables_match_the_register_map() -> None:
    text = SPEC_PATH.read_text("utf-8")
    for reg in REGISTER_DEFS:
        row = f"| {reg.name} | 0x{reg.offset:02X} | {reg.access} | 0x{reg.reset:02X} |"
        assert row in text, row
    for flag in FLAG_DEFS:
        settable = "yes" if flag.guest_settable else "no"
        readable = "yes" if flag.readable else "no"
        row = f"| {flag.name} | 0x{flag.mask:02X} | {settable} | {readable} |"
        assert row in text, row
    assert f"= 0x{GUEST_SETTABLE:02X}`" in text
    assert f"= 0x{READABLE_FLAGS:02X}`" in text
    assert f"| `BLOCK_SIZE` | {BLOCK_SIZE} |" in text
    assert f"| `PAGE_SIZE` | {PAGE_SIZE} |" in text
    assert f"| `DATA_INVALID` | 0x{DATA_INVALID:08X} |" in text


def test_every_rule_and_erratum_is_pinned() -> None:
    wanted = {rule.id for rule in RULES} | set(ERRATA_IDS)
    assert set(NOT_OBSERVABLE) <= wanted
    missing = wanted - set(PINNED) - set(NOT_OBSERVABLE)
    assert not missing, f"not pinned by any test: {sorted(missing)}"
    assert not set(PINNED) & set(NOT_OBSERVABLE)


def test_pins_rejects_unknown_ids() -> None:
    with pytest.raises(ValueError, match="R-NOPE-1"):
        pins("R-NOPE-1")
    with pytest.raises(ValueError):
        pins()


def test_every_target_declares_its_latency() -> None:
    assert set(TARGET_FACTORIES) == set(TARGET_LATENCY)
    assert all(latency >= 0 for latency in TARGET_LATENCY.values())
    assert busy_target_names(), "no target exercises the BUSY rules"


# --- reset ---------------------------------------------------------------------

def _probe_flags(bio: Bio) -> None:
    assert bio.status() == RDY


def _probe_no_storage(bio: Bio) -> None:
    before = bio.snap()
    bio.count(1)
    assert bio.run(DMA | READ) == ERR
    assert bio.snap() == before


def _probe_block_and_addr_zero(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.count(1)
    assert bio.run(DMA | READ) == RDY
    assert bio.ram(0, BLOCK_SIZE) == block_of(bio.storage(SID_A), 0)


def _probe_dma_off(bio: Bio) -> None:
    before = bio.snap()
    bio.sid(SID_A)
    bio.count(1)
    bio.addr(0x2000)
    assert bio.run(READ) == RDY
    assert bio.snap() == before
    assert bio.words(WORDS_PER_BLOCK) == le_words(block_of(before.a, 0))


def _probe_count_zero(bio: Bio) -> None:
    bio.sid(SID_A)
    assert bio.run(READ) == RDY
    assert bio.data() == DATA_INVALID


def _probe_r_empty(bio: Bio) -> None:
    assert bio.data() == DATA_INVALID
    assert bio.status() == ERR


def _probe_w_empty(bio: Bio) -> None:
    bio.put(0x12345678)
    assert bio.status() == ERR


RESET_PROBES: dict[str, Callable[[Bio], None]] = {
    "flags": _probe_flags,
    "no-storage": _probe_no_storage,
    "block-0-addr-0": _probe_block_and_addr_zero,
    "dma-off": _probe_dma_off,
    "count-0": _probe_count_zero,
    "r-empty": _probe_r_empty,
    "w-empty": _probe_w_empty,
}


def _dirty(bio: Bio) -> None:
    """Leave every part of the controller's state away from its reset value."""
    bio.sid(SID_A)
    bio.block(1)
    bio.count(1)
    bio.addr(0x1000)
    assert bio.run(DMA | READ) == RDY
    bio.data()
    bio.sid(SID_UNKNOWN)
    bio.sid(SID_B)
    bio.block(2)
    bio.count(2)
    bio.addr(0x3000)
    bio.put_words([1, 2, 3])
    assert bio.status() == ERR


@pins("R-RST-1", "E3")
@pytest.mark.parametrize("probe", sorted(RESET_PROBES))
def test_power_on_state(bio: Bio, probe: str) -> None:
    RESET_PROBES[probe](bio)


@pins("R-RST-2", "E7")
@pytest.mark.parametrize("probe", sorted(RESET_PROBES))
def test_srst_restores_power_on_state(bio: Bio, probe: str) -> None:
    _dirty(bio)
    bio.go(SRST)
    RESET_PROBES[probe](bio)


@pins("R-RST-2", "E7")
def test_srst_deselects_the_storage(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.go(SRST)
    bio.count(1)
    assert bio.run(READ) == ERR


@pins("R-RST-3")
def test_reset_keeps_ram_and_storages(bio: Bio) -> None:
    bio.fill_ram()
    before = bio.snap()
    _dirty(bio)
    bio.go(SRST)
    bio.go(SRST | DMA)
    assert bio.snap() == Snap(splice(before.ram, 0x1000, block_of(CONTENT_A, 1)),
                              CONTENT_A, CONTENT_B)


# --- MMIO reads ----------------------------------------------------------------

@pins("R-RD-1", "R-INV-2")
def test_status_reads_flags_only(bio: Bio) -> None:
    assert [bio.status() for _ in range(3)] == [RDY, RDY, RDY]
    bio.sid(SID_UNKNOWN)
    assert bio.status() == ERR
    bio.sid(SID_A)
    bio.count(1)
    assert bio.run(DMA | WRITE | READ) == RDY | ERR
    assert all(v & ~READABLE_FLAGS == 0 for v in bio.seen)
    bio.go(SRST)
    assert bio.status() == RDY


@pins("R-RD-2", "E9")
@pytest.mark.parametrize("reg", [Reg.SID, Reg.BLOCK, Reg.COUNT, Reg.ADDR])
def test_write_only_registers_read_zero(bio: Bio, reg: Reg) -> None:
    bio.sid(SID_A)
    bio.block(1)
    bio.count(1)
    bio.addr(0x1000)
    assert bio.rd(reg) == 0
    assert bio.status() == RDY
    assert bio.run(DMA | READ) == RDY
    assert bio.ram(0x1000, BLOCK_SIZE) == block_of(CONTENT_A, 1)


OTHER_OFFSETS = [*range(RESERVED_START, PAGE_SIZE, 4), 0x01, 0x02, 0x03, 0x05, 0x0E, 0x11,
                 0x13, 0x15, 0x16, 0x17, 0x19, 0xFB]


@pins("R-RD-3")
def test_other_offsets_read_zero(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.block(2)
    bio.count(1)
    assert bio.run(READ) == RDY
    for offset in OTHER_OFFSETS:
        assert bio.rd(offset) == 0, f"offset {offset:#x}"
    assert bio.status() == RDY
    assert bio.data() == le_words(block_of(CONTENT_A, 2))[0]


# --- MMIO writes ---------------------------------------------------------------

@pins("R-WR-1")
def test_written_values_are_taken_mod_2_32(bio: Bio) -> None:
    bio.sid(SID_A + (1 << 32))
    assert bio.status() == RDY
    bio.block(1 + (5 << 32))
    bio.count(1 + (1 << 40))
    bio.addr(0x1000 + (1 << 32))
    assert bio.run(DMA | READ | (1 << 34)) == RDY
    assert bio.ram(0x1000, 2 * BLOCK_SIZE) == block_of(CONTENT_A, 1) + bytes(BLOCK_SIZE)


@pins("R-WR-2", "E13")
def test_selecting_a_known_storage_keeps_the_flags(bio: Bio) -> None:
    bio.sid(SID_A)
    assert bio.status() == RDY
    bio.sid(SID_UNKNOWN)
    bio.sid(SID_B)
    assert bio.status() == ERR
    bio.count(1)
    assert bio.run(DMA | READ) == RDY | ERR
    assert bio.ram(0, BLOCK_SIZE) == block_of(CONTENT_B, 0)


@pins("R-WR-3", "E13", "R-CMD-6")
def test_unknown_sid_deselects_and_flags_err(bio: Bio) -> None:
    bio.go(SRST)
    bio.sid(SID_UNKNOWN)
    assert bio.status() == 0x02
    bio.go(SRST)
    bio.sid(SID_A)
    bio.count(1)
    bio.sid(SID_UNKNOWN)
    assert bio.status() == ERR
    assert bio.run(DMA | READ) == ERR
    assert bio.ram(0, BLOCK_SIZE) == bytes(BLOCK_SIZE)


@pins("R-WR-4")
def test_block_and_addr_latch(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.count(1)
    bio.put(0xA1B2C3D4)
    bio.block(2)
    bio.addr(0x3000)
    assert bio.status() == RDY
    assert bio.run(WRITE) == RDY
    assert block_of(bio.storage(SID_A), 2)[:4] == bytes([0xD4, 0xC3, 0xB2, 0xA1])
    assert bio.run(DMA | READ) == RDY
    assert bio.ram(0x3000, BLOCK_SIZE) == block_of(bio.storage(SID_A), 2)


@pins("R-WR-5", "R-PIO-5", "E4")
def test_count_latches_and_empties_w_only(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.block(1)
    bio.count(1)
    assert bio.run(READ) == RDY
    bio.put(0x11111111)
    bio.count(2)
    bio.put(0x22222222)
    assert bio.data() == le_words(block_of(CONTENT_A, 1))[0]
    bio.block(0)
    assert bio.run(WRITE) == RDY
    assert bio.storage(SID_A)[:2 * BLOCK_SIZE] == le_bytes([0x22222222]) + bytes(
        2 * BLOCK_SIZE - 4)


@pins("R-WR-6")
def test_other_offsets_ignore_writes(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.block(1)
    bio.count(1)
    bio.put(0xFEEDFACE)
    for offset in OTHER_OFFSETS:
        bio.wr(offset, U32_MASK)
        bio.wr(offset, SRST | DMA | READ)
    assert bio.status() == RDY
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)
    assert bio.run(WRITE) == RDY
    assert bio.storage(SID_A) == splice(
        CONTENT_A, BLOCK_SIZE, le_bytes([0xFEEDFACE]) + bytes(BLOCK_SIZE - 4))


# --- STATUS writes -------------------------------------------------------------

@pins("R-ST-1")
def test_status_write_keeps_guest_settable_bits_only(bio: Bio) -> None:
    bio.go(U32_MASK & ~GUEST_SETTABLE)
    assert bio.status() == RDY
    bio.go(ERR | BUSY)
    assert bio.status() == RDY
    bio.sid(SID_UNKNOWN)
    bio.go(RDY | 0xFFFFFF00)
    assert bio.status() == ERR
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)


@pins("R-ST-2")
def test_srst_applies_before_dma_and_command(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.count(1)
    bio.sid(SID_UNKNOWN)
    bio.go(SRST | DMA)
    assert bio.status() == RDY
    bio.sid(SID_A)
    bio.block(3)
    bio.count(1)
    bio.addr(0x2000)
    assert bio.run(READ) == RDY
    assert bio.ram(0x2000, BLOCK_SIZE) == block_of(CONTENT_A, 3)
    bio.addr(0)
    assert bio.run(SRST | DMA | READ) == ERR
    assert bio.ram(0, BLOCK_SIZE) == bytes(BLOCK_SIZE)


@pins("R-ST-3", "E10")
def test_dma_mode_stays_on_until_reset(bio: Bio) -> None:
    bio.go(DMA)
    assert bio.status() == RDY
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)
    bio.sid(SID_A)
    bio.count(1)
    bio.addr(0x2000)
    assert bio.run(READ) == RDY
    assert bio.ram(0x2000, BLOCK_SIZE) == block_of(CONTENT_A, 0)
    bio.block(1)
    assert bio.run(READ) == RDY
    assert bio.ram(0x2000, BLOCK_SIZE) == block_of(CONTENT_A, 1)
    bio.go(SRST)
    bio.sid(SID_A)
    bio.count(1)
    bio.addr(0x3000)
    assert bio.run(READ) == RDY
    assert bio.ram(0x3000, BLOCK_SIZE) == bytes(BLOCK_SIZE)


@pins("R-ST-4", "E11")
def test_read_wins_over_write(bio: Bio) -> None:
    bio.fill_ram()
    assert bio.op(DMA | READ | WRITE, SID_A, 1, 1, 0x1000) == RDY
    assert bio.storage(SID_A) == CONTENT_A
    assert bio.ram(0x1000, BLOCK_SIZE) == block_of(CONTENT_A, 1)
    assert bio.op(DMA | WRITE, SID_A, 2, 1, 0x4000) == RDY
    assert bio.storage(SID_A) == splice(CONTENT_A, 2 * BLOCK_SIZE, RAM_FILL[0x4000:0x4400])


@pins("R-ST-5")
def test_status_write_without_command_starts_nothing(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.count(1)
    bio.put(7)
    for value in (0, DMA, RDY | ERR | BUSY | DMA):
        bio.go(value)
        assert bio.status() == RDY
    bio.sid(SID_UNKNOWN)
    bio.go(0)
    bio.go(DMA)
    assert bio.status() == ERR
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)


# --- commands ------------------------------------------------------------------

@pins("R-CMD-1", "E18")
def test_starting_sets_busy_clears_rdy_keeps_err(busy: Bio) -> None:
    busy.sid(SID_A)
    busy.count(1)
    busy.go(READ)
    assert busy.status() == BUSY
    assert busy.wait() == RDY
    busy.sid(SID_UNKNOWN)
    busy.sid(SID_A)
    busy.go(DMA | WRITE)
    assert busy.status() == BUSY | ERR
    assert busy.wait() == RDY | ERR


@pins("R-CMD-1", "R-CMD-2")
def test_command_uses_the_values_latched_at_start(busy: Bio) -> None:
    busy.fill_ram()
    busy.sid(SID_A)
    busy.block(1)
    busy.count(1)
    busy.addr(0x1000)
    busy.go(DMA | WRITE)
    busy.sid(SID_B)
    busy.block(2)
    busy.count(2)
    busy.addr(0x3000)
    assert busy.wait() == RDY
    assert busy.storage(SID_A) == splice(CONTENT_A, BLOCK_SIZE, RAM_FILL[0x1000:0x1400])
    assert busy.storage(SID_B) == CONTENT_B


@pins("R-CMD-2", "R-CMD-6")
@pytest.mark.parametrize("flags", [READ, DMA | READ, WRITE, DMA | WRITE])
def test_command_without_storage_fails(bio: Bio, flags: int) -> None:
    bio.fill_ram()
    before = bio.snap()
    bio.count(1)
    assert bio.run(flags) == ERR
    assert bio.snap() == before


BOUNDS_CASES = [
    (SID_A, 3, 1, True), (SID_A, 0, 4, True), (SID_A, 3, 2, False), (SID_A, 0, 5, False),
    (SID_A, 4, 1, False), (SID_B, 1, 1, True), (SID_B, 2, 1, False), (SID_B, 0, 3, False),
]


@pins("R-CMD-3", "R-CMD-6", "R-CMD-10")
@pytest.mark.parametrize(("sid", "block", "count", "ok"), BOUNDS_CASES)
@pytest.mark.parametrize("flags", [DMA | READ, DMA | WRITE, READ, WRITE])
def test_bounds(bio: Bio, flags: int, sid: int, block: int, count: int, ok: bool) -> None:
    bio.fill_ram()
    before = bio.snap()
    assert bio.op(flags, sid, block, count, 0x1000) == (RDY if ok else 0x02)
    if not ok:
        assert bio.snap() == before
        assert bio.data() == DATA_INVALID


DMA_RANGE_CASES = [
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
]


@pins("R-CMD-4", "R-CMD-6", "E6")
@pytest.mark.parametrize(("addr", "count", "ok"), DMA_RANGE_CASES)
@pytest.mark.parametrize("op", [READ, WRITE])
def test_dma_range_must_be_ram(bio: Bio, op: int, addr: int, count: int, ok: bool) -> None:
    bio.fill_ram()
    before = bio.snap()
    assert bio.op(DMA | op, SID_A, 0, count, addr) == (RDY if ok else ERR)
    if not ok:
        assert bio.snap() == before
    elif op == READ:
        assert bio.ram() == splice(before.ram, addr, block_of(CONTENT_A, 0, count))
    else:
        assert bio.storage(SID_A) == splice(CONTENT_A, 0, RAM_FILL[addr:addr + count * 1024])


@pins("R-CMD-4")
@pytest.mark.parametrize("addr", [MMIO_BASE, RAM_SIZE, U32_MASK])
def test_pio_commands_ignore_addr(bio: Bio, addr: int) -> None:
    assert bio.op(READ, SID_A, 1, 1, addr) == RDY
    assert bio.words(WORDS_PER_BLOCK) == le_words(block_of(CONTENT_A, 1))
    assert bio.op(WRITE, SID_A, 1, 1, addr) == RDY
    assert bio.storage(SID_A) == splice(CONTENT_A, BLOCK_SIZE, bytes(BLOCK_SIZE))


EXACT_CASES = [
    (READ, U32_MASK, 1, 0),
    (WRITE, 0xFFC00000, 0x400000, 0),
    (READ, 0x400000, 0, 0),
    (WRITE, 0, 0x400000, 0),
    (DMA | READ, 0, 1, 0xFFFFFC00),
    (DMA | WRITE, 0, 0x400001, 0xFFFFFC00),
    (DMA | READ, 1, U32_MASK, 0x1000),
]


@pins("R-CMD-5", "E8")
@pytest.mark.parametrize(("flags", "block", "count", "addr"), EXACT_CASES)
def test_arithmetic_is_exact(bio: Bio, flags: int, block: int, count: int, addr: int) -> None:
    bio.fill_ram()
    before = bio.snap()
    assert bio.op(flags, SID_A, block, count, addr) == ERR
    assert bio.snap() == before


@pins("R-CMD-6", "E14")
def test_failure_empties_r_and_w_without_data_effect(bio: Bio) -> None:
    bio.fill_ram()
    before = bio.snap()
    bio.sid(SID_A)
    bio.count(1)
    assert bio.run(READ) == RDY
    bio.put(0x0BADF00D)
    bio.block(9)
    assert bio.run(WRITE) == ERR
    assert bio.data() == DATA_INVALID
    assert bio.snap() == before
    bio.block(0)
    assert bio.run(WRITE) == ERR | RDY
    assert bio.storage(SID_A) == splice(CONTENT_A, 0, bytes(BLOCK_SIZE))


@pins("R-CMD-6", "E14")
def test_failed_read_leaves_no_stale_data(bio: Bio) -> None:
    assert bio.op(READ, SID_A, 0, 2) == RDY
    assert bio.data() == le_words(CONTENT_A)[0]
    bio.block(3)
    assert bio.run(READ) == ERR
    assert bio.data() == DATA_INVALID


@pins("R-CMD-7", "R-INV-3", "E12")
@pytest.mark.parametrize(("block", "count", "addr"), [(0, 4, 0), (1, 2, 0x1000),
                                                       (3, 1, MMIO_END), (0, 1, 0xFC00)])
def test_dma_read_copies_blocks_to_ram(bio: Bio, block: int, count: int, addr: int) -> None:
    bio.fill_ram()
    before = bio.snap()
    assert bio.op(DMA | READ, SID_A, block, count, addr) == 0x01
    data = block_of(CONTENT_A, block, count)
    assert bio.snap() == Snap(splice(before.ram, addr, data), CONTENT_A, CONTENT_B)
    assert bio.words(count * WORDS_PER_BLOCK) == le_words(data)


@pins("R-CMD-7", "R-INV-3")
def test_pio_read_leaves_ram(bio: Bio) -> None:
    bio.fill_ram()
    before = bio.snap()
    assert bio.op(READ, SID_B, 1, 1, 0x1000) == RDY
    assert bio.snap() == before
    assert bio.words(WORDS_PER_BLOCK) == le_words(block_of(CONTENT_B, 1))


@pins("R-CMD-8", "R-INV-3", "E12")
@pytest.mark.parametrize(("block", "count", "addr"), [(0, 4, 0), (1, 2, 0x2000),
                                                       (2, 1, MMIO_END)])
def test_dma_write_copies_ram_to_blocks(bio: Bio, block: int, count: int, addr: int) -> None:
    bio.fill_ram()
    data = RAM_FILL[addr:addr + count * BLOCK_SIZE]
    assert bio.op(DMA | WRITE, SID_A, block, count, addr) == 0x01
    assert bio.snap() == Snap(splice(RAM_FILL, MMIO_BASE, bytes(PAGE_SIZE)),
                              splice(CONTENT_A, block * BLOCK_SIZE, data), CONTENT_B)
    assert bio.words(count * WORDS_PER_BLOCK) == le_words(data)


@pins("R-CMD-9", "E5")
def test_pio_write_pads_w_with_zeros(bio: Bio) -> None:
    bio.sid(SID_B)
    bio.block(1)
    bio.count(1)
    bio.put_words([0x03020100, 0x07060504, 0x0B0A0908])
    assert bio.run(WRITE) == RDY
    padded = bytes(range(12)) + bytes(BLOCK_SIZE - 12)
    assert bio.storage(SID_B) == splice(CONTENT_B, BLOCK_SIZE, padded)
    assert bio.storage(SID_A) == CONTENT_A


@pins("R-CMD-9", "E5")
def test_pio_write_without_data_writes_zero_blocks(bio: Bio) -> None:
    assert bio.op(READ, SID_A, 0, 4) == RDY
    assert bio.op(WRITE, SID_A, 1, 2) == RDY
    assert bio.storage(SID_A) == splice(CONTENT_A, BLOCK_SIZE, bytes(2 * BLOCK_SIZE))


@pins("R-CMD-9", "R-PIO-4")
def test_pio_write_of_full_w(bio: Bio) -> None:
    words = le_words(block_of(CONTENT_B, 0, 2))
    bio.sid(SID_A)
    bio.block(2)
    bio.count(2)
    bio.put_words(words)
    assert bio.status() == RDY
    assert bio.run(WRITE) == RDY
    assert bio.storage(SID_A) == splice(CONTENT_A, 2 * BLOCK_SIZE, block_of(CONTENT_B, 0, 2))


@pins("R-CMD-10")
def test_success_sets_rdy_keeps_err_and_fills_r(bio: Bio) -> None:
    bio.sid(SID_UNKNOWN)
    bio.sid(SID_A)
    bio.block(1)
    bio.count(1)
    assert bio.run(READ) == RDY | ERR
    first = bio.words(3)
    assert first == le_words(block_of(CONTENT_A, 1))[:3]
    assert bio.run(READ) == RDY | ERR
    assert bio.words(3) == first
    bio.put(0xDDCCBBAA)
    assert bio.run(WRITE) == RDY | ERR
    written = le_bytes([0xDDCCBBAA]) + bytes(BLOCK_SIZE - 4)
    assert bio.words(WORDS_PER_BLOCK) == le_words(written)
    assert bio.run(WRITE) == RDY | ERR
    assert block_of(bio.storage(SID_A), 1) == bytes(BLOCK_SIZE)


@pins("R-CMD-10", "R-CMD-8")
def test_r_after_dma_write_is_the_data_written(bio: Bio) -> None:
    bio.fill_ram()
    assert bio.op(DMA | WRITE, SID_B, 0, 2, 0x5000) == RDY
    assert bio.words(2 * WORDS_PER_BLOCK) == le_words(RAM_FILL[0x5000:0x5800])
    assert bio.data() == DATA_INVALID


COUNT_ZERO_CASES = [
    (SID_A, 0, MMIO_BASE, True), (SID_A, 4, RAM_SIZE, True), (SID_A, 2, U32_MASK, True),
    (SID_B, 2, MMIO_BASE + 8, True), (SID_A, 5, 0, False), (SID_B, 3, 0, False),
]


@pins("R-CMD-11")
@pytest.mark.parametrize(("sid", "block", "addr", "ok"), COUNT_ZERO_CASES)
@pytest.mark.parametrize("flags", [DMA | READ, DMA | WRITE, READ, WRITE])
def test_count_zero(bio: Bio, flags: int, sid: int, block: int, addr: int, ok: bool) -> None:
    bio.fill_ram()
    before = bio.snap()
    assert bio.op(flags, sid, block, 0, addr) == (RDY if ok else ERR)
    assert bio.snap() == before
    assert bio.data() == DATA_INVALID


# --- data port -----------------------------------------------------------------

@pins("R-PIO-1")
def test_data_reads_return_little_endian_words(bio: Bio) -> None:
    assert bio.op(READ, SID_B, 2, 0) == RDY
    assert bio.op(READ, SID_B, 1, 1) == RDY
    for i, word in enumerate(le_words(block_of(CONTENT_B, 1))):
        assert bio.data() == word, f"word {i}"
    assert bio.status() == RDY


@pins("R-PIO-2", "E2", "E3")
def test_data_read_past_the_end(bio: Bio) -> None:
    assert bio.data() == DATA_INVALID
    assert bio.status() == ERR
    assert bio.op(READ, SID_A, 3, 1) == RDY
    assert bio.words(WORDS_PER_BLOCK) == le_words(block_of(CONTENT_A, 3))
    assert bio.status() == RDY
    assert bio.data() == DATA_INVALID
    assert bio.status() == ERR
    assert bio.data() == DATA_INVALID
    assert bio.status() == ERR


@pins("R-PIO-3", "E1")
def test_data_writes_append_little_endian_bytes(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.count(1)
    bio.put(0x04030201)
    bio.put(0x08070605)
    assert bio.status() == RDY
    assert bio.run(WRITE) == RDY
    assert bio.storage(SID_A)[:12] == bytes([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0])


@pins("R-PIO-4", "E3", "E4")
def test_data_write_past_capacity(bio: Bio) -> None:
    bio.put(0x55555555)
    assert bio.status() == ERR
    bio.go(SRST)
    assert bio.op(READ, SID_A, 0, 1) == RDY
    bio.put(0x66666666)
    assert bio.status() == RDY
    assert bio.data() == le_words(CONTENT_A)[0]
    bio.go(SRST)
    bio.sid(SID_A)
    bio.count(1)
    words = list(range(1, WORDS_PER_BLOCK + 1))
    bio.put_words(words)
    assert bio.status() == RDY
    bio.put(0xFFFFFFFF)
    assert bio.status() == ERR
    assert bio.run(WRITE) == RDY | ERR
    assert block_of(bio.storage(SID_A), 0) == le_bytes(words)


@pins("R-PIO-5", "E4")
def test_r_and_w_are_separate(bio: Bio) -> None:
    assert bio.op(READ, SID_A, 1, 1) == RDY
    expected = le_words(block_of(CONTENT_A, 1))
    assert bio.words(2) == expected[:2]
    bio.put_words([0xAAAAAAAA, 0xBBBBBBBB, 0xCCCCCCCC])
    assert bio.words(2) == expected[2:4]
    bio.block(3)
    assert bio.run(WRITE) == RDY
    assert block_of(bio.storage(SID_A), 3)[:12] == le_bytes([0xAAAAAAAA, 0xBBBBBBBB,
                                                             0xCCCCCCCC])
    assert block_of(bio.storage(SID_A), 1) == block_of(CONTENT_A, 1)


@pins("R-PIO-6")
def test_any_count_is_accepted(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.count(U32_MASK)
    bio.put_words(list(range(64)))
    assert bio.status() == RDY
    assert bio.run(WRITE) == ERR
    assert bio.storage(SID_A) == CONTENT_A


# --- busy and timing -----------------------------------------------------------

COMPLETION_CASES = [
    (DMA | READ, 1, 1), (READ, 0, 4), (DMA | WRITE, 2, 2), (WRITE, 3, 1),
    (DMA | READ, 4, 1), (WRITE, 0, 0),
]


@pins("R-BSY-1", "E18")
@pytest.mark.parametrize(("flags", "block", "count"), COMPLETION_CASES)
def test_commands_complete_within_the_declared_bound(
        bio: Bio, flags: int, block: int, count: int) -> None:
    status = bio.op(flags, SID_A, block, count, 0x1000)
    assert status & (RDY | ERR) and not status & BUSY


@pins("R-BSY-1")
@pytest.mark.parametrize("name", sorted(n for n, lat in TARGET_LATENCY.items() if lat == 0))
def test_latency_zero_completes_in_the_status_write(name: str) -> None:
    for bio in _make(name):
        bio.sid(SID_A)
        bio.count(1)
        bio.go(DMA | READ)
        assert bio.status() == RDY
        assert bio.ram(0, BLOCK_SIZE) == block_of(CONTENT_A, 0)


@pins("R-BSY-1")
def test_latency_is_a_bound_on_clock_steps(busy: Bio) -> None:
    busy.sid(SID_A)
    busy.count(1)
    busy.go(READ)
    assert busy.status() == BUSY
    steps = 0
    while busy.status() & BUSY:
        assert steps < busy.bound
        busy.target.clock_step()
        steps += 1
    assert 1 <= steps <= busy.bound


@pins("R-BSY-2")
def test_reads_while_busy(busy: Bio) -> None:
    busy.sid(SID_A)
    busy.block(1)
    busy.count(1)
    busy.addr(0x1000)
    busy.go(DMA | READ)
    assert busy.status() == BUSY
    for offset in [Reg.SID, Reg.BLOCK, Reg.COUNT, Reg.ADDR, *OTHER_OFFSETS]:
        assert busy.rd(offset) == 0
    assert busy.wait() == RDY
    busy.sid(SID_UNKNOWN)
    busy.sid(SID_A)
    busy.go(READ)
    assert busy.status() == BUSY | ERR
    assert busy.wait() == RDY | ERR


@pins("R-BSY-3", "R-CMD-1")
def test_writes_while_busy_are_ignored(busy: Bio) -> None:
    busy.fill_ram()
    busy.sid(SID_A)
    busy.block(1)
    busy.count(1)
    busy.addr(0x1000)
    busy.go(READ)
    busy.sid(SID_B)
    busy.block(2)
    busy.count(2)
    busy.addr(0x3000)
    busy.put(0x12345678)
    busy.go(DMA | WRITE)
    busy.go(DMA | READ)
    busy.go(RDY | ERR | DMA)
    for offset in OTHER_OFFSETS:
        busy.wr(offset, U32_MASK)
    assert busy.status() == BUSY
    assert busy.wait() == RDY
    assert busy.snap() == Snap(splice(RAM_FILL, MMIO_BASE, bytes(PAGE_SIZE)), CONTENT_A,
                               CONTENT_B)
    assert busy.data() == le_words(block_of(CONTENT_A, 1))[0]
    assert busy.run(READ) == RDY
    assert busy.ram(0x1000, BLOCK_SIZE) == RAM_FILL[0x1000:0x1400]
    assert busy.words(WORDS_PER_BLOCK) == le_words(block_of(CONTENT_A, 1))


@pins("R-BSY-3")
def test_data_writes_while_busy_are_ignored(busy: Bio) -> None:
    busy.sid(SID_A)
    busy.count(1)
    busy.put(0x11111111)
    busy.go(WRITE)
    busy.put(0x22222222)
    busy.count(1)
    assert busy.wait() == RDY
    assert block_of(busy.storage(SID_A), 0) == le_bytes([0x11111111]) + bytes(BLOCK_SIZE - 4)


@pins("R-BSY-4")
def test_data_read_while_busy(busy: Bio) -> None:
    assert busy.op(READ, SID_A, 0, 1) == RDY
    assert busy.data() == le_words(CONTENT_A)[0]
    busy.block(2)
    busy.go(READ)
    for _ in range(3):
        assert busy.data() == DATA_INVALID
    assert busy.status() == BUSY
    assert busy.wait() == RDY
    assert busy.words(WORDS_PER_BLOCK) == le_words(block_of(CONTENT_A, 2))


@pins("R-BSY-5", "R-RST-2")
@pytest.mark.parametrize("extra", [0, READ, WRITE, DMA, DMA | READ | WRITE, ERR | RDY])
def test_srst_while_busy_is_deferred(busy: Bio, extra: int) -> None:
    busy.fill_ram()
    busy.sid(SID_UNKNOWN)
    busy.sid(SID_A)
    busy.block(1)
    busy.count(2)
    busy.addr(0x2000)
    busy.go(DMA | WRITE)
    busy.go(SRST | extra)
    busy.go(SRST)
    assert busy.status() == BUSY | ERR
    assert busy.wait() == RDY
    assert busy.storage(SID_A) == splice(CONTENT_A, BLOCK_SIZE, RAM_FILL[0x2000:0x2800])
    for probe in RESET_PROBES.values():
        probe(busy)
        busy.go(SRST)


@pins("R-BSY-5")
def test_deferred_srst_after_a_failing_command(busy: Bio) -> None:
    busy.fill_ram()
    before = busy.snap()
    busy.sid(SID_A)
    busy.block(4)
    busy.count(1)
    busy.go(DMA | READ)
    busy.go(SRST)
    assert busy.wait() == RDY
    assert busy.snap() == before
    assert busy.data() == DATA_INVALID


@pins("R-BSY-6")
@pytest.mark.parametrize("flags", [DMA | READ, DMA | WRITE, WRITE])
def test_nothing_else_changes_while_busy(busy: Bio, flags: int) -> None:
    busy.fill_ram()
    ram = busy.ram()
    busy.sid(SID_A)
    busy.block(1)
    busy.count(2)
    busy.addr(0x2000)
    busy.go(flags)
    assert busy.status() == BUSY
    now = busy.snap()
    assert now.ram[:0x2000] == ram[:0x2000]
    assert now.ram[0x2800:] == ram[0x2800:]
    assert now.a[:BLOCK_SIZE] == CONTENT_A[:BLOCK_SIZE]
    assert now.a[3 * BLOCK_SIZE:] == CONTENT_A[3 * BLOCK_SIZE:]
    assert now.b == CONTENT_B
    assert busy.wait() == RDY


@pins("R-BSY-7")
def test_time_stands_still_between_clock_steps(busy: Bio) -> None:
    busy.sid(SID_A)
    busy.count(1)
    busy.go(DMA | READ)
    for _ in range(10):
        assert busy.status() == BUSY
        busy.target.write(0x5000, b"\x01\x02")
        busy.target.storage_read(SID_B, 0, 16)
        busy.target.read(0x6000, 64)
        busy.target.writel(0x7000, 5)
    assert busy.wait() == RDY
    assert busy.ram(0, BLOCK_SIZE) == block_of(CONTENT_A, 0)


@pins("R-BSY-7", "R-HOST-6")
def test_clock_step_when_idle_does_nothing(bio: Bio) -> None:
    bio.fill_ram()
    assert bio.op(READ, SID_A, 1, 1) == RDY
    before = bio.snap()
    assert bio.words(2) == le_words(block_of(CONTENT_A, 1))[:2]
    for ns in (None, 1, 1000):
        bio.target.clock_step(ns)
    assert bio.status() == RDY
    assert bio.snap() == before
    assert bio.data() == le_words(block_of(CONTENT_A, 1))[2]


# --- invariants ----------------------------------------------------------------

def _set_err_unknown_sid(bio: Bio) -> None:
    bio.sid(SID_UNKNOWN)


def _set_err_underrun(bio: Bio) -> None:
    bio.data()


def _set_err_overrun(bio: Bio) -> None:
    bio.put(1)


def _set_err_failed_command(bio: Bio) -> None:
    bio.sid(SID_A)
    bio.block(7)
    bio.run(READ)


ERR_CAUSES: dict[str, Callable[[Bio], None]] = {
    "unknown-sid": _set_err_unknown_sid,
    "underrun": _set_err_underrun,
    "overrun": _set_err_overrun,
    "failed-command": _set_err_failed_command,
}


@pins("R-INV-1")
@pytest.mark.parametrize("cause", sorted(ERR_CAUSES))
def test_err_is_sticky_until_reset(bio: Bio, cause: str) -> None:
    ERR_CAUSES[cause](bio)
    assert bio.status() & ERR
    bio.sid(SID_A)
    bio.block(0)
    bio.count(1)
    for value in (0, DMA, RDY, ERR, U32_MASK & ~SRST & ~READ & ~WRITE):
        bio.go(value)
        assert bio.status() == ERR
    assert bio.run(READ) == RDY | ERR
    bio.data()
    bio.put(1)
    assert bio.run(WRITE) == RDY | ERR
    bio.target.clock_step()
    bio.target.clock_step()
    assert bio.status() == RDY | ERR
    bio.go(SRST)
    assert bio.status() == RDY


@pins("R-INV-2")
def test_rdy_and_busy_never_both_set(bio: Bio) -> None:
    rng = random.Random(7)
    for _ in range(40):
        flags = rng.choice([READ, WRITE, DMA | READ, DMA | WRITE, SRST | READ])
        bio.sid(rng.choice([SID_A, SID_B, SID_UNKNOWN]))
        bio.block(rng.randrange(5))
        bio.count(rng.randrange(3))
        bio.addr(rng.choice([0, 0x1000, MMIO_BASE, RAM_SIZE - BLOCK_SIZE]))
        bio.go(flags)
        for _ in range(3):
            bio.status()
            bio.target.clock_step()
        bio.wait()
        if rng.random() < 0.3:
            bio.go(SRST)
    assert len(bio.seen) >= 160
    assert all(not (v & RDY and v & BUSY) for v in bio.seen)
    assert {v & (RDY | ERR) for v in bio.seen} >= {RDY, ERR, RDY | ERR}


@pins("R-INV-3", "E5")
def test_only_successful_commands_change_data(bio: Bio) -> None:
    bio.fill_ram()
    before = bio.snap()
    rng = random.Random(11)
    offsets = [Reg.SID, Reg.BLOCK, Reg.COUNT, Reg.ADDR, Reg.DATA, *OTHER_OFFSETS]
    for _ in range(300):
        offset = rng.choice([*offsets, Reg.STATUS])
        value = rng.choice([0, 1, 2, 4, SID_A, SID_B, U32_MASK, rng.getrandbits(32)])
        if offset == Reg.STATUS:
            value &= ~(READ | WRITE)
        bio.wr(offset, value)
        if rng.random() < 0.2:
            bio.rd(rng.choice([Reg.STATUS, Reg.DATA, *offsets]))
    assert bio.snap() == before
    assert bio.op(WRITE, SID_B, 1, 1) == RDY
    assert bio.snap() == Snap(before.ram, CONTENT_A,
                              splice(CONTENT_B, BLOCK_SIZE, bytes(BLOCK_SIZE)))


HOSTILE: list[list[tuple[str, int, int]]] = [
    [("r", Reg.DATA, 0), ("w", Reg.DATA, 1), ("w", Reg.STATUS, WRITE)],
    [("w", Reg.SID, SID_A), ("w", Reg.COUNT, 1), ("w", Reg.STATUS, WRITE)],
    [("w", Reg.SID, SID_A), ("w", Reg.COUNT, 1), ("w", Reg.STATUS, READ),
     ("w", Reg.DATA, 5), ("r", Reg.DATA, 0), ("w", Reg.STATUS, WRITE)],
    [("w", Reg.SID, SID_A), ("w", Reg.COUNT, 4), ("w", Reg.ADDR, MMIO_BASE - 8),
     ("w", Reg.STATUS, DMA | READ), ("w", Reg.STATUS, DMA | WRITE)],
    [("w", Reg.SID, SID_A), ("w", Reg.COUNT, 1), ("w", Reg.ADDR, U32_MASK),
     ("w", Reg.STATUS, DMA | READ)],
    [("w", Reg.SID, SID_A), ("w", Reg.COUNT, 1), ("w", Reg.STATUS, READ)]
    + [("r", int(Reg.DATA), 0)] * (WORDS_PER_BLOCK + 3),
    [("w", Reg.SID, U32_MASK), ("w", Reg.BLOCK, U32_MASK), ("w", Reg.COUNT, U32_MASK),
     ("w", Reg.ADDR, U32_MASK), ("w", Reg.STATUS, U32_MASK), ("w", Reg.DATA, U32_MASK)],
]


@pins("R-INV-4", "E2", "E3", "E4", "E5", "E6")
@pytest.mark.parametrize("sequence", range(len(HOSTILE)))
def test_hostile_sequences_are_answered(bio: Bio, sequence: int) -> None:
    for kind, offset, value in HOSTILE[sequence]:
        if kind == "r":
            bio.rd(offset)
        else:
            bio.wr(offset, value)
    bio.wait()
    for offset in range(PAGE_SIZE):
        bio.rd(offset)
        bio.wr(offset, U32_MASK)
        bio.target.clock_step()
    assert bio.wait() & (RDY | ERR)


# --- host accesses -------------------------------------------------------------

@pins("R-HOST-1", "E16")
def test_machine_powers_on_fresh(bio: Bio) -> None:
    assert bio.op(DMA | READ, SID_A, 0, 1, 0) == RDY
    bio.target.machine(RAM_SIZE, MMIO_BASE)
    assert bio.status() == RDY
    assert bio.ram() == bytes(RAM_SIZE)
    expect_refused(lambda: bio.target.storage_read(SID_A, 0, 1))
    bio.sid(SID_A)
    assert bio.status() == ERR


@pins("R-HOST-1", "E16")
def test_mmio_base_zero(bio: Bio) -> None:
    t = bio.target
    t.machine(RAM_SIZE, 0)
    bio.base = 0
    t.storage(SID_A, SIZE_A)
    assert bio.status() == RDY
    expect_refused(lambda: t.write(0, b"\x00"))
    expect_refused(lambda: t.read(PAGE_SIZE - 4, 8))
    t.write(PAGE_SIZE, b"\x5A" * BLOCK_SIZE)
    bio.sid(SID_A)
    bio.count(1)
    bio.addr(PAGE_SIZE)
    assert bio.run(DMA | WRITE) == RDY
    assert t.storage_read(SID_A, 0, BLOCK_SIZE) == b"\x5A" * BLOCK_SIZE
    bio.addr(0x80)
    assert bio.run(DMA | READ) == ERR


@pins("R-HOST-1", "E16")
@pytest.mark.parametrize(("ram_size", "base"), [(RAM_SIZE + 1, MMIO_BASE),
                                                (RAM_SIZE, MMIO_BASE + 4),
                                                (RAM_SIZE - PAGE_SIZE // 2, 0)])
def test_machine_refuses_bad_geometry(bio: Bio, ram_size: int, base: int) -> None:
    expect_refused(lambda: bio.target.machine(ram_size, base))


@pins("R-HOST-2")
def test_storage_attaches_zero_filled(bio: Bio) -> None:
    t = bio.target
    t.storage(5, 100)
    assert t.storage_read(5, 0, 100) == bytes(100)
    bio.sid(5)
    assert bio.status() == RDY
    assert bio.run(READ) == RDY
    bio.count(1)
    assert bio.run(READ) == ERR
    expect_refused(lambda: t.storage(5, 10))
    expect_refused(lambda: t.storage(SID_A, SIZE_A))
    expect_refused(lambda: t.storage(1 << 32, 10))
    expect_refused(lambda: t.storage(6, -1))
    assert t.storage_read(SID_A, 0, SIZE_A) == CONTENT_A


@pins("R-HOST-3")
def test_storage_host_access(bio: Bio) -> None:
    t = bio.target
    assert bio.op(READ, SID_B, 0, 1) == RDY
    t.storage_write(SID_B, SIZE_B - 4, b"\x01\x02\x03\x04")
    assert t.storage_read(SID_B, SIZE_B - 6, 6) == CONTENT_B[-6:-4] + b"\x01\x02\x03\x04"
    assert t.storage_read(SID_B, SIZE_B, 0) == b""
    expect_refused(lambda: t.storage_write(SID_B, SIZE_B - 3, b"\x00" * 4))
    expect_refused(lambda: t.storage_read(SID_B, SIZE_B - 3, 4))
    expect_refused(lambda: t.storage_read(SID_UNKNOWN, 0, 1))
    expect_refused(lambda: t.storage_write(SID_UNKNOWN, 0, b"\x00"))
    assert t.storage_read(SID_B, 0, 4) == CONTENT_B[:4]
    assert bio.status() == RDY
    assert bio.data() == le_words(CONTENT_B)[0]


@pins("R-HOST-4")
def test_ram_host_access(bio: Bio) -> None:
    t = bio.target
    t.write(MMIO_BASE - 4, b"\xAA" * 4)
    t.write(MMIO_END, b"\xBB" * 4)
    t.write(RAM_SIZE - 4, b"\xCC" * 4)
    assert t.read(MMIO_BASE - 4, 4) == b"\xAA" * 4
    assert t.read(MMIO_END, 4) == b"\xBB" * 4
    assert t.read(RAM_SIZE - 4, 4) == b"\xCC" * 4
    for addr, length in [(MMIO_BASE - 4, 8), (MMIO_BASE, 4), (MMIO_END - 1, 2),
                         (RAM_SIZE - 4, 8), (RAM_SIZE, 1), (U32_MASK, 1)]:
        with pytest.raises(TargetRefused):
            t.read(addr, length)
        with pytest.raises(TargetRefused):
            t.write(addr, bytes(length))
    assert t.read(MMIO_BASE, 0) == b""
    t.write(MMIO_BASE, b"")
    assert t.read(MMIO_BASE - 4, 4) == b"\xAA" * 4
    assert t.read(RAM_SIZE - 8, 8) == bytes(4) + b"\xCC" * 4
    assert bio.status() == RDY


@pins("R-HOST-5")
def test_readl_writel_routing(bio: Bio) -> None:
    t = bio.target
    t.writel(0x1000, 0x11223344)
    assert t.read(0x1000, 4) == bytes([0x44, 0x33, 0x22, 0x11])
    assert t.readl(0x1000) == 0x11223344
    t.writel(0x1004, 0x1_AABBCCDD)
    assert t.readl(0x1004) == 0xAABBCCDD
    assert t.readl(MMIO_BASE + Reg.STATUS) == RDY
    t.writel(MMIO_BASE + Reg.SID, SID_UNKNOWN)
    assert t.readl(MMIO_BASE + Reg.STATUS) == ERR
    assert t.readl(MMIO_END - 1) == 0
    for addr in (MMIO_BASE - 2, RAM_SIZE - 2, RAM_SIZE, U32_MASK):
        with pytest.raises(TargetRefused):
            t.readl(addr)
        with pytest.raises(TargetRefused):
            t.writel(addr, 0)
    assert t.read(MMIO_BASE - 4, 4) == bytes(4)


@pins("R-HOST-6")
def test_clock_step_answers_a_monotonic_clock(bio: Bio) -> None:
    t = bio.target
    first = t.clock_step()
    clocks = [first, t.clock_step(5), t.clock_step(), t.clock_step(1000)]
    assert all(isinstance(c, int) and c >= 0 for c in clocks)
    assert clocks == sorted(clocks)
    bio.power()
    assert t.clock_step() == first


# --- the original's expectations and its driver --------------------------------

@pins("R-WR-3", "R-CMD-3", "R-CMD-7", "R-CMD-8", "R-CMD-10")
def test_original_status_expectations(bio: Bio) -> None:
    bio.go(SRST)
    bio.sid(SID_UNKNOWN)
    assert bio.status() == 0x02
    assert bio.op(DMA | READ, SID_A, 4, 1, 0x1000) == 0x02
    assert bio.op(DMA | READ, SID_A, 3, 1, 0x1000) == 0x01
    assert bio.op(DMA | WRITE, SID_A, 0, 1, 0x1000) == 0x01
    assert bio.storage(SID_A)[:BLOCK_SIZE] == block_of(CONTENT_A, 3)


def forth_operation(bio: Bio, flags: int, sid: int, block: int, count: int,
                    addr: int) -> bool:
    """One operation of the original FORTH block driver; whether it succeeded."""
    bio.go(SRST)
    for reg, value in ((Reg.SID, sid), (Reg.BLOCK, block), (Reg.COUNT, count),
                       (Reg.ADDR, addr)):
        bio.wr(reg, value)
        if bio.status() & ERR:
            return False
    bio.go(flags)
    polls = 0
    while True:
        status = bio.status()
        if status & (RDY | ERR) and not status & BUSY:
            break
        assert polls < bio.bound, "driver polled past the declared bound"
        bio.target.clock_step()
        polls += 1
    return not status & ERR


@pins("R-BSY-1", "R-ST-2", "R-CMD-7", "R-CMD-8", "R-WR-3", "R-CMD-3")
def test_forth_driver_sequence(bio: Bio) -> None:
    bio.fill_ram()
    assert forth_operation(bio, DMA | WRITE, SID_B, 0, 2, 0x4000)
    assert bio.storage(SID_B) == splice(CONTENT_B, 0, RAM_FILL[0x4000:0x4800])
    assert forth_operation(bio, DMA | READ, SID_A, 1, 3, 0xA000)
    assert bio.ram(0xA000, 3 * BLOCK_SIZE) == block_of(CONTENT_A, 1, 3)
    assert forth_operation(bio, DMA | READ, SID_B, 0, 2, 0xC000)
    assert bio.ram(0xC000, 2 * BLOCK_SIZE) == RAM_FILL[0x4000:0x4800]
    assert not forth_operation(bio, DMA | READ, SID_UNKNOWN, 0, 1, 0)
    assert not forth_operation(bio, DMA | READ, SID_B, 2, 1, 0)
    assert not forth_operation(bio, DMA | WRITE, SID_A, 0, 1, MMIO_BASE)
    assert forth_operation(bio, DMA | READ, SID_A, 0, 1, 0)
    assert bio.status() == RDY
