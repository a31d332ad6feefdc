"""Events the device reacts to: guest MMIO accesses, clock ticks, completion."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..spec.regmap import PAGE_SIZE, U32_MASK


@dataclass(frozen=True, slots=True)
class Read:
    """A 32-bit guest read at ``offset`` within the MMIO page."""

    offset: int

    def __post_init__(self) -> None:
        if not 0 <= self.offset < PAGE_SIZE:
            raise ValueError(f"MMIO offset {self.offset:#x} outside the page")


@dataclass(frozen=True, slots=True)
class Write:
    """A 32-bit guest write of ``value`` (taken mod 2**32) at ``offset``."""

    offset: int
    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.offset < PAGE_SIZE:
            raise ValueError(f"MMIO offset {self.offset:#x} outside the page")
        object.__setattr__(self, "value", self.value & U32_MASK)


@dataclass(frozen=True, slots=True)
class Tick:
    """One step of virtual time: an in-flight command's countdown advances."""


@dataclass(frozen=True, slots=True)
class Complete:
    """The in-flight command completes now, whatever its countdown says."""


Event = Read | Write | Tick | Complete


class EventKind(enum.Enum):
    """The class of an event, as the transition table keys it."""

    __hash__ = object.__hash__  # members are singletons: identity hashing, in C

    READ_STATUS = "read STATUS"
    READ_DATA = "read DATA"
    READ_OTHER = "read other"
    WRITE_STATUS = "write STATUS"
    WRITE_SID = "write SID"
    WRITE_BLOCK = "write BLOCK"
    WRITE_COUNT = "write COUNT"
    WRITE_ADDR = "write ADDR"
    WRITE_DATA = "write DATA"
    WRITE_OTHER = "write other"
    TICK = "tick"
    COMPLETE = "complete"
