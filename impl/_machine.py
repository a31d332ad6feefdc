"""A small machine: RAM, the BIO on its MMIO page and storages held by id.

The imperative shell around the devices: it owns their life cycle (boot,
halt), advances virtual time (:meth:`Machine.clock_step`) and routes host
accesses to storages through the controller's hook so that the read buffer
keeps its contents.
"""

from __future__ import annotations

from types import TracebackType

from ..spec.regmap import (
    BLOCK_SIZE,
    DEFAULT_IRQ,
    DEFAULT_MMIO_ADDRESS,
    DEFAULT_RAM_SIZE,
    PAGE_SIZE,
)
from ._bio import BlockIO
from ._config import MachineConfig
from ._errors import BootError, ConfigError, MachineError
from ._memory import Memory
from ._storage import FileBackedStorage, MemoryStorage, Storage

__all__ = ["Machine"]


class Machine:
    """RAM of ``ram_size`` bytes, a BIO at ``mmio_address`` and attached storages."""

    def __init__(
        self,
        ram_size: int = DEFAULT_RAM_SIZE,
        *,
        mmio_address: int = DEFAULT_MMIO_ADDRESS,
        irq: int = DEFAULT_IRQ,
        latency: int = 0,
        block_size: int = BLOCK_SIZE,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.memory = Memory(ram_size, page_size)
        self.storages: dict[int, Storage] = {}
        self.bio = BlockIO(self.storages, self.memory, mmio_address=mmio_address, irq=irq,
                           latency=latency, block_size=block_size)
        self._booted = False

    @classmethod
    def from_config(cls, cfg: MachineConfig) -> Machine:
        """The machine ``cfg`` describes (``StorageConfigError`` if a file is missing)."""
        try:
            machine = cls(cfg.ram_size, mmio_address=cfg.bio.mmio_address, irq=cfg.bio.irq,
                          latency=cfg.bio.latency)
        except ValueError as exc:
            raise ConfigError(f"cannot build the machine: {exc}") from None
        for sc in cfg.storages:
            storage: Storage
            if sc.filepath is not None:
                storage = FileBackedStorage(sc.sid, sc.filepath, durable=sc.durable)
            else:
                assert sc.size is not None
                storage = MemoryStorage(sc.sid, sc.size)
            machine.attach(storage)
        return machine

    def attach(self, storage: Storage) -> None:
        """Attach ``storage`` (booted at once if the machine runs); ``ValueError`` on a taken id."""
        if storage.sid in self.storages:
            raise ValueError(f"storage id {storage.sid} is already attached")
        if self._booted:
            storage.boot()
        self.storages[storage.sid] = storage

    def boot(self) -> None:
        """Boot the storages and map the BIO; on failure undo it and raise ``BootError``."""
        if self._booted:
            return
        started: list[Storage] = []
        try:
            for storage in self.storages.values():
                storage.boot()
                started.append(storage)
            self.bio.boot()
        except (MachineError, ValueError) as exc:
            for storage in reversed(started):
                storage.halt()
            raise BootError(f"cannot boot the machine: {exc}") from exc
        self._booted = True

    def halt(self) -> None:
        """Unmap the BIO and halt every storage; idempotent."""
        self.bio.halt()
        for storage in self.storages.values():
            storage.halt()
        self._booted = False

    def __enter__(self) -> Machine:
        self.boot()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.halt()

    def clock_step(self) -> None:
        """Advance virtual time by one step."""
        self.bio.tick()

    def _storage(self, sid: int) -> Storage:
        storage = self.storages.get(sid)
        if storage is None:
            raise ValueError(f"no storage with id {sid}")
        return storage

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        """Host write into storage ``sid``; ``ValueError`` if unknown or past its end."""
        storage = self._storage(sid)
        if offset < 0 or offset + len(data) > storage.size:
            raise ValueError(
                f"storage {sid}: write [{offset:#x}, +{len(data):#x}) is past its end")
        self.bio.before_storage_write(sid, offset, len(data))
        storage.write(offset, data)

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        """Host read from storage ``sid``; ``ValueError`` if unknown or past its end."""
        return self._storage(sid).read(offset, length)
