"""Parameters of a model instance: sizes, addresses, storages and latency."""

from __future__ import annotations

from dataclasses import dataclass

from ..spec.regmap import (
    BLOCK_SIZE,
    DEFAULT_MMIO_ADDRESS,
    DEFAULT_RAM_SIZE,
    PAGE_SIZE,
    U32_MASK,
    WORD_SIZE,
)


@dataclass(frozen=True, slots=True)
class StorageSpec:
    """A storage attached at power-on: its id and its size in bytes."""

    sid: int
    size: int


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """One instance of the device.

    The model is parametric so that tiny instances (4-byte blocks, two RAM
    pages) can be explored exhaustively while the real one (1024-byte blocks,
    16 MiB of RAM) stays the default.  ``latency`` is the number of clock
    ticks a command stays BUSY; 0 means it completes within the STATUS write
    that starts it.
    """

    block_size: int = BLOCK_SIZE
    page_size: int = PAGE_SIZE
    ram_size: int = DEFAULT_RAM_SIZE
    mmio_base: int = DEFAULT_MMIO_ADDRESS
    storages: tuple[StorageSpec, ...] = ()
    latency: int = 0

    def __post_init__(self) -> None:
        if self.block_size <= 0 or self.block_size % WORD_SIZE:
            raise ValueError(f"block size must be a positive multiple of {WORD_SIZE}, "
                             f"not {self.block_size}")
        if self.page_size <= 0 or self.page_size % WORD_SIZE:
            raise ValueError(f"page size must be a positive multiple of {WORD_SIZE}, "
                             f"not {self.page_size}")
        if self.ram_size < 0 or self.ram_size % self.page_size:
            raise ValueError(f"RAM size must be a multiple of the page size, not {self.ram_size}")
        if not 0 <= self.mmio_base <= U32_MASK or self.mmio_base % self.page_size:
            raise ValueError(f"MMIO base {self.mmio_base:#x} is not a page-aligned u32 address")
        if self.latency < 0:
            raise ValueError(f"latency must be >= 0, not {self.latency}")
        sids = [s.sid for s in self.storages]
        if len(set(sids)) != len(sids):
            raise ValueError(f"storage ids must be unique: {sids}")
        for s in self.storages:
            if not 0 <= s.sid <= U32_MASK:
                raise ValueError(f"storage id {s.sid} is not a u32")
            if s.size < 0:
                raise ValueError(f"storage {s.sid} has a negative size")

    def is_ram_range(self, addr: int, length: int) -> bool:
        """Whether ``[addr, addr + length)`` lies entirely in RAM (exact arithmetic).

        An empty range is RAM wherever it points.  A range is not RAM when it
        runs past the end of RAM or touches the MMIO page.
        """
        if length == 0:
            return True
        end = addr + length
        if addr < 0 or end > self.ram_size:
            return False
        mmio_end = self.mmio_base + self.page_size
        return end <= self.mmio_base or addr >= mmio_end
