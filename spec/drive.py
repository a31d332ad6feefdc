"""The driver protocol (SPEC section 16): its lines, declarations and rules, as data.

A driver is checked by running it against a device.  duckybio sends the
driver ``version``, ``supports``, ``machine RAM_SIZE MMIO_BASE``, ``request
read|write SID BLOCK COUNT ADDR dma|pio`` and ``quit``; the driver answers
``version``, ``supports``, ``machine`` and ``quit`` with one ``OK`` line, and
carries out a request by wire commands (``readl``, ``writel``, ``read``,
``write``, ``clock_step``; section 13), each answered by duckybio as the
device, ending it with ``done ok [BYTES]`` or ``done error``.

``DRIVER_RULES`` lists the driver rules ``D-<n>`` of section 16; a test
keeps them equal to ``SPEC.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from .wire import WireError, format_bytes, format_number, parse_bytes, parse_number

#: The protocol version a driver announces in answer to ``version``.
DRIVE_PROTOCOL: Final = "duckybio-drive/1"

Op = Literal["read", "write"]
Mode = Literal["dma", "pio"]
OPS: Final[tuple[Op, ...]] = ("read", "write")
MODES: Final[tuple[Mode, ...]] = ("dma", "pio")

#: Most values one list of a declaration may name (storage ids, counts).
MAX_DECLARED: Final = 64
#: One past the largest u32: SID, COUNT and ADDR are u32 registers.
U32_END: Final = 1 << 32

_DEFINITION: Final = re.compile(r"^- \*\*(D-[0-9]+)\*\*", re.MULTILINE)


# --- requests and their end -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Request:
    """One request: move COUNT blocks from BLOCK of storage SID to or from RAM at ADDR.

    ``mode`` says how: by DMA, or through the data port (PIO).  A write's
    data are the RAM bytes ``[addr, addr + count * 1024)``; a PIO read may
    return its bytes instead of putting them into RAM.
    """

    op: Op
    sid: int
    block: int
    count: int
    addr: int
    mode: Mode

    def line(self) -> str:
        """The ``request`` line, without its newline."""
        n = format_number
        return (f"request {self.op} {n(self.sid)} {n(self.block)} {n(self.count)} "
                f"{n(self.addr)} {self.mode}")


def parse_request(line: str) -> Request:
    """The request of one ``request`` line; :class:`WireError` if malformed."""
    tokens = line.split()
    if len(tokens) != 7 or tokens[0] != "request":
        raise WireError(f"not a request line: {line.strip()[:60]!r}")
    _, op, sid, block, count, addr, mode = tokens
    if op not in OPS or mode not in MODES:
        raise WireError(f"request needs read|write and dma|pio: {line.strip()[:60]!r}")
    n = parse_number
    return Request(op, n(sid), n(block), n(count), n(addr), mode)


#: What a driver says at the end of a request: failure, success, or success with bytes.
Outcome = bool | bytes


def format_done(outcome: Outcome) -> str:
    """The ``done`` line of ``outcome``."""
    if isinstance(outcome, bytes):
        return f"done ok {format_bytes(outcome)}"
    return "done ok" if outcome else "done error"


def parse_done(line: str) -> Outcome:
    """The outcome of a ``done`` line; :class:`WireError` if malformed."""
    tokens = line.split()
    match tokens:
        case ["done", "ok"]:
            return True
        case ["done", "error"]:
            return False
        case ["done", "ok", data]:
            return parse_bytes(data)
    raise WireError(f"not a done line: {line.strip()[:60]!r}")


# --- declarations ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Declaration:
    """The requests a driver supports; ``None`` means any.

    ``sids``: the storage ids it is given; ``counts``: the block counts;
    ``window``: ``[low, high)``, the RAM its buffers lie in.
    """

    ops: tuple[Op, ...] = OPS
    modes: tuple[Mode, ...] = MODES
    sids: tuple[int, ...] | None = None
    counts: tuple[int, ...] | None = None
    window: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        for key, values, allowed in (("ops", self.ops, OPS), ("modes", self.modes, MODES)):
            odd = [v for v in values if v not in allowed]
            if not values or odd:
                raise WireError(f"{key} must be some of {', '.join(allowed)}"
                                + (f", not {_brief(odd[0])}" if odd else ""))
        lists: tuple[tuple[str, tuple[object, ...] | None], ...] = (
            ("ops", self.ops), ("modes", self.modes), ("sids", self.sids),
            ("counts", self.counts))
        for key, listed in lists:
            _check_list(key, listed)
        if self.window is not None and not 0 <= self.window[0] < self.window[1] <= U32_END:
            low, high = self.window
            raise WireError(f"window must be LOW-HIGH with 0 <= LOW < HIGH <= 0x100000000, "
                            f"not {_brief(low)}-{_brief(high)}")

    def token(self) -> str:
        """The declaration as the one token a driver answers ``supports`` with."""
        n = format_number
        items = []
        if self.ops != OPS:
            items.append("ops=" + ",".join(self.ops))
        if self.modes != MODES:
            items.append("modes=" + ",".join(self.modes))
        if self.sids is not None:
            items.append("sids=" + ",".join(n(s) for s in self.sids))
        if self.counts is not None:
            items.append("counts=" + ",".join(n(c) for c in self.counts))
        if self.window is not None:
            items.append(f"window={n(self.window[0])}-{n(self.window[1])}")
        return ";".join(items) or "any"


def _brief(value: object) -> str:
    """A declared value for a one-line message: hex for a number, cut short."""
    text = f"{value:#x}" if isinstance(value, int) else repr(value)
    return text if len(text) <= 24 else text[:20] + "..."


def _check_list(key: str, values: tuple[object, ...] | None) -> None:
    """One list of a declaration: not empty, short, no repeats, each value a u32."""
    if values is None:
        return
    if not values:
        raise WireError(f"{key} must name at least one value")
    if len(values) > MAX_DECLARED:
        raise WireError(f"{key} lists {len(values)} values; a declaration lists at most "
                        f"{MAX_DECLARED}")
    if len(set(values)) != len(values):
        twice = next(v for i, v in enumerate(values) if v in values[:i])
        raise WireError(f"{key} lists {_brief(twice)} twice")
    if key in ("sids", "counts"):
        wide = [v for v in values if not isinstance(v, int) or not 0 <= v < U32_END]
        if wide:
            raise WireError(f"{key} must be u32 values, not {_brief(wide[0])}")


def parse_declaration(token: str | None) -> Declaration:
    """The declaration of a ``supports`` answer (``None`` or ``any``: everything)."""
    if token is None or token == "any":
        return Declaration()
    fields: dict[str, str] = {}
    for item in token.split(";"):
        key, eq, value = item.partition("=")
        if not eq or key in fields or not value:
            raise WireError(f"malformed declaration item {item[:40]!r}")
        fields[key] = value
    unknown = set(fields) - {"ops", "modes", "sids", "counts", "window"}
    if unknown:
        raise WireError(f"unknown declaration key {sorted(unknown)[0][:20]!r}")

    def numbers(key: str) -> tuple[int, ...] | None:
        return tuple(parse_number(v) for v in fields[key].split(",")) if key in fields else None

    window = None
    if "window" in fields:
        low, dash, high = fields["window"].partition("-")
        if not dash:
            raise WireError("window must be LOW-HIGH")
        window = (parse_number(low), parse_number(high))
    ops = tuple(fields["ops"].split(",")) if "ops" in fields else OPS
    modes = tuple(fields["modes"].split(",")) if "modes" in fields else MODES
    return Declaration(ops=ops, modes=modes, sids=numbers("sids"),  # type: ignore[arg-type]
                       counts=numbers("counts"), window=window)


# --- rules ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DriverRule:
    """One numbered driver rule of section 16."""

    id: str
    summary: str


DRIVER_RULES: Final[tuple[DriverRule, ...]] = (
    DriverRule("D-1", "every request ends within a bounded number of the driver's accesses, "
                      "counted against the latencies the device shows, not the declared "
                      "bound (no endless polling)"),
    DriverRule("D-2", "the driver reports success exactly when the request can succeed and "
                      "its command succeeded"),
    DriverRule("D-3", "after a successful read the blocks are in RAM at ADDR (or returned, "
                      "PIO only); after a successful write the storage holds the RAM bytes"),
    DriverRule("D-4", "no write of SID, BLOCK, COUNT, ADDR or DATA while BUSY"),
    DriverRule("D-5", "DATA is read only while idle and never past COUNT x 1024 bytes"),
    DriverRule("D-6", "a command starts with ERR clear and DMA mode as the request asks: "
                      "sticky ERR and DMA mode are recovered from first"),
    DriverRule("D-7", "only the six registers of the MMIO page are accessed"),
)

DRIVER_RULES_BY_ID: Final = {rule.id: rule for rule in DRIVER_RULES}


def defined_driver_rules(markdown: str) -> list[str]:
    """The driver rule ids defined in ``markdown``, in order (duplicates kept)."""
    return _DEFINITION.findall(markdown)
