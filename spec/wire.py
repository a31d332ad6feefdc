"""The wire protocol's grammar: every command and answer line, in one place.

A harness drives an out-of-process device over its stdin/stdout, one ASCII
command line answered by exactly one line.  Numbers are sent as ``0x``-hex
(a parser also accepts decimal); byte strings are ``0x`` followed by two hex
digits a byte (``0x`` alone is empty).  Every number on the wire is an
unsigned 64-bit integer.  Answers are ``OK``, ``OK <value>`` or
``FAIL <message>``.  Anything else is malformed and raises :class:`WireError`
with a one-line message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: The protocol version a target announces in answer to ``version``.
PROTOCOL_VERSION: Final = "duckybio-wire/1"
#: Largest number the wire carries (numbers are unsigned 64-bit).
WIRE_MAX: Final = (1 << 64) - 1

#: Tokens up to this length are copied for checks; longer ones are only sliced once.
_SMALL: Final = 64
_HEX: Final = re.compile(r"0[xX][0-9a-fA-F]+")
_DEC: Final = re.compile(r"[0-9]{1,20}")
#: Hex digits only; checked in place (``pos``/``endpos``) so that a byte string
#: of n bytes costs no more than the n-byte result and one 2n-character copy.
_HEX_DIGITS: Final = re.compile(r"[0-9a-fA-F]*")


class WireError(ValueError):
    """A line that does not follow the grammar, or a value it cannot carry."""


# --- values -------------------------------------------------------------------

def format_number(value: int) -> str:
    """``value`` as ``0x``-hex; it must be an unsigned 64-bit integer."""
    if not 0 <= value <= WIRE_MAX:
        raise WireError(f"number {value} does not fit in 64 unsigned bits")
    return f"{value:#x}"


def parse_number(token: str) -> int:
    """A ``0x``-hex or decimal unsigned 64-bit number."""
    if _HEX.fullmatch(token):
        value = int(token[2:], 16)
    elif _DEC.fullmatch(token):
        value = int(token, 10)
    else:
        raise WireError(f"not a number: {_show(token)}")
    if value > WIRE_MAX:
        raise WireError(f"number {_show(token)} does not fit in 64 unsigned bits")
    return value


def format_bytes(data: bytes) -> str:
    """``data`` as ``0x`` followed by two lower-case hex digits a byte."""
    return "0x" + data.hex()


def parse_bytes(token: str) -> bytes:
    """A byte string: ``0x`` then an even number of hex digits."""
    return _bytes_at(token, 0, len(token))


def _bytes_at(text: str, start: int, end: int) -> bytes:
    """The byte string ``text[start:end]``, checked without copying the digits twice."""
    if (end - start) % 2 or text[start:start + 2] not in ("0x", "0X")\
            or not _HEX_DIGITS.fullmatch(text, start + 2, end):
        raise WireError(f"not a byte string: {_show(text[start:min(end, start + 61)])}")
    return bytes.fromhex(text[start + 2:end])


def _show(text: str, limit: int = 60) -> str:
    """``text`` quoted and cut short, for a one-line message."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


# --- commands -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Version:
    """``version``: protocol handshake; answer ``OK duckybio-wire/1``."""


@dataclass(frozen=True, slots=True)
class PowerOn:
    """``machine RAM_SIZE MMIO_BASE``: power on a fresh machine."""

    ram_size: int
    mmio_base: int


@dataclass(frozen=True, slots=True)
class AttachStorage:
    """``storage SID SIZE``: attach a zero-filled storage."""

    sid: int
    size: int


@dataclass(frozen=True, slots=True)
class StorageWrite:
    """``storage-write SID OFFSET BYTES``: host write into a storage."""

    sid: int
    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class StorageRead:
    """``storage-read SID OFFSET LEN``: host read of a storage; answer ``OK BYTES``."""

    sid: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True)
class Writel:
    """``writel ADDR VALUE``: 32-bit little-endian CPU write (MMIO page or RAM)."""

    addr: int
    value: int


@dataclass(frozen=True, slots=True)
class Readl:
    """``readl ADDR``: 32-bit little-endian CPU read; answer ``OK VALUE``."""

    addr: int


@dataclass(frozen=True, slots=True)
class RamWrite:
    """``write ADDR LEN BYTES``: host write to RAM (LEN must be the length of BYTES)."""

    addr: int
    data: bytes


