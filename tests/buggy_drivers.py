"""Realistic buggy drivers of the BIO, one flaw each, for ``duckybio drive`` to catch.

Every driver here is the FORTH driver sequence of SPEC section 15 (SRST,
SID, BLOCK, COUNT, ADDR, start, poll, check ERR) written the way real drivers
get it wrong.  ``FLAWS`` maps each to the driver rule (SPEC section 16) it
breaks; ``correct`` is the same sequence without a flaw.
"""

from __future__ import annotations

from typing import Final

from duckybio.driver import Bus, drives
from duckybio.kit.errors import TargetRefused
from duckybio.spec.drive import Declaration, Outcome, Request
from duckybio.spec.regmap import BLOCK_SIZE, PAGE_SIZE, WORD_SIZE, Flag, Reg

RDY, ERR, BUSY = int(Flag.RDY), int(Flag.ERR), int(Flag.BUSY)


def _drive(bus: Bus, request: Request, flaw: str | None) -> Outcome:
    base = bus.mmio_base

    def put(reg: int, value: int) -> None:
        bus.writel(base + reg, value)

    def get(reg: int) -> int:
        return bus.readl(base + reg)

    def wait() -> int:
        while True:  # no bound of its own: the device completes within its bound
            status = get(Reg.STATUS)
            if flaw == "polls for RDY only":
                if status & RDY:
                    return status
            elif status & (RDY | ERR) and not status & BUSY:
                return status
            bus.clock_step()

    dma = request.mode == "dma"
    length = request.count * BLOCK_SIZE
    if flaw == "returns a DMA read's bytes, RAM untouched" and dma and request.op == "read":
        end, page = request.addr + length, bus.mmio_base
        ram = end <= bus.ram_size and (end <= page or request.addr >= page + PAGE_SIZE)
        if length and not ram:
            return False  # the buffer is not RAM: the request cannot succeed
        dma = False  # read the blocks through the data port and return them
    if flaw != "forgets SRST after an error":
        put(Reg.STATUS, Flag.SRST)
        if flaw != "writes COUNT while BUSY (no wait after SRST)":
            wait()
    data = b""
    if request.op == "write":
        try:
            data = bus.read(request.addr, length)
        except TargetRefused:
            return False
    put(Reg.SID, request.sid)
    put(Reg.BLOCK, request.block)
    put(Reg.COUNT, request.count)
    if flaw == "acknowledges an interrupt at a reserved offset":
        put(0x18, 1)
    if dma and flaw != "starts the command before writing ADDR":
        put(Reg.ADDR, request.addr)
    if request.op == "write" and not dma:
        for at in range(0, length, WORD_SIZE):
            put(Reg.DATA, int.from_bytes(data[at:at + WORD_SIZE], "little"))
    start = (Flag.READ if request.op == "read" else Flag.WRITE) | (Flag.DMA if dma else 0)
    put(Reg.STATUS, start)
    if dma and flaw == "starts the command before writing ADDR":
        put(Reg.ADDR, request.addr)
    status = get(Reg.STATUS) if flaw == "trusts STATUS right after the start" else wait()
    if status & ERR and flaw != "ignores ERR after completion":
        return False
    if request.op == "read" and not dma:
        words = length // WORD_SIZE + (flaw == "reads DATA past the buffer")
        raw = b"".join(get(Reg.DATA).to_bytes(WORD_SIZE, "little") for _ in range(words))
        return raw[:length]
    return True


def _make(flaw: str | None) -> object:
    @drives()
    def driver(bus: Bus, request: Request) -> Outcome:
        return _drive(bus, request, flaw)
    return driver


#: What the narrow driver supports: DMA reads of one block of storage 1 into a window.
NARROW: Final = Declaration(ops=("read",), modes=("dma",), sids=(1,), counts=(1,),
                            window=(0x1000, 0x1C00))


@drives(NARROW)
def narrow(bus: Bus, request: Request) -> Outcome:
    """The flawless sequence, refusing (by raising) any request outside its declaration."""
    low, high = NARROW.window or (0, 0)
    if (request.op, request.mode, request.sid, request.count) != ("read", "dma", 1, 1) or not (
            low <= request.addr and request.addr + BLOCK_SIZE <= high):
        raise ValueError(f"undeclared request {request.line()}")
    return _drive(bus, request, None)


@drives()
def raises(bus: Bus, request: Request) -> Outcome:
    """A driver that fails by itself."""
    raise RuntimeError("out of memory")


#: Each flaw, and the rule it breaks.
FLAWS: Final[dict[str, str]] = {
    "polls for RDY only": "D-1",
    "ignores ERR after completion": "D-2",
    "starts the command before writing ADDR": "D-3",
    "writes COUNT while BUSY (no wait after SRST)": "D-4",
    "reads DATA past the buffer": "D-5",
    "forgets SRST after an error": "D-6",
    "acknowledges an interrupt at a reserved offset": "D-7",
    "trusts STATUS right after the start": "D-5",
    "returns a DMA read's bytes, RAM untouched": "D-3",
}

correct = _make(None)
polls_rdy_only = _make("polls for RDY only")
ignores_err = _make("ignores ERR after completion")
addr_late = _make("starts the command before writing ADDR")
no_wait_after_srst = _make("writes COUNT while BUSY (no wait after SRST)")
reads_past_buffer = _make("reads DATA past the buffer")
forgets_srst = _make("forgets SRST after an error")
reserved_offset = _make("acknowledges an interrupt at a reserved offset")
trusts_status = _make("trusts STATUS right after the start")
dma_bytes = _make("returns a DMA read's bytes, RAM untouched")

#: The module attribute of each flaw's driver.
NAMES: Final[dict[str, str]] = {
    "polls for RDY only": "polls_rdy_only",
    "ignores ERR after completion": "ignores_err",
    "starts the command before writing ADDR": "addr_late",
    "writes COUNT while BUSY (no wait after SRST)": "no_wait_after_srst",
    "reads DATA past the buffer": "reads_past_buffer",
    "forgets SRST after an error": "forgets_srst",
    "acknowledges an interrupt at a reserved offset": "reserved_offset",
    "trusts STATUS right after the start": "trusts_status",
    "returns a DMA read's bytes, RAM untouched": "dma_bytes",
}
