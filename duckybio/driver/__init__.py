"""Drivers of the BIO, and the checking of drivers (SPEC sections 15 and 16).

- The reference driver: :class:`BioDriver` (written against any Target);
  :func:`~._adapters.reference` is the same as a checkable driver.
- Checking a driver: a driver is a Python callable marked with :func:`drives`
  (form a; it is given a :class:`Bus`) or a program speaking the driver
  protocol (form b); :func:`resolve_driver` turns a ``--driver`` argument
  into a :class:`DriverSpec`, and :func:`run_drive` with a
  :class:`DriveConfig` checks it on generated scenarios, returning a
  :class:`DriveReport`.
"""

from ._adapters import reference
from ._forms import (
    Bus,
    DriverFailed,
    DriverSpec,
    DriverSpecError,
    drives,
    python_driver,
    resolve_driver,
)
from ._reference import BioDriver, BioError, CommandError, DeviceTimeout, StorageSelectError
from ._run import DriveConfig, DriveReport, DriveTrace, replay, run_drive
from ._scenario import MAX_BUSY_BOUND, PRELUDE_MEANING

__all__ = [
    "MAX_BUSY_BOUND",
    "PRELUDE_MEANING",
    "BioDriver",
    "BioError",
    "Bus",
    "CommandError",
    "DeviceTimeout",
    "DriveConfig",
    "DriveReport",
    "DriveTrace",
    "DriverFailed",
    "DriverSpec",
    "DriverSpecError",
    "StorageSelectError",
    "drives",
    "python_driver",
    "reference",
    "replay",
    "resolve_driver",
    "run_drive",
]
