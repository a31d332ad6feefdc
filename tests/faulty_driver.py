"""A driver program that breaks the driver protocol: ``python faulty_driver.py FLAW``.

It imports nothing heavy, so that it starts at once.  ``FLAW``:
``bad-version`` (announces ``duckybio-drive/0``), ``crash`` (exits in the
middle of a request), ``garbage`` (answers a request with a line that is no
wire command), ``silent`` (never answers a request).
"""

from __future__ import annotations

import sys
import time

from duckybio.spec.drive import DRIVE_PROTOCOL


def main(flaw: str) -> int:
    for line in sys.stdin:
        name = line.split()[0] if line.split() else ""
        if name == "version":
            print("OK duckybio-drive/0" if flaw == "bad-version" else f"OK {DRIVE_PROTOCOL}",
                  flush=True)
        elif name in ("supports", "machine"):
            print("OK", flush=True)
        elif name == "request":
            if flaw == "crash":
                return 1
            if flaw == "silent":
                time.sleep(60)
            print("hello there", flush=True)
        elif name == "quit":
            print("OK", flush=True)
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
