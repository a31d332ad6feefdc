"""The explored instance: a tiny machine and the finite event alphabet applied to it.

An :class:`ExploreInstance` fixes a small machine and an *event alphabet*
that touches every register with the values that matter: every combination
of the guest-settable STATUS bits (SPEC.md section 6, R-ST-1..R-ST-5); each
storage id and an unknown one (R-WR-2, R-WR-3); BLOCK 0 and the last block of
the first storage, so that COUNT 2 runs past its end (R-CMD-3); COUNT 0, 1
and 2 (R-CMD-11); ADDR 0, one block below the MMIO page and past the end of
RAM (R-CMD-4: a DMA range from 0 of two blocks overlaps the MMIO page in the
default geometry); DATA writes of the instance's data words (section 8); a
reserved register (R-RD-3, R-WR-6); a clock tick and a forced completion
(section 9).

The default instance has 4-byte blocks and 4-byte pages: RAM is one page at
address 0 followed by the MMIO page, and one storage (id 1) holds two blocks.
That is the smallest machine where data flows W -> storage -> R -> RAM, a DMA
range can be RAM, overlap the MMIO page or lie past RAM, and a command can hit
one block of a storage while leaving the other alone.  The state space grows
fast with every extra value (registers are independent of each other and of
the data), so richer instances are available through the parameters.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..model import Complete, Event, ModelConfig, Read, StorageSpec, Tick, Write
from ..spec.regmap import GUEST_SETTABLE, RESERVED_START, U32_MASK, WORD_SIZE, Flag, Reg


class ExploreStorage(BaseModel):
    """A storage of the explored instance: its id and its size in bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sid: int = Field(ge=0, le=U32_MASK)
    size: int = Field(ge=0)


class ExploreInstance(BaseModel):
    """A small machine and the parameters of its exploration.

    RAM is ``ram_pages`` pages of ``page_size`` bytes at address 0, and the
    MMIO page is page number ``mmio_page`` of them.  Every storage starts
    zero-filled; data enters through DATA writes of the ``data_words`` (one
    or two).  Each latency in ``latencies`` is explored separately.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    block_size: int = Field(default=4, gt=0)
    page_size: int = Field(default=4, gt=0)
    ram_pages: int = Field(default=2, ge=2)
    mmio_page: int = Field(default=1, ge=0)
    storages: tuple[ExploreStorage, ...] = (ExploreStorage(sid=1, size=8),)
    latencies: tuple[int, ...] = (0, 1)
    data_words: tuple[int, ...] = (0xA5A5A5A5,)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.mmio_page >= self.ram_pages:
            raise ValueError(f"MMIO page {self.mmio_page} is not one of the "
                             f"{self.ram_pages} RAM pages")
        if not self.latencies:
            raise ValueError("at least one latency is needed")
        if not 1 <= len(self.data_words) <= 2:
            raise ValueError("one or two data words are needed")
        if len(set(self.latencies)) != len(self.latencies):
            raise ValueError(f"latencies must be distinct: {list(self.latencies)}")
        for word in self.data_words:
            if not 0 <= word <= U32_MASK:
                raise ValueError(f"data word {word:#x} is not a u32")
        for latency in self.latencies:
            self.config(latency)  # ModelConfig checks sizes, ids, latency
        return self

    @property
    def ram_size(self) -> int:
        return self.ram_pages * self.page_size

    @property
    def mmio_base(self) -> int:
        return self.mmio_page * self.page_size

    def config(self, latency: int) -> ModelConfig:
        """The model configuration of this instance at ``latency``."""
        return ModelConfig(
            block_size=self.block_size, page_size=self.page_size, ram_size=self.ram_size,
            mmio_base=self.mmio_base,
            storages=tuple(StorageSpec(s.sid, s.size) for s in self.storages),
            latency=latency)

    def alphabet(self) -> tuple[Event, ...]:
        """The events applied to every state, in a fixed order, without duplicates.

        Values are chosen relative to the geometry ("the last block of the
        first storage", "one block below the MMIO page"...), so that two
        instances with the same shape in blocks have alphabets that correspond
        event by event, whatever their block size.
        """
        bs = self.block_size
        sids = [s.sid for s in self.storages]
        last_block = max(self.storages[0].size // bs - 1, 0) if self.storages else 0
        unknown = next(i for i in range(len(sids) + 1) if i not in sids)
        events: list[Event] = [Read(Reg.STATUS), Read(Reg.DATA), Read(RESERVED_START)]
        events += [Write(Reg.STATUS, v) for v in _settable_values()]
        events += [Write(Reg.SID, sid) for sid in sids] + [Write(Reg.SID, unknown)]
        events += [Write(Reg.BLOCK, b) for b in (0, last_block)]
        events += [Write(Reg.COUNT, c) for c in (0, 1, 2)]
        below_mmio = max(self.mmio_base - bs, 0)
        events += [Write(Reg.ADDR, a) for a in (0, below_mmio, U32_MASK & -WORD_SIZE)]
        events += [Write(Reg.DATA, w) for w in self.data_words]
        events += [Write(RESERVED_START, U32_MASK), Tick(), Complete()]
        return tuple(dict.fromkeys(events))


def _settable_values() -> list[int]:
    """Every combination of the guest-settable STATUS bits (R-ST-1), 0 first."""
    bits = [int(f) for f in Flag if f & GUEST_SETTABLE]
    values = [0]
    for bit in bits:
        values += [v | bit for v in values]
    return sorted(values)
