"""The proof: every property holds at power-on and is preserved by every event.

For each event kind, one solver holds the free geometry, a state satisfying
every state property (:func:`~._properties.invariant`), a u32 written value
and the encoding's successor; each property's negation is then checked
(unsat: proved for that kind).  A property is proved when it is proved at
power-on and for all twelve event kinds; otherwise the first model found is
its counterexample.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import z3

from ..model import EventKind
from ._encoding import RDY, Ctl, Env, StepCase, cases, merge, reset_ctl
from ._frame import data_frame, fresh_arrays
from ._ops import SYMBOLIC, Term
from ._properties import STATE_PROPERTIES, TRANSITION_PROPERTIES, invariant
from ._result import Counterexample, PropertyResult
from ._symbols import fresh_ctl, fresh_value, proof_env

#: The flags ``model.step`` has a phase for (any other value makes it raise).
PHASE_FLAGS: Final = (0x01, 0x03, 0x02, 0x10, 0x12, 0x00)
_RDY = RDY


@dataclass
class _Tally:
    """One property's running verdict."""

    name: str
    kind: str
    rules: tuple[str, ...]
    seconds: float = 0.0
    queries: int = 0
    counterexample: Counterexample | None = None
    extra: list[str] = field(default_factory=list)

    def result(self) -> PropertyResult:
        return PropertyResult(
            name=self.name,
            kind=self.kind,  # type: ignore[arg-type]
            rules=list(self.rules),
            status="proved" if self.counterexample is None else "counterexample",
            seconds=round(self.seconds, 4),
            queries=self.queries,
            counterexample=self.counterexample,
        )


def _value(model: z3.ModelRef, term: Term) -> int | bool:
    got = model.eval(term, model_completion=True)
    if z3.is_true(got) or z3.is_false(got):
        return bool(z3.is_true(got))
    if z3.is_bv_value(got):
        return int(got.as_long())
    return int(got.as_long())


def describe(
    model: z3.ModelRef, env: Env, s: Ctl, kind: EventKind | None, v: Term, message: str
) -> Counterexample:
    """A counterexample from a z3 model: the state, the event, the geometry it needs."""
    state = {name: _value(model, term) for name, term in zip(Ctl._fields, s, strict=True)}
    geometry: dict[str, int | bool | list[list[int]]] = {
        name: _value(model, term)
        for name, term in (
            ("block_size", env.block_size),
            ("page_size", env.page_size),
            ("ram_size", env.ram_size),
            ("mmio_base", env.mmio_base),
            ("latency", env.latency),
        )
    }
    sids = {state["sid"], state["c_sid"]}
    if kind is EventKind.WRITE_SID:
        sids.add(_value(model, v))
    geometry["storages"] = [
        [int(sid), int(_value(model, env.size(z3.IntVal(int(sid)))))]
        for sid in sorted(int(x) for x in sids)
        if _value(model, env.attached(z3.IntVal(int(sid))))
    ]
    event = "power-on" if kind is None else f"{kind.value} {_value(model, v):#x}"
    return Counterexample(message=message, state=state, event=event, geometry=geometry)


Check = Callable[[Env, Ctl, EventKind, Term, Ctl, list[StepCase], z3.Solver], Term]


def prove_all(deadline: float | None = None) -> list[PropertyResult]:
    """Prove every property of :mod:`._properties`, the data frame and R-INV-4."""
    env, assumptions = proof_env()
    tallies = _tallies()
    init = z3.Solver()
    init.add(*assumptions)
    reset = reset_ctl(SYMBOLIC)
    for p in STATE_PROPERTIES:
        _check(env, tallies[p.name], init, p.holds(SYMBOLIC, env, reset), reset, None, z3.IntVal(0))
    for kind in EventKind:
        _prove_step(env, assumptions, kind, tallies)
    results = [t.result() for t in tallies.values()]
    return [
        *results[: len(STATE_PROPERTIES)],
        _completes(tallies),
        *results[len(STATE_PROPERTIES) :],
    ]


