"""The two forms of driver (SPEC section 16), behind one interface.

- (a) a Python callable ``driver(bus, request) -> Outcome``, marked with
  :func:`drives` (which records the protocol version and the declaration):
  ``bus`` has ``readl``, ``writel``, ``read``, ``write`` and ``clock_step``
  (a refused host access raises :class:`~duckybio.kit.TargetRefused`), and
  ``mmio_base`` and ``ram_size``; the outcome is ``True``, ``False`` or, for
  a successful PIO read, the bytes.
- (b) a command line speaking the driver protocol (:mod:`duckybio.spec.drive`)
  on its stdin/stdout: one process per scenario, in its own process group,
  every line within the timeout, killed when the scenario ends.

:func:`resolve_driver` turns a ``--driver`` argument into a
:class:`DriverSpec`: a declaration and a factory of :class:`Driver` objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from ..kit import Target, WireTarget
from ..kit.engine import import_object, names_python_object, split_command
from ..kit.errors import InputError, TargetBroken, TargetRefused
from ..kit.reports import printable
from ..spec import wire
from ..spec.drive import (
    DRIVE_PROTOCOL,
    Declaration,
    Outcome,
    Request,
    format_done,
    parse_declaration,
    parse_done,
)
from ._bus import CheckedBus

__all__ = [
    "Bus",
    "Driver",
    "DriverFailed",
    "DriverSpec",
    "DriverSpecError",
    "ProcessDriver",
    "PythonDriver",
    "drives",
    "python_driver",
    "resolve_driver",
]

#: Longest line a driver may send (a PIO read's bytes included).
LINE_LIMIT: Final = 1 << 22
#: The wire commands a driver may send (section 13).
_DRIVER_COMMANDS: Final = (wire.Readl, wire.Writel, wire.RamRead, wire.RamWrite, wire.ClockStep)

F = TypeVar("F", bound=Callable[..., Outcome])


class DriverSpecError(InputError):
    """A ``--driver`` argument that names nothing usable."""


class DriverFailed(Exception):
    """The driver itself failed: it raised, crashed, hung or broke the protocol (exit 3)."""


def drives(declaration: Declaration | None = None) -> Callable[[F], F]:
    """Mark a callable as a form (a) driver of this protocol, supporting ``declaration``."""
    def mark(function: F) -> F:
        setattr(function, "drive_protocol", DRIVE_PROTOCOL)  # noqa: B010 - a marker attribute
        setattr(function, "supports", declaration or Declaration())  # noqa: B010
        return function
    return mark


class Bus(Target, Protocol):
    """What a form (a) driver is given: a :class:`~duckybio.kit.Target` and where things are.

    Only ``readl``, ``writel``, ``read``, ``write`` and ``clock_step`` reach
    the device; the host-only operations are refused.
    """

    mmio_base: int
    ram_size: int


class Driver(Protocol):
    """One driver instance, for one scenario."""

    def start(self, bus: CheckedBus) -> None: ...

    def request(self, bus: CheckedBus, request: Request) -> Outcome: ...

    def close(self) -> None: ...


class PythonDriver:
    """Form (a): a callable, called once per request."""

    def __init__(self, function: Callable[[Bus, Request], Outcome]) -> None:
        self.function = function

    def start(self, bus: CheckedBus) -> None:
        pass

    def request(self, bus: CheckedBus, request: Request) -> Outcome:
        try:
            outcome = self.function(bus, request)
        except SystemExit as exc:  # the driver's exit would end the whole check
            raise DriverFailed(f"the driver called sys.exit({exc.code!r})") from None
        if not isinstance(outcome, (bool, bytes)):
            raise DriverFailed(f"the driver returned {type(outcome).__name__}, "
                               "not True, False or bytes")
        return outcome

    def close(self) -> None:
        pass


class ProcessDriver(WireTarget):
    """Form (b): a program; duckybio sends requests and answers its wire commands."""

    def __init__(self, argv: list[str], *, timeout: float = 10.0) -> None:
        try:
            super().__init__(argv, timeout=timeout, protocol=DRIVE_PROTOCOL, role="driver")
        except TargetBroken as exc:
            raise DriverFailed(str(exc)) from None

    def line(self, text: str) -> str:
        """Send ``text``, return the driver's next line (``DriverFailed`` if it fails)."""
        self._note("> ", text)
        try:
            answer = self._round_trip(text, LINE_LIMIT, self.timeout)
        except TargetBroken as exc:
            raise DriverFailed(str(exc)) from None
        self._note("< ", answer)
        return answer

    def declaration(self) -> Declaration:
        """Ask ``supports``: the requests the driver handles."""
        answer = self.line("supports")
        try:
            ok = wire.parse_answer(answer)
            if isinstance(ok, wire.Fail):
                raise wire.WireError(f"FAIL {ok.message}")
            return parse_declaration(ok.value)
        except wire.WireError as exc:
            raise DriverFailed(f"bad answer to supports: {exc}") from None

    def start(self, bus: CheckedBus) -> None:
        answer = self.line(wire.format_command(wire.PowerOn(bus.ram_size, bus.mmio_base)))
        if answer.strip() != "OK":
            raise DriverFailed(f"driver answered {answer[:60]!r} to machine, expected OK")

    def request(self, bus: CheckedBus, request: Request) -> Outcome:
        try:
            return self._request(bus, request)
        except BaseException:
            # Left in the middle of a request (a broken rule, a spent budget): the
            # program cannot take ``quit`` now, so closing kills it at once.
            self._failure = self._failure or "left in the middle of a request"
            raise

    def _request(self, bus: CheckedBus, request: Request) -> Outcome:
        line = self.line(request.line())
        while True:
            if line.startswith("done"):
                try:
                    outcome = parse_done(line)
                except wire.WireError as exc:
                    raise DriverFailed(str(exc)) from None
                bus.note(f"< {format_done(outcome)[:80]}")
                return outcome
            try:
                command = wire.parse_command(line)
            except wire.WireError as exc:
                raise DriverFailed(f"driver sent {line[:60]!r}: {exc}") from None
            if not isinstance(command, _DRIVER_COMMANDS):
                raise DriverFailed(f"driver sent {line[:60]!r}: not a bus access")
            line = self.line(wire.format_answer(_carry_out(bus, command)))


