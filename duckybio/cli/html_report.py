"""``duckybio check --html FILE``: one self-contained page for people to look at.

The page holds the summary of a run, every deviation with its failure line
and reproducer (the trace, ``repro.c`` and ``test_repro.py``), and the
model's state diagram with each transition class shaded by how often the run
took it, the classes it never took marked, and the classes where the device
diverged in red (:func:`~duckybio.codegen._diagram.render_dot_shaded`).  The
diagram is an inline SVG when graphviz ``dot`` is installed, else a table of
the same classes.  No script, no external resource.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection

from ..codegen import (
    Edge,
    class_name,
    derive_edges,
    dot_executable,
    render_dot_shaded,
    render_svg,
)
from ..kit import CheckReport
from ..kit.reports import printable, render_c, render_pytest
from ..model import EventKind

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #212121; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
.verdict { display: inline-block; padding: .2em .6em; border-radius: .3em; color: #fff; }
.ok { background: #2e7d32; } .bad { background: #c62828; } .broken { background: #6a1b9a; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25em .5em;
  text-align: left; vertical-align: top; font-size: .9em; }
th { background: #eee; } .new { color: #c62828; font-weight: bold; } .known { color: #555; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; font-size: .85em; }
details { margin: .4em 0; } summary { cursor: pointer; }
.diagram svg { max-width: 100%; height: auto; }
.legend span { display: inline-block; padding: 0 .5em; margin-right: .5em; }
"""


def deviating_classes(report: CheckReport) -> set[str]:
    """The transition classes where a new deviation of ``report`` diverged.

    A signature names a class without its phase, and the end of a command by
    the STATUS write that started it (SPEC section 18): of the classes it may
    stand for, those the run took, or all of them if it took none.
    """
    edges = derive_edges()
    classes: set[str] = set()
    for deviation in report.new_deviations:
        stands_for = _stands_for(deviation.signature.partition(": ")[0])
        matches = {class_name(e.before, e.kind, e.outcome) for e in edges if stands_for(e)}
        classes |= {c for c in matches if report.transition_counts.get(c, 0)} or matches
    return classes


def _stands_for(transition: str) -> Callable[[Edge], bool]:
    """Whether an edge's class may be the one a signature's ``transition`` names.

    ``kind/outcome`` names its class exactly; a STATUS write that starts a
    command is named ``write STATUS/start-[dma-]OP``, then ``+END`` or
    `` (in flight)`` (SPEC section 18): the classes that start an OP command
    in that mode (DMA mode set by the write, or latched before unless the
    write reset it) and end as named, or end later.
    """
    kind, _, name = transition.removesuffix(" (in flight)").partition("/")
    command, _, end = name.partition("+")
    mode = command.removeprefix("start-")
    if kind != EventKind.WRITE_STATUS.value or mode == command:
        return lambda e: e.kind.value == kind and e.outcome.text == name
    op = mode.removeprefix("dma-")
    dma = op != mode

    def stands_for(e: Edge) -> bool:
        o = e.outcome
        return (e.kind is EventKind.WRITE_STATUS and o.started is not None
                and o.started.value == op and (o.end is None or o.end.value == end)
                and (o.dma or not o.reset if dma else not o.dma))

    return stands_for


def diagram(report: CheckReport) -> str:
    """The shaded state diagram: inline SVG, or a table when graphviz is missing."""
    deviating = deviating_classes(report)
    dot = dot_executable()
    if dot is not None:
        try:
            svg = render_svg(render_dot_shaded(report.transition_counts, deviating), dot)
        except RuntimeError:
            svg = ""
        if "<svg" in svg:
            return svg[svg.index("<svg"):]
    return _class_table(report.transition_counts, deviating)


def _class_table(counts: dict[str, int], deviating: Collection[str]) -> str:
    rows = []
    for edge in derive_edges():
        name = class_name(edge.before, edge.kind, edge.outcome)
        n = counts.get(name, 0)
        mark = "deviates" if name in deviating else ("uncovered" if n == 0 else "")
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{n}</td><td>{mark}</td></tr>")
    return ("<table><tr><th>transition class</th><th>taken</th><th></th></tr>"
            + "".join(rows) + "</table>")


def _e(text: str) -> str:
    """The target's text, escaped: no control character reaches the page."""
    return html.escape(printable(text))


