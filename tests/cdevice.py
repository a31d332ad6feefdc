"""The C example device, compiled from ``examples/c`` once per test session."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Final

SOURCE: Final = Path(__file__).resolve().parents[1] / "examples" / "c"
CC: Final = shutil.which("cc")
NO_CC: Final = "no C compiler (cc) found on this machine"

#: The bugs ``-DMUTANT=<n>`` plants in the C example (see its README).
MUTANTS: dict[int, str] = {
    1: "selecting an unknown storage id sets ERR but leaves RDY set",
    2: "bounds check off by one: an access ending exactly at the storage's end fails",
    3: "bounds computed mod 2^32: (block + count) * 1024 wraps",
    4: "DATA reads assemble the word big-endian",
    5: "ERR is not sticky: a successful command clears it",
    6: "incomplete reset: SRST leaves the storage selected",
    7: "the PIO read cursor is not advanced: DATA returns the same word",
    8: "PIO write capacity off by 4: one word more than COUNT x 1024 is accepted",
    9: "DMA range check misses the MMIO page: DMA may touch the RAM under it",
    10: "a command never leaves BUSY",
    11: "injected I/O errors are ignored: a faulted command succeeds",
}


def cflags() -> list[str]:
    """The compiler flags the Makefile uses."""
    match = re.search(r"^CFLAGS \?= (.+)$", (SOURCE / "Makefile").read_text(), re.M)
    assert match, "the Makefile sets CFLAGS"
    return match.group(1).split()


class DeviceBuilder:
    """Compiles the device (``0``: conforming, else that mutant) into ``out``, once each."""

    def __init__(self, compiler: str, out: Path) -> None:
        self.compiler = compiler
        self.out = out
        self.built: dict[int, Path] = {}

    def __call__(self, mutant: int) -> Path:
        if mutant not in self.built:
            exe = self.out / f"biodev-{mutant}"
            subprocess.run([self.compiler, *cflags(), f"-DMUTANT={mutant}", "-o", str(exe),
                            str(SOURCE / "main.c"), str(SOURCE / "bio.c")],
                           check=True, capture_output=True, timeout=120)
            self.built[mutant] = exe
        return self.built[mutant]
