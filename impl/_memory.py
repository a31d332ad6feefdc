"""Paged physical memory: RAM plus memory-mapped I/O pages.

RAM is one zero-filled ``bytearray`` at address 0.  A device maps one page
with :meth:`Memory.register_mmio`; CPU word accesses to that page go to the
device's handler, and the page no longer counts as RAM (a host or DMA access
touching it is refused).  All range arithmetic is exact.
"""

from __future__ import annotations

import struct
from typing import Protocol

from ..spec.regmap import PAGE_SIZE, U32_MASK, WORD_SIZE

__all__ = ["MMIOHandler", "Memory"]

_U32 = struct.Struct("<I")


class MMIOHandler(Protocol):
    """A device answering 32-bit accesses at offsets within its page."""

    def read_u32(self, offset: int) -> int: ...

    def write_u32(self, offset: int, value: int) -> None: ...


class Memory:
    """``size`` bytes of RAM in pages of ``page_size`` bytes, plus MMIO pages."""

    def __init__(self, size: int, page_size: int = PAGE_SIZE) -> None:
        if page_size <= 0 or page_size % WORD_SIZE:
            raise ValueError(f"page size must be a positive multiple of {WORD_SIZE}, "
                             f"not {page_size}")
        if size < 0 or size % page_size:
            raise ValueError(f"RAM size must be a multiple of the page size, not {size:#x}")
        try:
            data = bytearray(size)
        except (MemoryError, OverflowError):
            raise ValueError(f"cannot allocate {size:#x} bytes of RAM") from None
        self.size = size
        self.page_size = page_size
        self.data = data
        self._mmio: dict[int, MMIOHandler] = {}

    # --- MMIO pages ---------------------------------------------------------

    def register_mmio(self, base: int, handler: MMIOHandler) -> None:
        """Map ``handler`` at the page starting at ``base``."""
        if base < 0 or base % self.page_size:
            raise ValueError(f"MMIO base {base:#x} is not page aligned")
        if base in self._mmio:
            raise ValueError(f"MMIO page {base:#x} is already taken")
        self._mmio[base] = handler

    def unregister_mmio(self, base: int) -> None:
        """Unmap the page at ``base`` (no effect if nothing is mapped there)."""
        self._mmio.pop(base, None)

    # --- RAM ------------------------------------------------------------------

    def is_ram(self, addr: int, length: int) -> bool:
        """Whether ``[addr, addr + length)`` is all RAM; an empty range always is."""
        if length == 0:
            return True
        end = addr + length
        if length < 0 or addr < 0 or end > self.size:
            return False
        page = self.page_size
        return all(end <= base or addr >= base + page for base in self._mmio)

    def _check(self, addr: int, length: int) -> None:
        if not self.is_ram(addr, length):
            raise ValueError(f"[{addr:#x}, +{length:#x}) is not RAM")

    def view(self, addr: int, length: int) -> memoryview:
        """A writable view of RAM ``[addr, addr + length)``; ``ValueError`` if not RAM."""
        self._check(addr, length)
        return memoryview(self.data)[addr:addr + length]

    def read(self, addr: int, length: int) -> bytes:
        """Host read of RAM; ``ValueError`` if the range is not RAM."""
        self._check(addr, length)
        return bytes(self.data[addr:addr + length])

    def write(self, addr: int, data: bytes | bytearray | memoryview) -> None:
        """Host write of RAM; ``ValueError`` if the range is not RAM."""
        self._check(addr, len(data))
        self.data[addr:addr + len(data)] = data

    # --- CPU word accesses -------------------------------------------------------

    def read_u32(self, addr: int) -> int:
        """A CPU read: the MMIO handler of ``addr``'s page, else a RAM word (LE)."""
        base = addr - addr % self.page_size
        handler = self._mmio.get(base)
        if handler is not None:
            return handler.read_u32(addr - base)
        self._check(addr, WORD_SIZE)
        value: int = _U32.unpack_from(self.data, addr)[0]
        return value

    def write_u32(self, addr: int, value: int) -> None:
        """A CPU write (``value`` mod 2**32): the MMIO handler, else a RAM word (LE)."""
        value &= U32_MASK
        base = addr - addr % self.page_size
        handler = self._mmio.get(base)
        if handler is not None:
            handler.write_u32(addr - base, value)
            return
        self._check(addr, WORD_SIZE)
        _U32.pack_into(self.data, addr, value)
