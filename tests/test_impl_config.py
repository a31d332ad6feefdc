"""Configuration models and the Ducky INI loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from duckybio.impl import (
    BioConfig,
    ConfigError,
    FileBackedStorage,
    Machine,
    MachineConfig,
    MemoryStorage,
    StorageConfig,
    load_ini,
    parse_config,
)
from duckybio.spec.regmap import BLOCK_SIZE, DEFAULT_MMIO_ADDRESS, DEFAULT_RAM_SIZE, Flag, Reg

GOOD = """\
[machine]
ram-size = 0x20000

[device-1]
klass = storage
driver = ducky.devices.storage.FileBackedStorage
sid = 0x1
filepath = disk.img

[device-2]
klass = storage
sid = 2
size = 2048

[device-3]
klass = bio
driver = ducky.devices.storage.BlockIO
mmio-address = 0x9000
irq = 0x02
latency = 3
"""


def _ini(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "machine.conf"
    path.write_text(text)
    return path


def test_defaults() -> None:
    cfg = MachineConfig()
    assert cfg.ram_size == DEFAULT_RAM_SIZE and cfg.storages == []
    assert cfg.bio == BioConfig(mmio_address=DEFAULT_MMIO_ADDRESS, irq=2, latency=0)


@pytest.mark.parametrize("data, fragment", [
    ({"storages": [{"sid": 1}]}, "exactly one"),
    ({"storages": [{"sid": 1, "size": 4, "filepath": "x"}]}, "exactly one"),
    ({"storages": [{"sid": -1, "size": 4}]}, "sid"),
    ({"storages": [{"sid": 1 << 32, "size": 4}]}, "sid"),
    ({"storages": [{"sid": 1, "size": 4}, {"sid": 1, "size": 8}]}, "duplicate storage ids: 1"),
    ({"bio": {"mmio_address": 0x8401}}, "not page aligned"),
    ({"bio": {"latency": -1}}, "latency"),
    ({"ram_size": 100}, "not a multiple"),
    ({"ram": 4}, "ram"),
    ({"bio": {"irq": 2, "colour": "red"}}, "colour"),
])
def test_invalid_models_give_one_line_errors(data: object, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_good_ini_loads_and_boots(tmp_path: Path) -> None:
    (tmp_path / "disk.img").write_bytes(b"\x5a" * 4 * BLOCK_SIZE)
    cfg = load_ini(_ini(tmp_path, GOOD))
    assert cfg.ram_size == 0x20000
    assert cfg.storages == [
        StorageConfig(sid=1, filepath=tmp_path.resolve() / "disk.img"),
        StorageConfig(sid=2, size=2048),
    ]
    assert cfg.bio == BioConfig(mmio_address=0x9000, irq=2, latency=3)
    with Machine.from_config(cfg) as m:
        assert isinstance(m.storages[1], FileBackedStorage)
        assert isinstance(m.storages[2], MemoryStorage)
        assert m.bio.latency == 3 and m.memory.size == 0x20000
        mem = m.memory
        mem.write_u32(0x9000 + Reg.SID, 1)
        mem.write_u32(0x9000 + Reg.COUNT, 1)
        mem.write_u32(0x9000 + Reg.STATUS, Flag.DMA | Flag.READ)
        for _ in range(3):
            m.clock_step()
        assert mem.read_u32(0x9000 + Reg.STATUS) == Flag.RDY
        assert mem.read(0, 4) == b"\x5a" * 4


def test_ini_without_bio_or_machine_uses_defaults(tmp_path: Path) -> None:
    cfg = load_ini(_ini(tmp_path, "[disk]\nklass = storage\nsid = 5\nsize = 0\n"))
    assert cfg.ram_size == DEFAULT_RAM_SIZE and cfg.bio == BioConfig()
    assert cfg.storages == [StorageConfig(sid=5, size=0)]


BAD = [
    ("[d]\nklass = printer\n", "[d] klass: unknown klass 'printer'"),
    ("[d]\nsid = 1\n", "[d] klass: missing key"),
    ("[d]\nklass = storage\nsize = 4\n", "[d] sid: missing key"),
    ("[d]\nklass = storage\nsid = one\nsize = 4\n", "[d] sid: not an integer: 'one'"),
    ("[d]\nklass = storage\nsid = 1\n", "[d] filepath: missing key"),
    ("[d]\nklass = storage\nsid = 1\nsize = 4\nfilepath = x\n", "[d] filepath: give filepath"),
    ("[d]\nklass = storage\nsid = 1\nsize = 4\ncolour = red\n", "[d] colour: unknown key"),
    ("[d]\nklass = storage\nsid = 0x100000000\nsize = 4\n", "[d] sid:"),
    ("[d]\nklass = storage\nsid = 1\nsize = -4\n", "[d] size: Input should be greater"),
    ("[d]\nklass = storage\ndriver = a.Tape\nsid = 1\nsize = 4\n", "[d] driver: unknown driver"),
    ("[d]\nklass = storage\ndriver = x.FileBackedStorage\nsid = 1\nsize = 4\n",
     "[d] filepath: missing key"),
    ("[a]\nklass = storage\nsid = 1\nsize = 4\n[b]\nklass = storage\nsid = 1\nsize = 8\n",
     "[b] sid: id 1 is already used by [a]"),
    ("[b]\nklass = bio\nmmio-address = 0x8410\n", "[b] mmio-address: 0x8410 is not page"),
    ("[b]\nklass = bio\nlatency = -1\n", "[b] latency: Input should be greater"),
    ("[b]\nklass = bio\nirq = 0xZZ\n", "[b] irq: not an integer"),
    ("[b]\nklass = bio\n[c]\nklass = bio\n", "[c] klass: a second bio section"),
    ("[machine]\nram-size = 0x101\n", "[machine] ram-size:"),
    ("[machine]\nram-size = lots\n", "[machine] ram-size: not an integer"),
    ("[machine]\ncpus = 2\n", "[machine] cpus: unknown key"),
    ("klass = storage\n", "File contains no section headers"),
    ("[d]\nklass = storage\n[d]\n", "already exists"),
]


@pytest.mark.parametrize("text, fragment", BAD)
def test_bad_ini_files_give_one_line_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = _ini(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_ini(path)
    message = str(info.value)
    assert fragment in message
    assert message.startswith(str(path))
    assert "\n" not in message


def test_unreadable_ini_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_ini(tmp_path / "missing.conf")
    binary = tmp_path / "binary.conf"
    binary.write_bytes(b"\xff\xfe\x00[")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_ini(binary)


def test_missing_storage_file_is_reported_when_the_machine_is_built(tmp_path: Path) -> None:
    cfg = load_ini(_ini(tmp_path, "[d]\nklass = storage\nsid = 1\nfilepath = gone.img\n"))
    with pytest.raises(ValueError, match=r"gone\.img"):
        Machine.from_config(cfg)
