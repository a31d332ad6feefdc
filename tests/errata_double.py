"""The errata double of the package, under the name the tests and their command lines use.

``--target errata_double:e5`` ... ``errata_double:every`` (tests on ``sys.path``);
see :mod:`duckybio.kit.errata_double`.
"""

from __future__ import annotations

from collections.abc import Callable

from duckybio.kit._target import Target
from duckybio.kit.errata_double import (
    CHECKABLE,
    LATENCY,
    NOT_ON_THE_WIRE,
    PLANTABLE,
    VECTORS_ONLY,
    ErrataBIO,
    ErrataTarget,
    all_errata_factory,
    errata_factory,
    latency_of,
    without,
)

__all__ = ["CHECKABLE", "LATENCY", "NOT_ON_THE_WIRE", "PLANTABLE", "VECTORS_ONLY", "ErrataBIO",
           "ErrataTarget", "all_errata_factory", "errata_factory", "latency_of", "without"]

# ``module:callable`` names for the command line: errata_double:e5, ..., errata_double:every
for _erratum in PLANTABLE:
    globals()[_erratum.lower()] = errata_factory(_erratum)
every: Callable[[], Target] = all_errata_factory()
#: Every erratum but E10, whose removal takes away just its own deviation.
every_but_e10 = without("E10")
