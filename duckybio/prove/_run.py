"""``prove``: the proof, the model checked against the encoding, counterexamples as traces.

The encoding's properties are proved for every parameter value
(:func:`~._inductive.prove_all`).  The model's own step is then compared with
the encoding on the solver's witnesses for every case at every edge
(:func:`~._witness.witnesses`) and on ``samples`` random steps
(:func:`~._sampling.random_cases`).  A step where the model differs refutes
the property it breaks (or ``model-matches-encoding``), with the concrete
state and event; with ``trace_dir`` each such counterexample is searched for
from power-on and written there as a trace ``duckybio replay`` runs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from pathlib import Path

from ..explore import StepFn
from ..model import Event, MachineState, ModelConfig, Op, step
from ._concrete import ctl_of
from ._conformance import MISMATCH, Finding, compare
from ._inductive import prove_all
from ._replayable import find_path, trace_of_path
from ._result import Counterexample, PropertyResult, ProveResult
from ._sampling import random_cases
from ._witness import witnesses

#: Random steps compared by default, besides the witnesses.
DEFAULT_SAMPLES = 20_000


def _counterexample(
    finding: Finding, step_fn: StepFn, trace_dir: Path | None, rules: list[str]
) -> Counterexample:
    cfg, bio = finding.cfg, finding.state.bio
    state = dict(zip(ctl_of(bio)._fields, ctl_of(bio), strict=True))
    geometry: dict[str, int | bool | list[list[int]]] = {
        "block_size": cfg.block_size,
        "page_size": cfg.page_size,
        "ram_size": cfg.ram_size,
        "mmio_base": cfg.mmio_base,
        "latency": cfg.latency,
        "storages": [[s.sid, s.size] for s in cfg.storages],
    }
    faults = [[sid, int(op is Op.READ), n] for sid, op, n in finding.state.faults]
    if faults:
        geometry["faults"] = faults
    found = Counterexample(
        message=finding.message, state=state, event=repr(finding.event), geometry=geometry
    )
    if trace_dir is not None:
        path = find_path(finding, step_fn)
        if path is not None:
            trace = trace_of_path(
                cfg,
                path,
                step_fn,
                f"counterexample to {finding.name}",
                f"A shortest path from power-on (latency {cfg.latency}) whose last event "
                f"breaks {finding.name}: {finding.message}",
                rules,
            )
            trace_dir.mkdir(parents=True, exist_ok=True)
            file = trace_dir / f"{finding.name.replace(' ', '-')}.json"
            file.write_text(trace.model_dump_json(indent=1) + "\n", encoding="utf-8")
            found.trace = str(file)
    return found


def prove(
    step_fn: StepFn = step,
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    trace_dir: Path | None = None,
    witness_steps: Iterable[tuple[ModelConfig, MachineState, Event]] | None = None,
) -> ProveResult:
    """Prove every property and check ``step_fn`` against the encoding.

    ``witness_steps``: the witnesses, when already built (they do not depend
    on the step function); by default :func:`~._witness.witnesses`.
    """
    began = time.perf_counter()
    results = prove_all()
    findings: dict[str, Finding] = {}
    count = 0
    checked = time.perf_counter()
    for cfg, state, event in witnesses(seed) if witness_steps is None else witness_steps:
        count += 1
        found = compare(cfg, state, event, step_fn)
        if found is not None:
            findings.setdefault(found.name, found)
    for cfg, state, event in random_cases(random.Random(seed), samples):
        found = compare(cfg, state, event, step_fn)
        if found is not None:
            findings.setdefault(found.name, found)
    by_name = {r.name: r for r in results}
    model = PropertyResult(
        name=MISMATCH,
        kind="model",
        rules=[],
        status="checked",
        seconds=round(time.perf_counter() - checked, 4),
        queries=count + samples,
    )
    for name, finding in findings.items():
        target = by_name.get(name, model)
        target.status = "counterexample"
        target.counterexample = _counterexample(finding, step_fn, trace_dir, target.rules)
    return ProveResult(
        invariants=[*results, model],
        witnesses=count,
        samples=samples,
        seconds=round(time.perf_counter() - began, 3),
    )
