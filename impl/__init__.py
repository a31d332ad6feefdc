"""The concrete implementation: storages, paged RAM, the BIO and a small machine."""

from .bio import BlockIO, InFlight, StorageLookup
from .config import BioConfig, MachineConfig, StorageConfig, load_ini, parse_config
from .errors import (
    BootError,
    ConfigError,
    MachineError,
    StorageConfigError,
    StorageIOError,
    StorageOpenError,
)
from .machine import Machine
from .memory import Memory, MMIOHandler
from .rbuf import ReadBuffer
from .storage import FileBackedStorage, MemoryStorage, Storage

__all__ = [
    "BioConfig",
    "BlockIO",
    "BootError",
    "ConfigError",
    "FileBackedStorage",
    "InFlight",
    "MMIOHandler",
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
    "StorageLookup",
    "StorageOpenError",
    "load_ini",
    "parse_config",
]
