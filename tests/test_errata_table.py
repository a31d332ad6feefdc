"""The errata table of SPEC section 14 as a test: each wire-observable erratum, planted alone
into a test double of the device (:mod:`errata_double`), is found.

The default lockstep check must find every erratum of :data:`errata_double.CHECKABLE`; the
one about machine geometry (E16, MMIO base 0) is found by the golden vectors, which vary
the machine.  The double with nothing planted conforms, so every finding is the erratum's.
"""

from __future__ import annotations

import pytest
from errata_double import (
    CHECKABLE,
    NOT_ON_THE_WIRE,
    PLANTABLE,
    VECTORS_ONLY,
    errata_factory,
    latency_of,
)

from duckybio.kit.run import CheckConfig, run_check
from duckybio.kit.targets import TargetSpec
from duckybio.kit.vectors import DEFAULT_DIR, load_all, run_vector
from duckybio.spec.rules import ERRATA_IDS


def _check(*errata: str, examples: int = 200) -> tuple[bool, str]:
    spec = TargetSpec(f"errata double {'+'.join(errata) or 'clean'}", errata_factory(*errata),
                      latency=latency_of(errata))
    report = run_check(CheckConfig(target=spec, examples=examples))
    return report.conforms, report.failure or ""


def test_every_erratum_is_planted_or_has_a_reason() -> None:
    assert set(PLANTABLE) | set(NOT_ON_THE_WIRE) == set(ERRATA_IDS)
    assert not set(PLANTABLE) & set(NOT_ON_THE_WIRE)
    assert set(VECTORS_ONLY) <= set(PLANTABLE)


def test_the_double_with_nothing_planted_conforms() -> None:
    conforms, failure = _check(examples=50)
    assert conforms, failure


@pytest.mark.parametrize("erratum", CHECKABLE)
def test_the_default_check_finds_the_planted_erratum(erratum: str) -> None:
    conforms, failure = _check(erratum)
    assert not conforms, f"the default check did not find {erratum}"
    assert failure


@pytest.mark.parametrize("erratum", sorted(VECTORS_ONLY))
def test_the_golden_vectors_find_the_planted_erratum(erratum: str) -> None:
    vectors = [v for v in load_all(DEFAULT_DIR) if v.latency == 0]
    failing = []
    for vector in vectors:
        target = errata_factory(erratum)()
        try:
            if run_vector(target, vector):
                failing.append(vector.trace.name)
        finally:
            target.close()
    assert failing, f"no golden vector finds {erratum}"
    clean = errata_factory()()
    try:
        assert all(not run_vector(clean, v) for v in vectors)
    finally:
        clean.close()
