"""What the rule tests share: the registry of pinned rules, sessions, expected RAM.

A test that plays a scenario pins its rules with :func:`plays`; one that checks a
rule by its own steps names the rule with :func:`pins`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from target_factories import TARGET_FACTORIES, TARGET_LATENCY

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios import Body, VectorScenario, by_name, scenarios
from duckybio.kit._testbed import RAM_SIZE, splice
from duckybio.spec.rules import is_known

#: Rule or erratum id -> names of the tests that pin it.
PINNED: dict[str, list[str]] = {}

_Test = TypeVar("_Test", bound=Callable[..., None])


def pins(*ids: str) -> Callable[[_Test], _Test]:
    """Register the decorated test as pinning the rules and errata ``ids``."""
    unknown = [i for i in ids if not is_known(i)]
    if unknown or not ids:
        raise ValueError(f"pins() needs known rule or errata ids, got {ids!r}")

    def register(test: _Test) -> _Test:
        for i in ids:
            PINNED.setdefault(i, []).append(test.__name__)
        return test

    return register


def plays(*played: str | Body) -> Callable[[_Test], _Test]:
    """Register the decorated test as pinning the rules and errata of the scenarios it plays.

    Each of ``played`` is a scenario's name or its body; the test plays it whole or one
    case at a time.  The ids are the ones the scenario declares: written once, there.
    """
    found = [by_name(item) if isinstance(item, str) else scenario_of(item) for item in played]
    return pins(*dict.fromkeys(rule for item in found for rule in item.rules))


def scenario_of(body: Body) -> VectorScenario:
    """The scenario whose body is ``body``; :class:`KeyError` if there is none."""
    for item in scenarios():
        if item.body is body:
            return item
    raise KeyError(getattr(body, "__name__", repr(body)))


@contextmanager
def session(name: str) -> Iterator[Session]:
    """A session on a fresh target ``name`` with storages A and B filled, RAM zero."""
    target = TARGET_FACTORIES[name]()
    try:
        bio = Session(target, TARGET_LATENCY[name])
        bio.setup(fill=True)
        yield bio
    finally:
        target.close()


def play(bio: Session, name: str) -> None:
    """Replay the scenario ``name`` (the golden vector of that name) on ``bio``."""
    by_name(name).play(bio)


def ram_with(*parts: tuple[int, bytes]) -> bytes:
    """RAM of a fresh machine after writing each ``(addr, data)`` part; zeros elsewhere."""
    ram = bytes(RAM_SIZE)
    for addr, data in parts:
        ram = splice(ram, addr, data)
    return ram
