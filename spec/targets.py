"""Turn a ``--target`` argument into a factory of targets.

``module:callable`` names a Python factory (called with no arguments, it
returns a :class:`~duckybio.spec.target.Target`); anything else is a command
line, started as an out-of-process target speaking the wire protocol.  No
argument means the bundled reference implementation, in process.
"""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from .target import Target

_FACTORY = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


class TargetSpecError(ValueError):
    """A ``--target`` argument that names nothing usable (one-line message)."""


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A resolved ``--target``: a description and a factory."""

    description: str
    factory: Callable[[], Target]
    in_process_reference: bool = False


def resolve_target(text: str | None, *, latency: int = 0, timeout: float = 10.0) -> TargetSpec:
    """The target ``text`` names; :class:`TargetSpecError` when it names nothing."""
    if text is None:
        from ..impl.target import ReferenceTarget

        return TargetSpec(f"reference implementation (latency {latency})",
                          lambda: ReferenceTarget(latency=latency), in_process_reference=True)
    text = text.strip()
    if _FACTORY.fullmatch(text):
        return TargetSpec(text, _import_factory(text))
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise TargetSpecError(f"cannot parse target command {text!r}: {exc}") from None
    if not argv:
        raise TargetSpecError("the target command is empty")
    from .wire_client import WireTarget

    def start() -> Target:
        return WireTarget(argv, timeout=timeout)

    return TargetSpec(shlex.join(argv), start)


def _import_factory(text: str) -> Callable[[], Target]:
    module_name, _, attr = text.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import failure is the user's to fix
        raise TargetSpecError(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    obj: object = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetSpecError(f"{module_name} has no attribute {attr}") from None
    if not callable(obj):
        raise TargetSpecError(f"{text} is not callable")
    factory: Callable[[], object] = obj

    def make() -> Target:
        target = factory()
        if not isinstance(target, Target):
            raise TargetSpecError(f"{text}() returned {type(target).__name__}, not a Target")
        return target

    return make
