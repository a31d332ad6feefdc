"""Driver scenarios (SPEC section 16): the machine, the requests, the latencies, the preludes.

A :class:`Scenario` is what one run of a driver is given: the machine and
its storages, a sequence of requests (valid and invalid, within the driver's
:class:`~duckybio.spec.drive.Declaration`), the state the driver finds the
device in before each request (:data:`PRELUDES`), and each command's latency,
from 0 up to the busy bound.  :func:`scenarios` is the Hypothesis strategy;
shrinking makes every part smaller (fewer requests, latency 0, no prelude).
"""

from __future__ import annotations

from typing import Final, Literal

from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..kit import Instance, StorageShape
from ..spec.drive import MAX_DECLARED, Declaration, Request
from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, U32_MASK

#: What the device looks like when a request arrives (SPEC section 16).
Prelude = Literal["none", "err", "dma", "half", "failed"]
PRELUDES: Final[tuple[Prelude, ...]] = ("none", "err", "dma", "half", "failed")

#: What each prelude does before the driver is given the request.
PRELUDE_MEANING: Final[dict[str, str]] = {
    "none": "the device as the previous request left it",
    "err": "an unknown storage id was selected: ERR is set (sticky)",
    "dma": "DMA mode was switched on",
    "half": "a PIO read was started and only part of its data read (a half-used R)",
    "failed": "a command with no storage was started (SRST|READ): it fails, possibly "
              "still BUSY when the driver begins",
}

#: Storage ids tried when a driver does not restrict them.
DEFAULT_SIDS: Final = (1, 2)
#: Largest busy bound a driver is checked with (``--busy-bound``, a trace's).
MAX_BUSY_BOUND: Final = 1000
#: Largest RAM and storage of a scenario (a saved one included), in bytes.
MAX_BYTES: Final = 1 << 24
#: Most requests, and most latencies, of a scenario.
MAX_STEPS: Final = 64
#: Most storages one scenario's machine has (a declaration may list more ids).
MAX_ATTACHED: Final = 4
#: Block counts tried when a driver does not restrict them.
DEFAULT_COUNTS: Final = (0, 1, 2, 3)


class DriveStep(BaseModel):
    """One request and the prelude run before it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prelude: Prelude = "none"
    op: Literal["read", "write"]
    sid: int = Field(ge=0, le=U32_MASK)
    block: int = Field(ge=0, le=U32_MASK)
    count: int = Field(ge=0, le=U32_MASK)
    addr: int = Field(ge=0, le=U32_MASK)
    mode: Literal["dma", "pio"]

    @property
    def request(self) -> Request:
        return Request(self.op, self.sid, self.block, self.count, self.addr, self.mode)


class Scenario(BaseModel):
    """A machine, the requests given to the driver, and the latency of each command.

    The ``i``-th command started (by the driver or a prelude) stays BUSY for
    ``latencies[i % len(latencies)]`` clock steps.  Every byte of the
    storages and of RAM is filled with a pattern in which no aligned word
    repeats; ``contents`` chooses which.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: Instance
    steps: tuple[DriveStep, ...] = Field(min_length=1, max_length=MAX_STEPS)
    latencies: tuple[int, ...] = Field(default=(0,), min_length=1, max_length=MAX_STEPS)
    #: Which contents the storages and RAM hold: 0 the harness's pattern, else another one.
    contents: int = Field(default=0, ge=0, le=U32_MASK)

    @model_validator(mode="after")
    def _bounded(self) -> Scenario:
        """A scenario (a saved one too) stays small: RAM, storages, latencies."""
        inst = self.instance
        if inst.ram_size > MAX_BYTES:
            raise ValueError(f"RAM of {inst.ram_size:#x} bytes: at most {MAX_BYTES:#x}")
        if len(inst.storages) > MAX_DECLARED:
            raise ValueError(f"{len(inst.storages)} storages: at most {MAX_DECLARED}")
        if any(s.size > MAX_BYTES for s in inst.storages):
            raise ValueError(f"a storage larger than {MAX_BYTES:#x} bytes")
        if any(not 0 <= lat <= MAX_BUSY_BOUND for lat in self.latencies):
            raise ValueError(f"latencies must lie in 0..{MAX_BUSY_BOUND}")
        return self

    def size(self) -> int:
        """How big the scenario is: requests, plus every non-trivial prelude and latency."""
        return (len(self.steps) + sum(s.prelude != "none" for s in self.steps)
                + sum(1 for lat in self.latencies if lat))

    def latency(self, command: int) -> int:
        """The latency of the ``command``-th command (0-based)."""
        return self.latencies[command % len(self.latencies)]


