"""Fuzz campaign: hostile MMIO operations on the reference implementation vs the model.

The same stream of operations goes to the reference implementation and to the
model, and every answer is compared: guest reads and writes at any offset of
the MMIO page (aligned or not, registers favoured) with boundary and random
values, clock steps, and now and then host writes, storage faults
(R-HOST-7) and a fresh machine.  Every 500 operations, and at the end, the
implementation's whole state (mapped into the model's terms) is compared
with the model's.  Half of the machines complete commands at once, half
after two clock steps.

Prints the operations run, the mismatches (0), the transition classes the
model took and the rate; exits 1 on a mismatch or an exception.
``--ops N`` (default 10^6), ``--quick`` (20 000), ``--seed``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from typing import Final

from duckybio.kit._abstraction import abstract
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._power_on import describe_difference
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._replay import execute
from duckybio.model import Transition
from duckybio.spec import wire
from duckybio.spec.regmap import BLOCK_SIZE, GUEST_SETTABLE, PAGE_SIZE, U32_MASK, Reg

RAM: Final = 0x4000
BASE: Final = 0x2000
STORAGES: Final = ((1, 4 * BLOCK_SIZE), (2, 2 * BLOCK_SIZE + BLOCK_SIZE // 2), (U32_MASK, 0))
SIDS: Final = [1, 2, U32_MASK, 0, 3, 0x80000001]
REGISTERS: Final = [int(r) for r in Reg]
VALUES: Final[dict[int, list[int]]] = {
    int(Reg.STATUS): [*range(GUEST_SETTABLE + 1), U32_MASK, 0x80, 0x7F],
    int(Reg.SID): SIDS,
    int(Reg.BLOCK): [0, 1, 2, 3, 4, U32_MASK, 1 << 22, 0x400000],
    int(Reg.COUNT): [0, 1, 2, 3, 4, 5, U32_MASK, 1 << 22, 0x3FFFFF],
    int(Reg.ADDR): [0, 4, 0x400, BASE - BLOCK_SIZE, BASE - 4, BASE, BASE + PAGE_SIZE,
                    RAM - BLOCK_SIZE, RAM - 4, RAM, U32_MASK, U32_MASK - 3],
}
CHECK_EVERY: Final = 500


def offset(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.75:
        return rng.choice(REGISTERS)
    if roll < 0.9:
        return rng.randrange(0, PAGE_SIZE, 4)
    return rng.randrange(PAGE_SIZE)


def value(rng: random.Random, at: int) -> int:
    roll = rng.random()
    if roll < 0.7 and at in VALUES:
        return rng.choice(VALUES[at])
    if roll < 0.85:
        return rng.choice([0, 1, 0x7FFFFFFF, 0x80000000, U32_MASK, 0xDEADBEEF])
    return rng.getrandbits(32)


def operation(rng: random.Random, busy: bool) -> wire.Command:
    """One hostile operation (host accesses only while no command is in flight)."""
    roll = rng.random()
    if roll < 0.5:
        at = offset(rng)
        return wire.Writel(BASE + at, value(rng, at))
    if roll < 0.85:
        return wire.Readl(BASE + offset(rng))
    if roll < 0.95 or busy:
        return wire.ClockStep(rng.choice([None, 1, U32_MASK]))
    if roll < 0.97:
        sid, size = rng.choice(STORAGES[:2])
        at = rng.randrange(size)
        return wire.StorageWrite(sid, at, rng.randbytes(rng.randint(0, size - at)))
    if roll < 0.985:
        addr = rng.choice([0, BASE - 8, BASE + PAGE_SIZE, RAM - 16])
        return wire.RamWrite(addr, rng.randbytes(8))
    if roll < 0.998:
        return wire.Fault(rng.choice([1, 2, U32_MASK]), rng.choice(wire.FAULT_OPS),
                          rng.randint(0, 2))
    return wire.PowerOn(RAM, BASE)


def setup() -> list[wire.Command]:
    """A fresh machine with three storages (one empty) and patterned RAM and storages."""
    commands: list[wire.Command] = [wire.PowerOn(RAM, BASE)]
    for sid, size in STORAGES:
        commands.append(wire.AttachStorage(sid, size))
        commands.append(wire.StorageWrite(sid, 0, bytes((sid + i) & 0xFF for i in range(size))))
    commands.append(wire.RamWrite(0, bytes(i & 0xFF for i in range(BASE))))
    return commands


class Campaign:
    """The implementation and the model driven by the same operations."""

    def __init__(self, latency: int) -> None:
        self.impl = ReferenceTarget(latency=latency)
        self.model = ModelTarget(latency=latency)
        self.history: list[str] = []
        self.covered: set[Transition] = set()
        self.done = 0

    def step(self, command: wire.Command) -> str | None:
        """Carry out ``command`` on both; a description of the difference, if any."""
        line = wire.format_command(command)
        self.history = [*self.history[-14:], line]
        try:
            expected = wire.format_answer(execute(self.model, command))
            observed = wire.format_answer(execute(self.impl, command))
        except Exception:
            return f"{line}: {traceback.format_exc().splitlines()[-1]}"
        self.covered.update(out.transition for out in self.model.outputs)
        self.model.outputs.clear()
        self.model.faulted.clear()
        self.done += 1
        if observed != expected:
            return f"{line}: model {expected}, implementation {observed}"
        return None

    def states_agree(self) -> str | None:
        state = abstract(self.impl)
        return None if state == self.model.state else describe_difference(self.model.state,
                                                                           state)

    def run(self, rng: random.Random, ops: int) -> str | None:
        """``ops`` hostile operations after a set-up; the first difference, if any."""
        for command in setup():
            if (problem := self.step(command)) is not None:
                return problem
        for _ in range(ops):
            command = operation(rng, self.model.state.bio.busy)
            extra = setup()[1:] if isinstance(command, wire.PowerOn) else []
            for each in (command, *extra):
                if (problem := self.step(each)) is not None:
                    return problem
            if self.done % CHECK_EVERY == 0 and (problem := self.states_agree()) is not None:
                return problem
        return self.states_agree()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20 000 operations (smoke test)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    total = 20_000 if args.quick else args.ops
    rng = random.Random(args.seed)
    covered: set[Transition] = set()
    problem: str | None = None
    done = 0
    start = time.perf_counter()
    while done < total and problem is None:
        campaign = Campaign(latency=rng.choice([0, 2]))
        problem = campaign.run(rng, min(20_000, total - done))
        done += campaign.done
        covered |= campaign.covered
        if problem is not None:
            print("last operations:", *campaign.history, sep="\n    ")
    seconds = time.perf_counter() - start
    print(f"device fuzz: {done} operations (MMIO reads and writes, clock steps, host writes, "
          f"faults, fresh machines), seed {args.seed}")
    print(f"  mismatches with the model: {0 if problem is None else 1}")
    print(f"  model transition classes taken: {len(covered)}")
    print(f"  {done / seconds:,.0f} operations a second ({seconds:.1f} s)")
    if problem is not None:
        print(f"    {problem}")
    return 0 if problem is None else 1


if __name__ == "__main__":
    sys.exit(main())
