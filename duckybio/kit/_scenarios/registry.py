"""Named scenarios: a body of :class:`~duckybio.kit._scenario.Session` verbs and its rule ids.

Section modules register their scenarios with :func:`scenario`; the body's
docstring is the scenario's description.  A scenario's golden vector runs at
every latency within a bound; a scenario marked ``busy`` is about the BUSY
rules (SPEC section 9), and recording checks that a command of it is in
flight when commands stay BUSY.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from ...spec.rules import is_known
from .._scenario import Session
from ..errors import ScenarioError

__all__ = ["REGISTRY", "Body", "VectorScenario", "scenario"]

#: What a scenario does, given a session on a fresh target.
Body = Callable[[Session], None]
_B = TypeVar("_B", bound=Body)


@dataclass(frozen=True, slots=True)
class VectorScenario:
    """A named sequence of verbs, the rules and errata it exercises, whether it is about
    BUSY."""

    name: str
    description: str
    rules: tuple[str, ...]
    busy: bool
    body: Body

    def play(self, session: Session) -> None:
        """Run the scenario on ``session``; its pinned answers are checked as it goes."""
        self.body(session)


#: Every scenario registered so far, in registration order.
REGISTRY: Final[list[VectorScenario]] = []


def scenario(name: str, *ids: str, busy: bool = False) -> Callable[[_B], _B]:
    """Register the decorated body as the scenario ``name`` exercising ``ids``.

    A body may take further parameters with defaults (the cases it runs); rule
    tests call it with one case at a time.
    """
    unknown = [i for i in ids if not is_known(i)]
    if unknown or not ids:
        raise ScenarioError(f"scenario {name}: unknown or no rule ids {unknown}")

    def register(body: _B) -> _B:
        description = " ".join((body.__doc__ or "").split())
        REGISTRY.append(VectorScenario(name, description, ids, busy, body))
        return body

    return register
