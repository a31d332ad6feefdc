"""Operations on their way to a pipelined target: :class:`Batches`.

Black box, an out-of-process target (:class:`~._target.Pipelined`) is not
waited for: the harness adds each operation whose answer it does not need
at once, and the operations go out in batches of :data:`PIPELINE_DEPTH`.
The answers of one batch are collected when the next is sent (the target
works while the next batch is generated), and all of them before an answer
is needed or the sequence ends.  Which answers are collected when depends
only on counts, never on timing, so a run is the same every time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..spec import wire
from ._target import Pipelined
from .errors import TargetBroken

#: Operations sent to a pipelined target before their answers are awaited.
PIPELINE_DEPTH = 128


@dataclass(slots=True)
class Answers:
    """Collected answers: ``(trace index, answer line)`` in order, and, when the
    target broke, why and the indices of the operations left unanswered."""

    answered: list[tuple[int, str]]
    broken: TargetBroken | None = None
    unanswered: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Batches:
    """The operations of one sequence not yet answered by ``pipe``.

    ``pending``: (trace index, command, its wire line if formatted already),
    not sent yet; ``in_flight``: trace indices of those sent whose answers
    were not collected yet.
    """

    pipe: Pipelined
    pending: list[tuple[int, wire.Command, str | None]] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)

    def add(self, index: int, command: wire.Command, line: str | None) -> bool:
        """Queue the operation at trace ``index``; whether a batch is full now."""
        self.pending.append((index, command, line))
        return len(self.pending) >= PIPELINE_DEPTH

    def drop_pending(self) -> None:
        """Forget the operations not sent yet (the sequence stops)."""
        self.pending = []

    def exchange(self, expected: Callable[[int], str | None], *, wait: bool) -> Answers:
        """Send the pending operations; collect answers of those sent before.

        ``expected(index)`` is the model's answer to the operation at trace
        ``index`` (the target's answer is taken as it is when it equals it).
        With ``wait``, every answer is collected; without, only those of the
        batches sent before this one.
        """
        earlier = len(self.in_flight)
        if self.pending:
            batch, self.pending = self.pending, []
            self.pipe.submit([command for _, command, _ in batch],
                             [expected(index) for index, _, _ in batch],
                             [line for _, _, line in batch])
            self.in_flight += [index for index, _, _ in batch]
        return self._collect(len(self.in_flight) if wait else earlier)

    def _collect(self, count: int) -> Answers:
        indices, self.in_flight = self.in_flight[:count], self.in_flight[count:]
        try:
            answers = self.pipe.collect(count)
        except TargetBroken as exc:
            answers = list(getattr(exc, "answers", []))
            self.in_flight = []
            return Answers(list(zip(indices, answers, strict=False)), exc,
                           indices[len(answers):])
        return Answers(list(zip(indices, answers, strict=True)))

    def abandon(self) -> None:
        """Send what is pending and await every answer, comparing none (the sequence
        ends); a target that breaks meanwhile is left to the next sequence."""
        if not (self.pending or self.in_flight):
            return
        pending, self.pending, self.in_flight = self.pending, [], []
        with contextlib.suppress(TargetBroken):  # a new process serves the next one
            self.pipe.submit([command for _, command, _ in pending])
            self.pipe.collect(self.pipe.in_flight)
