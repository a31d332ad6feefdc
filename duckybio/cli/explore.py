"""``duckybio explore``: exhaustive exploration of a small instance of the model."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from ..explore import (
    DEFAULT_MAX_STATES,
    ExploreInstance,
    ExploreResult,
    ExploreStorage,
    explore,
)
from .options import natural, positive


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``explore`` subcommand (handled by :func:`run`)."""
    p = subparsers.add_parser(
        "explore", help="visit every reachable state of a small model instance, "
                        "checking the protocol's invariants")
    p.add_argument("--block-size", default="4", help="block size in bytes (default 4)")
    p.add_argument("--page-size", default="4", help="page size in bytes (default 4)")
    p.add_argument("--ram-pages", default="2",
                   help="RAM size in pages, the MMIO page included (default 2)")
    p.add_argument("--mmio-page", default="1", help="page number of the MMIO page (default 1)")
    p.add_argument("--storages", default="1:8",
                   help="storages as SID:SIZE[,SID:SIZE...], sizes in bytes (default 1:8)")
    p.add_argument("--latency", action="append", default=None,
                   help="latency to explore, repeatable or comma-separated (default 0,1)")
    p.add_argument("--data-words", default="0xa5a5a5a5",
                   help="one or two words guest DATA writes use, comma-separated "
                        "(default 0xa5a5a5a5)")
    p.add_argument("--max-states", default=str(DEFAULT_MAX_STATES),
                   help=f"states kept per latency (default {DEFAULT_MAX_STATES})")
    p.add_argument("--max-depth", default=None,
                   help="explore only traces up to this many events (default: no bound)")
    p.add_argument("--jobs", default=None,
                   help="worker processes, one latency each (default: number of CPUs)")
    p.add_argument("--json", default=None, metavar="PATH",
                   help="also write the report as JSON to PATH ('-' for standard output)")


class _BadOption(Exception):
    """A bad option value; the message names the option."""


def _int(text: str, option: str, parse: Callable[[str], int] = natural) -> int:
    """``text`` read by ``parse``, an integer type of :mod:`.options`.

    The options are read after parsing, so that every bad value is reported
    as one line naming its option (exit 2) rather than by argparse.
    """
    try:
        return parse(text)
    except argparse.ArgumentTypeError as exc:
        raise _BadOption(f"{option}: {exc}") from None


def _ram_pages(text: str) -> int:
    """An argparse type: a page count >= 2 (the MMIO page and at least one more)."""
    value = positive(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be >= 2, not {value}")
    return value


def _ints(texts: list[str], option: str) -> tuple[int, ...]:
    items = [t for text in texts for t in text.split(",") if t.strip()]
    if not items:
        raise _BadOption(f"{option}: no value given")
    return tuple(_int(t.strip(), option) for t in items)


def _storages(text: str) -> tuple[ExploreStorage, ...]:
    result = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        sid, sep, size = item.partition(":")
        if not sep:
            raise _BadOption(f"--storages: expected SID:SIZE, not {item!r}")
        result.append(ExploreStorage(sid=_int(sid, "--storages"), size=_int(size, "--storages")))
    return tuple(result)


def _instance(args: argparse.Namespace) -> ExploreInstance:
    latencies: list[str] = args.latency if args.latency is not None else ["0,1"]
    try:
        return ExploreInstance(
            block_size=_int(args.block_size, "--block-size", positive),
            page_size=_int(args.page_size, "--page-size", positive),
            ram_pages=_int(args.ram_pages, "--ram-pages", _ram_pages),
            mmio_page=_int(args.mmio_page, "--mmio-page"),
            storages=_storages(args.storages),
            latencies=_ints(latencies, "--latency"),
            data_words=_ints([args.data_words], "--data-words"))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        raise _BadOption(f"{where + ': ' if where else ''}{message}") from None


def print_report(result: ExploreResult, out: TextIO = sys.stdout) -> None:
    """The human-readable report: counts per latency, totals, violations with traces."""

    def say(text: str) -> None:
        print(text, file=out)

    for r in result.runs:
        note = "" if r.complete else " (incomplete: bound reached)"
        say(f"latency {r.latency}: {r.states} states, {r.transitions} transitions, "
            f"{r.classes} transition classes, depth {r.depth}{note}")
    say(f"total: {result.states} states, {result.transitions} transitions, "
        f"{len(result.classes)} transition classes in {result.seconds:.2f} s "
        f"({result.states_per_second:.0f} states/s)")
    if not result.violations:
        say("no invariant violated")
    for v in result.violations:
        say(f"VIOLATION {v.name} (latency {v.latency}): {v.message}")
        say(f"shortest trace from power-on ({len(v.trace)} events):")
        for step in v.trace:
            say(f"  {step}")


def run(args: argparse.Namespace) -> int:
    """Explore; 0 when no invariant is violated, 1 on a violation, 2 on bad options."""
    try:
        instance = _instance(args)
        max_states = _int(args.max_states, "--max-states", positive)
        max_depth = None if args.max_depth is None else _int(args.max_depth, "--max-depth")
        jobs = (os.cpu_count() or 1) if args.jobs is None else _int(args.jobs, "--jobs", positive)
    except _BadOption as exc:
        print(f"duckybio explore: error: {exc}", file=sys.stderr)
        return 2
    result = explore(instance, max_states=max_states, max_depth=max_depth, jobs=jobs)
    print_report(result, sys.stderr if args.json == "-" else sys.stdout)
    if args.json is not None:
        text = result.model_dump_json(indent=2)
        if args.json == "-":
            print(text)
        else:
            try:
                Path(args.json).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                print(f"duckybio explore: error: cannot write {args.json}: {exc.strerror}",
                      file=sys.stderr)
                return 2
    return 1 if result.violations else 0
