"""The rule-violation corpus: is every planted violation found, at every declared bound?

For every violation of ``tests/corpus_double.py`` (one a SPEC rule or
clarification at least) this runs ``duckybio check``'s own
:func:`~duckybio.kit._run.run_check` at the default budget (200 sequences of 40
steps, seed 0) twice: at the exact bound (the device's own latency) and at a
generous bound (:data:`GENEROUS`, 20 clock steps); then it replays every
golden vector (every one runs at any latency, the device's latency its
bound).  Every conforming device of the same file is checked at both bounds
too and must pass.  It
prints one line per device and writes the table to ``docs/corpus.md``; it
exits 1 when a violation is missed at either bound or a conforming device is
faulted.

``--quick`` runs only the five violations an outside evaluation found missing
and two conforming devices, each at a small budget, and writes nothing (a smoke
test: it runs, and finds them).  ``--only NAME`` (repeatable) runs the named
devices.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from corpus_double import (  # noqa: E402
    CONFORMING,
    UNOBSERVABLE_HERE,
    VIOLATIONS,
    Conforming,
    Violation,
)

from duckybio.kit._instance import Instance  # noqa: E402
from duckybio.kit._run import CheckConfig, CheckReport, run_check  # noqa: E402
from duckybio.kit._systematic import systematic_sequences  # noqa: E402
from duckybio.kit._target import Target  # noqa: E402
from duckybio.kit._targets import TargetSpec  # noqa: E402
from duckybio.kit.errors import Unsupported  # noqa: E402
from duckybio.kit.vectors import DEFAULT_DIR, Vector, load_all, run_vector  # noqa: E402

#: The generous bound every device is also checked at.
GENEROUS = 20
#: The violations of the issue that asked for the corpus: the quick run's subset.
QUICK = ("failure-keeps-w", "lazy-r", "sid-mod-2-32", "empty-write-beyond-ram-refused",
         "oob-dma-write-stores-in-bounds-blocks")
QUICK_CONFORMING = ("varying", "cursor-kept-when-r-empty")
#: The quick run's budget: sequences (the fixed ones run in full before them).
QUICK_EXAMPLES = 10
DOC = Path(__file__).resolve().parents[1] / "docs" / "corpus.md"


@dataclass(frozen=True, slots=True)
class Found:
    """One check run: whether it found a deviation, in how long, after how much."""

    found: bool
    seconds: float
    sequences: int
    steps: int
    signature: str

    def cell(self) -> str:
        if not self.found:
            return "**missed**"
        return f"yes, {self.seconds:.1f} s, {self.steps} steps"


def check(name: str, factory: Callable[[], Target], latency: int, bound: int,
          examples: int) -> Found:
    """Run the check on ``factory``'s devices declared with ``bound``."""
    spec = TargetSpec(name, factory, latency=latency)
    report: CheckReport = run_check(CheckConfig(target=spec, busy_bound=bound,
                                                examples=examples, coverage=False,
                                                errata=False, search_only=True))
    signature = report.deviations[0].signature if report.deviations else (report.broken or "")
    return Found(not report.conforms, report.seconds, report.first_failure or report.examples,
                 report.steps, signature)


def vectors_catch(factory: Callable[[], Target], latency: int,
                  vectors: Sequence[Vector]) -> tuple[int, int]:
    """How many golden vectors fail on the device (its latency their bound), of how many
    apply (every one does, but those that need a fault the device cannot inject)."""
    caught = applicable = 0
    for vector in vectors:
        target = factory()
        try:
            problems = run_vector(target, vector, latency)
        except Unsupported:
            continue
        except Exception:  # a crash of the device fails the vector
            problems = ["crashed"]
        finally:
            target.close()
        applicable += 1
        caught += bool(problems)
    return caught, applicable


@dataclass(frozen=True, slots=True)
class Row:
    violation: Violation
    exact: Found
    generous: Found
    vectors: tuple[int, int]


def run_violation(v: Violation, examples: int, vectors: Sequence[Vector]) -> Row:
    factory = v.factory()
    return Row(v, check(v.name, factory, v.latency, v.latency, examples),
               check(v.name, factory, v.latency, GENEROUS, examples),
               vectors_catch(factory, v.latency, vectors))


def run_conforming(c: Conforming, examples: int) -> tuple[Found, Found]:
    factory = c.factory()
    return (check(c.name, factory, c.latency, c.latency, examples),
            check(c.name, factory, c.latency, GENEROUS, examples))


