"""Exploration of a richer instance than the default: two storages, latencies 0 to 2."""

from __future__ import annotations

from duckybio.explore import ExploreInstance, ExploreStorage, explore


def test_two_storages_at_latencies_0_to_2_are_explored_clean() -> None:
    instance = ExploreInstance(storages=(ExploreStorage(sid=1, size=4),
                                         ExploreStorage(sid=2, size=4)), latencies=(0, 1, 2))
    result = explore(instance, jobs=2)
    assert not result.violations
    assert [(r.latency, r.complete) for r in result.runs] == [(0, True), (1, True), (2, True)]
    assert result.runs[2].states > result.runs[1].states > result.runs[0].states
    assert "RDY --write SID--> select" in result.witnesses
