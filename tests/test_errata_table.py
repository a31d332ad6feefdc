"""The errata table of SPEC section 14 as a test: each wire-observable erratum, planted alone
into a test double of the device (:mod:`errata_double`), is found.

The default lockstep check must find every erratum (in one line, with a small
reproducer) of :data:`errata_double.CHECKABLE`; the
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
from test_deviations import MAX_REPRO_C, MAX_TEST_REPRO, MAX_TRACE_JSON, mmio_ops, sizes

from duckybio.kit.run import CheckConfig, CheckReport, run_check
from duckybio.kit.targets import TargetSpec
from duckybio.kit.vectors import DEFAULT_DIR, load_all, run_vector
from duckybio.spec.rules import ERRATA_IDS


def _run(*errata: str, examples: int = 200) -> CheckReport:
    spec = TargetSpec(f"errata double {'+'.join(errata) or 'clean'}", errata_factory(*errata),
                      latency=latency_of(errata))
    return run_check(CheckConfig(target=spec, examples=examples))


def test_every_erratum_is_planted_or_has_a_reason() -> None:
    assert set(PLANTABLE) | set(NOT_ON_THE_WIRE) == set(ERRATA_IDS)
    assert not set(PLANTABLE) & set(NOT_ON_THE_WIRE)
    assert set(VECTORS_ONLY) <= set(PLANTABLE)


def test_the_double_with_nothing_planted_conforms() -> None:
    report = _run(examples=50)
    assert report.conforms, report.failure


@pytest.mark.parametrize("erratum", CHECKABLE)
def test_the_default_check_finds_the_planted_erratum(erratum: str) -> None:
    """... and reports it in one short line, with a small reproducer (SPEC section 18)."""
    report = _run(erratum)
    assert not report.conforms, f"the default check did not find {erratum}"
    assert report.failure is not None
    assert "\n" not in report.failure and len(report.failure) <= 160, report.failure
    assert len(report.detail.splitlines()) <= 4  # at most 32 bytes: two rows of 16
    trace = report.counterexample()
    assert not any(len(str(step)) > 200 for step in trace.steps), "a literal byte dump"
    c_size, py_size, json_size = sizes(trace)
    print(f"{erratum}: {mmio_ops(trace)} MMIO ops; repro.c {c_size} B, test_repro.py "
          f"{py_size} B, trace.json {json_size} B; failure line {len(report.failure)} chars")
    if mmio_ops(trace) <= 6:
        assert c_size <= MAX_REPRO_C and py_size <= MAX_TEST_REPRO
        assert json_size <= MAX_TRACE_JSON
    assert report.deviations and report.deviations[0].signature


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
