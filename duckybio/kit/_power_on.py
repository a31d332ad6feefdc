"""How a harness powers a machine on and fills it, and how it shows states and fills.

The fills are the pattern ``words`` of SPEC section 18, referenced in traces
rather than written out.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ..model import MachineState
from ..spec import wire
from ..spec.regmap import PAGE_SIZE
from ._fill import reference, words
from ._instance import Instance
from ._runlog import Operation
from .trace import Step


def power_on_commands(inst: Instance) -> list[wire.Command]:
    """The host commands that power on ``inst`` and fill its storages and RAM."""
    commands: list[wire.Command] = [wire.PowerOn(inst.ram_size, inst.mmio_base)]
    for shape in inst.storages:
        commands.append(wire.AttachStorage(shape.sid, shape.size))
        if shape.size:
            commands.append(wire.StorageWrite(shape.sid, 0, pattern(shape.size, shape.sid)))
    commands.append(wire.RamWrite(0, pattern(inst.mmio_base, 0x5A)))
    upper = inst.mmio_base + PAGE_SIZE
    if upper < inst.ram_size:
        commands.append(wire.RamWrite(upper, pattern(inst.ram_size - upper, 0xA5)))
    return commands


@lru_cache(maxsize=32)
def pattern(length: int, salt: int) -> bytes:
    """``length`` bytes in which no aligned 4-byte word repeats (the pattern ``words``)."""
    return words(salt, length)


#: The seeds of the harness's fills (SPEC section 18): RAM below and above the MMIO page.
_RAM_SEEDS = (0x5A, 0xA5)


def fill_reference(command: wire.Command) -> str | None:
    """``command`` as a trace states it when it writes a harness fill, else ``None``."""
    match command:
        case wire.StorageWrite(sid, offset, data) if data and data == pattern(len(data), sid):
            return f"storage-write {sid:#x} {offset:#x} {reference(sid, len(data))}"
        case wire.RamWrite(addr, data) if data:
            for seed in _RAM_SEEDS:
                if data == pattern(len(data), seed):
                    return f"write {addr:#x} {len(data):#x} {reference(seed, len(data))}"
    return None


def as_steps(trace: Sequence[Operation]) -> list[Step]:
    """The recorded operations as trace steps."""
    return [Step(command=line, expect=expect) for line, expect in trace]


def describe_difference(expected: MachineState, observed: MachineState) -> str:
    """One line per field where the two states differ."""
    lines: list[str] = []
    for name in expected.bio._fields:
        e, o = getattr(expected.bio, name), getattr(observed.bio, name)
        if e != o:
            lines.append(f"bio.{name}: model {_short(e)}, implementation {_short(o)}")
    if expected.ram != observed.ram:
        first = next(i for i, (a, b) in enumerate(zip(expected.ram, observed.ram, strict=False))
                     if a != b) if len(expected.ram) == len(observed.ram) else 0
        lines.append(f"RAM differs (first at {first:#x})")
    if expected.storages != observed.storages:
        lines.append("storage contents differ")
    if expected.faults != observed.faults:
        lines.append(f"pending faults: model {expected.faults}, implementation {observed.faults}")
    return "state mismatch: " + "; ".join(lines)


def _short(value: object) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes {value[:8].hex()}...>" if len(value) > 8 else value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value)
    return repr(value)
