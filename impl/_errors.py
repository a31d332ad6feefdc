"""Exceptions of the implementation; every message is one line, fit for a user."""

from __future__ import annotations


class MachineError(Exception):
    """Base of every error the implementation reports to its user."""


class ConfigError(MachineError, ValueError):
    """A configuration (file or model) is invalid."""


class StorageConfigError(MachineError, ValueError):
    """A storage cannot be created (e.g. its backing file does not exist)."""


class StorageOpenError(MachineError):
    """A storage cannot be booted (e.g. its file is read-only or has vanished)."""


class StorageIOError(MachineError):
    """A storage read or write failed (I/O error, short read, storage not booted)."""


class BootError(MachineError):
    """The machine could not boot; whatever had booted has been halted again."""
