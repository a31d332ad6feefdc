"""The Hypothesis settings of every search the project runs, in one place.

``check`` (:mod:`._run`), the campaign test (:mod:`._campaign`) and ``drive``
(:mod:`duckybio.driver._run`) search with the same settings but for their
budget, database and phases: no deadline (a target's time is its own), no
health check (a slow or filtering target is not the user's test's fault), one
bug reported, no blob printed, and nothing written by Hypothesis's reporter
(:func:`quiet`): the project reports for itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import ExampleDatabase
from hypothesis.reporting import with_reporter

#: Every phase but ``target``: the searches have no score to maximize.
ALL_PHASES: tuple[Phase, ...] = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)


def search_settings(examples: int, *, steps: int | None = None,
                    database: ExampleDatabase | None = None,
                    phases: Sequence[Phase] = ALL_PHASES) -> settings:
    """Settings for ``examples`` examples (state machines: of ``steps`` rules each)."""
    base = settings.get_profile("default")
    return settings(base, max_examples=examples, deadline=None, database=database,
                    derandomize=False, suppress_health_check=list(HealthCheck),
                    report_multiple_bugs=False, phases=list(phases), print_blob=False,
                    stateful_step_count=base.stateful_step_count if steps is None else steps)


def _discard(_: object) -> None:
    """Hypothesis's reporter, silenced."""


@contextmanager
def quiet() -> Iterator[None]:
    """Hypothesis reports nothing while it runs inside."""
    reporter: Callable[[object], None] = _discard
    with with_reporter(reporter):
        yield


__all__ = ["ALL_PHASES", "quiet", "search_settings"]
