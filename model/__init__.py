"""The pure, typed state machine of the BIO device: ``step(state, event)``."""

from ._config import ModelConfig, StorageSpec
from ._events import Complete, Event, EventKind, Read, Tick, Write
from ._state import RESET_BIO, BioState, Command, MachineState, Op, power_on
from ._transitions import (
    IO_ERROR,
    Output,
    Phase,
    Transition,
    data_free,
    host_fault,
    host_write_ram,
    host_write_storage,
    kind_of,
    phase_of,
    run,
    step,
)

__all__ = [
    "IO_ERROR",
    "RESET_BIO",
    "BioState",
    "Command",
    "Complete",
    "Event",
    "EventKind",
    "MachineState",
    "ModelConfig",
    "Op",
    "Output",
    "Phase",
    "Read",
    "StorageSpec",
    "Tick",
    "Transition",
    "Write",
    "data_free",
    "host_fault",
    "host_write_ram",
    "host_write_storage",
    "kind_of",
    "phase_of",
    "power_on",
    "run",
    "step",
]
