"""The state diagrams: the controller's phases and the transitions the model takes.

The nodes are the phases a guest reads from STATUS (SPEC.md sections 3 and
5, R-RD-1); the edges are not drawn by hand from the transition table: they
are every transition the model takes when the explorer's breadth-first
search (:class:`~duckybio.explore.BreadthFirst`) runs it from power-on over
one event of every class (:func:`derive_edges`).  Rendered as Mermaid
(``state-diagram.mmd``), Graphviz DOT (``state-diagram.dot``) and a Markdown
page holding both (``state-diagram.md``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

from ..explore import BreadthFirst
from ..model import (
    Complete,
    Event,
    EventKind,
    MachineState,
    ModelConfig,
    Output,
    Phase,
    Read,
    StepOutcome,
    StorageSpec,
    Tick,
    Write,
    phase_of,
)
from ..spec.regmap import FLAG_DEFS, RESERVED_START, Reg
from ._layout import do_not_edit, markdown_cell


@dataclass(frozen=True, slots=True)
class Edge:
    """One transition the model took: phase before, event kind, outcome, phase after."""

    before: Phase
    after: Phase
    kind: EventKind
    outcome: StepOutcome


_PHASE_ORDER: Final = {phase: index for index, phase in enumerate(Phase)}
_KIND_ORDER: Final = {kind: index for index, kind in enumerate(EventKind)}


def edge_key(edge: Edge) -> tuple[int, int, int, str]:
    """The order edges are listed in: by phases, then event kind, then outcome."""
    return (_PHASE_ORDER[edge.before], _PHASE_ORDER[edge.after], _KIND_ORDER[edge.kind],
            edge.outcome.text)


#: Model instances the diagram is derived from: a tiny machine (4-byte blocks,
#: a two-block storage with id 1, RAM with the MMIO page inside it), run once
#: with commands completing within the STATUS write that starts them
#: (latency 0) and once with commands staying BUSY for two ticks (R-BSY-1).
DIAGRAM_CONFIGS: Final = tuple(
    ModelConfig(block_size=4, page_size=16, ram_size=64, mmio_base=32,
                storages=(StorageSpec(1, 8),), latency=latency)
    for latency in (0, 2)
)

#: The events the diagram's exploration applies: one of every register access
#: class, each guest-settable STATUS bit alone, a known and an unknown storage
#: id, an in- and an out-of-bounds block, an empty and a one-block count, a
#: RAM and an MMIO address, clock ticks and forced completion.
DIAGRAM_ALPHABET: Final[tuple[Event, ...]] = (
    Read(Reg.STATUS), Read(Reg.DATA), Read(Reg.SID), Read(RESERVED_START),
    Write(Reg.STATUS, 0),
    *(Write(Reg.STATUS, f.mask) for f in FLAG_DEFS if f.guest_settable),
    Write(Reg.SID, 1), Write(Reg.SID, 2),
    Write(Reg.BLOCK, 0), Write(Reg.BLOCK, 2),
    Write(Reg.COUNT, 0), Write(Reg.COUNT, 1),
    Write(Reg.ADDR, 0), Write(Reg.ADDR, 32),
    Write(Reg.DATA, 0x04030201), Write(RESERVED_START, 1),
    Tick(), Complete(),
)

#: How many events deep the exploration goes from power-on.
DIAGRAM_DEPTH: Final = 7


def explore_edges(cfg: ModelConfig, alphabet: Iterable[Event], depth: int) -> frozenset[Edge]:
    """Every edge the model takes from a state reachable in < ``depth`` events.

    The explorer's breadth-first search from power-on over ``alphabet``,
    with no bound on the number of states; a state is expanded once.
    """
    edges: set[Edge] = set()

    def record(before: MachineState, index: int, after: MachineState, out: Output) -> None:
        t = out.transition
        edges.add(Edge(t.phase, phase_of(after.bio), t.kind, t.outcome))

    BreadthFirst(cfg, tuple(alphabet)).run(max_states=None, max_depth=depth, visit=record)
    return frozenset(edges)


@cache
def derive_edges() -> tuple[Edge, ...]:
    """The diagram's edges: every transition the diagram configs take, sorted (computed once)."""
    edges: set[Edge] = set()
    for cfg in DIAGRAM_CONFIGS:
        edges |= explore_edges(cfg, DIAGRAM_ALPHABET, DIAGRAM_DEPTH)
    return tuple(sorted(edges, key=edge_key))


