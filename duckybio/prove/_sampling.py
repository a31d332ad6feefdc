"""Random concrete machines, states and events for the differential check, edge values first.

:func:`random_case` draws a geometry (block and page size, RAM size, MMIO
base anywhere in the u32 range, storages, latency), a controller state that
satisfies the proved invariants (the states the proof speaks of), RAM and
storage bytes, pending faults, and an event.  Register values and written
values favour the edges where reimplementations break: 0, 2**32 - 1, the end
of RAM and of each storage, the MMIO page's edges, ranges that wrap in 32 bits.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Final

from ..model import (
    BioState,
    Command,
    Complete,
    Event,
    MachineState,
    ModelConfig,
    Op,
    Read,
    StorageSpec,
    Tick,
    Write,
)
from ..spec.regmap import PAGE_SIZE, U32_MASK, WORD_SIZE, Reg

_REGS: Final = [int(r) for r in Reg]
_OTHER_OFFSETS: Final = [0x18, 0x1C, 0xFC, 0xFF, 1, 2, 3, 5, 0x13, 0x80]
_FLAGS_IDLE: Final = [0x01, 0x03, 0x02]
_FLAGS_BUSY: Final = [0x10, 0x12]


def _edges(rng: random.Random, cfg: ModelConfig, sizes: list[int]) -> list[int]:
    """Values that matter for this geometry, u32 only."""
    bs, ps = cfg.block_size, cfg.page_size
    values = [
        0,
        1,
        2,
        U32_MASK,
        U32_MASK - 1,
        1 << 31,
        (1 << 32) // bs,
        ((1 << 32) // bs) - 1,
        cfg.ram_size,
        cfg.ram_size // bs,
        cfg.mmio_base,
        cfg.mmio_base + ps,
        cfg.mmio_base - bs,
        cfg.ram_size - bs,
        U32_MASK - bs + 1,
        rng.getrandbits(32),
    ]
    for size in sizes:
        values += [size // bs, size // bs - 1, size // bs + 1, size]
    return [v & U32_MASK for v in values]


def _pick(rng: random.Random, edges: list[int]) -> int:
    return rng.choice(edges) if rng.random() < 0.85 else rng.randrange(0, 64)


def random_config(rng: random.Random) -> ModelConfig:
    """A geometry: small enough to hold in memory, its MMIO page anywhere in the u32 range."""
    bs = rng.choice([4, 8, 16, 1024])
    ps = rng.choice([4, 16, PAGE_SIZE])
    ram_size = ps * rng.randrange(1, 17)
    pages = (1 << 32) // ps
    mmio_page = rng.choice(
        [0, 1, ram_size // ps - 1, ram_size // ps, pages - 1, rng.randrange(pages)]
    )
    nstorages = rng.randrange(0, 4)
    sids: set[int] = set()
    while len(sids) < nstorages:
        sids.add(rng.choice([0, 1, 2, 7, U32_MASK, rng.getrandbits(32)]))
    storages = tuple(
        StorageSpec(
            sid, rng.choice([0, bs, 2 * bs, 3 * bs + 4, 4 * bs, rng.randrange(0, 4 * bs + 1)])
        )
        for sid in sorted(sids)
    )
    return ModelConfig(
        block_size=bs,
        page_size=ps,
        ram_size=ram_size,
        mmio_base=max(mmio_page, 0) * ps,
        storages=storages,
        latency=rng.choice([0, 0, 1, 2, 5, 1000]),
    )


def random_state(rng: random.Random, cfg: ModelConfig) -> MachineState:
    """A machine of ``cfg`` whose controller satisfies every proved state property."""
    sizes = [s.size for s in cfg.storages]
    edges = _edges(rng, cfg, sizes)
    ids = [s.sid for s in cfg.storages]
    sid = rng.choice([None, *ids]) if ids else None
    block, count, addr = (_pick(rng, edges) for _ in range(3))
    dma = rng.random() < 0.5
    bs = cfg.block_size
    rlen = WORD_SIZE * rng.choice([0, 1, 2, bs // WORD_SIZE, rng.randrange(0, 2 * bs // 4 + 1)])
    cursor = WORD_SIZE * rng.randrange(0, rlen // WORD_SIZE + 1)
    if rng.random() < 0.3:
        cursor = rlen
    room = min(count * bs, 4 * bs) // WORD_SIZE
    wlen = WORD_SIZE * rng.choice([0, room, rng.randrange(0, room + 1)])
    busy = cfg.latency > 0 and rng.random() < 0.4
    command = None
    if busy:
        op = rng.choice([Op.READ, Op.WRITE])
        command = Command(
            op,
            sid,
            block,
            count,
            addr,
            dma,
            rng.choice([1, cfg.latency, rng.randrange(1, cfg.latency + 1)]),
        )
    flags = rng.choice(_FLAGS_BUSY if busy else _FLAGS_IDLE)
    bio = BioState(
        flags=flags,
        sid=sid,
        block=block,
        count=count,
        addr=addr,
        dma=dma,
        rbuf=rng.randbytes(rlen),
        cursor=cursor,
        wbuf=rng.randbytes(wlen),
        command=command,
        reset_pending=busy and rng.random() < 0.3,
    )
    storages = tuple((s.sid, rng.randbytes(s.size)) for s in cfg.storages)
    state = MachineState(bio, rng.randbytes(cfg.ram_size), storages)
    for s in cfg.storages:
        for op in Op:
            if rng.random() < 0.2:
                state = state.with_faults(s.sid, op, rng.randrange(1, 3))
    return state


def random_event(rng: random.Random, cfg: ModelConfig, state: MachineState) -> Event:
    """An event for ``state``: any offset, values at the edges of ``cfg``."""
    roll = rng.random()
    if roll < 0.08:
        return Tick()
    if roll < 0.14:
        return Complete()
    offset = rng.choice(_REGS) if rng.random() < 0.85 else rng.choice(_OTHER_OFFSETS)
    if rng.random() < 0.2:
        return Read(offset)
    if offset == Reg.STATUS:
        value = rng.randrange(0, 0x80) | (rng.choice([0, 0, 0xFFFFFF80]) & U32_MASK)
    elif offset == Reg.SID:
        value = rng.choice([*(s.sid for s in cfg.storages), 3, U32_MASK, rng.getrandbits(32)])
    else:
        value = _pick(rng, _edges(rng, cfg, [s.size for s in cfg.storages]))
    return Write(offset, value)


def random_cases(
    rng: random.Random, count: int, per_state: int = 8
) -> Iterator[tuple[ModelConfig, MachineState, Event]]:
    """``count`` (geometry, state, event) triples, ``per_state`` events from each state."""
    for n in range(count):
        if n % per_state == 0:
            cfg = random_config(rng)
            state = random_state(rng, cfg)
        yield cfg, state, random_event(rng, cfg, state)