def render_html(report: CheckReport, target: str | None) -> str:
    """The page for ``report`` (``target``: the ``--target`` the reproducers name)."""
    verdict, css = {0: ("CONFORMS", "ok"), 1: ("DOES NOT CONFORM", "bad"),
                    3: ("TARGET FAILED", "broken")}[report.exit_code]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>duckybio check: {_e(report.target)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>duckybio check of {_e(report.target)} "
        f'<span class="verdict {css}" id="verdict">{verdict}</span></h1>',
        *_summary(report), *_deviation_table(report), *_reproducers(report, target),
        "<h2>Transition classes</h2>",
        '<p class="legend"><span style="background:#7381ff">often taken</span>'
        '<span style="background:#ebf5ff">rarely taken</span>'
        '<span style="border:1px solid #999">\u25cb never taken</span>'
        '<span style="background:#d32f2f;color:#fff">\u2716 deviates</span></p>',
        f'<div class="diagram" id="diagram">{diagram(report)}</div>',
        "</body></html>", "",
    ]
    return "\n".join(p for p in parts if p)


def _summary(report: CheckReport) -> list[str]:
    """The summary table: the terminal report's counts and coverage lines."""
    total = len({class_name(x.before, x.kind, x.outcome) for x in derive_edges()})
    taken = sum(1 for x in derive_edges()
                if report.transition_counts.get(class_name(x.before, x.kind, x.outcome)))
    rows = [
        "<table id=\"summary\">",
        f"<tr><th>sequences run</th><td>{report.examples}</td></tr>",
        f"<tr><th>operations</th><td>{report.steps}</td></tr>",
        f"<tr><th>seed</th><td>{report.seed}</td></tr>",
        f"<tr><th>time</th><td>{report.seconds:.1f} s</td></tr>",
        f"<tr><th>diagram classes taken</th><td>{taken} of {total}</td></tr>",
        *(f"<tr><th>{name}</th><td>{_e(measure.summary())}</td></tr>"
          for name, measure in (("transition coverage", report.coverage),
                                ("pair coverage", report.pair_coverage))
          if measure is not None),
        f"<tr><th>deviations</th><td>{len(report.new_deviations)} new, "
        f"{len(report.deviations) - len(report.new_deviations)} known, "
        f"{len(report.no_longer_occurring)} fixed</td></tr>",
    ]
    if report.broken:
        rows.append(f"<tr><th>target failure</th><td>{_e(report.broken)}</td></tr>")
    return [*rows, "</table>"]


def _deviation_table(report: CheckReport) -> list[str]:
    """One row per deviation (its consequences, its erratum) and per fixed one."""
    if not (report.deviations or report.no_longer_occurring):
        return []
    rows = ["<h2>Deviations</h2>", '<table id="deviations"><tr><th></th><th>seen</th>'
            "<th>steps</th><th>signature</th><th>erratum</th><th>failure</th></tr>"]
    for number, d in enumerate(report.deviations, 1):
        status = ('<span class="known">known</span>' if d.known
                  else '<span class="new">NEW</span>')
        also = "".join(f"<br>also met as: {_e(c)} (follows from #{number})"
                       for c in d.consequences)
        rows.append(f"<tr><td>{status}</td><td>{d.occurrences}</td>"
                    f"<td>{len(d.trace) or '-'}</td><td>#{number} {_e(d.signature)}{also}</td>"
                    f"<td>{_e(f'matches {d.erratum}') if d.erratum else ''}</td>"
                    f"<td>{_e(d.reason if d.known else d.failure)}</td></tr>")
    for signature in report.no_longer_occurring:
        rows.append(f"<tr><td>FIXED</td><td>0</td><td>-</td><td>{_e(signature)}</td>"
                    "<td></td><td>its reproducer passes now: remove it from the allow "
                    "file</td></tr>")
    return [*rows, "</table>"]


def _reproducers(report: CheckReport, target: str | None) -> list[str]:
    """Each new deviation: its failure line, window, steps, ``repro.c`` and pytest file."""
    parts: list[str] = []
    for number, d in enumerate(report.new_deviations, 1):
        trace = d.reproducer(report.target)
        steps = "\n".join(f"{i:3}. {s}" for i, s in enumerate(d.trace, 1))
        parts += [
            f'<h2 class="deviation">{number}. {_e(d.signature)}</h2>',
            f"<p><b>{_e(d.failure)}</b></p>",
            f"<pre>{_e(d.detail)}</pre>" if d.detail else "",
            f"<pre>{_e(steps)}</pre>",
            f"<details><summary>repro.c</summary><pre>{_e(render_c(trace))}</pre></details>",
            "<details><summary>test_repro.py</summary>"
            f"<pre>{_e(render_pytest(trace, target))}</pre></details>",
        ]
    return parts