def edge_labels(edges: Iterable[Edge]) -> dict[tuple[Phase, Phase], list[str]]:
    """The label lines of each arrow: ``kind / outcome, outcome...`` per event kind."""
    grouped: dict[tuple[Phase, Phase], dict[EventKind, list[str]]] = {}
    for edge in sorted(edges, key=edge_key):
        kinds = grouped.setdefault((edge.before, edge.after), {})
        kinds.setdefault(edge.kind, []).append(edge.outcome.text)
    return {
        pair: [f"{kind.value} / {', '.join(outcomes)}" for kind, outcomes in kinds.items()]
        for pair, kinds in grouped.items()
    }


def _phases(edges: Iterable[Edge]) -> list[Phase]:
    used = {Phase.READY} | {e.before for e in edges} | {e.after for e in edges}
    return [phase for phase in Phase if phase in used]


_DIAGRAM_SOURCE: Final = "the model (model/_transitions.py), run over every event class"


def render_mermaid() -> str:
    """``state-diagram.mmd``: the phase diagram as a Mermaid ``stateDiagram-v2``.

    Transitions that stay in a phase are listed inside its box (one
    ``PHASE : kind / outcomes`` line each); the others are arrows.
    """
    edges = derive_edges()
    labels = edge_labels(edges)
    out = [
        "stateDiagram-v2",
        "    %% " + do_not_edit(_DIAGRAM_SOURCE),
        "    direction LR",
    ]
    for phase in _phases(edges):
        out.append(f'    state "{phase.name} ({phase.value})" as {phase.name}')
        out += [f"    {phase.name} : {line}" for line in labels.get((phase, phase), [])]
    out.append(f"    [*] --> {Phase.READY.name}: power-on")
    for (before, after), lines in labels.items():
        if before is not after:
            out.append(f"    {before.name} --> {after.name}: {'<br>'.join(lines)}")
    out.append("")
    return "\n".join(out)


def render_dot() -> str:
    """``state-diagram.dot``: the phase diagram as a Graphviz digraph.

    Transitions that stay in a phase are listed inside its node, below the
    phase's name and flags; the others are labelled edges.
    """
    edges = derive_edges()
    labels = edge_labels(edges)
    out = [
        "// " + do_not_edit(_DIAGRAM_SOURCE),
        "digraph bio_phases {",
        "    rankdir=LR;",
        "    nodesep=0.6;",
        '    node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
        '    edge [fontname="Helvetica", fontsize=9];',
        '    power_on [shape=point, label=""];',
    ]
    for phase in _phases(edges):
        inside = "".join(line + "\\l" for line in labels.get((phase, phase), []))
        out.append(f'    {phase.name} [label="{phase.name} ({phase.value})\\n{inside}"];')
    out.append(f'    power_on -> {Phase.READY.name} [label="power-on"];')
    for (before, after), lines in labels.items():
        if before is not after:
            label = "".join(line + "\\l" for line in lines)
            out.append(f'    {before.name} -> {after.name} [label="{label}"];')
    out += ["}", ""]
    return "\n".join(out)


