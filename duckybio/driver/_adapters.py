"""The reference driver as a form (a) driver (SPEC section 16).

``duckybio drive --driver duckybio.driver:reference`` checks it.

It supports every request: DMA and PIO, reads and writes, any storage,
count and buffer.  A write's data are the RAM bytes at ADDR (read by a host
read); a PIO read returns its bytes.
"""

from __future__ import annotations

from typing import Final

from ..kit.errors import TargetRefused
from ..spec.drive import Outcome, Request
from ..spec.regmap import BLOCK_SIZE
from ._forms import Bus, drives
from ._reference import BioDriver, BioError

__all__ = ["reference"]

#: Clock steps the reference driver polls a command for before giving up.
POLL_BOUND: Final = 1000


@drives()
def reference(bus: Bus, request: Request) -> Outcome:
    """Carry out ``request`` with :class:`BioDriver`; ``False`` on any device error."""
    driver = BioDriver(bus, bus.mmio_base, poll_bound=POLL_BOUND)
    addr = request.addr if request.mode == "dma" else None
    try:
        if request.op == "read":
            data = driver.read_blocks(request.sid, request.block, request.count, addr=addr)
            return True if addr is not None else data
        data = bus.read(request.addr, request.count * BLOCK_SIZE)
        driver.write_blocks(request.sid, request.block, data, addr=addr)
    except (BioError, TargetRefused, ValueError):
        return False
    return True
