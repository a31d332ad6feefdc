"""Source mutation of the reference BIO controller, for the mutant tests.

:func:`mutant_block_io` reads ``impl/bio.py``, applies one exact textual
replacement (the original text must occur exactly once, so that a change of
the source breaks the test loudly instead of silently testing nothing) and
executes the result as a fresh module inside the ``duckybio.impl`` package.
:func:`using_block_io` makes :class:`~duckybio.impl.target.ReferenceTarget`
build its machines with a given controller class while it is active.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

import pytest

import duckybio.impl.bio
import duckybio.impl.machine

#: The reference controller's source file.
BIO_SOURCE: Final = Path(duckybio.impl.bio.__file__).resolve()

_serial = itertools.count()


@dataclass(frozen=True, slots=True)
class Mutation:
    """One planted bug: replace ``old`` (which must occur once) by ``new``."""

    name: str
    description: str
    old: str
    new: str
    latency: int = 0


def mutated_source(old: str, new: str, source: str | None = None) -> str:
    """``source`` (default: the controller's) with the one occurrence of ``old`` replaced."""
    text = BIO_SOURCE.read_text() if source is None else source
    found = text.count(old)
    assert found == 1, f"expected exactly one occurrence of {old!r} in {BIO_SOURCE.name}, " \
                       f"found {found}: the mutation no longer fits the source"
    return text.replace(old, new)


def load_module(source: str, label: str) -> ModuleType:
    """Execute ``source`` as a fresh module of the ``duckybio.impl`` package."""
    name = f"duckybio.impl._mutant_{label}_{next(_serial)}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(BIO_SOURCE))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "duckybio.impl"
    module.__file__ = str(BIO_SOURCE)
    sys.modules[name] = module  # dataclasses look their module up while executing
    try:
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def mutant_block_io(mutation: Mutation | None) -> type:
    """The ``BlockIO`` class of the source with ``mutation`` applied (``None``: unmutated)."""
    if mutation is None:
        module = load_module(BIO_SOURCE.read_text(), "control")
    else:
        module = load_module(mutated_source(mutation.old, mutation.new), mutation.name)
    block_io: type = module.BlockIO
    assert block_io is not duckybio.impl.bio.BlockIO
    return block_io


@contextmanager
def using_block_io(block_io: type) -> Iterator[None]:
    """While active, every new reference machine gets a ``block_io`` controller."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckybio.impl.machine, "BlockIO", block_io)
        yield
