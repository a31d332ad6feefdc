"""Machine configuration: pydantic models and the original Ducky INI format.

An INI file has an optional ``[machine]`` section (``ram-size``), one section
per storage (``klass = storage``; ``sid`` and either ``filepath`` or
``size``; optional ``driver``) and at most one BIO section (``klass = bio``;
``mmio-address``, ``irq``, optional ``latency``).  Integers may be written in
any Python base (``0x8400``).  Relative file paths resolve against the INI
file's directory.  Every problem is a :class:`ConfigError` with a one-line
message naming the section and key.
"""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..spec.regmap import (
    DEFAULT_IRQ,
    DEFAULT_MMIO_ADDRESS,
    DEFAULT_RAM_SIZE,
    PAGE_SIZE,
    U32_MASK,
)
from ._errors import ConfigError

__all__ = [
    "BioConfig",
    "ConfigError",
    "MachineConfig",
    "StorageConfig",
    "load_ini",
    "parse_config",
]

U32 = Annotated[int, Field(ge=0, le=U32_MASK)]
T = TypeVar("T")


class StorageConfig(BaseModel):
    """A storage: a file (``filepath``) or zero-filled memory of ``size`` bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sid: U32
    filepath: Path | None = None
    size: int | None = Field(default=None, ge=0)
    #: ``fdatasync`` after every command that writes the file (SPEC section 17).
    durable: bool = False

    @model_validator(mode="after")
    def _one_backing(self) -> StorageConfig:
        if (self.filepath is None) == (self.size is None):
            raise ValueError(f"storage {self.sid}: give exactly one of filepath and size")
        return self


class BioConfig(BaseModel):
    """The BIO: its MMIO page, its (never raised) IRQ and its command latency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mmio_address: U32 = DEFAULT_MMIO_ADDRESS
    irq: int = Field(default=DEFAULT_IRQ, ge=0)
    latency: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _aligned(self) -> BioConfig:
        if self.mmio_address % PAGE_SIZE:
            raise ValueError(f"MMIO address {self.mmio_address:#x} is not page aligned")
        return self


