"""``bio.h``: the register map (SPEC.md section 2) as C preprocessor constants.

Every ``#define`` is taken from the typed tables of :mod:`spec.regmap`:
its constants and their meanings (``CONSTANT_DEFS``), the STATUS flags
(``FLAG_DEFS``) and the registers (``REGISTER_DEFS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..spec.regmap import FLAG_DEFS, REGISTER_DEFS, constant
from ._layout import REGMAP_SOURCE, do_not_edit


@dataclass(frozen=True, slots=True)
class Define:
    """One ``#define`` of the header: its name, value, C spelling and comment."""

    name: str
    value: int
    literal: str
    comment: str


#: Largest value a C ``int`` literal is sure to hold; larger ones get a ``u`` suffix.
_INT_MAX: Final = 0x7FFFFFFF


def _constant(c_name: str, py_name: str, *, size: bool = False) -> Define:
    """A constant of the register map; sizes are spelled in decimal."""
    const = constant(py_name)
    literal = str(const.value) if size else f"0x{const.value:02X}"
    if const.value > _INT_MAX:
        literal += "u"
    return Define(c_name, const.value, literal, const.description)


def _mask(c_name: str, py_name: str, flags: list[str]) -> Define:
    const = constant(py_name)
    return Define(c_name, const.value, "(" + " | ".join(flags) + ")", const.description)


def header_defines() -> tuple[Define, ...]:
    """Every ``#define`` of ``bio.h``, in order, taken from the register map."""
    return (
        _constant("BLOCK_SIZE", "BLOCK_SIZE", size=True),
        _constant("BIO_PAGE_SIZE", "PAGE_SIZE", size=True),
        _constant("BIO_WORD_SIZE", "WORD_SIZE", size=True),
        _constant("BIO_DEFAULT_MMIO_ADDRESS", "DEFAULT_MMIO_ADDRESS"),
        _constant("BIO_DEFAULT_IRQ", "DEFAULT_IRQ"),
        _constant("BIO_DATA_INVALID", "DATA_INVALID"),
        *(Define(f"BIO_{f.name}", f.mask, f"0x{f.mask:08X}", f.description)
          for f in FLAG_DEFS),
        _mask("BIO_USER", "GUEST_SETTABLE",
              [f"BIO_{f.name}" for f in FLAG_DEFS if f.guest_settable]),
        _mask("BIO_READABLE", "READABLE_FLAGS",
              [f"BIO_{f.name}" for f in FLAG_DEFS if f.readable]),
        *(Define(f"BIO_{r.name}", r.offset, f"0x{r.offset:02X}",
                 f"{r.name} ({r.access}, reset {r.reset:#04x}). "
                 f"Read: {r.on_read}. Write: {r.on_write}.")
          for r in REGISTER_DEFS),
        _constant("BIO_RESERVED_START", "RESERVED_START"),
    )


def _c_comment(text: str) -> str:
    return "/* " + text.replace("*/", "* /") + " */"


def render_header() -> str:
    """``bio.h``: the register map as C preprocessor constants."""
    out = [
        "/*",
        " * bio.h -- the Ducky block-IO controller (BIO): register map.",
        " *",
        " * " + do_not_edit(REGMAP_SOURCE),
        " */",
        "",
        "#ifndef DUCKYBIO_BIO_H",
        "#define DUCKYBIO_BIO_H",
    ]
    sections = {
        "BLOCK_SIZE": "Sizes",
        "BIO_DEFAULT_MMIO_ADDRESS": "Machine defaults",
        "BIO_RDY": "STATUS flags",
        "BIO_STATUS": "Register offsets from the MMIO base (32-bit, little-endian)",
    }
    for define in header_defines():
        if define.name in sections:
            out += ["", f"/* --- {sections[define.name]} --- */"]
        out += ["", _c_comment(define.comment),
                f"#define {define.name} {define.literal}"]
    out += ["", "#endif /* DUCKYBIO_BIO_H */", ""]
    return "\n".join(out)