def table(rows: Sequence[Row], ok: Sequence[tuple[Conforming, Found, Found]],
          seconds: float) -> str:
    """The Markdown of ``docs/corpus.md``."""
    lines = [
        "# The rule-violation corpus",
        "",
        "Every observable rule of SPEC.md (each `R-*` id, and each clarification `C-n` of",
        "section 11) has at least one planted violation in a device that is not the",
        "reference implementation (`tests/corpus_double.py`, checked black box). "
        "`bench/corpus.py` runs",
        "`duckybio check` on each at the default budget (200 sequences of 40 steps, seed 0) at",
        f"the exact bound (the device's own latency) and at a generous bound ({GENEROUS}), and",
        "replays every golden vector with the device's latency as its bound. Seconds and steps",
        "(operations sent) are those of the search up to the first counterexample, before",
        "shrinking",
        "(`CheckConfig.search_only`); the fixed sequences are planned once per run before any",
        "device is timed (about 4 s per latency on two cores, paid once by every check run).",
        "",
        "| rule | violation (what the device does) | latency | check, exact bound | "
        f"check, bound {GENEROUS} | vectors failing |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        v = r.violation
        caught, applicable = r.vectors
        vec = f"{caught} of {applicable}" if applicable else "none apply"
        lines.append(f"| {v.rule} | `{v.name}`: {v.behaviour} | {v.latency} | "
                     f"{r.exact.cell()} | {r.generous.cell()} | {vec} |")
    for rule, reason in UNOBSERVABLE_HERE.items():
        lines.append(f"| {rule} | not observable: {reason} | | | | |")
    found = [f.seconds for r in rows for f in (r.exact, r.generous) if f.found]
    missed = sum(not f.found for r in rows for f in (r.exact, r.generous))
    lines += [
        "",
        f"Found {len(found)} of {2 * len(rows)} runs; missed {missed}. Slowest find: "
        f"{max(found, default=0.0):.1f} s. Whole run: {seconds:.0f} s.",
        "",
        "## Conforming devices (no false alarm)",
        "",
        "| device | freedom taken | latency | check, exact bound | "
        f"check, bound {GENEROUS} |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c, exact, generous in ok:
        lines.append(f"| `{c.name}` | {c.freedom} | {c.latency} | "
                     f"{'passes' if not exact.found else 'FALSE ALARM: ' + exact.signature} | "
                     f"{'passes' if not generous.found else 'FALSE ALARM: ' + generous.signature}"
                     " |")
    lines += ["", "Regenerate with `python bench/corpus.py` (about 8 minutes on two cores).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the five violations of the issue and two conforming devices, "
                             "at a small budget; writes nothing")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only the device NAME (repeatable); writes nothing")
    args = parser.parse_args(argv)
    names = set(args.only) | (set(QUICK) | set(QUICK_CONFORMING) if args.quick else set())
    examples = QUICK_EXAMPLES if args.quick else 200
    violations = [v for v in VIOLATIONS if not names or v.name in names]
    conforming = [c for c in CONFORMING if not names or c.name in names]
    vectors = load_all(DEFAULT_DIR)
    latencies = {v.latency for v in violations} | {c.latency for c in conforming}
    for latency in latencies | {GENEROUS}:
        systematic_sequences(Instance(), latency)  # planned once per run, before any is timed
    started = time.perf_counter()
    rows: list[Row] = []
    print(f"{'violation':40} {'rule':9} {'exact':>18} {'bound 20':>18} {'vectors':>9}")
    for v in violations:
        row = run_violation(v, examples, vectors)
        rows.append(row)
        print(f"{v.name:40} {v.rule:9} {_short(row.exact):>18} {_short(row.generous):>18} "
              f"{row.vectors[0]:>4}/{row.vectors[1]:<4}", flush=True)
    ok: list[tuple[Conforming, Found, Found]] = []
    for c in conforming:
        exact, generous = run_conforming(c, examples)
        ok.append((c, exact, generous))
        print(f"conforming {c.name:29} {'-':9} {_short(exact, ok=True):>18} "
              f"{_short(generous, ok=True):>18}", flush=True)
    runs = [f for r in rows for f in (r.exact, r.generous)]
    found = sum(f.found for f in runs)
    false_alarms = sum(f.found for _, e, g in ok for f in (e, g))
    slowest = max((f.seconds for f in runs if f.found), default=0.0)
    print(f"found {found} of {len(runs)} (ratio {found / max(len(runs), 1):.2f}); slowest "
          f"find {slowest:.1f} s; false alarms {false_alarms} of {2 * len(ok)}")
    if not names:
        DOC.write_text(table(rows, ok, time.perf_counter() - started), encoding="utf-8")
    return 1 if found < len(runs) or false_alarms else 0


def _short(f: Found, *, ok: bool = False) -> str:
    if ok:
        return "passes" if not f.found else "FALSE ALARM"
    return f"{f.seconds:.1f}s/{f.steps}" if f.found else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
