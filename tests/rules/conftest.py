"""Fixtures of the rule tests: a session on every target, or on every BUSY target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from target_factories import TARGET_FACTORIES, busy_target_names

from duckybio.kit._scenario import Session

from .support import session


@pytest.fixture(params=sorted(TARGET_FACTORIES))
def bio(request: pytest.FixtureRequest) -> Iterator[Session]:
    """Every target, powered on with storages A and B filled."""
    with session(request.param) as s:
        yield s


@pytest.fixture(params=busy_target_names())
def busy(request: pytest.FixtureRequest) -> Iterator[Session]:
    """The targets whose commands stay BUSY across clock steps, powered on."""
    with session(request.param) as s:
        yield s
