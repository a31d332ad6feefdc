"""The shrinking framework: named passes over one budget, as ``check`` and ``drive`` use it."""

from __future__ import annotations

from collections.abc import Iterator

from duckybio.kit._shrinker import Shrinker, ShrinkPass, greedy

Ints = tuple[int, ...]


def _fails_with_7(candidate: tuple[int, ...]) -> int | None:
    """A candidate "fails" while it still holds a 7; the result is its length."""
    return len(candidate) if 7 in candidate else None


def _one_less(candidate: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    for i in range(len(candidate)):
        yield candidate[:i] + candidate[i + 1:]


def test_a_greedy_pass_reaches_a_minimal_failing_candidate_and_counts_its_tests() -> None:
    start: Ints = (1, 2, 7, 3, 4)
    shrinker = Shrinker(_fails_with_7, start, 5).run([greedy("one less", _one_less)])
    assert shrinker.best == (7,) and shrinker.result == 1
    stats = shrinker.stats["one less"]
    assert stats.kept == 4 and stats.tried == shrinker.calls > stats.kept


def test_the_budget_bounds_every_pass_and_counts_earlier_tests() -> None:
    start: Ints = (1, 2, 7, 3, 4)
    shrinker = Shrinker(_fails_with_7, start, 5, budget=3, calls=1)
    shrinker.run([greedy("one less", _one_less), greedy("again", _one_less)])
    assert shrinker.calls == 3 and shrinker.exhausted
    assert "again" not in shrinker.stats or shrinker.stats["again"].tried == 0
    assert len(shrinker.best) >= 3, "two tests cannot remove more than two elements"


def test_passes_run_in_order_on_the_best_candidate_so_far() -> None:
    seen: list[str] = []

    def first(s: Shrinker[tuple[int, ...], int]) -> None:
        seen.append(f"first {s.best}")
        s.consider(s.best[:3])

    def second(s: Shrinker[tuple[int, ...], int]) -> None:
        seen.append(f"second {s.best}")
        s.consider(s.best[1:])  # drops the 7: does not fail, not kept

    start: Ints = (7, 1, 2, 3)
    shrinker = Shrinker(_fails_with_7, start, 4).run(
        [ShrinkPass("first", first), ShrinkPass("second", second)])
    assert seen == ["first (7, 1, 2, 3)", "second (7, 1, 2)"]
    assert shrinker.best == (7, 1, 2)
    assert (shrinker.stats["first"].kept, shrinker.stats["second"].kept) == (1, 0)
