"""The rules themselves: the document and ``spec/rules.py`` agree, and every rule is pinned."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from target_factories import TARGET_FACTORIES, TARGET_LATENCY, busy_target_names

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios import by_name, scenarios
from duckybio.spec.regmap import (
    BLOCK_SIZE,
    DATA_INVALID,
    FLAG_DEFS,
    GUEST_SETTABLE,
    PAGE_SIZE,
    READABLE_FLAGS,
    REGISTER_DEFS,
)
from duckybio.spec.rules import (
    ERRATA_IDS,
    RULES,
    SECTIONS,
    SPEC_PATH,
    UNOBSERVABLE,
    defined_errata,
    defined_ids,
    spec_errata_ids,
    spec_ids,
)

from .support import PINNED, pins, plays, scenario_of, session


def _all_pins() -> dict[str, list[str]]:
    """Every pin of every rule test module of this package (importing them all)."""
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        importlib.import_module(f"{__package__}.{path.stem}")
    return PINNED


def test_spec_defines_exactly_the_rules() -> None:
    assert spec_ids() == [rule.id for rule in RULES]


def test_spec_defines_exactly_the_errata() -> None:
    assert spec_errata_ids() == list(ERRATA_IDS)


def test_rule_ids_are_numbered_by_section_in_order() -> None:
    expected: list[str] = []
    for prefix in SECTIONS:
        size = sum(1 for rule in RULES if rule.section == prefix)
        assert size, f"section {prefix} has no rules"
        expected += [f"R-{prefix}-{n}" for n in range(1, size + 1)]
    assert [rule.id for rule in RULES] == expected
    assert list(ERRATA_IDS) == [f"E{n}" for n in range(1, len(ERRATA_IDS) + 1)]


def test_defined_ids_reads_only_definitions() -> None:
    text = "- **R-RST-1** x\nsee **R-RST-2** here\n- **R-CMD-10** y\n"
    assert defined_ids(text) == ["R-RST-1", "R-CMD-10"]
    assert defined_errata("| E1 | a |\nsee E2\n| E10 | b |\n") == ["E1", "E10"]


def test_spec_tables_match_the_register_map() -> None:
    text = SPEC_PATH.read_text("utf-8")
    for reg in REGISTER_DEFS:
        row = f"| {reg.name} | 0x{reg.offset:02X} | {reg.access} | 0x{reg.reset:02X} |"
        assert row in text, row
    for flag in FLAG_DEFS:
        settable = "yes" if flag.guest_settable else "no"
        readable = "yes" if flag.readable else "no"
        row = f"| {flag.name} | 0x{flag.mask:02X} | {settable} | {readable} |"
        assert row in text, row
    assert f"= 0x{GUEST_SETTABLE:02X}`" in text
    assert f"= 0x{READABLE_FLAGS:02X}`" in text
    assert f"| `BLOCK_SIZE` | {BLOCK_SIZE} |" in text
    assert f"| `PAGE_SIZE` | {PAGE_SIZE} |" in text
    assert f"| `DATA_INVALID` | 0x{DATA_INVALID:08X} |" in text


def test_every_rule_and_erratum_is_pinned() -> None:
    pinned = _all_pins()
    wanted = {rule.id for rule in RULES} | set(ERRATA_IDS)
    assert set(UNOBSERVABLE) <= wanted
    missing = wanted - set(pinned) - set(UNOBSERVABLE)
    assert not missing, f"not pinned by any test: {sorted(missing)}"
    assert not set(pinned) & set(UNOBSERVABLE)


def test_pins_rejects_unknown_ids() -> None:
    with pytest.raises(ValueError, match="R-NOPE-1"):
        pins("R-NOPE-1")
    with pytest.raises(ValueError):
        pins()


def test_plays_pins_the_ids_its_scenarios_declare() -> None:
    played = by_name("busy-reads"), by_name("timing-clock-step-idle")

    def probe_test() -> None: ...

    plays(played[0].name, played[1].body)(probe_test)
    try:
        got = [rule for rule, tests in PINNED.items() if "probe_test" in tests]
        assert sorted(got) == sorted({*played[0].rules, *played[1].rules})
    finally:
        for tests in PINNED.values():
            while "probe_test" in tests:
                tests.remove("probe_test")
    assert scenario_of(played[1].body) is played[1]
    with pytest.raises(KeyError, match="no-such-scenario"):
        plays("no-such-scenario")

    def unregistered(s: Session) -> None: ...

    with pytest.raises(KeyError, match="unregistered"):
        plays(unregistered)


def test_every_target_declares_its_latency() -> None:
    assert set(TARGET_FACTORIES) == set(TARGET_LATENCY)
    assert all(latency >= 0 for latency in TARGET_LATENCY.values())
    assert busy_target_names(), "no target exercises the BUSY rules"


def _matching() -> list[tuple[str, str]]:
    """Every scenario with every target: a scenario runs at every latency."""
    return [(item.name, target) for item in scenarios() for target in sorted(TARGET_FACTORIES)]


@pytest.mark.parametrize(("name", "target"), _matching())
def test_every_scenario_gets_its_pinned_answers(name: str, target: str) -> None:
    """Each scenario, replayed whole on each target, answers what it pins."""
    with session(target) as bio:
        by_name(name).play(bio)
