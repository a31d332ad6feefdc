"""One check in several processes: disjoint seeds, one target each, one merged report.

:func:`run_workers` runs ``n`` workers, each in its own process with its own
target (a command line is started once per worker): worker ``k`` runs the
share ``k`` of the budget from its own seed (``seed + k * 2**32``, so that
no two workers draw the same sequences; worker 0 of one is the plain run)
and the fixed sequences of index ``k`` modulo ``n``.  The fixed sequences
are planned once, in the parent, before the workers are forked.  The
reports are merged into one, as if one run had done it all: counts add up,
coverage is the union, the failure reported is the first worker's that
failed, and (keeping going) every distinct deviation is listed once, with
the reproducer of the first worker that found it and the occurrences of all.

The workers never outlive the parent: each asks the kernel to kill it when
its parent dies (Linux ``PR_SET_PDEATHSIG``), the parent kills them all
when it stops for any reason (SIGTERM included), and a worker that dies
before its report ends the run with :class:`WorkerDied`.  A worker's target
reads end of file when its worker dies, and ends.  ``n`` is at most the
processors this process may run on (:func:`max_workers`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from collections import Counter
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from ._coverage import (
    CoverageReport,
    PairCoverageReport,
    coverage_instance,
    pair_plan,
    reachable_classes,
)
from ._deviations import AllowedDeviation, Deviation, in_report_order
from ._instance import Instance
from ._policy import policy_for
from ._process import exit_text
from ._run import CheckConfig, CheckReport, run_check
from ._systematic import systematic_sequences
from ._targets import resolve_target
from .errors import InputError, TargetBroken

#: Seeds of two workers are this far apart.
SEED_STRIDE = 1 << 32
#: Linux prctl option: the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


class WorkerDied(TargetBroken):
    """A worker process ended without its report (killed, or out of memory)."""


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
    database: str | None
    shard: tuple[int, int]
    keep_going: bool = False
    allowed: tuple[AllowedDeviation, ...] = ()


def max_workers() -> int:
    """The processors this process may run on: the most workers a check may ask for."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_workers(workers: int) -> int:
    """``workers`` if it is from 1 to :func:`max_workers`; else :class:`InputError`."""
    most = max_workers()
    if not 1 <= workers <= most:
        raise InputError(f"--workers {workers}: from 1 to {most} (the processors this run "
                         "may use)")
    return workers


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
    workers = min(workers, job.examples)
    share, extra = divmod(job.examples, workers)
    return [replace(job, examples=share + (k < extra), seed=job.seed + k * SEED_STRIDE,
                    shard=(k, workers)) for k in range(workers)]


def run_workers(job: WorkerJob, workers: int) -> CheckReport:
    """The check ``job`` describes, in ``workers`` processes, as one report.

    Raises :class:`WorkerDied` if a worker ends without its report, and what
    a worker raised for a bad input (:class:`~.errors.InputError`).
    """
    jobs = jobs_for(job, check_workers(workers))
    if len(jobs) == 1:
        return run_job(jobs[0])
    _plan(job)
    context = multiprocessing.get_context("fork")
    started: list[tuple[BaseProcess, Connection]] = []
    try:
        for one in jobs:
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(one, send, os.getpid()),
                                      daemon=True)
            process.start()
            send.close()
            started.append((process, receive))
        reports = _collect(started)
    finally:
        for worker, receive in started:
            if worker.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    worker.kill()
            worker.join()
            receive.close()
    return merge(reports, seed=job.seed)


def _plan(job: WorkerJob) -> None:
    """Plan what every worker would plan alike (cached), so that the forks inherit it."""
    with resolve_target(job.target, latency=job.latency, timeout=job.timeout,
                        reuse=job.reuse) as spec:
        policy = policy_for(spec, job.busy_bound)
    systematic_sequences(job.instance, policy.latency)
    latency = policy.coverage_latency
    reachable_classes(coverage_instance(latency))
    pair_plan(latency)


def _collect(started: list[tuple[BaseProcess, Connection]]) -> list[CheckReport]:
    """Every worker's report, in order; the first worker to die ends it all."""
    reports: dict[int, CheckReport] = {}
    index = {id(receive): k for k, (_, receive) in enumerate(started)}
    waiting: dict[int, Connection] = {k: receive for k, (_, receive) in enumerate(started)}
    while waiting:
        for ready in wait(list(waiting.values())):
            assert isinstance(ready, Connection)
            k = index[id(ready)]
            process = started[k][0]
            try:
                kind, payload = ready.recv()
            except (EOFError, OSError):
                process.join()
                raise WorkerDied(f"worker {k + 1} of {len(started)} "
                                 f"{exit_text(process.exitcode)} before its report") from None
            del waiting[k]
            if kind == "input":
                raise InputError(payload)
            if kind == "error":
                raise WorkerDied(f"worker {k + 1} of {len(started)} failed: {payload}")
            reports[k] = CheckReport.model_validate_json(payload)
    return [reports[k] for k in range(len(started))]


def _worker(job: WorkerJob, send: Connection, parent: int) -> None:
    """A worker's process: die with the parent, run the share, send the report."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent ends the workers
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    try:
        report = run_job(job)
        message: tuple[str, str] = ("report", report.model_dump_json())
    except InputError as exc:
        message = ("input", str(exc))
    except Exception as exc:  # reported by the parent as one line
        message = ("error", f"{type(exc).__name__}: {exc}".splitlines()[0])
    with contextlib.suppress(OSError):
        send.send(message)
        send.close()


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (a no-op elsewhere)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


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
        faults=any(r.faults for r in reports), probed=any(r.probed for r in reports),
        deviations=_deviations(reports),
        no_longer_occurring=sorted(set(first.no_longer_occurring).intersection(
            *(r.no_longer_occurring for r in reports[1:]))),
        transition_counts=dict(counts), database=first.database,
        replayed=sum(r.replayed for r in reports))
    if failed is None:
        return merged
    return merged.model_copy(update={
        "failure": failed.failure, "detail": failed.detail, "broken": failed.broken,
        "trace": failed.trace, "transcript": failed.transcript,
        "stderr_tail": failed.stderr_tail,
        "first_failure": None if failed.first_failure is None
        else seen_before + failed.first_failure})


def _deviations(reports: list[CheckReport]) -> list[Deviation]:
    """Every distinct deviation once: the first worker's, with everyone's occurrences and
    consequences, folded by erratum and ordered as one run's report is."""
    by_signature: dict[str, Deviation] = {}
    for report in reports:
        for d in report.deviations:
            kept = by_signature.get(d.signature)
            by_signature[d.signature] = d if kept is None else kept.model_copy(update={
                "occurrences": kept.occurrences + d.occurrences,
                "consequences": [*kept.consequences,
                                 *(c for c in d.consequences if c not in kept.consequences)]})
    return in_report_order(list(by_signature.values()))


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


__all__ = ["SEED_STRIDE", "WorkerDied", "WorkerJob", "check_workers", "jobs_for", "max_workers",
           "merge", "run_job", "run_workers"]