@dataclass(frozen=True, slots=True)
class RamRead:
    """``read ADDR LEN``: host read of RAM; answer ``OK BYTES``."""

    addr: int
    length: int


@dataclass(frozen=True, slots=True)
class ClockStep:
    """``clock_step [NS]``: advance virtual time; answer ``OK NS`` (the clock)."""

    ns: int | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    """``fault SID read|write N``: the next N commands of that direction on storage SID fail
    with an I/O error (R-HOST-7); N = 0 cancels.  Optional: a target without it answers FAIL."""

    sid: int
    op: str
    count: int

    def __post_init__(self) -> None:
        if self.op not in FAULT_OPS:
            raise WireError(f"fault direction must be read or write, not {_show(self.op)}")


#: The directions ``fault`` names.
FAULT_OPS: Final = ("read", "write")


@dataclass(frozen=True, slots=True)
class Quit:
    """``quit``: answer ``OK``, then exit 0."""


Command = (Version | PowerOn | AttachStorage | StorageWrite | StorageRead | Writel | Readl
           | RamWrite | RamRead | ClockStep | Fault | Quit)

#: Command names as they appear on the wire.
COMMAND_NAMES: Final[dict[type[Command], str]] = {
    Version: "version",
    PowerOn: "machine",
    AttachStorage: "storage",
    StorageWrite: "storage-write",
    StorageRead: "storage-read",
    Writel: "writel",
    Readl: "readl",
    RamWrite: "write",
    RamRead: "read",
    ClockStep: "clock_step",
    Fault: "fault",
    Quit: "quit",
}


def format_command(command: Command) -> str:
    """The wire line of ``command``, without its newline."""
    name = COMMAND_NAMES[type(command)]
    n = format_number
    match command:
        case Version() | Quit():
            args: list[str] = []
        case PowerOn(ram_size, mmio_base):
            args = [n(ram_size), n(mmio_base)]
        case AttachStorage(sid, size):
            args = [n(sid), n(size)]
        case StorageWrite(sid, offset, data):
            args = [n(sid), n(offset), format_bytes(data)]
        case StorageRead(sid, offset, length):
            args = [n(sid), n(offset), n(length)]
        case Writel(addr, value):
            args = [n(addr), n(value)]
        case Readl(addr):
            args = [n(addr)]
        case RamWrite(addr, data):
            args = [n(addr), n(len(data)), format_bytes(data)]
        case RamRead(addr, length):
            args = [n(addr), n(length)]
        case ClockStep(ns):
            args = [] if ns is None else [n(ns)]
        case Fault(sid, op, count):
            args = [n(sid), op, n(count)]
    return " ".join([name, *args])


#: One token: a run of characters that ``str.split()`` does not split on (ASCII).
_TOKEN: Final = re.compile(r"[^ \t\n\x0b\x0c\r\x1c-\x1f]+")


def _spans(line: str) -> list[tuple[int, int]]:
    """Where the tokens of one line are (trailing newline allowed), or a WireError.

    Spans, not copies: a long byte string is sliced once, when it is decoded.
    """
    end = len(line)
    while end and line[end - 1] in "\r\n":
        end -= 1
    if line.find("\n", 0, end) >= 0 or line.find("\r", 0, end) >= 0:
        raise WireError("a line must not contain a line break")
    if not line.isascii():
        raise WireError("a line must be ASCII")
    spans = [m.span() for m in _TOKEN.finditer(line, 0, end)]
    if not spans:
        raise WireError("empty line")
    return spans


def _check_line(line: str) -> list[str]:
    """The tokens of one line (trailing newline allowed), or a WireError."""
    return [line[a:b] for a, b in _spans(line)]


