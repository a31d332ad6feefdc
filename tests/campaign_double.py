"""A device whose one defect only generated sequences meet (no fixed sequence does).

``python tests/campaign_double.py`` serves it over the wire protocol.  After
a COUNT write of a value from 0x10000 to 0xfffffffe (other than 1 << 22, a
value the fixed sequences write), every STATUS read has ERR inverted until
the next ``machine``.  A campaign finds it after some generated sequences; a
run that replays the campaign's database meets it in its first sequence.
"""

from __future__ import annotations

from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._wire_server import serve_stdio
from duckybio.spec.regmap import Flag, Reg

FIXED_VALUES = frozenset({1 << 22})


class RareCount(ReferenceTarget):
    """ERR inverted on STATUS reads once COUNT held a large value (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.base = 0
        self.poisoned = False

    def machine(self, ram_size: int, mmio_base: int) -> None:
        super().machine(ram_size, mmio_base)
        self.base = mmio_base
        self.poisoned = False

    def writel(self, addr: int, value: int) -> None:
        if (addr - self.base == Reg.COUNT and 0x10000 <= value < 0xFFFFFFFF
                and value not in FIXED_VALUES):
            self.poisoned = True
        super().writel(addr, value)

    def readl(self, addr: int) -> int:
        value = super().readl(addr)
        if self.poisoned and addr - self.base == Reg.STATUS:
            return value ^ int(Flag.ERR)
        return value


if __name__ == "__main__":
    serve_stdio(RareCount)
