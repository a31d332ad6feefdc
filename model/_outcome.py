"""The outcome of one step of the model, as typed fields.

A step either takes one :class:`Action` (a register answered, latched or
ignored, a tick waited, an SRST deferred), or is made of the steps a STATUS
write, a tick or a forced completion can take: a reset (SRST), DMA mode set,
a command started, and the :class:`CommandEnd` a command came to.  Only at
the edge (class names, reports, the diagram) is an outcome rendered, by
``text``, as SPEC section 18 names it: the action's name, or the steps
joined by ``+`` (``reset+dma+start-read+fail``, ``start-write``, ``ok``),
or ``none`` for a STATUS write that did nothing.

The outcomes are a finite set, made once (:data:`OUTCOMES`):
``StepOutcome(...)`` returns the one value with those fields and refuses
fields that do not go together.  Values are immutable and compared and
hashed by identity, as cheaply as a string; pickling and copying keep them
unique.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, final

from ._state import Op


class Action(enum.Enum):
    """What a step did that is neither a reset, DMA mode, a command started nor ended."""

    __hash__ = object.__hash__  # members are singletons: identity hashing, in C

    FLAGS = "flags"
    ZERO = "zero"
    IGNORED = "ignored"
    UNDERRUN = "underrun"
    WORD = "word"
    SELECT = "select"
    UNKNOWN = "unknown"
    LATCH = "latch"
    OVERRUN = "overrun"
    APPEND = "append"
    RESET_DEFERRED = "reset-deferred"
    WAIT = "wait"


class CommandEnd(enum.Enum):
    """How a command ended: it ran, it failed its checks, or an injected I/O error failed it."""

    __hash__ = object.__hash__

    OK = "ok"
    FAIL = "fail"
    IO_ERROR = "io-error"


_Key = tuple[Action | None, bool, bool, Op | None, CommandEnd | None]


@final
class StepOutcome:
    """What one step did: an action, or reset, DMA mode, command started and its end.

    ``action`` excludes the other fields.  ``end`` without ``started`` is a
    command in flight ending (a tick or a completion), so it excludes
    ``reset`` and ``dma``.
    """

    __slots__ = ("action", "dma", "end", "reset", "started", "text")

    action: Action | None
    reset: bool
    dma: bool
    started: Op | None
    end: CommandEnd | None
    text: str

    def __new__(
        cls,
        action: Action | None = None,
        *,
        reset: bool = False,
        dma: bool = False,
        started: Op | None = None,
        end: CommandEnd | None = None,
    ) -> StepOutcome:
        """The outcome with these fields; ``ValueError`` if no step takes it."""
        try:
            return _INTERNED[(action, reset, dma, started, end)]
        except KeyError:
            raise ValueError(
                f"no step has the outcome action={action}, reset={reset}, dma={dma}, "
                f"started={started}, end={end}"
            ) from None

    @classmethod
    def named(cls, text: str) -> StepOutcome:
        """The outcome ``text`` renders to; ``ValueError`` if none does."""
        try:
            return OUTCOMES[text]
        except KeyError:
            raise ValueError(f"no step has the outcome {text!r}") from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"StepOutcome is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"StepOutcome is immutable: cannot delete {name}")

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return StepOutcome.named, (self.text,)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"StepOutcome.named({self.text!r})"


def _render(key: _Key) -> str:
    action, reset, dma, started, end = key
    if action is not None:
        return action.value
    parts = [name for name, on in (("reset", reset), ("dma", dma)) if on]
    if started is not None:
        parts.append(f"start-{started.value}")
    if end is not None:
        parts.append(end.value)
    return "+".join(parts) or "none"


def _keys() -> list[_Key]:
    """Every combination of fields that go together.

    SRST makes ``+ok`` unreachable, not invalid.
    """
    keys: list[_Key] = [(action, False, False, None, None) for action in Action]
    for reset in (False, True):
        for dma in (False, True):
            keys.append((None, reset, dma, None, None))
            keys += [(None, reset, dma, op, end) for op in Op for end in (None, *CommandEnd)]
    keys += [(None, False, False, None, end) for end in CommandEnd]
    return keys


def _make(key: _Key) -> StepOutcome:
    outcome = object.__new__(StepOutcome)
    for name, value in zip(("action", "reset", "dma", "started", "end"), key, strict=True):
        object.__setattr__(outcome, name, value)
    object.__setattr__(outcome, "text", _render(key))
    return outcome


_INTERNED: Final[dict[_Key, StepOutcome]] = {key: _make(key) for key in _keys()}

#: Every outcome a step can take, by its text (SPEC section 18).
OUTCOMES: Final[Mapping[str, StepOutcome]] = MappingProxyType(
    {o.text: o for o in _INTERNED.values()}
)
