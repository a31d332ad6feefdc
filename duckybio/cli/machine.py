"""``duckybio machine CONFIG``: boot the machine an original Ducky INI file describes.

It validates the configuration (the original's ``sid``/``filepath`` storage
keys and ``mmio-address``/``irq`` BIO keys), opens every storage file
read-write as the original does at boot, prints what it built and halts.
Exit 0 when the machine booted, 2 with one line when the file, a key or a
storage file is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..impl import FileBackedStorage, Machine, MachineError, load_ini


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "machine", help="validate and boot a machine from an original Ducky INI config",
        description="Boot the machine an INI configuration describes (storage sections "
                    "with sid and filepath, a bio section with mmio-address and irq), "
                    "print it, and halt. Exit 0 booted, 2 invalid.")
    p.add_argument("config", type=Path, help="the INI file")


def run(args: argparse.Namespace) -> int:
    try:
        cfg = load_ini(args.config)
        machine = Machine.from_config(cfg)
        with machine:
            print(f"{args.config}: booted")
            print(f"  RAM:      {cfg.ram_size:#x} bytes")
            print(f"  BIO:      MMIO page at {cfg.bio.mmio_address:#x}, IRQ {cfg.bio.irq:#x}, "
                  f"latency {cfg.bio.latency}")
            for sid, storage in sorted(machine.storages.items()):
                backing = (f"file {storage.path}" if isinstance(storage, FileBackedStorage)
                           else "in memory")
                print(f"  storage {sid:#x}: {storage.size} bytes "
                      f"({storage.size // machine.bio.block_size} blocks), {backing}")
    except MachineError as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    return 0
