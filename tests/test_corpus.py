"""The rule-violation corpus (``tests/corpus_double.py``, ``bench/corpus.py``).

Every observable rule and clarification has a planted violation; the check
finds a subset of them at the exact bound and at a generous one, and passes
every conforming device at both (no false alarm).  The full table, every
violation at the default budget, is ``docs/corpus.md``.
"""

from __future__ import annotations

import re

import pytest
from corpus_double import CONFORMING, UNOBSERVABLE_HERE, VIOLATIONS, Conforming, Violation

from duckybio.kit._run import CheckConfig, run_check
from duckybio.kit._targets import TargetSpec
from duckybio.spec.rules import RULES_BY_ID, SPEC_PATH, UNOBSERVABLE

#: The budget of these runs: the fixed sequences, then a few generated ones.
EXAMPLES = 5
GENEROUS = 20
#: One violation per kind of hole the corpus showed, found at both bounds here.
SUBSET = ("failure-keeps-w", "lazy-r", "sid-mod-2-32", "empty-write-beyond-ram-refused",
          "oob-dma-write-stores-in-bounds-blocks", "register-value-not-reduced",
          "busy-scratch-after-dma-range", "clock-restarts-at-completion",
          "dma-ending-at-ram-end-fails", "ram-size-rounded")


def clarifications() -> set[str]:
    """``C-n`` for every numbered clarification of SPEC section 11."""
    text = SPEC_PATH.read_text(encoding="utf-8")
    section = text.split("## 11. Clarifications", 1)[1].split("\n## ", 1)[0]
    return {f"C-{n}" for n in re.findall(r"^([0-9]+)\. ", section, re.MULTILINE)}


def test_every_observable_rule_and_clarification_has_a_planted_violation() -> None:
    wanted = ({r for r in RULES_BY_ID if r not in UNOBSERVABLE} | clarifications()) - set(
        UNOBSERVABLE_HERE)
    planted = {v.rule for v in VIOLATIONS}
    assert wanted - planted == set()
    assert planted - wanted == set()


def test_the_violations_have_distinct_names_and_say_what_the_device_does() -> None:
    names = [v.name for v in VIOLATIONS]
    assert len(set(names)) == len(names)
    assert all(v.behaviour.strip() and not v.behaviour.endswith(".") for v in VIOLATIONS)


def _finds(factory: object, name: str, latency: int, bound: int) -> bool:
    spec = TargetSpec(name, factory, latency=latency)  # type: ignore[arg-type]
    report = run_check(CheckConfig(target=spec, busy_bound=bound, examples=EXAMPLES,
                                   coverage=False, errata=False, search_only=True))
    return not report.conforms


@pytest.mark.parametrize("violation", [v for v in VIOLATIONS if v.name in SUBSET],
                         ids=lambda v: v.name)
def test_the_check_finds_the_violation_at_the_exact_and_a_generous_bound(
        violation: Violation) -> None:
    factory = violation.factory()
    assert _finds(factory, violation.name, violation.latency, violation.latency)
    assert _finds(factory, violation.name, violation.latency, GENEROUS)


@pytest.mark.parametrize("device", CONFORMING, ids=lambda c: c.name)
def test_a_conforming_device_passes_at_the_exact_and_a_generous_bound(
        device: Conforming) -> None:
    factory = device.factory()
    assert not _finds(factory, device.name, device.latency, device.latency)
    assert not _finds(factory, device.name, device.latency, GENEROUS)


def test_the_corpus_table_lists_every_violation_as_found_at_both_bounds() -> None:
    """``docs/corpus.md`` (written by ``bench/corpus.py``) is current and shows no miss."""
    table = (SPEC_PATH.parents[2] / "docs" / "corpus.md").read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    named = {m.group(1) for line in rows if (m := re.search(r"\| `([a-z0-9-]+)`: ", line))}
    assert named == {v.name for v in VIOLATIONS}
    assert "**missed**" not in table and "FALSE ALARM" not in table