def _carry_out(bus: CheckedBus, command: wire.Command) -> wire.Answer:
    try:
        match command:
            case wire.Readl(addr):
                return wire.ok_number(bus.readl(addr))
            case wire.Writel(addr, value):
                bus.writel(addr, value)
            case wire.RamRead(addr, length):
                return wire.ok_bytes(bus.read(addr, length))
            case wire.RamWrite(addr, data):
                bus.write(addr, data)
            case wire.ClockStep(ns):
                return wire.ok_number(bus.clock_step(ns))
    except TargetRefused as exc:
        return wire.fail(str(exc))
    return wire.Ok()


@dataclass(frozen=True, slots=True)
class DriverSpec:
    """A resolved ``--driver``: its description, declaration and a factory of drivers."""

    description: str
    declaration: Declaration
    factory: Callable[[], Driver]


def resolve_driver(text: str, *, timeout: float = 10.0) -> DriverSpec:
    """``module:callable`` (form a) or a command line (form b)."""
    if names_python_object(text):
        return _python_driver(text)
    argv = split_command(text, "driver", DriverSpecError)

    def make() -> Driver:
        return ProcessDriver(argv, timeout=timeout)

    first = ProcessDriver(argv, timeout=timeout)
    try:
        declaration = first.declaration()
    finally:
        first.close()
    return DriverSpec(printable(text), declaration, make)


def _python_driver(text: str) -> DriverSpec:
    obj = import_object(text, DriverSpecError)
    version = getattr(obj, "drive_protocol", None)
    if version != DRIVE_PROTOCOL:
        raise DriverSpecError(f"{text} is not marked as a {DRIVE_PROTOCOL} driver "
                              f"(use duckybio.driver.drives); it says {version!r}")
    declaration = getattr(obj, "supports", None)
    if not isinstance(declaration, Declaration):
        raise DriverSpecError(f"{text}.supports is not a Declaration")
    function: Callable[[Bus, Request], Outcome] = obj  # type: ignore[assignment]
    return python_driver(function, text)


def python_driver(function: Callable[[Bus, Request], Outcome],
                  description: str | None = None) -> DriverSpec:
    """The :class:`DriverSpec` of a form (a) driver marked with :func:`drives`."""
    declaration = getattr(function, "supports", None)
    if getattr(function, "drive_protocol", None) != DRIVE_PROTOCOL or not isinstance(
            declaration, Declaration):
        raise DriverSpecError(f"{function!r} is not marked with duckybio.driver.drives")
    name = description or f"{function.__module__}:{function.__qualname__}"

    def make() -> Driver:
        return PythonDriver(function)

    return DriverSpec(name, declaration, make)
