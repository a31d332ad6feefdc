"""The abstraction function: the reference implementation's state as a model state.

White-box lockstep checking compares ``abstract(target)`` with the model's
state after every step.  It reads the implementation only through its
read-only observation API.
"""

from __future__ import annotations

from ..model import BioState, Command, MachineState, Op
from ._reference_target import ReferenceTarget
from ._target import Target


def abstract(target: Target) -> MachineState:
    """The model state that the reference implementation's state stands for."""
    if not isinstance(target, ReferenceTarget):
        raise TypeError(f"white-box checking needs the reference implementation, not {target!r}")
    machine = target.machine_obj
    bio = machine.bio
    cmd = bio.command
    command = None if cmd is None else Command(
        Op(cmd.op), cmd.sid, cmd.block, cmd.count, cmd.addr, cmd.dma, cmd.ticks_left)
    state = BioState(
        flags=bio.flags, sid=bio.selected_sid, block=bio.block, count=bio.count, addr=bio.addr,
        dma=bio.dma, rbuf=bio.read_buffer(), cursor=bio.cursor, wbuf=bio.staged(),
        command=command, reset_pending=bio.reset_pending,
    )
    storages = tuple(sorted((sid, s.read(0, s.size)) for sid, s in machine.storages.items()))
    faults = tuple(sorted(((sid, Op(op), n) for sid, s in machine.storages.items()
                           for op, n in s.faults.items() if n > 0),
                          key=lambda f: (f[0], f[1].value)))
    return MachineState(state, bytes(machine.memory.data), storages, faults)
