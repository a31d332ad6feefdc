"""A test double of the BIO with three independent bugs, each removable.

``--target multibug_double:every`` plants all three; ``multibug_double:without_<bug>``
all but one (``-`` in a bug's name is ``_`` there).  The bugs, as behaviours:

- ``sid-rdy``: a write of an attached storage id also sets RDY (R-WR-2 leaves the flags);
- ``reserved``: the reserved offset :data:`RESERVED_OFFSET` reads 0xDEAD (R-RD-3: 0);
- ``data-be``: a DATA read returns the word big-endian (R-PIO-1: little-endian).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Collection
from typing import Final

from duckybio.impl._machine import Machine
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.kit.errata_double import ErrataBIO
from duckybio.spec.regmap import Flag

#: Every bug this double can plant.
BUGS: Final = ("sid-rdy", "reserved", "data-be")
#: The reserved offset that reads 0xDEAD with ``reserved`` planted.
RESERVED_OFFSET: Final = 0x80


class MultiBugBIO(ErrataBIO):
    """The reference controller with the bugs in ``bugs``."""

    def __init__(self, bugs: Collection[str], *args: object, **kwargs: object) -> None:
        super().__init__((), *args, **kwargs)  # type: ignore[arg-type]
        self.bugs = frozenset(bugs)

    def read_u32(self, offset: int) -> int:
        if "reserved" in self.bugs and offset == RESERVED_OFFSET:
            return 0xDEAD
        return super().read_u32(offset)

    def _write_sid(self, value: int) -> None:
        super()._write_sid(value)
        if "sid-rdy" in self.bugs and self._sid is not None:
            self._flags |= int(Flag.RDY)

    def _read_data(self) -> int:
        value = super()._read_data()
        if "data-be" in self.bugs:
            return int.from_bytes(struct.pack("<I", value), "big")
        return value


class MultiBugTarget(ReferenceTarget):
    """The reference target with :class:`MultiBugBIO` as its controller."""

    def __init__(self, bugs: Collection[str]) -> None:
        unknown = set(bugs) - set(BUGS)
        if unknown:
            raise ValueError(f"no such bug: {sorted(unknown)}")
        self.bugs = frozenset(bugs)
        super().__init__()

    def _power_on(self, ram_size: int, mmio_base: int) -> Machine:
        machine = super()._power_on(ram_size, mmio_base)
        machine.bio.halt()
        machine.bio = MultiBugBIO(self.bugs, machine.storages, machine.memory,
                                  mmio_address=mmio_base, latency=self.latency)
        machine.bio.boot()
        return machine


def factory(*bugs: str) -> Callable[[], Target]:
    """A factory of fresh targets with ``bugs`` planted."""
    planted = frozenset(bugs)
    MultiBugTarget(planted)

    def make() -> Target:
        return MultiBugTarget(planted)
    return make


every = factory(*BUGS)
for _bug in BUGS:
    globals()[f"without_{_bug.replace('-', '_')}"] = factory(*(b for b in BUGS if b != _bug))
