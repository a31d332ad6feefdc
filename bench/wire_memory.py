"""Benchmark: memory per data byte on the wire path (byte strings of n bytes).

Measures, as bytes of memory per data byte (a ratio against the data's own
size), the peak allocation of

- parsing a ``write ADDR LEN BYTES`` command line (:func:`parse_command`), and,
  for comparison in the same process, the grammar's former regular expression
  ``0[xX](?:[0-9a-fA-F]{2})*`` on the same token;
- parsing an ``OK BYTES`` answer into bytes (what the client does for ``read``);
- the bundled server (``duckybio serve``) taking a ``write`` of n bytes: its
  peak resident memory above that of the same session with a 4-byte write;
- the client (:class:`WireTarget`) reading n bytes back (``read``).

``--check`` exits 1 when the command parser needs more than 4 bytes of
memory per data byte.  ``--quick`` uses 64 KiB (a smoke test: it runs and
the parsed bytes are right).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tracemalloc
from collections.abc import Callable

from duckybio.kit._wire_client import WireTarget
from duckybio.spec.wire import Ok, RamWrite, answer_bytes, parse_answer, parse_command

BAR = 4.0
#: The most bytes a data byte the client may need to read a byte string back.
CLIENT_BAR = 8.0
OLD_BYTES = re.compile(r"0[xX](?:[0-9a-fA-F]{2})*")
# The child resets its peak RSS after exec (what it shared with this process at fork
# would count otherwise) and reports VmHWM, in KiB, at the end of the session.
SERVER_PEAK = ("import re, sys\n"
               "from duckybio.kit._wire_server import serve_stdio\n"
               "from duckybio.kit._reference_target import ReferenceTarget\n"
               "open('/proc/self/clear_refs', 'w').write('5')\n"
               "serve_stdio(ReferenceTarget)\n"
               "status = open('/proc/self/status').read()\n"
               "print(re.search(r'VmHWM:\\s+(\\d+)', status).group(1), file=sys.stderr)\n")


def peak(action: Callable[[], object]) -> int:
    """Peak bytes allocated while ``action`` runs (its result is dropped after)."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def server_peak_kib(ram: int, n: int) -> int:
    """The server's peak RSS (KiB) for a session writing ``n`` bytes into RAM of ``ram``."""
    data = "ab" * n
    script = f"machine {ram:#x} {ram - 0x1000:#x}\nwrite 0 {n:#x} 0x{data}\nread 0 4\nquit\n"
    done = subprocess.run([sys.executable, "-c", SERVER_PEAK], input=script, text=True,
                          capture_output=True, check=True, timeout=600)
    answers = done.stdout.splitlines()
    assert answers == ["OK", "OK", "OK 0xabababab", "OK"], answers[:3]
    return int(done.stderr.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 KiB (smoke test)")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if the parser needs more than {BAR} bytes a data byte, "
                             f"or the client more than {CLIENT_BAR}")
    args = parser.parse_args()
    n = (64 << 10) if args.quick else (16 << 20)
    ram = 2 * n + 0x10000
    ram -= ram % 0x1000
    # First, while this process is small: a child's peak RSS counts what it shared at fork.
    server_ratio = (server_peak_kib(ram, n) - server_peak_kib(ram, 4)) * 1024 / n
    line = f"write 0 {n:#x} 0x{'ab' * n}\n"
    token = line.split()[3]

    def parse() -> None:
        command = parse_command(line)
        assert isinstance(command, RamWrite) and command.data == b"\xab" * n

    parser_ratio = peak(parse) / n
    old_ratio = peak(lambda: OLD_BYTES.fullmatch(token)) / n
    answer = f"OK 0x{'cd' * n}\n"

    def parse_reply() -> None:
        ok = parse_answer(answer)
        assert isinstance(ok, Ok)
        assert answer_bytes(ok, n) == b"\xcd" * n

    answer_ratio = peak(parse_reply) / n
    with WireTarget([sys.executable, "-m", "duckybio", "serve"]) as target:
        target.machine(ram, ram - 0x1000)
        target.write(0, b"\xef" * n)
        client_ratio = peak(lambda: target.read(0, n)) / n
    print(f"data: {n} bytes ({n >> 10} KiB) a byte string")
    print(f"command parser:          {parser_ratio:6.2f} bytes of memory per data byte (ratio)")
    print(f"  former regex alone:    {old_ratio:6.2f} bytes per data byte (ratio)")
    print(f"answer parser:           {answer_ratio:6.2f} bytes per data byte (ratio)")
    print(f"server, write of n:      {server_ratio:6.2f} bytes of peak RSS per data byte "
          "(ratio, above a 4-byte write)")
    print(f"client, read of n:       {client_ratio:6.2f} bytes per data byte (ratio)")
    failed = False
    if args.check and parser_ratio > BAR:
        print(f"FAIL: the command parser needs more than {BAR} bytes a data byte")
        failed = True
    if args.check and client_ratio > CLIENT_BAR:
        print(f"FAIL: the client needs more than {CLIENT_BAR} bytes a data byte")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
