"""How a lockstep run treats a target's timing: one rule for every front end.

A device declares a bound: the number of clock steps a command may stay BUSY
(SPEC section 9, R-BSY-1; section 13).  :func:`policy_for` turns a resolved
target and that bound into a :class:`Policy`:

- the bundled reference implementation, in process: the model completes a
  command after exactly the reference's latency, and the whole internal state
  is compared after every step (white box);
- any other target with a bound of 0: the device completes within the STATUS
  write that starts a command, and so does the model (exact latency 0);
- any other target with a bound N > 0: the model follows the device; after
  every STATUS write and clock step the harness reads STATUS, completes the
  model's command when the device has left BUSY, and reports a command still
  BUSY after N clock steps as a nonconformance.

``duckybio check``, ``duckybio replay``, ``duckybio vectors`` and the pytest
plugin all go through :func:`policy_for` (or the target's declared latency).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ._targets import TargetSpec

#: Model latency that never ends by itself: completion follows the target.
OPEN_LATENCY: Final = 1 << 40


@dataclass(frozen=True, slots=True)
class Policy:
    """How the harness keeps the model in step with one target.

    ``latency``: with ``exact_latency``, the clock steps after which the
    model completes a command; otherwise the bound polled for.
    ``busy_bound``: clock steps a command may stay BUSY (R-BSY-1) when the
    model follows the target.  ``white_box``: also compare the reference
    implementation's internal state, mapped into the model's terms.
    """

    latency: int = 0
    exact_latency: bool = True
    busy_bound: int = 0
    white_box: bool = False

    def __post_init__(self) -> None:
        if self.latency < 0 or self.busy_bound < 0:
            raise ValueError(f"latency and busy bound must be >= 0, not {self.latency} "
                             f"and {self.busy_bound}")

    @property
    def model_latency(self) -> int:
        """The latency the model runs with."""
        return self.latency if self.exact_latency else OPEN_LATENCY

    @property
    def polls(self) -> int:
        """Clock steps a driver-like wait polls for at most."""
        return max(self.latency, self.busy_bound) + 1

    @property
    def coverage_latency(self) -> int:
        """The latency whose reachable transition classes a run can cover.

        When the model follows the target (a bound of at least 1), a command
        may stay BUSY over clock steps, as at latency 2, but it ends by the
        device's completion, never by the model's own countdown.
        """
        return self.latency if self.exact_latency else 2

    def black_box(self) -> Policy:
        """This policy without the white-box comparison: what a replay can see."""
        return Policy(self.latency, self.exact_latency, self.busy_bound, white_box=False)


def policy_for(target: TargetSpec, busy_bound: int | None = None) -> Policy:
    """The policy for ``target`` with the user's ``busy_bound`` (``None``: its latency).

    The in-process reference is checked white box at its own latency (the
    bound is not used); any other target is bounded by ``busy_bound``.
    """
    if target.in_process_reference:
        return Policy(latency=target.latency, exact_latency=True, white_box=True)
    bound = target.latency if busy_bound is None else busy_bound
    return Policy(latency=bound, exact_latency=bound == 0, busy_bound=bound)
