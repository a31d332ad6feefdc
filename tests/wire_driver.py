"""A form (a) driver run as a form (b) program: ``python wire_driver.py MODULE:CALLABLE``.

It answers ``version``, ``supports`` (the callable's declaration),
``machine`` and ``quit``, and carries out each ``request`` by calling the
driver with a bus that sends every access as a wire line on stdout and reads
duckybio's answer from stdin (SPEC section 16).
"""

from __future__ import annotations

import sys

from duckybio.driver import Bus
from duckybio.kit._targets import import_object
from duckybio.kit.errors import TargetRefused
from duckybio.spec import wire
from duckybio.spec.drive import DRIVE_PROTOCOL, Declaration, format_done, parse_request


class StdioBus:
    """The bus of a form (b) driver: each access a line out, its answer a line in."""

    def __init__(self, ram_size: int, mmio_base: int) -> None:
        self.ram_size = ram_size
        self.mmio_base = mmio_base

    def _ask(self, command: wire.Command) -> wire.Ok:
        print(wire.format_command(command), flush=True)
        answer = wire.parse_answer(sys.stdin.readline())
        if isinstance(answer, wire.Fail):
            raise TargetRefused(answer.message)
        return answer

    def readl(self, addr: int) -> int:
        return wire.answer_number(self._ask(wire.Readl(addr)))

    def writel(self, addr: int, value: int) -> None:
        self._ask(wire.Writel(addr, value))

    def read(self, addr: int, length: int) -> bytes:
        return wire.answer_bytes(self._ask(wire.RamRead(addr, length)), length)

    def write(self, addr: int, data: bytes) -> None:
        self._ask(wire.RamWrite(addr, data))

    def clock_step(self, ns: int | None = None) -> int:
        return wire.answer_number(self._ask(wire.ClockStep(ns)))

    def machine(self, ram_size: int, mmio_base: int) -> None:
        raise TargetRefused("not a driver's")

    def storage(self, sid: int, size: int) -> None:
        raise TargetRefused("not a driver's")

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        raise TargetRefused("not a driver's")

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        raise TargetRefused("not a driver's")

    def close(self) -> None:
        pass


def main(argv: list[str]) -> int:
    driver = import_object(argv[1])
    declaration = getattr(driver, "supports", Declaration())
    assert callable(driver) and isinstance(declaration, Declaration)
    bus: Bus = StdioBus(0, 0)
    for line in sys.stdin:
        name = line.split()[0] if line.split() else ""
        if name == "version":
            print(f"OK {DRIVE_PROTOCOL}", flush=True)
        elif name == "supports":
            print(f"OK {declaration.token()}", flush=True)
        elif name == "machine":
            machine = wire.parse_command(line)
            assert isinstance(machine, wire.PowerOn)
            bus = StdioBus(machine.ram_size, machine.mmio_base)
            print("OK", flush=True)
        elif name == "request":
            print(format_done(driver(bus, parse_request(line))), flush=True)
        elif name == "quit":
            print("OK", flush=True)
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
