"""The model against the encoding: one concrete step compared in every respect.

:func:`compare` runs ``model.step`` (or a stand-in) and the concrete reading of
the encoding on the same machine and event and compares the outcome's name,
the successor control state, the value a read returns, the written word, and
the bytes of RAM, storages, pending faults and R.  When they differ it names
the property the model's own step breaks, checked on the concrete step with
the explorer's invariants and the proved properties, or else
``model-matches-encoding``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..explore import DEFAULT_INVARIANTS, StateInvariant, StepFn, TransitionInvariant
from ..model import Event, MachineState, ModelConfig, Output, Read, Write, kind_of
from ..spec.regmap import DATA_INVALID, WORD_SIZE
from ._concrete import ctl_of, encoded_step, env_of, event_value
from ._encoding import StepCase
from ._frame import apply_effect
from ._ops import CONCRETE
from ._properties import STATE_PROPERTIES, TRANSITION_PROPERTIES

#: The property a difference is reported under when no property is broken.
MISMATCH: Final = "model-matches-encoding"
#: The property a step that raises breaks.
ANSWERED: Final = "every-access-answered"


@dataclass(frozen=True, slots=True)
class Finding:
    """A step where the model differs from the encoding, and the property it breaks."""

    name: str
    message: str
    cfg: ModelConfig
    state: MachineState
    event: Event


def _expected_value(case: StepCase, state: MachineState, event: Event) -> int | None:
    if not isinstance(event, Read):
        return None
    bio = state.bio
    return {
        "flags": bio.flags,
        "zero": 0,
        "ignored": DATA_INVALID,
        "underrun": DATA_INVALID,
        "word": int.from_bytes(bio.rbuf[bio.cursor : bio.cursor + WORD_SIZE], "little")
        if case.outcome == "word"
        else None,
    }.get(case.outcome)


def differences(
    cfg: ModelConfig,
    state: MachineState,
    event: Event,
    nxt: MachineState,
    out: Output,
    case: StepCase,
) -> list[str]:
    """Every respect in which the model's step differs from the encoding's case."""
    found: list[str] = []
    if out.transition.outcome.text != case.outcome:
        found.append(f"outcome {out.transition.outcome.text!r}, the encoding says {case.outcome!r}")
    got = ctl_of(nxt.bio)
    for name, a, b in zip(got._fields, got, case.ctl, strict=True):
        if a != b:
            found.append(f"{name} is {a!r}, the encoding says {b!r}")
    want = _expected_value(case, state, event)
    if out.value != want:
        found.append(f"the read returns {out.value!r}, expected {want!r}")
    if case.outcome == "append" and isinstance(event, Write):
        word = event.value.to_bytes(WORD_SIZE, "little")
        if nxt.bio.wbuf != state.bio.wbuf + word:
            found.append("W is not the old W with the written word appended")
    data = apply_effect(cfg, state, case.effect)
    if nxt.ram != data.ram:
        found.append("RAM differs from the encoding's data effect")
    if nxt.storages != data.storages:
        found.append("a storage differs from the encoding's data effect")
    if nxt.faults != data.faults:
        found.append("the pending faults differ from the encoding's")
    if data.rbuf is not None and case.ctl.rlen and nxt.bio.rbuf != data.rbuf:
        found.append("R is not the data the command moved")
    return found


def broken(
    cfg: ModelConfig,
    state: MachineState,
    event: Event,
    nxt: MachineState,
    out: Output,
    step_fn: StepFn,
) -> tuple[str, str] | None:
    """The first property the concrete step ``state --event--> nxt`` breaks, and why."""
    for inv in DEFAULT_INVARIANTS:
        try:
            if isinstance(inv, StateInvariant):
                why = inv.check(cfg, nxt, step_fn)
            else:
                assert isinstance(inv, TransitionInvariant)
                why = inv.check(cfg, state, event, nxt, out)
        except Exception as exc:
            why = f"checking raised {type(exc).__name__}: {exc}"
        if why is not None:
            return inv.name, why
    env, before, after = env_of(cfg, nxt), ctl_of(state.bio), ctl_of(nxt.bio)
    for p in STATE_PROPERTIES:
        if not p.holds(CONCRETE, env, after):
            return p.name, f"{p.name} does not hold after the step"
    kind, value = kind_of(event), event_value(event)
    for q in TRANSITION_PROPERTIES:
        if not q.holds(CONCRETE, env, before, kind, value, after):
            return q.name, f"{q.name} does not hold across the step"
    return None


def compare(cfg: ModelConfig, state: MachineState, event: Event, step_fn: StepFn) -> Finding | None:
    """``None`` when the model's step is the encoding's; else what differs and what it breaks."""
    try:
        nxt, out = step_fn(cfg, state, event)
    except Exception as exc:
        return Finding(ANSWERED, f"the step raises {type(exc).__name__}: {exc}", cfg, state, event)
    try:
        case = encoded_step(cfg, state, event)
    except ValueError as exc:
        return Finding(MISMATCH, f"the encoding has no single case: {exc}", cfg, state, event)
    found = differences(cfg, state, event, nxt, out, case)
    if not found:
        return None
    verdict = broken(cfg, state, event, nxt, out, step_fn)
    if verdict is None:
        return Finding(MISMATCH, "; ".join(found), cfg, state, event)
    return Finding(verdict[0], f"{verdict[1]} ({'; '.join(found)})", cfg, state, event)
