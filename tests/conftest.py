"""Hypothesis profiles: deterministic and quick by default, deeper on demand.

``HYPOTHESIS_PROFILE=deep pytest`` runs many more and longer sequences.
"""

from __future__ import annotations

import os

import pytest
from cdevice import CC, NO_CC, DeviceBuilder
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    stateful_step_count=30,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=2000,
    stateful_step_count=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def c_device(tmp_path_factory: pytest.TempPathFactory) -> DeviceBuilder:
    """The C example compiler: ``c_device(n)`` is the path of build ``n``."""
    if CC is None:
        pytest.skip(NO_CC)
    return DeviceBuilder(CC, tmp_path_factory.mktemp("biodev"))