def _tallies() -> dict[str, _Tally]:
    """A running verdict per property, in the order they are reported."""
    tallies: dict[str, _Tally] = {}
    for p in STATE_PROPERTIES:
        tallies[p.name] = _Tally(p.name, "auxiliary" if p.aux else "state", p.rules)
    for q in TRANSITION_PROPERTIES:
        tallies[q.name] = _Tally(q.name, "transition", q.rules)
    tallies["data-only-by-command"] = _Tally(
        "data-only-by-command", "frame", ("R-INV-3", "R-CMD-4", "R-CMD-5", "E8")
    )
    tallies["every-access-answered"] = _Tally("every-access-answered", "answer", ("R-INV-4",))
    return tallies


def _prove_step(
    env: Env, assumptions: list[Term], kind: EventKind, tallies: dict[str, _Tally]
) -> None:
    """Every property preserved by a step of ``kind`` from a state satisfying them all."""
    s = fresh_ctl("s_")
    v, v_range = fresh_value(kind, "v")
    solver = z3.Solver()
    solver.add(*assumptions, *v_range, invariant(SYMBOLIC, env, s))
    all_cases = cases(SYMBOLIC, env, s, kind, v)
    t, effect = merge(SYMBOLIC, all_cases)
    for p in STATE_PROPERTIES:
        _check(env, tallies[p.name], solver, p.holds(SYMBOLIC, env, t), s, kind, v)
    for q in TRANSITION_PROPERTIES:
        _check(env, tallies[q.name], solver, q.holds(SYMBOLIC, env, s, kind, v, t), s, kind, v)
    arrays = fresh_arrays("m_")
    where = z3.Ints("frame_sid frame_index frame_ram")
    frame = data_frame(env, s, kind, v, t, arrays, effect, (where[0], where[1], where[2]))
    _check(env, tallies["data-only-by-command"], solver, frame, s, kind, v)
    guards = [c.guard for c in all_cases]
    answered = z3.And(
        z3.PbEq([(g, 1) for g in guards], 1), z3.Or(*(s.flags == f for f in PHASE_FLAGS))
    )
    _check(env, tallies["every-access-answered"], solver, answered, s, kind, v)


def _check(
    env: Env, tally: _Tally, solver: z3.Solver, goal: Term, s: Ctl, kind: EventKind | None, v: Term
) -> None:
    """Whether ``goal`` follows from ``solver``'s assertions; a counterexample if not."""
    if tally.counterexample is not None:
        return
    began = time.perf_counter()
    solver.push()
    solver.add(z3.Not(goal))
    verdict = solver.check()
    if verdict == z3.sat:
        what = "at power-on" if kind is None else f"after {kind.value}"
        tally.counterexample = describe(
            solver.model(), env, s, kind, v, f"{tally.name} fails {what}"
        )
    elif verdict != z3.unsat:
        tally.counterexample = Counterexample(
            message=f"{tally.name}: the solver answered {verdict}",
            state={},
            event="" if kind is None else kind.value,
            geometry={},
        )
    solver.pop()
    tally.seconds += time.perf_counter() - began
    tally.queries += 1


def _completes(tallies: dict[str, _Tally]) -> PropertyResult:
    """busy-completes-in-latency, from AUX-4 (1 <= remaining <= latency) and tick-progress.

    Each clock step ends the command or takes one from its remaining steps,
    which start at the latency and stay >= 1: so it ends within max(latency, 1)
    steps (latency 0: within the STATUS write).
    """
    parts = [tallies["AUX-4 ticks-within-latency"], tallies["tick-progress"]]
    failed = next((p.counterexample for p in parts if p.counterexample is not None), None)
    return PropertyResult(
        name="busy-completes-in-latency",
        kind="state",
        rules=["R-BSY-1"],
        status="proved" if failed is None else "counterexample",
        seconds=round(sum(p.seconds for p in parts), 4),
        queries=sum(p.queries for p in parts),
        counterexample=failed,
    )
