"""Mutation score of the controller and the model: a seeded sample of mutmut's mutants.

mutmut (configured in ``pyproject.toml``, ``[tool.mutmut]``) mutates through
the ``duckybio/`` links, since the tests import ``duckybio.impl`` and
``duckybio.model``.  This script copies the project to a temporary folder
(mutmut writes its ``mutants/`` tree there), lets mutmut generate every
mutant of each file, runs a sample of ``--sample`` mutants per file drawn
with ``--seed`` against the lockstep, rule and controller tests and the model's
own (step, host commands, exploration, generated files), and prints
per file how many were killed, survived or timed out, the score, and each
survivor (``mutmut show`` in the copy shows its diff).  ``--quick`` runs two
mutants of ``impl/_bio.py`` against the controller's unit tests (a smoke
test: it runs, not how good the tests are).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

HERE: Final = Path(__file__).resolve().parents[1]
FILES: Final = ("impl/_bio.py", "model/_transitions.py")
TESTS: Final = ("tests/test_lockstep.py", "tests/rules", "tests/test_impl_bio.py",
                 "tests/test_model_step.py", "tests/test_model_host.py", "tests/test_explore.py",
                 "tests/test_generated.py")
QUICK_TESTS: Final = ("tests/test_impl_bio.py",)
#: mutmut's exit codes of a mutant's test run, as this script counts them.
KILLED: Final = frozenset({1, 3})
TIMEOUT: Final = frozenset({24, -24, 36, 152, 255})
_SKIP: Final = shutil.ignore_patterns(".venv", ".git", "mutants", "__pycache__", "*.egg-info",
                                      ".mypy_cache", ".ruff_cache", ".hypothesis",
                                      "duckybio-counterexample")


def configure(copy: Path, files: tuple[str, ...], tests: tuple[str, ...]) -> None:
    """Point the copy's ``[tool.mutmut]`` at ``files`` (through the links) and ``tests``."""
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text()
    text = re.sub(r"(?m)^source_paths = .*$",
                  "source_paths = " + json.dumps([f"duckybio/{f}" for f in files]), text)
    text = re.sub(r"(?m)^pytest_add_cli_args_test_selection = .*$",
                  "pytest_add_cli_args_test_selection = " + json.dumps(list(tests)), text)
    pyproject.write_text(text)


def mutmut(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=copy, text=True,
                          capture_output=True, check=False)


def outcomes(copy: Path, file: str) -> dict[str, int | None]:
    """Each mutant of ``file`` and its exit code (``None``: not run)."""
    meta = copy / "mutants" / "duckybio" / f"{file}.meta"
    data: dict[str, dict[str, int | None]] = json.loads(meta.read_text())
    return data["exit_code_by_key"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two mutants: check that it runs")
    parser.add_argument("--sample", type=int, default=150, help="mutants per file (default 150)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--file", action="append", choices=FILES, default=None,
                        help="a file to mutate (repeatable; default both)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="make the copy in DIR (a new folder) and keep it, so that "
                             "'mutmut show NAME' there shows a survivor's diff")
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep {args.keep}: it exists already")
    if args.sample < 1 or args.jobs < 1:
        parser.error("--sample and --jobs must be positive")
    files = tuple(args.file or (FILES[:1] if args.quick else FILES))
    tests = QUICK_TESTS if args.quick else TESTS
    sample = 2 if args.quick else args.sample
    with tempfile.TemporaryDirectory(prefix="duckybio-mutation-") as tmp:
        copy = args.keep.resolve() if args.keep is not None else Path(tmp) / "project"
        shutil.copytree(HERE, copy, symlinks=True, ignore=_SKIP)
        configure(copy, files, tests)
        mutmut(copy, "run", "--max-children", "1", "no-such-mutant")  # generates the mutants
        rng = random.Random(args.seed)
        chosen: dict[str, list[str]] = {}
        for file in files:
            names = sorted(outcomes(copy, file))
            if not names:
                raise SystemExit(f"mutmut generated no mutants of {file}")
            chosen[file] = sorted(rng.sample(names, min(sample, len(names))))
        done = mutmut(copy, "run", "--max-children", str(args.jobs),
                      *[n for names in chosen.values() for n in names])
        if done.returncode != 0:
            raise SystemExit(f"mutmut failed: {done.stderr.strip()[-300:]}")
        for file, names in chosen.items():
            codes = outcomes(copy, file)
            killed = [n for n in names if codes[n] in KILLED]
            timeouts = [n for n in names if codes[n] in TIMEOUT]
            survived = [n for n in names if n not in killed and n not in timeouts]
            score = (len(killed) + len(timeouts)) / len(names)
            print(f"{file}: {len(names)} sampled of {len(codes)}, {len(killed)} killed, "
                  f"{len(timeouts)} timed out, {len(survived)} survived; "
                  f"ratio killed {score:.3f}")
            for name in survived:
                print(f"  survived: {name} (exit {codes[name]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
