"""Every scenario, one module a section of SPEC.md.

A scenario is a sequence of :class:`~duckybio.kit._scenario.Session` verbs
with the rule ids it exercises.  Recorded on the model it is a golden vector
(:mod:`duckybio.kit.vectors`); replayed on any target it is a rule test
(``tests/rules/``).
"""

from __future__ import annotations

from typing import Final

from ..errors import ScenarioError
from . import (
    busy,
    commands,
    driver,
    host,
    invariants,
    pio,
    reads,
    reset,
    status,
    transfers,
    writes,
)
from .registry import REGISTRY, Body, VectorScenario, scenario

__all__ = [
    "SECTION_MODULES",
    "Body",
    "VectorScenario",
    "busy",
    "by_name",
    "commands",
    "driver",
    "host",
    "invariants",
    "pio",
    "reads",
    "reset",
    "scenario",
    "scenarios",
    "status",
    "transfers",
    "writes",
]


#: The section modules in the order of SPEC.md.
SECTION_MODULES: Final = tuple(module.__name__ for module in (
    reset, reads, writes, status, commands, transfers, pio, busy, invariants, host, driver))


def scenarios() -> tuple[VectorScenario, ...]:
    """Every scenario, by section in document order; :class:`ScenarioError` if two share
    a name."""
    names = [item.name for item in REGISTRY]
    if len(set(names)) != len(names):
        raise ScenarioError("scenario names are not unique")
    return tuple(sorted(REGISTRY, key=lambda item: SECTION_MODULES.index(item.body.__module__)))


def by_name(name: str) -> VectorScenario:
    """The scenario called ``name``; :class:`KeyError` if there is none."""
    for item in REGISTRY:
        if item.name == name:
            return item
    raise KeyError(name)