def render_diagram_doc() -> str:
    """``state-diagram.md``: the Mermaid diagram and the SVG, with how to read them."""
    phases = _phases(derive_edges())
    out = [
        "# BIO state diagram",
        "",
        "<!-- " + do_not_edit(_DIAGRAM_SOURCE) + " -->",
        "",
        "The nodes are the *phases* of the controller: the flags a guest reads from STATUS.",
        "Each arrow is labelled `event kind / outcomes`, one line per event kind; the",
        "transitions that stay in a phase are listed the same way inside its box. They",
        "are not drawn by hand: they are every transition the model takes when it",
        "is run, from power-on, over one event of every class (each register read and",
        "write, each guest-settable STATUS bit alone, clock ticks), on a tiny machine whose",
        "commands complete either within the STATUS write that starts them (outcomes",
        "`start-read+ok`, `start-write+fail`, ...) or after two clock ticks (`start-read`,",
        "then `tick / wait`, `tick / ok`). When a STATUS write carries several bits they",
        "act in the order SRST, DMA, READ, else WRITE (see `registers.md`). An SRST",
        "written while BUSY (`reset-deferred`) takes effect once the command completes,",
        "so a BUSY phase can end in READY whether the command succeeds or fails.",
        "",
        "| phase | STATUS reads |",
        "| --- | --- |",
        *(f"| {p.name} | {markdown_cell(p.value)} |" for p in phases),
        "",
        "![BIO phases](state-diagram.svg)",
        "",
        "```mermaid",
        render_mermaid().rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(out)


def class_name(before: Phase, kind: EventKind, outcome: StepOutcome) -> str:
    """A transition class as the kit names it (``str`` of the model's ``Transition``)."""
    return f"{before.value} --{kind.value}--> {outcome.text}"


def _shade(count: int, most: int, deviating: bool) -> tuple[str, str, str]:
    """Background colour, font colour and mark of a class exercised ``count`` times."""
    if deviating:
        return "#d32f2f", "#ffffff", "\u2716 "
    if count == 0:
        return "#ffffff", "#9e9e9e", "\u25cb "
    level = math.log1p(count) / math.log1p(max(most, 1))
    light = round(235 - 120 * level)
    return f"#{light:02x}{light + 10:02x}ff", "#000000", ""


def _row(edge: Edge, counts: Mapping[str, int], most: int, deviating: Collection[str]) -> str:
    name = class_name(edge.before, edge.kind, edge.outcome)
    count = counts.get(name, 0)
    bg, fg, mark = _shade(count, most, name in deviating)
    text = html.escape(f"{mark}{edge.kind.value} / {edge.outcome.text}  ({count})")
    return (f'<TR><TD ALIGN="LEFT" BGCOLOR="{bg}"><FONT COLOR="{fg}">{text}</FONT>'
            "</TD></TR>")


def render_dot_shaded(counts: Mapping[str, int], deviating: Collection[str]) -> str:
    """The phase diagram with every transition class shaded by how often a run took it.

    ``counts`` maps class names (:func:`class_name`) to how many times the run
    took them; a class never taken is marked with a circle, and a class in
    ``deviating`` (where the device diverged) is red.  One table row per
    class, inside its phase's box when it stays in the phase, else on its arrow.
    """
    edges = derive_edges()
    most = max(counts.values(), default=1)
    by_pair: dict[tuple[Phase, Phase], list[Edge]] = {}
    for edge in edges:
        by_pair.setdefault((edge.before, edge.after), []).append(edge)
    out = [
        "digraph bio_phases_run {",
        "    rankdir=LR;",
        "    nodesep=0.5;",
        '    node [shape=plaintext, fontname="Helvetica", fontsize=10];',
        '    edge [fontname="Helvetica", fontsize=9];',
        '    power_on [shape=point, label=""];',
    ]
    for phase in _phases(edges):
        rows = "".join(_row(e, counts, most, deviating) for e in by_pair.get((phase, phase), []))
        title = html.escape(f"{phase.name} ({phase.value})")
        out.append(f'    {phase.name} [label=<<TABLE BORDER="1" CELLBORDER="0" '
                   f'CELLSPACING="1"><TR><TD><B>{title}</B></TD></TR>{rows}</TABLE>>];')
    out.append(f'    power_on -> {Phase.READY.name} [label="power-on"];')
    for (before, after), group in by_pair.items():
        if before is not after:
            rows = "".join(_row(e, counts, most, deviating) for e in group)
            out.append(f'    {before.name} -> {after.name} [label=<<TABLE BORDER="0" '
                       f'CELLBORDER="0" CELLSPACING="1">{rows}</TABLE>>];')
    out += ["}", ""]
    return "\n".join(out)
