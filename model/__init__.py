"""The pure, typed state machine of the BIO device: ``step(state, event)``."""

from ._config import ModelConfig, StorageSpec
from ._events import Complete, Event, EventKind, Read, Tick, Write
from ._outcome import OUTCOMES, Action, CommandEnd, StepOutcome
from ._state import RESET_BIO, BioState, Command, MachineState, Op, power_on
from ._transitions import (
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
    "OUTCOMES",
    "RESET_BIO",
    "Action",
    "BioState",
    "Command",
    "CommandEnd",
    "Complete",
    "Event",
    "EventKind",
    "MachineState",
    "ModelConfig",
    "Op",
    "Output",
    "Phase",
    "Read",
    "StepOutcome",
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
