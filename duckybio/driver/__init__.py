"""Drivers of the BIO: the reference driver, written against any Target."""

from .reference import BioDriver, BioError, CommandError, DeviceTimeout, StorageSelectError

__all__ = ["BioDriver", "BioError", "CommandError", "DeviceTimeout", "StorageSelectError"]
