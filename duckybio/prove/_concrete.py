"""The model's states seen through the encoding: projections and one concrete step.

:func:`ctl_of` reduces a ``BioState`` to the :class:`~._encoding.Ctl` the
encoding speaks of, :func:`env_of` reads the geometry, storages and pending
faults of a machine, and :func:`encoded_step` is the encoding's successor of a
concrete state (the concrete reading of :func:`~._encoding.cases`).
"""

from __future__ import annotations

from ..model import BioState, Event, MachineState, ModelConfig, Op, Write, kind_of
from ._encoding import Ctl, Env, StepCase, cases, taken
from ._ops import CONCRETE


def ctl_of(bio: BioState) -> Ctl:
    """The control state of ``bio``: buffers as lengths, absent values as 0 / false."""
    c = bio.command
    command = (
        (False, False, 0, 0, 0, 0, False, 0)
        if c is None
        else (
            c.op is Op.READ,
            c.sid is not None,
            c.sid or 0,
            c.block,
            c.count,
            c.addr,
            c.dma,
            c.ticks_left,
        )
    )
    return Ctl(
        bio.flags,
        bio.sid is not None,
        bio.sid or 0,
        bio.block,
        bio.count,
        bio.addr,
        bio.dma,
        len(bio.rbuf),
        bio.cursor,
        len(bio.wbuf),
        c is not None,
        *command,
        bio.reset_pending,
    )


def env_of(cfg: ModelConfig, state: MachineState) -> Env:
    """The geometry of ``cfg`` and the storages and pending faults of ``state``."""
    sizes = dict((sid, len(data)) for sid, data in state.storages)

    def pending(sid: object, is_read: object) -> int:
        assert isinstance(sid, int)
        return state.pending_faults(sid, Op.READ if is_read else Op.WRITE)

    return Env(
        cfg.block_size,
        cfg.page_size,
        cfg.ram_size,
        cfg.mmio_base,
        cfg.latency,
        lambda sid: sid in sizes,
        lambda sid: sizes.get(sid, 0),
        pending,
    )


def event_value(event: Event) -> int:
    """The written value of ``event`` (0 for reads, ticks and completions)."""
    return event.value if isinstance(event, Write) else 0


def encoded_step(cfg: ModelConfig, state: MachineState, event: Event) -> StepCase:
    """The case of the encoding that ``event`` takes in ``state``."""
    return taken(
        cases(CONCRETE, env_of(cfg, state), ctl_of(state.bio), kind_of(event), event_value(event))
    )
