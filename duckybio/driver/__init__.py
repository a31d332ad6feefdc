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

from ._bus import CheckedBus, RuleBroken
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
from ._run import DriveConfig, DriveReport, DriveTrace, replay, run_drive, run_scenario
from ._scenario import Scenario

__all__ = [
    "BioDriver",
    "BioError",
    "Bus",
    "CheckedBus",
    "CommandError",
    "DeviceTimeout",
    "DriveConfig",
    "DriveReport",
    "DriveTrace",
    "DriverFailed",
    "DriverSpec",
    "DriverSpecError",
    "RuleBroken",
    "Scenario",
    "StorageSelectError",
    "drives",
    "python_driver",
    "replay",
    "resolve_driver",
    "run_drive",
    "run_scenario",
]
