"""The model's host accesses (SPEC section 12): what they change and what they refuse."""

from __future__ import annotations

import pytest

from duckybio.model import (
    ModelConfig,
    Op,
    StorageSpec,
    host_fault,
    host_write_ram,
    host_write_storage,
    power_on,
)

CFG = ModelConfig(block_size=4, page_size=4, ram_size=16, mmio_base=8,
                  storages=(StorageSpec(1, 8),))


def test_host_storage_writes_land_within_the_storage_and_name_what_they_refuse() -> None:
    state = host_write_storage(power_on(CFG), 1, 4, b"\x01\x02\x03\x04")
    assert state.storage(1) == bytes(4) + b"\x01\x02\x03\x04"
    with pytest.raises(ValueError, match="no storage with id 9"):
        host_write_storage(state, 9, 0, b"\x00")
    with pytest.raises(ValueError, match=r"storage 1 write .* past its end"):
        host_write_storage(state, 1, 6, b"\x00" * 4)
    with pytest.raises(ValueError, match=r"storage 1 write .* past its end"):
        host_write_storage(state, 1, -1, b"\x00")


def test_host_ram_writes_and_faults_name_what_they_refuse() -> None:
    state = host_write_ram(CFG, power_on(CFG), 4, b"\xAA" * 4)
    assert state.ram == bytes(4) + b"\xAA" * 4 + bytes(8)
    with pytest.raises(ValueError, match="is not RAM"):
        host_write_ram(CFG, state, 8, b"\x00")
    assert host_fault(state, 1, Op.READ, 2).pending_faults(1, Op.READ) == 2
    with pytest.raises(ValueError, match="no storage with id 3"):
        host_fault(state, 3, Op.READ, 1)
    with pytest.raises(ValueError, match="fault count must be >= 0, not -1"):
        host_fault(state, 1, Op.WRITE, -1)
