"""The machine a conformance run powers on, and the values worth trying on it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, U32_MASK


class StorageShape(BaseModel):
    """One storage of the instance: its id and size in bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sid: int = Field(ge=0, le=U32_MASK)
    size: int = Field(ge=0)


class Instance(BaseModel):
    """RAM size, MMIO base and storages of the machine under test.

    The default is small enough to compare every byte after every step and
    large enough for every interesting boundary: two RAM regions around the
    MMIO page, a storage of whole blocks, one whose size is not a multiple of
    the block size, and an empty one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ram_size: int = Field(default=0x4000, gt=0)
    mmio_base: int = Field(default=0x2000, ge=0, le=U32_MASK)
    storages: tuple[StorageShape, ...] = (
        StorageShape(sid=1, size=4 * BLOCK_SIZE),
        StorageShape(sid=2, size=2 * BLOCK_SIZE + BLOCK_SIZE // 2),
        StorageShape(sid=U32_MASK, size=0),
    )

    @model_validator(mode="after")
    def _aligned(self) -> Instance:
        if self.ram_size % PAGE_SIZE or self.mmio_base % PAGE_SIZE:
            raise ValueError("RAM size and MMIO base must be multiples of the page size")
        sids = [s.sid for s in self.storages]
        if len(set(sids)) != len(sids):
            raise ValueError(f"storage ids must be unique: {sids}")
        return self

    def sids(self) -> list[int]:
        return [s.sid for s in self.storages]

    def unknown_sids(self) -> list[int]:
        """A few ids that no storage has."""
        known = set(self.sids())
        return [v for v in (0, 3, 0x80000000, 0xFFFFFFFE) if v not in known]

    def interesting_blocks(self) -> list[int]:
        """Blocks at, just before and past the end of each storage, and extremes."""
        values = {0, 1, U32_MASK, U32_MASK // BLOCK_SIZE, 1 << 22}
        for s in self.storages:
            last = s.size // BLOCK_SIZE
            values.update({max(last - 1, 0), last, last + 1})
        return sorted(values)

    def interesting_addrs(self) -> list[int]:
        """ADDR values in RAM, at its end, overlapping the MMIO page, past RAM."""
        base, end = self.mmio_base, self.ram_size
        values = {
            0, PAGE_SIZE, base - BLOCK_SIZE, base - BLOCK_SIZE // 2, base - 1, base,
            base + PAGE_SIZE, end - BLOCK_SIZE, end - 2 * BLOCK_SIZE, end - BLOCK_SIZE // 2,
            end, end + PAGE_SIZE, U32_MASK - BLOCK_SIZE + 1, U32_MASK,
        }
        return sorted(v & U32_MASK for v in values if v >= 0)
