"""One-line bugs planted in the reference controller are caught by the white-box check.

Each mutation is an exact textual replacement in ``impl/_bio.py`` (see
:mod:`mutation`); the mutated module is executed afresh and the lockstep
check runs the reference target built on it.  Every mutant must be found
(exit code 1) and shrunk to a short trace; the unmutated source, loaded the
same way, must pass the same check.
"""

from __future__ import annotations

from typing import Final

import pytest
from mutation import (
    Mutation,
    mmio_operations,
    mutant_block_io,
    reference_spec,
    summary,
    using_block_io,
)

from duckybio.kit._run import CheckConfig, CheckReport, run_check

#: Generated sequences and rules per sequence: enough for every mutant below.
EXAMPLES: Final = 300
STEPS: Final = 30
#: Host set-up at the start of every trace: machine and three storages.
SETUP_STEPS: Final = 4
#: The most guest operations (MMIO accesses, clock steps) a shrunk trace may keep.
MAX_MMIO_OPERATIONS: Final = 8

MUTATIONS: Final = [
    Mutation("rdy-kept-at-start", "starting a command leaves RDY set (RDY|BUSY)",
             "self._flags = (self._flags | BUSY) & ~RDY", "self._flags = self._flags | BUSY",
             latency=2),
    Mutation("busy-kept-at-completion", "a successful command leaves BUSY set",
             "self._flags = (self._flags & ~BUSY) | RDY", "self._flags = self._flags | RDY"),
    Mutation("bounds-off-by-one", "an access ending exactly at the storage's end fails",
             "if offset + length > storage.size:", "if offset + length >= storage.size:"),
    Mutation("cursor-not-advanced", "a DATA read does not advance the PIO cursor",
             "self._cursor = pos + WORD_SIZE", "self._cursor = pos"),
    Mutation("dma-range-unchecked", "the DMA range is checked against the RAM size only, "
             "not against the MMIO page",
             "if c.dma and not self.memory.is_ram(c.addr, length):",
             "if c.dma and c.addr + length > self.memory.size:"),
    Mutation("err-cleared-by-success", "a successful command clears ERR",
             "self._flags = (self._flags & ~BUSY) | RDY",
             "self._flags = (self._flags & ~(BUSY | ERR)) | RDY"),
    Mutation("count-keeps-staging", "a COUNT write does not empty W",
             "self._count = value\n        self._wbuf = bytearray()", "self._count = value"),
    Mutation("srst-while-busy-immediate", "SRST while BUSY resets at once instead of after "
             "the command", "if value & SRST:\n            self._reset_pending = True",
             "if value & SRST:\n            self.reset()", latency=2),
    Mutation("unknown-sid-keeps-rdy", "selecting an unknown storage id leaves RDY set",
             "self._flags = (self._flags | ERR) & ~RDY", "self._flags |= ERR"),
    Mutation("staging-capacity-off-by-one", "W takes one word more than COUNT blocks",
             "if len(self._wbuf) + WORD_SIZE > self._count * self.block_size:",
             "if len(self._wbuf) > self._count * self.block_size:"),
]


def check(mutation: Mutation | None, latency: int) -> CheckReport:
    """The white-box lockstep check of the controller with ``mutation`` applied."""
    block_io = mutant_block_io(mutation)
    label = "control" if mutation is None else mutation.name
    config = CheckConfig(target=reference_spec(f"reference ({label})", latency),
                         examples=EXAMPLES, steps=STEPS, seed=0, coverage=False)
    with using_block_io(block_io):
        report = run_check(config)
    print(summary(label, report))
    return report


def test_the_mutations_have_distinct_names() -> None:
    names = [m.name for m in MUTATIONS]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_the_mutant_is_caught(mutation: Mutation) -> None:
    report = check(mutation, mutation.latency)
    assert report.exit_code == 1, f"{mutation.description}: not caught ({report.failure})"
    assert report.first_failure is not None and report.first_failure <= EXAMPLES
    assert report.failure
    assert report.trace[0].command.startswith("machine ")
    assert len(mmio_operations(report.trace)) <= MAX_MMIO_OPERATIONS, "\n".join(
        str(step)[:120] for step in report.trace)


@pytest.mark.parametrize("latency", [0, 2])
def test_the_unmutated_source_passes(latency: int) -> None:
    report = check(None, latency)
    assert report.exit_code == 0, report.failure
    assert report.first_failure is None
    assert report.examples >= EXAMPLES