def _arity(name: str, args: list[str], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise WireError(f"{name} takes {want} argument(s), got {len(args)}")


def parse_command(line: str) -> Command:
    """The command of one wire line; a :class:`WireError` if it is malformed.

    A byte-string argument is decoded in place: parsing a line of n data
    bytes allocates the n-byte result and one 2n-character slice.
    """
    spans = _spans(line)
    name = line[spans[0][0]:spans[0][1]]
    places = spans[1:]
    args = [line[a:b] if b - a <= _SMALL else "" for a, b in places]

    def n(i: int) -> int:
        a, b = places[i]
        return parse_number(line[a:b])

    def data(i: int) -> bytes:
        a, b = places[i]
        return _bytes_at(line, a, b)

    match name:
        case "version":
            _arity(name, args, 0)
            return Version()
        case "quit":
            _arity(name, args, 0)
            return Quit()
        case "machine":
            _arity(name, args, 2)
            return PowerOn(n(0), n(1))
        case "storage":
            _arity(name, args, 2)
            return AttachStorage(n(0), n(1))
        case "storage-write":
            _arity(name, args, 3)
            return StorageWrite(n(0), n(1), data(2))
        case "storage-read":
            _arity(name, args, 3)
            return StorageRead(n(0), n(1), n(2))
        case "writel":
            _arity(name, args, 2)
            return Writel(n(0), n(1))
        case "readl":
            _arity(name, args, 1)
            return Readl(n(0))
        case "write":
            _arity(name, args, 3)
            addr, length, payload = n(0), n(1), data(2)
            if length != len(payload):
                raise WireError(f"write says {length} bytes but carries {len(payload)}")
            return RamWrite(addr, payload)
        case "read":
            _arity(name, args, 2)
            return RamRead(n(0), n(1))
        case "clock_step":
            _arity(name, args, 0, 1)
            return ClockStep(n(0) if args else None)
        case "fault":
            _arity(name, args, 3)
            return Fault(n(0), args[1], n(2))
    raise WireError(f"unknown command {_show(name)}")


# --- answers ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Ok:
    """``OK`` or ``OK <value>``: the command was carried out."""

    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and not (self.value.isascii()
                                           and _TOKEN.fullmatch(self.value)):
            raise WireError(f"an OK value must be one token, not {_show(self.value)}")


@dataclass(frozen=True, slots=True)
class Fail:
    """``FAIL <message>``: the target refused the command."""

    message: str

    def __post_init__(self) -> None:
        if not self.message.strip() or "\n" in self.message or "\r" in self.message:
            raise WireError(f"a FAIL message must be one non-empty line: {_show(self.message)}")


Answer = Ok | Fail


def _formatted_ok(value: str) -> Ok:
    """``OK <value>`` for a value formatted here, which is one token by construction:
    built without checking it again (the check is a regular expression per answer)."""
    answer = object.__new__(Ok)
    object.__setattr__(answer, "value", value)
    return answer


def ok_number(value: int) -> Ok:
    """``OK <0x-hex value>``."""
    return _formatted_ok(format_number(value))


def ok_bytes(data: bytes) -> Ok:
    """``OK <0x-hex bytes>``."""
    return _formatted_ok(format_bytes(data))


def fail(message: str) -> Fail:
    """``FAIL <message>`` with the message squeezed to one printable ASCII line."""
    text = " ".join(message.split()).encode("ascii", "replace").decode("ascii")
    return Fail(text or "refused")


def format_answer(answer: Answer) -> str:
    """The wire line of ``answer``, without its newline."""
    if isinstance(answer, Fail):
        return f"FAIL {answer.message}"
    return "OK" if answer.value is None else f"OK {answer.value}"


def parse_answer(line: str) -> Answer:
    """The answer of one wire line; a :class:`WireError` if it is malformed."""
    spans = _spans(line)
    head = line[spans[0][0]:spans[0][1]]
    first, last = spans[0][0], spans[-1][1]
    if head == "OK":
        if len(spans) > 2:
            raise WireError(f"OK carries more than one value: {_show(line[first:last][:61])}")
        return Ok(line[spans[1][0]:spans[1][1]] if len(spans) == 2 else None)
    if head == "FAIL":
        if len(spans) < 2:
            raise WireError("FAIL without a message")
        return Fail(line[spans[1][0]:last])
    raise WireError(f"not an answer: {_show(line[first:last][:61])}")


def answer_number(answer: Ok) -> int:
    """The number an ``OK <value>`` answer carries."""
    if answer.value is None:
        raise WireError("expected OK <number>, got a bare OK")
    return parse_number(answer.value)


def answer_bytes(answer: Ok, length: int) -> bytes:
    """The ``length`` bytes an ``OK <bytes>`` answer carries."""
    if answer.value is None:
        raise WireError("expected OK <bytes>, got a bare OK")
    data = parse_bytes(answer.value)
    if len(data) != length:
        raise WireError(f"expected {length} bytes, got {len(data)}")
    return data


def answer_empty(answer: Ok) -> None:
    """Check that an answer is a bare ``OK``."""
    if answer.value is not None:
        raise WireError(f"expected a bare OK, got OK {_show(answer.value)}")
