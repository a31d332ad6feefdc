"""The concrete implementation: storages, paged RAM, the BIO and a small machine."""

from ._bio import BlockIO, Direction, InFlight
from ._config import BioConfig, MachineConfig, StorageConfig, load_ini, parse_config
from ._errors import (
    BootError,
    ConfigError,
    MachineError,
    StorageConfigError,
    StorageIOError,
    StorageOpenError,
)
from ._machine import Machine
from ._memory import Memory
from ._rbuf import ReadBuffer
from ._storage import FileBackedStorage, MemoryStorage, Storage

__all__ = [
    "BioConfig",
    "BlockIO",
    "BootError",
    "ConfigError",
    "Direction",
    "FileBackedStorage",
    "InFlight",
    "Machine",
    "MachineConfig",
    "MachineError",
    "Memory",
    "MemoryStorage",
    "ReadBuffer",
    "Storage",
    "StorageConfig",
    "StorageConfigError",
    "StorageIOError",
    "StorageOpenError",
    "load_ini",
    "parse_config",
]
