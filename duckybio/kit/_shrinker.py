"""Greedy shrinking by named passes: one framework for ``check`` and ``drive``.

In the manner of Hypothesis's shrinker: a :class:`Shrinker` holds the
smallest failing candidate found so far and what its test returned; a
:class:`ShrinkPass` is a named way of proposing smaller candidates, each of
which :meth:`Shrinker.consider` tests and keeps if it still fails.  Passes
run in order, within one budget of tests, and each counts what it tried and
what it kept (:attr:`Shrinker.stats`).  The candidates and what "still
fails" means belong to the caller: operation traces for ``check``
(:mod:`._minimize`), driver scenarios for ``drive``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

C = TypeVar("C")  # a candidate
R = TypeVar("R")  # what testing a failing candidate returns


@dataclass(frozen=True, slots=True)
class ShrinkPass(Generic[C, R]):
    """A named way to shrink: ``run(shrinker)`` proposes candidates to it."""

    name: str
    run: Callable[[Shrinker[C, R]], None]


@dataclass(slots=True)
class PassStats:
    """What one pass tried and kept."""

    tried: int = 0
    kept: int = 0


@dataclass(slots=True)
class Shrinker(Generic[C, R]):
    """The smallest failing candidate so far (``best``, whose test gave ``result``).

    ``test(candidate)`` returns ``None`` when the candidate does not fail (as
    wanted); ``budget`` bounds the tests (``calls`` counts them, those made
    before the shrinker was built included).
    """

    test: Callable[[C], R | None]
    best: C
    result: R
    budget: int | None = None
    calls: int = 0
    stats: dict[str, PassStats] = field(default_factory=dict)
    _current: str = ""

    @property
    def exhausted(self) -> bool:
        """Whether the budget of tests is spent."""
        return self.budget is not None and self.calls >= self.budget

    def consider(self, candidate: C) -> bool:
        """Test ``candidate``; keep it when it fails.  False when not, or out of budget."""
        if self.exhausted:
            return False
        self.calls += 1
        stats = self.stats.setdefault(self._current, PassStats())
        stats.tried += 1
        result = self.test(candidate)
        if result is None:
            return False
        stats.kept += 1
        self.best, self.result = candidate, result
        return True

    def run(self, passes: Sequence[ShrinkPass[C, R]]) -> Shrinker[C, R]:
        """Run ``passes`` in order (each until it is done or the budget is spent)."""
        for shrink_pass in passes:
            self._current = shrink_pass.name
            shrink_pass.run(self)
        return self


def greedy(name: str, smaller: Callable[[C], Iterable[C]]) -> ShrinkPass[C, R]:
    """A pass that takes the first failing candidate of ``smaller(best)`` and starts over,
    until none of them fails (or the budget is spent)."""
    def run(shrinker: Shrinker[C, R]) -> None:
        improved = True
        while improved and not shrinker.exhausted:
            improved = any(shrinker.consider(c) for c in smaller(shrinker.best))
    return ShrinkPass(name, run)


__all__ = ["PassStats", "ShrinkPass", "Shrinker", "greedy"]
