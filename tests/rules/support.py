"""What the rule tests share: the registry of pinned rules, sessions, expected RAM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from target_factories import TARGET_FACTORIES, TARGET_LATENCY

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios import by_name
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
