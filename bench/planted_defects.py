"""Every planted defect at the default budget: found or not, time, minimal trace size.

Runs ``duckybio check``'s own :func:`~duckybio.kit._run.run_check` at the
default budget (200 sequences of 40 steps, seed 0) against every planted
defect the test suite knows: the one-line mutants of the reference
controller (``tests/test_mutants_impl.py``, white box), the mutant builds of
the C example (``tests/test_mutants_c.py``, over the wire; skipped without a
C compiler), the devices of ``tests/planted.py`` (in process and over the
wire) and each erratum of SPEC section 14 that the check can see, planted
alone into the test double of ``tests/errata_double.py``.  It prints one
line per defect and the median and maximum time to the first
counterexample, and exits 1 when a defect was not found.
``--quick`` runs only the devices of ``tests/planted.py`` in process (a smoke
test: it runs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

from cdevice import CC, MUTANTS, DeviceBuilder  # noqa: E402
from errata_double import CHECKABLE, errata_factory, latency_of  # noqa: E402
from mutation import mutant_block_io, reference_spec, using_block_io  # noqa: E402
from planted import PLANTED  # noqa: E402
from test_mutants_impl import MUTATIONS  # noqa: E402

from duckybio.kit._run import CheckConfig, CheckReport, run_check  # noqa: E402
from duckybio.kit._targets import TargetSpec, resolve_target  # noqa: E402

#: A defect: its name, how to get its target, and the context to run it in.
Case = tuple[str, Callable[[], TargetSpec], Callable[[], AbstractContextManager[object]]]


def cases(quick: bool, workdir: Path) -> Iterator[Case]:
    """Every planted defect (only the in-process devices of ``planted.py`` when ``quick``)."""
    for name, factory in sorted(PLANTED.items()):
        yield f"planted {name} (in process)", partial(TargetSpec, name, factory), nullcontext
    if quick:
        return
    for name in sorted(PLANTED):
        command = f"{sys.executable} {TESTS / 'planted.py'} {name}"
        yield f"planted {name} (wire)", partial(resolve_target, command), nullcontext
    for erratum in CHECKABLE:
        yield (f"erratum {erratum} (test double)",
               partial(TargetSpec, erratum, errata_factory(erratum),
                       latency=latency_of([erratum])), nullcontext)
    for m in MUTATIONS:
        yield (f"impl mutant {m.name}", partial(reference_spec, m.name, m.latency),
               partial(using_block_io, mutant_block_io(m)))
    if CC is not None:
        build = DeviceBuilder(CC, workdir)
        for mutant in sorted(MUTANTS):
            yield f"C mutant {mutant}", partial(_c_spec, build, mutant), nullcontext


def _c_spec(build: DeviceBuilder, mutant: int) -> TargetSpec:
    return resolve_target(str(build(mutant)))


def run(case: Case) -> CheckReport:
    _name, make, context = case
    with context(), make() as spec:
        return run_check(CheckConfig(target=spec))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="only the in-process planted devices: check that it runs")
    args = parser.parse_args(argv)
    times: list[float] = []
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'defect':48} {'found':6} {'seconds':>8} {'sequence':>8} {'trace':>6}")
        for case in cases(args.quick, Path(tmp)):
            report = run(case)
            found = not report.conforms
            if found:
                times.append(report.seconds)
            else:
                missed.append(case[0])
            print(f"{case[0]:48} {'yes' if found else 'NO':6} {report.seconds:8.2f} "
                  f"{report.first_failure or '-':>8} {len(report.trace):6}")
    if times:
        print(f"time to the first counterexample: median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s; found {len(times)} of {len(times) + len(missed)} "
              f"(ratio {len(times) / (len(times) + len(missed)):.2f})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
