"""The sdist carries what the gates read, so an unpacked sdist runs them as a checkout does.

The sdist is built by the project's own build backend (setuptools, a dev
dependency; no network, no build isolation) from a copy of the tree.  It must
hold every file of the folders the tests, the type check and the documents
read (``MANIFEST.in`` names them) besides the package itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent

#: What an sdist is built from: the project files and the folders the package links to.
SOURCES: Final = ("pyproject.toml", "MANIFEST.in", "README.md", "mypy.ini", "duckybio", "spec",
                  "model", "impl", "docs", "examples", "tests", "bench")
#: Folders every file of which the sdist must hold, and single files it must hold.
NEEDED_DIRS: Final = ("docs", "examples", "tests", "bench", "spec/generated", "spec/vectors")
NEEDED_FILES: Final = ("README.md", "pyproject.toml", "MANIFEST.in", "mypy.ini", "spec/SPEC.md",
                        "spec/trace.schema.json")
#: Build and cache output that is never shipped (``MANIFEST.in`` excludes it too).
JUNK: Final = ("__pycache__", "*.pyc", "*.pyo", "*.pyd", "biodev", "biodrv")

_BUILD = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"


def _is_junk(path: Path) -> bool:
    return any(part == "__pycache__" for part in path.parts) or any(
        path.match(pattern) for pattern in JUNK)


def needed_files(root: Path) -> set[str]:
    """The files (relative, POSIX) the sdist of ``root`` must hold."""
    needed = {name for name in NEEDED_FILES}
    for folder in NEEDED_DIRS:
        for path in (root / folder).rglob("*"):
            rel = path.relative_to(root)
            if path.is_file() and not _is_junk(rel):
                needed.add(rel.as_posix())
    return needed


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The member files of a freshly built sdist, relative to its top folder."""
    base = tmp_path_factory.mktemp("sdist")
    src, out = base / "src", base / "dist"
    src.mkdir()
    ignore = shutil.ignore_patterns(*JUNK, "*.egg-info")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, symlinks=True, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, src / name)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", _BUILD, str(out)], cwd=src, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"building the sdist failed:\n{done.stdout}\n{done.stderr}"
    archive = out / done.stdout.strip().splitlines()[-1]
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
    top = archive.name.removesuffix(".tar.gz") + "/"
    assert all(m.name.startswith(top) for m in members), top
    return {m.name.removeprefix(top) for m in members}


def test_the_sdist_holds_what_the_tests_read(sdist: set[str]) -> None:
    missing = sorted(needed_files(ROOT) - sdist)
    assert not missing, f"MANIFEST.in leaves out: {missing}"


def test_the_sdist_holds_the_package_and_its_data(sdist: set[str]) -> None:
    for name in ("duckybio/__init__.py", "duckybio/py.typed", "duckybio/spec/SPEC.md",
                 "duckybio/spec/regmap.py", "duckybio/model/_transitions.py",
                 "duckybio/impl/_bio.py", "duckybio/kit/_lockstep.py",
                 "duckybio/spec/generated/bio.h"):
        assert name in sdist, name
    vectors = {n for n in sdist if n.startswith("duckybio/spec/vectors/") and n.endswith(".json")}
    assert vectors and len(vectors) == len(list((ROOT / "spec" / "vectors").glob("*.json")))


def test_the_sdist_ships_no_build_output(sdist: set[str]) -> None:
    junk = sorted(name for name in sdist if _is_junk(Path(name)))
    assert not junk, junk