def why_invalid(instance: Instance, request: Request) -> str | None:
    """Why ``request`` cannot succeed on ``instance``, or ``None`` (SPEC section 16, D-2).

    The storage must be attached and the blocks in bounds (R-CMD-2, R-CMD-3,
    R-CMD-11); the buffer ``[addr, addr + count * 1024)`` must be RAM
    (R-CMD-4) -- except for a PIO read, whose bytes are returned.
    """
    sizes = {s.sid: s.size for s in instance.storages}
    size = sizes.get(request.sid)
    if size is None:
        return f"storage {request.sid:#x} is not attached"
    if (request.block + request.count) * BLOCK_SIZE > size:
        return f"blocks {request.block:#x}+{request.count:#x} lie past the end ({size:#x} bytes)"
    if request.op == "read" and request.mode == "pio":
        return None
    if not is_ram(instance, request.addr, request.count * BLOCK_SIZE):
        return f"the buffer at {request.addr:#x} is not RAM"
    return None


def is_ram(instance: Instance, addr: int, length: int) -> bool:
    """Whether ``[addr, addr + length)`` is RAM of ``instance`` (empty ranges are)."""
    if length == 0:
        return True
    end = addr + length
    page = instance.mmio_base
    return end <= instance.ram_size and (end <= page or addr >= page + PAGE_SIZE)


@st.composite
def _instance(draw: st.DrawFn, declaration: Declaration) -> Instance:
    base = draw(st.sampled_from((0x2000, 0x0, 0x3000)))
    ram = draw(st.sampled_from((0x4000, 0x8000)))
    sids = list(declaration.sids or DEFAULT_SIDS)
    if len(sids) > MAX_ATTACHED:  # a long declaration: a few of its storages at a time
        others = st.lists(st.sampled_from(sids[1:]), max_size=MAX_ATTACHED - 1, unique=True)
        sids = [sids[0], *draw(others)]
    shapes = []
    for sid in sids:
        if draw(st.booleans()) or sid == sids[0]:
            blocks = draw(st.integers(0, 4))
            tail = draw(st.sampled_from((0, 0, BLOCK_SIZE // 2)))
            shapes.append(StorageShape(sid=sid, size=blocks * BLOCK_SIZE + tail))
    if declaration.sids is not None and draw(st.integers(0, 7)) == 0:
        shapes = shapes[1:]  # the driver's storage is not attached
    return Instance(ram_size=ram, mmio_base=base, storages=tuple(shapes))


def _addrs(instance: Instance, declaration: Declaration, count: int) -> st.SearchStrategy[int]:
    if declaration.window is not None:
        low, high = declaration.window
        top = max(low, high - count * BLOCK_SIZE)
        return st.one_of(st.just(low), st.integers(low, top), st.just(top))
    length = count * BLOCK_SIZE
    good = [a for a in (0, PAGE_SIZE, instance.ram_size - length,
                        instance.mmio_base + PAGE_SIZE) if is_ram(instance, a, length) and a >= 0]
    return st.one_of(st.sampled_from(good or [0]), st.sampled_from(instance.interesting_addrs()))


@st.composite
def _step(draw: st.DrawFn, instance: Instance, declaration: Declaration) -> DriveStep:
    sids = list(declaration.sids or (*DEFAULT_SIDS, *instance.unknown_sids()[:1]))
    count = draw(st.sampled_from(declaration.counts or DEFAULT_COUNTS))
    blocks = [b for b in instance.interesting_blocks() if b < 8] + [0xFFFFFFFF]
    return DriveStep(
        prelude=draw(st.sampled_from(PRELUDES)),
        op=draw(st.sampled_from(declaration.ops)),
        sid=draw(st.sampled_from(sids)),
        block=draw(st.one_of(st.integers(0, 3), st.sampled_from(blocks))),
        count=count,
        addr=draw(_addrs(instance, declaration, count)),
        mode=draw(st.sampled_from(declaration.modes)),
    )


@st.composite
def scenarios(draw: st.DrawFn, declaration: Declaration, busy_bound: int,
              max_requests: int = 5) -> Scenario:
    """Scenarios within ``declaration`` whose commands stay BUSY at most ``busy_bound`` steps."""
    instance = draw(_instance(declaration))
    steps = draw(st.lists(_step(instance, declaration), min_size=1, max_size=max_requests))
    latencies = draw(st.lists(st.integers(0, busy_bound), min_size=1, max_size=6))
    return Scenario(instance=instance, steps=tuple(steps), latencies=tuple(latencies),
                    contents=draw(st.integers(0, 3)))
