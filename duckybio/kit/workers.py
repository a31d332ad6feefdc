"""One check in several processes: disjoint seeds, one target each, one merged report.

:func:`run_workers` runs ``n`` workers, each in its own process with its own
target (a command line is started once per worker): worker ``k`` runs the
share ``k`` of the budget from its own seed (``seed + k * 2**32``, so that
no two workers draw the same sequences; worker 0 of one is the plain run)
and the fixed sequences of index ``k`` modulo ``n``.  The reports are
merged into one, as if one run had done it all: counts add up, coverage is
the union, the failure reported is the first worker's that failed, and
(keeping going) every distinct deviation is listed once, with the
reproducer of the first worker that found it and the occurrences of all.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from .coverage import CoverageReport, PairCoverageReport
from .deviations import AllowedDeviation, Deviation
from .instance import Instance
from .run import CheckConfig, CheckReport, run_check
from .targets import resolve_target

#: Seeds of two workers are this far apart.
SEED_STRIDE = 1 << 32


@dataclass(frozen=True, slots=True)
class WorkerJob:
    """What one worker process needs, in a form that crosses process boundaries."""

    target: str | None
    latency: int
    timeout: float
    reuse: bool
    busy_bound: int | None
    examples: int
    steps: int
    seed: int
    instance: Instance
    database: Path | None
    shard: tuple[int, int]
    keep_going: bool = False
    allowed: tuple[AllowedDeviation, ...] = ()


def run_job(job: WorkerJob) -> CheckReport:
    """Run one worker's share of the check (in the worker's process)."""
    with resolve_target(job.target, latency=job.latency, timeout=job.timeout,
                        reuse=job.reuse) as spec:
        return run_check(CheckConfig(
            target=spec, busy_bound=job.busy_bound, examples=job.examples, steps=job.steps,
            seed=job.seed, instance=job.instance, database=job.database, shard=job.shard,
            keep_going=job.keep_going, allowed=job.allowed))


def jobs_for(job: WorkerJob, workers: int) -> list[WorkerJob]:
    """``job`` split among ``workers``: shares of the budget, disjoint seeds, shards."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, not {workers}")
    share, extra = divmod(job.examples, workers)
    return [replace(job, examples=share + (k < extra), seed=job.seed + k * SEED_STRIDE,
                    shard=(k, workers))
            for k in range(workers) if share + (k < extra) > 0]


def run_workers(job: WorkerJob, workers: int) -> CheckReport:
    """The check ``job`` describes, in ``workers`` processes, as one report."""
    jobs = jobs_for(job, workers)
    if len(jobs) == 1:
        return run_job(jobs[0])
    with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
        reports = list(pool.map(run_job, jobs))
    return merge(reports, seed=job.seed)


def merge(reports: list[CheckReport], *, seed: int) -> CheckReport:
    """The reports of the workers of one run as one report."""
    failed = next((r for r in reports if not r.conforms), None)
    first = reports[0]
    seen_before = sum(r.examples for r in reports[:reports.index(failed)]) if failed else 0
    counts: Counter[str] = Counter()
    for r in reports:
        counts.update(r.transition_counts)
    merged = CheckReport(
        target=first.target, conforms=failed is None,
        examples=sum(r.examples for r in reports), steps=sum(r.steps for r in reports),
        seed=seed, seconds=max(r.seconds for r in reports),
        transitions=sorted({t for r in reports for t in r.transitions}),
        coverage=_classes([r.coverage for r in reports]),
        pair_coverage=_pairs([r.pair_coverage for r in reports]),
        faults=any(r.faults for r in reports), deviations=_deviations(reports),
        no_longer_occurring=sorted(set(first.no_longer_occurring).intersection(
            *(r.no_longer_occurring for r in reports[1:]))),
        transition_counts=dict(counts))
    if failed is None:
        return merged
    return merged.model_copy(update={
        "failure": failed.failure, "detail": failed.detail, "broken": failed.broken,
        "trace": failed.trace, "transcript": failed.transcript,
        "stderr_tail": failed.stderr_tail,
        "first_failure": None if failed.first_failure is None
        else seen_before + failed.first_failure})


def _deviations(reports: list[CheckReport]) -> list[Deviation]:
    """Every distinct deviation once: the first worker's, with everyone's occurrences."""
    by_signature: dict[str, Deviation] = {}
    for report in reports:
        for d in report.deviations:
            kept = by_signature.get(d.signature)
            by_signature[d.signature] = d if kept is None else kept.model_copy(
                update={"occurrences": kept.occurrences + d.occurrences})
    return list(by_signature.values())


def _classes(parts: list[CoverageReport | None]) -> CoverageReport | None:
    if any(p is None for p in parts):
        return None
    reports = [p for p in parts if p is not None]
    reachable = set(reports[0].reachable)
    covered = set().union(*(p.covered for p in reports))
    unexpected = set().union(*(p.unexpected for p in reports))
    return CoverageReport(covered=sorted(covered), reachable=sorted(reachable),
                          missing=sorted(reachable - covered), unexpected=sorted(unexpected),
                          percentage=100.0 * len(covered) / len(reachable) if reachable
                          else 100.0)


def _pairs(parts: list[PairCoverageReport | None]) -> PairCoverageReport | None:
    if any(p is None for p in parts):
        return None
    reports = [p for p in parts if p is not None]
    reachable = reports[0].reachable
    missing = set(reports[0].missing).intersection(*(p.missing for p in reports[1:]))
    covered = reachable - len(missing)
    return PairCoverageReport(covered=covered, reachable=reachable, missing=sorted(missing),
                              percentage=100.0 * covered / reachable if reachable else 100.0)
