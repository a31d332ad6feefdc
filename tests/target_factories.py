"""The targets the rule tests run against, by name, with their declared latency.

Every entry of :data:`TARGET_FACTORIES` must also appear in
:data:`TARGET_LATENCY` (a test checks it): the latency is the number of clock
steps after which a command started by a STATUS write has completed, 0 for a
target that completes it within that write.  Targets with a latency above 0
must read BUSY right after the start; the tests of BUSY behaviour run on
exactly those targets.
"""

from __future__ import annotations

from collections.abc import Callable

from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target


def _model() -> Target:
    return ModelTarget()


def _model_latency_2() -> Target:
    return ModelTarget(latency=2)


def _impl() -> Target:
    return ReferenceTarget()


def _impl_latency_2() -> Target:
    return ReferenceTarget(latency=2)


#: Fresh, not yet powered-on targets by name.
TARGET_FACTORIES: dict[str, Callable[[], Target]] = {
    "model": _model,
    "model-latency-2": _model_latency_2,
    "impl": _impl,
    "impl-latency-2": _impl_latency_2,
}

#: The declared bound of each target: clock steps a command may stay BUSY.
TARGET_LATENCY: dict[str, int] = {
    "model": 0,
    "model-latency-2": 2,
    "impl": 0,
    "impl-latency-2": 2,
}


def busy_target_names() -> list[str]:
    """The targets whose commands stay BUSY across clock steps (latency > 0)."""
    return sorted(name for name, latency in TARGET_LATENCY.items() if latency > 0)


class WithoutFaults:
    """The reference implementation without the optional ``fault`` command (R-HOST-7)."""

    def __init__(self) -> None:
        self._inner = ReferenceTarget()

    def machine(self, ram_size: int, mmio_base: int) -> None:
        self._inner.machine(ram_size, mmio_base)

    def storage(self, sid: int, size: int) -> None:
        self._inner.storage(sid, size)

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        self._inner.storage_write(sid, offset, data)

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        return self._inner.storage_read(sid, offset, length)

    def writel(self, addr: int, value: int) -> None:
        self._inner.writel(addr, value)

    def readl(self, addr: int) -> int:
        return self._inner.readl(addr)

    def write(self, addr: int, data: bytes) -> None:
        self._inner.write(addr, data)

    def read(self, addr: int, length: int) -> bytes:
        return self._inner.read(addr, length)

    def clock_step(self, ns: int | None = None) -> int:
        return self._inner.clock_step(ns)

    def close(self) -> None:
        self._inner.close()


def without_faults() -> Target:
    """A ``module:callable`` factory: a conforming device that declines fault injection."""
    return WithoutFaults()
