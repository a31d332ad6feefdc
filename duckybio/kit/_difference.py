"""What differed, in one line: the failure a mismatch reports (SPEC section 18).

A register read names the register and both values; a read of RAM or of a
storage names the first differing byte, expected vs observed, how many bytes
differ in the range and where the first one lies relative to the latest
command (its DMA range, its staged words or zero padding, the rest); a
16-byte hexdump window of each side follows as the mismatch's ``detail``.
Each :class:`~.errors.Mismatch` also carries what diverged, for its signature.
"""

from __future__ import annotations

from ..model import BioState, Command, Op
from ..spec import wire
from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, Reg
from ._fill import abbreviate, hexdump
from .errors import Mismatch

#: The latest command compared: what it latched, its direction, DMA mode, bytes staged.
Effect = tuple[Command | BioState, Op | None, bool, int]

#: Bytes of the hexdump window of each side, and of a narrowed byte comparison.
WINDOW = 16


def describe(command: wire.Command, line: str, expected: wire.Answer, observed: wire.Answer,
             *, mmio_base: int, transition: str, effect: Effect | None) -> Mismatch:
    """The mismatch of ``command`` (sent as ``line``) answering ``observed``, not ``expected``."""
    match command:
        case wire.Readl(addr) if 0 <= addr - mmio_base < PAGE_SIZE and isinstance(
                expected, wire.Ok) and isinstance(observed, wire.Ok):
            return register_mismatch(addr - mmio_base, wire.answer_number(expected),
                                     wire.answer_number(observed), line, transition)
    e_bytes, o_bytes = _bytes_of(command, expected), _bytes_of(command, observed)
    if e_bytes is not None and o_bytes is not None:
        match command:
            case wire.RamRead(addr, _) | wire.Readl(addr):
                return bytes_mismatch(None, addr, e_bytes, o_bytes, line, transition, effect)
            case wire.StorageRead(sid, offset, _):
                return bytes_mismatch(sid, offset, e_bytes, o_bytes, line, transition, effect)
    exp, obs = wire.format_answer(expected), wire.format_answer(observed)
    return Mismatch(f"{abbreviate(line)}: expected {abbreviate(exp)}, observed "
                    f"{abbreviate(obs)}", what="host answer", transition=transition)


def register_mismatch(offset: int, expected: int, observed: int, line: str,
                      transition: str) -> Mismatch:
    """A register read that answered ``observed`` instead of ``expected``."""
    name = Reg(offset).name if offset in set(Reg) else f"offset {offset:#x}"
    what = name if offset in (Reg.STATUS, Reg.DATA) else "write-only or reserved read"
    return Mismatch(f"{name} reads {observed:#x}, expected {expected:#x} ({line})",
                    what=f"{what} value", transition=transition)


def bytes_mismatch(sid: int | None, start: int, expected: bytes, observed: bytes, line: str,
                   transition: str, effect: Effect | None) -> Mismatch:
    """Bytes of RAM (``sid`` None) or of storage ``sid`` from ``start`` that differ."""
    where = "RAM" if sid is None else f"storage {sid:#x}"
    kind = "RAM bytes" if sid is None else "storage bytes"
    if len(expected) != len(observed):
        return Mismatch(f"{where} at {start:#x}: {len(observed)} bytes read, expected "
                        f"{len(expected)} ({abbreviate(line)})", what=kind,
                        transition=transition)
    diff = [i for i, (a, b) in enumerate(zip(expected, observed, strict=True)) if a != b]
    first = diff[0]
    lo = first - first % WINDOW
    window = "\n".join([
        "expected:", *hexdump(expected[lo:lo + WINDOW], start + lo),
        "observed:", *hexdump(observed[lo:lo + WINDOW], start + lo)])
    place = region(effect, sid, start + first)
    part = expected[lo:lo + WINDOW]
    narrowed = (f"read {start + lo:#x} {len(part):#x}" if sid is None else
                f"storage-read {sid:#x} {start + lo:#x} {len(part):#x}",
                wire.format_answer(wire.ok_bytes(part)))
    return Mismatch(
        f"{where} byte {start + first:#x}: expected {expected[first]:#04x}, observed "
        f"{observed[first]:#04x}; {len(diff)} of {len(expected)} bytes differ in "
        f"[{start:#x}, {start + len(expected):#x}){f' ({place})' if place else ''}",
        what=f"{kind}{f' in the {place}' if place else ''}",
        transition=transition, detail=window, narrowed=narrowed)


def region(effect: Effect | None, sid: int | None, at: int) -> str:
    """Where byte ``at`` of RAM (``sid`` None) or storage ``sid`` lies for ``effect``."""
    if effect is None:
        return ""
    latched, op, dma, staged = effect
    length = latched.count * BLOCK_SIZE
    if sid is None:
        if not dma:
            return ""
        return "DMA range" if latched.addr <= at < latched.addr + length else "rest of RAM"
    if sid != latched.sid:
        return "other storages"
    start = latched.block * BLOCK_SIZE
    if not start <= at < start + length:
        return "rest of the storage"
    if op is Op.WRITE and not dma:
        return "staged words" if at < start + staged else "zero padding"
    return "addressed blocks"


def _bytes_of(command: wire.Command, answer: wire.Answer) -> bytes | None:
    """The bytes a read of RAM or a storage answered (``None``: not such an answer)."""
    if not isinstance(answer, wire.Ok) or answer.value is None:
        return None
    try:
        if isinstance(command, wire.Readl):
            return wire.answer_number(answer).to_bytes(4, "little")
        if isinstance(command, wire.RamRead | wire.StorageRead):
            return wire.parse_bytes(answer.value)
    except (wire.WireError, OverflowError):
        return None
    return None
