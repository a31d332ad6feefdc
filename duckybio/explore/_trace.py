"""Traces: the events of a path from power-on, in a form that crosses process boundaries.

A trace is what the explorer reports with a violation or a witness: the
guest register accesses (SPEC.md sections 5-8), clock ticks and forced
completions (section 9) that lead from power-on (R-RST-1) to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..model import Complete, Event, Read, Tick, Write
from ..spec.regmap import GUEST_SETTABLE, Flag, Reg, register_by_offset


class MmioStep(BaseModel):
    """One event of a trace, in a form that crosses process boundaries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Literal["read", "write", "tick", "complete"]
    offset: int | None = None
    value: int | None = None

    @classmethod
    def of(cls, event: Event) -> MmioStep:
        if isinstance(event, Read):
            return cls(op="read", offset=event.offset)
        if isinstance(event, Write):
            return cls(op="write", offset=event.offset, value=event.value)
        return cls(op="tick") if isinstance(event, Tick) else cls(op="complete")

    def event(self) -> Event:
        """The model event this step stands for."""
        if self.op == "read":
            return Read(self.offset or 0)
        if self.op == "write":
            return Write(self.offset or 0, self.value or 0)
        return Tick() if self.op == "tick" else Complete()

    def __str__(self) -> str:
        if self.op in ("tick", "complete"):
            return self.op
        offset = self.offset or 0
        reg = register_by_offset(offset)
        name = reg.name if reg is not None else f"{offset:#04x}"
        if self.op == "read":
            return f"read  {name}"
        value = self.value or 0
        text = f"write {name} {value:#010x}"
        if offset == Reg.STATUS:
            names = [f.name for f in Flag if f & value & GUEST_SETTABLE and f.name]
            text += f" ({'|'.join(names) or '0'})"
        return text


def trace_of(events: Iterable[Event]) -> list[MmioStep]:
    """The trace of ``events``, one step each."""
    return [MmioStep.of(e) for e in events]