class MachineConfig(BaseModel):
    """RAM size, storages (unique ids) and the BIO."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ram_size: int = Field(default=DEFAULT_RAM_SIZE, ge=0)
    storages: list[StorageConfig] = Field(default_factory=list)
    bio: BioConfig = Field(default_factory=BioConfig)

    @model_validator(mode="after")
    def _consistent(self) -> MachineConfig:
        if self.ram_size % PAGE_SIZE:
            raise ValueError(f"ram-size {self.ram_size:#x} is not a multiple of {PAGE_SIZE}")
        sids = [s.sid for s in self.storages]
        dups = sorted({s for s in sids if sids.count(s) > 1})
        if dups:
            raise ValueError(f"duplicate storage ids: {', '.join(map(str, dups))}")
        return self


def _one_line(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def parse_config(data: Any) -> MachineConfig:
    """Validate plain data (e.g. parsed JSON) as a :class:`MachineConfig`."""
    try:
        return MachineConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_one_line(exc)}") from None


# --- INI ------------------------------------------------------------------------

_STORAGE_DRIVERS: Final = {"FileBackedStorage": "filepath", "MemoryStorage": "size"}
_BIO_DRIVERS: Final = {"BlockIO"}
_MACHINE_KEYS: Final = {"ram-size"}
_STORAGE_KEYS: Final = {"klass", "driver", "sid", "filepath", "size", "durable"}
#: Longest INI file read (an INI file is a few hundred bytes).
MAX_INI_BYTES: Final = 1 << 20
_BOOLEANS: Final = {"1": True, "yes": True, "true": True, "on": True,
                    "0": False, "no": False, "false": False, "off": False}
_BIO_KEYS: Final = {"klass", "driver", "mmio-address", "irq", "latency"}
_NO_DEFAULTS: Final = "\x00no-defaults"


class _Section:
    """One INI section with typed, error-reporting accessors."""

    def __init__(self, where: str, name: str, items: dict[str, str]) -> None:
        self.where, self.name, self.items = where, name, items

    def fail(self, key: str | None, message: str) -> ConfigError:
        spot = f"[{self.name}]" + (f" {key}" if key else "")
        return ConfigError(f"{self.where}: {spot}: {message}")

    def only(self, allowed: set[str]) -> None:
        for key in self.items:
            if key not in allowed:
                raise self.fail(key, "unknown key")

    def get_int(self, key: str) -> int | None:
        raw = self.items.get(key)
        if raw is None:
            return None
        try:
            return int(raw.strip(), 0)
        except ValueError:
            raise self.fail(key, f"not an integer: {raw!r}") from None

    def need_int(self, key: str) -> int:
        value = self.get_int(key)
        if value is None:
            raise self.fail(key, "missing key")
        return value

    def driver(self, known: set[str] | dict[str, str]) -> str | None:
        raw = self.items.get("driver")
        if raw is None:
            return None
        name = raw.strip().rsplit(".", 1)[-1]
        if name not in known:
            raise self.fail("driver", f"unknown driver {raw.strip()!r}")
        return name


def _storage(sec: _Section, base: Path) -> StorageConfig:
    sec.only(_STORAGE_KEYS)
    sid = sec.need_int("sid")
    driver = sec.driver(_STORAGE_DRIVERS)
    raw_path = sec.items.get("filepath")
    size = sec.get_int("size")
    if raw_path is not None and size is not None:
        raise sec.fail("filepath", "give filepath or size, not both")
    if raw_path is None and size is None:
        raise sec.fail("filepath", "missing key (or give size)")
    if driver is not None:
        needed = _STORAGE_DRIVERS[driver]
        if (needed == "filepath") != (raw_path is not None):
            raise sec.fail(needed, f"missing key (driver {driver} needs it)")
    path = None
    if raw_path is not None:
        if not raw_path.strip():
            raise sec.fail("filepath", "empty path")
        try:
            path = Path(raw_path.strip()).expanduser()
        except RuntimeError as exc:
            raise sec.fail("filepath", f"cannot expand {raw_path.strip()!r}: {exc}") from None
        if not path.is_absolute():
            path = base / path
    raw_durable = sec.items.get("durable")
    durable = False
    if raw_durable is not None:
        if raw_durable.strip().lower() not in _BOOLEANS:
            raise sec.fail("durable", f"not a boolean (yes/no): {raw_durable!r}")
        durable = _BOOLEANS[raw_durable.strip().lower()]
        if durable and path is None:
            raise sec.fail("durable", "only a storage with a filepath can be durable")
    return _checked(sec, None, lambda: StorageConfig(sid=sid, filepath=path, size=size,
                                                     durable=durable))


def _bio(sec: _Section) -> BioConfig:
    sec.only(_BIO_KEYS)
    sec.driver(_BIO_DRIVERS)
    fields: dict[str, int] = {}
    for key, name in (("mmio-address", "mmio_address"), ("irq", "irq"), ("latency", "latency")):
        value = sec.get_int(key)
        if value is not None:
            fields[name] = value
    address = fields.get("mmio_address", 0)
    if address % PAGE_SIZE:
        raise sec.fail("mmio-address", f"{address:#x} is not page aligned")
    return _checked(sec, None, lambda: BioConfig.model_validate(fields))


def _checked(sec: _Section, key: str | None, build: Callable[[], T]) -> T:
    """``build()``; a validation error names ``key`` (default: the failing field's key)."""
    try:
        return build()
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        if key is None:
            key = loc[0].replace("_", "-") if loc else None
            message = str(err["msg"]).removeprefix("Value error, ")
        else:
            message = _one_line(exc)
        raise sec.fail(key, message) from None


def _ram_size(sec: _Section, value: int) -> int:
    return _checked(sec, "ram-size", lambda: MachineConfig(ram_size=value)).ram_size


def _read_small(path: str | Path) -> str:
    """The text of a regular file of at most :data:`MAX_INI_BYTES` (``ConfigError`` else)."""
    where = str(path)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ConfigError(f"{where}: not a regular file")
    with open(path, "rb") as fh:
        raw = fh.read(MAX_INI_BYTES + 1)
    if len(raw) > MAX_INI_BYTES:
        raise ConfigError(f"{where}: larger than {MAX_INI_BYTES} bytes: not an INI file")
    return raw.decode("utf-8")


def load_ini(path: str | Path) -> MachineConfig:
    """Read a Ducky INI file into a :class:`MachineConfig` (``ConfigError`` if invalid)."""
    where = str(path)
    parser = configparser.ConfigParser(default_section=_NO_DEFAULTS, interpolation=None)
    try:
        parser.read_string(_read_small(path), source=where)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not a UTF-8 text file") from None
    except configparser.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{where}: {first}") from None
    base = Path(path).resolve().parent
    ram_size = DEFAULT_RAM_SIZE
    storages: list[StorageConfig] = []
    bio: BioConfig | None = None
    bio_section = ""
    sid_sections: dict[int, str] = {}
    for name in parser.sections():
        sec = _Section(where, name, dict(parser.items(name)))
        klass = sec.items.get("klass")
        if name == "machine" and klass is None:
            sec.only(_MACHINE_KEYS)
            value = sec.get_int("ram-size")
            if value is not None:
                ram_size = _ram_size(sec, value)
            continue
        if klass is None:
            raise sec.fail("klass", "missing key")
        kind = klass.strip()
        if kind == "storage":
            storage = _storage(sec, base)
            if storage.sid in sid_sections:
                raise sec.fail("sid", f"id {storage.sid} is already used by "
                                      f"[{sid_sections[storage.sid]}]")
            sid_sections[storage.sid] = name
            storages.append(storage)
        elif kind == "bio":
            if bio is not None:
                raise sec.fail("klass", f"a second bio section (first: [{bio_section}])")
            bio, bio_section = _bio(sec), name
        else:
            raise sec.fail("klass", f"unknown klass {kind!r}")
    try:
        return MachineConfig(ram_size=ram_size, storages=storages, bio=bio or BioConfig())
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_one_line(exc)}") from None
