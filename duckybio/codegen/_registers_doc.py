"""``registers.md``: the register map (SPEC.md section 2) as Markdown tables.

Constants, registers and STATUS flags, with the C names of ``bio.h``
(:mod:`._header`), all taken from the typed tables of :mod:`spec.regmap`.
"""

from __future__ import annotations

from ..spec.regmap import (
    FLAG_DEFS,
    GUEST_SETTABLE,
    PAGE_SIZE,
    READABLE_FLAGS,
    REGISTER_DEFS,
    RESERVED_START,
    Flag,
    Reg,
    constant,
)
from ._header import header_defines
from ._layout import REGMAP_SOURCE, do_not_edit, markdown_cell


def render_register_doc() -> str:
    """``registers.md``: constants, registers and STATUS flags as Markdown tables."""
    reserved_end = PAGE_SIZE - 1
    out = [
        "# BIO register map",
        "",
        "<!-- " + do_not_edit(REGMAP_SOURCE) + " -->",
        "",
        f"The block-IO controller occupies one {PAGE_SIZE}-byte MMIO page. Its registers",
        "are 32 bits wide, little-endian, at the offsets below from the page's base. The C",
        "names are those of `bio.h`.",
        "",
        "## Constants",
        "",
        "| C name | value | meaning |",
        "| --- | --- | --- |",
    ]
    for define in header_defines():
        if define.name.startswith("BIO_") and (
                define.name[4:] in Reg.__members__ or define.name[4:] in Flag.__members__):
            continue
        out.append(f"| `{define.name}` | `{define.value:#x}` ({define.value}) "
                   f"| {markdown_cell(define.comment)} |")
    out += [
        "",
        "## Registers",
        "",
        "Access: `rw` -- reads and writes both have an effect; `w` -- only writes have",
        "an effect, reads return 0.",
        "",
        "| offset | name | C name | access | reset | on read | on write |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for reg in REGISTER_DEFS:
        out.append(f"| `{reg.offset:#04x}` | {reg.name} | `BIO_{reg.name}` | {reg.access} "
                   f"| `{reg.reset:#010x}` | {markdown_cell(reg.on_read)} "
                   f"| {markdown_cell(reg.on_write)} |")
    out += [
        f"| `{RESERVED_START:#04x}`-`{reserved_end:#04x}`, any other offset | reserved "
        f"| -- | -- | -- | 0, no effect | ignored |",
        "",
        "## STATUS flags",
        "",
        "| mask | name | C name | guest-settable | readable | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for flag in FLAG_DEFS:
        out.append(f"| `{flag.mask:#04x}` | {flag.name} | `BIO_{flag.name}` "
                   f"| {'yes' if flag.guest_settable else 'no'} "
                   f"| {'yes' if flag.readable else 'no'} | {markdown_cell(flag.description)} |")
    out += [
        "",
        f"- `BIO_USER` = `{GUEST_SETTABLE:#04x}`: "
        f"{markdown_cell(constant('GUEST_SETTABLE').description)}",
        f"- `BIO_READABLE` = `{READABLE_FLAGS:#04x}`: "
        f"{markdown_cell(constant('READABLE_FLAGS').description)}",
        "",
    ]
    return "\n".join(out)
