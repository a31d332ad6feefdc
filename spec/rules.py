"""The rules and errata of the normative specification (``SPEC.md``) as typed data.

Every behaviour the specification fixes is one rule with a stable id
``R-<SECTION>-<n>``.  ``RULES`` lists them in document order, ``ERRATA`` the
rows of the errata table (section 14); the test suite checks that the ids
defined in ``SPEC.md`` are exactly these, so the document and the code cannot
drift apart.  ``UNOBSERVABLE`` names the few rules and errata that no wire
sequence can observe: every other one is pinned by a rule test and exercised
by a golden vector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: The specification document these rules are taken from.
SPEC_PATH: Final = Path(__file__).with_name("SPEC.md")

#: Section prefixes of rule ids and their titles, in document order.
SECTIONS: Final[dict[str, str]] = {
    "RST": "Reset",
    "RD": "MMIO reads",
    "WR": "MMIO writes",
    "ST": "STATUS writes",
    "CMD": "Commands",
    "PIO": "Data port",
    "BSY": "Busy and timing",
    "INV": "Invariants",
    "HOST": "Host accesses",
}

_ID: Final = re.compile(r"R-([A-Z]+)-([1-9][0-9]*)")
#: A rule definition in the Markdown: a list item that starts with the bold id.
_DEFINITION: Final = re.compile(r"^- \*\*(R-[A-Z]+-[0-9]+)\*\*", re.MULTILINE)
#: An erratum in the Markdown: a table row that starts with its id.
_ERRATUM_ROW: Final = re.compile(r"^\| (E[0-9]+) \|", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Rule:
    """One numbered rule: its id, the section prefix it belongs to, a summary."""

    id: str
    section: str
    summary: str

    def __post_init__(self) -> None:
        match = _ID.fullmatch(self.id)
        if match is None or match.group(1) != self.section or self.section not in SECTIONS:
            raise ValueError(f"rule id {self.id!r} does not belong to section {self.section!r}")


def _r(rule_id: str, summary: str) -> Rule:
    return Rule(rule_id, rule_id.split("-")[1], summary)


RULES: Final[tuple[Rule, ...]] = (
    _r("R-RST-1", "power-on: flags RDY, no storage, BLOCK=COUNT=ADDR=0, DMA off, R and W "
                  "empty, cursor 0, no command"),
    _r("R-RST-2", "SRST written while idle restores exactly the power-on controller state"),
    _r("R-RST-3", "reset changes neither RAM nor any storage"),
    _r("R-RD-1", "STATUS reads the flags; only RDY, ERR and BUSY can read as 1; no effect"),
    _r("R-RD-2", "SID, BLOCK, COUNT and ADDR read 0 with no effect"),
    _r("R-RD-3", "every other offset of the page (reserved, unaligned) reads 0 with no effect"),
    _r("R-WR-1", "a written value is taken modulo 2**32"),
    _r("R-WR-2", "SID of an attached storage selects it; flags unchanged"),
    _r("R-WR-3", "SID of an unknown id deselects, sets ERR and clears RDY"),
    _r("R-WR-4", "BLOCK and ADDR latch the value; nothing else changes"),
    _r("R-WR-5", "COUNT latches the value and empties W"),
    _r("R-WR-6", "writes to any other offset of the page are ignored"),
    _r("R-ST-1", "a STATUS write keeps only the guest-settable bits (value & 0x6C)"),
    _r("R-ST-2", "one STATUS write applies SRST first, then DMA, then the command"),
    _r("R-ST-3", "DMA switches DMA mode on; it stays on until a reset"),
    _r("R-ST-4", "READ starts a read command, else WRITE a write command; READ wins"),
    _r("R-ST-5", "a STATUS write without READ or WRITE starts nothing and leaves the flags"),
    _r("R-CMD-1", "starting a command sets BUSY, clears RDY, keeps ERR and latches storage, "
                  "BLOCK, COUNT, ADDR and DMA mode"),
    _r("R-CMD-2", "checks run at completion on the latched values; no storage selected fails"),
    _r("R-CMD-3", "the command fails when (block + count) * block_size > storage size"),
    _r("R-CMD-4", "in DMA mode the command fails unless [addr, addr + count*block_size) is "
                  "all RAM (not past RAM, not touching the MMIO page)"),
    _r("R-CMD-5", "all command arithmetic is exact: nothing wraps at 2**32"),
    _r("R-CMD-6", "failure: ERR set, RDY and BUSY cleared, R and W emptied, no data effect"),
    _r("R-CMD-7", "READ success: the count blocks from block; with DMA copied to RAM at ADDR"),
    _r("R-CMD-8", "DMA WRITE success: RAM at ADDR written to the storage at block"),
    _r("R-CMD-9", "PIO WRITE success: W padded with zeros to count*block_size written at block"),
    _r("R-CMD-10", "success: BUSY cleared, RDY set, ERR kept, R = data transferred, cursor 0, "
                   "W emptied"),
    _r("R-CMD-11", "count 0 is a valid empty transfer when block*block_size <= size; its DMA "
                   "range is empty and always RAM"),
    _r("R-CMD-12", "a storage I/O error fails the command; the addressed blocks (and the DMA "
                   "range of a DMA read) are then unspecified, all else unchanged"),
    _r("R-PIO-1", "a DATA read returns the next little-endian word of R and advances by 4"),
    _r("R-PIO-2", "a DATA read past the end of R sets ERR, clears RDY, returns 0xFFFFFFFF and "
                  "leaves the cursor"),
    _r("R-PIO-3", "a DATA write appends the value's 4 little-endian bytes to W"),
    _r("R-PIO-4", "a DATA write past COUNT*block_size sets ERR, clears RDY and stores nothing"),
    _r("R-PIO-5", "R and W are separate buffers: the data port never mixes them"),
    _r("R-PIO-6", "W grows only with the bytes supplied: any COUNT is accepted"),
    _r("R-BSY-1", "a command completes in its STATUS write or in a later clock step, within "
                  "the declared bound"),
    _r("R-BSY-2", "while BUSY, STATUS reads BUSY (with ERR if set) and never RDY; other "
                  "non-DATA reads are 0"),
    _r("R-BSY-3", "while BUSY every write is ignored, except STATUS with SRST"),
    _r("R-BSY-4", "while BUSY a DATA read returns 0xFFFFFFFF with no effect"),
    _r("R-BSY-5", "SRST while BUSY is deferred: the command completes in full, then the "
                  "controller resets; the write's other bits are ignored"),
    _r("R-BSY-6", "while BUSY only the addressed blocks and the DMA range are unspecified; "
                  "everything else is unchanged"),
    _r("R-BSY-7", "time stands still between clock steps: nothing but the starting STATUS "
                  "write or a clock step completes a command; a step when idle does nothing"),
    _r("R-INV-1", "ERR is sticky: only a reset clears it"),
    _r("R-INV-2", "RDY and BUSY are never both set"),
    _r("R-INV-3", "guest accesses change storages only by successful WRITE commands and RAM "
                  "only by successful DMA READ commands, only in the addressed range"),
    _r("R-INV-4", "every guest access to the MMIO page is answered: the device never fails "
                  "or refuses"),
    _r("R-HOST-1", "machine powers on zeroed RAM, no storages, the BIO in reset at a "
                   "page-aligned base; bad geometry is refused"),
    _r("R-HOST-2", "storage attaches a zero-filled storage; an id already attached or not a "
                   "u32 is refused (a size is a u64: there are no negative sizes)"),
    _r("R-HOST-3", "storage-read/storage-write access a storage's bytes; past its end or an "
                   "unknown id is refused; an empty range is accepted up to the end, "
                   "refused past it"),
    _r("R-HOST-4", "read/write access RAM; a range past RAM or touching the MMIO page is "
                   "refused"),
    _r("R-HOST-5", "readl/writel: an address in the MMIO page is a register access, any "
                   "other is a 4-byte little-endian RAM access"),
    _r("R-HOST-6", "clock_step advances virtual time one step and answers the clock in ns, "
                   "which never decreases and saturates at 2^64-1; a step adds an "
                   "implementation-defined number of ns, 0 included"),
    _r("R-HOST-7", "fault SID read|write N fails the next N commands of that direction on "
                   "that storage with an I/O error; optional (FAIL where unsupported)"),
    _r("R-HOST-8", "answers write numbers as 0x and lower-case hex without leading zeros, "
                   "byte strings as 0x and two lower-case hex digits a byte"),
    _r("R-HOST-9", "a malformed line (a number of 2^64 or more, a sign, a write LEN that is "
                   "not the length of BYTES) is refused with FAIL and changes nothing"),
    _r("R-HOST-10", "RAM up to 16 MiB and up to 8 storages of up to 16 MiB each must be "
                    "accepted; larger sizes may be refused"),
)

#: Every rule by id.
RULES_BY_ID: Final[dict[str, Rule]] = {rule.id: rule for rule in RULES}


@dataclass(frozen=True, slots=True)
class Erratum:
    """One row of the errata table: what the original device did, in a few words."""

    id: str
    summary: str

    def __post_init__(self) -> None:
        if re.fullmatch(r"E[1-9][0-9]*", self.id) is None:
            raise ValueError(f"erratum id {self.id!r} is not E<n>")


ERRATA: Final[tuple[Erratum, ...]] = (
    Erratum("E1", "a DATA write scattered its bytes; here it appends them little-endian"),
    Erratum("E2", "a DATA read past the buffer crashed; here it underruns"),
    Erratum("E3", "DATA before any command crashed; here R and W start empty"),
    Erratum("E4", "DATA writes went into the read buffer; here W is separate"),
    Erratum("E5", "a PIO WRITE committed whatever buffer existed; here W padded to count "
                  "blocks"),
    Erratum("E6", "DMA outside RAM crashed mid-copy; here the command fails cleanly"),
    Erratum("E7", "two names for the selected storage; here one, cleared by reset"),
    Erratum("E8", "u32 arithmetic would wrap; here all command arithmetic is exact"),
    Erratum("E9", "write-only registers read 0 (kept)"),
    Erratum("E10", "DMA mode stays on until a reset (kept)"),
    Erratum("E11", "READ|WRITE performs a READ (kept)"),
    Erratum("E12", "data moved one byte at a time; same effect, moved by slices"),
    Erratum("E13", "an unknown SID deselects and flags ERR; a known one keeps the flags "
                   "(kept)"),
    Erratum("E14", "a failed command left stale data readable; here it empties R and W"),
    Erratum("E15", "a storage I/O error crashed or copied short; here the command fails"),
    Erratum("E16", "MMIO base 0 was impossible and unaligned bases truncated; here both "
                   "mean what they say"),
    Erratum("E17", "the IRQ is configuration only, never raised (kept)"),
    Erratum("E18", "BUSY was never observable; here commands may complete later"),
)

#: Every erratum by id.
ERRATA_BY_ID: Final[dict[str, Erratum]] = {erratum.id: erratum for erratum in ERRATA}
#: The erratum ids, in document order.
ERRATA_IDS: Final[tuple[str, ...]] = tuple(ERRATA_BY_ID)

#: Rules and errata no wire sequence can observe, with the reason.
UNOBSERVABLE: Final[dict[str, str]] = {
    "E17": "the interrupt line is not part of the wire protocol",
}


def is_known(ident: str) -> bool:
    """Whether ``ident`` is the id of a rule or of an erratum."""
    return ident in RULES_BY_ID or ident in ERRATA_BY_ID


def observable_ids() -> set[str]:
    """The ids of every rule and erratum a wire sequence can observe."""
    return (set(RULES_BY_ID) | set(ERRATA_IDS)) - set(UNOBSERVABLE)


def defined_ids(markdown: str) -> list[str]:
    """The rule ids defined in ``markdown``, in order (duplicates kept)."""
    return _DEFINITION.findall(markdown)


def spec_ids() -> list[str]:
    """The rule ids defined in ``SPEC.md``, in document order."""
    return defined_ids(SPEC_PATH.read_text(encoding="utf-8"))


def defined_errata(markdown: str) -> list[str]:
    """The erratum ids of the table rows in ``markdown``, in order (duplicates kept)."""
    return _ERRATUM_ROW.findall(markdown)


def spec_errata_ids() -> list[str]:
    """The erratum ids of ``SPEC.md`` section 14, in document order."""
    return defined_errata(SPEC_PATH.read_text(encoding="utf-8"))
