"""Drive an out-of-process device over the wire protocol as a Target.

:class:`WireTarget` starts the user's program in its own process group,
speaks the protocol over its stdin/stdout and turns every answer into the
:class:`~duckybio.kit._target.Target` interface: ``FAIL`` raises
:class:`TargetRefused`; a crash, end of output, a timeout, an unparsable
answer or an answer of the wrong shape raises :class:`TargetBroken` with a
one-line message, after which the process group is killed.  No exchange
waits longer than ``timeout`` seconds, and no target process outlives
:meth:`WireTarget.close` (also run on garbage collection and at exit).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import selectors
import shlex
import subprocess
import time
import weakref
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Final, NoReturn

from ..spec.regmap import U32_MASK, WORD_SIZE
from ..spec.wire import (
    PROTOCOL_VERSION,
    Answer,
    AttachStorage,
    ClockStep,
    Command,
    Fail,
    Fault,
    Ok,
    PowerOn,
    Quit,
    RamRead,
    RamWrite,
    Readl,
    StorageRead,
    StorageWrite,
    Version,
    WireError,
    Writel,
    answer_bytes,
    answer_empty,
    answer_number,
    fail,
    format_answer,
    format_command,
    ok_bytes,
    ok_number,
    parse_answer,
    parse_command,
)
from ._fill import abbreviate
from ._process import TOKEN_VARIABLE, Process, StderrTail, exit_text, reap, reaped
from .errors import TargetBroken, TargetRefused

#: A line shorter than this holds no byte string long enough to abbreviate (17 bytes).
_SHORTEST_ABBREVIATED: Final = len("0x") + 2 * 17 - 1
#: Lines of the exchange kept for error reports.
TRANSCRIPT_LINES: Final = 20
#: Characters of one transcript line kept.
TRANSCRIPT_WIDTH: Final = 200
#: A transcript line longer than this is cut when it is noted; shorter ones when read.
_KEPT_WHOLE: Final = 1 << 16
#: Longest answer accepted to a command that returns no byte string.
SHORT_ANSWER: Final = 4096
_CHUNK: Final = 1 << 16


class PipelineBroken(TargetBroken):
    """The target broke in the middle of a pipelined batch.

    ``answers`` holds the answers that arrived before, one per command, in
    order: the command that broke it is ``commands[len(answers)]``.
    """

    def __init__(self, message: str, answers: list[str]) -> None:
        super().__init__(message)
        self.answers = answers


def _brief(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _in_flight(queue: Iterable[tuple[Command, str, str | None]], shown: int = 3) -> str:
    """The pipelined commands sent after the first unanswered one, for a hang line."""
    later = [line for _, line, _ in itertools.islice(queue, 1, None)]
    if not later:
        return ""
    listed = ", ".join(repr(_brief(line, 40)) for line in later[:shown])
    more = f" and {len(later) - shown} more" if len(later) > shown else ""
    return f"; in flight after it: {listed}{more}"


def _shown(line: str) -> str:
    """A transcript line: byte strings abbreviated, cut to :data:`TRANSCRIPT_WIDTH`."""
    if len(line) > _SHORTEST_ABBREVIATED:  # only such a line can hold a fill to abbreviate
        line = abbreviate(line)
    return _brief(line, TRANSCRIPT_WIDTH)


def _limit(command: Command) -> int:
    """The longest answer accepted to ``command``."""
    if isinstance(command, RamRead | StorageRead):
        return 2 * command.length + SHORT_ANSWER
    return SHORT_ANSWER


class WireTarget:
    """A device program driven over its stdin/stdout.

    ``argv`` is the command to start; ``timeout`` bounds every exchange, in
    seconds.  The constructor starts the program and checks the ``version``
    handshake (``protocol``: the version it must announce; a driver speaks
    ``duckybio-drive/1``, SPEC section 16).  ``transcript`` holds the last
    lines exchanged (``>`` sent, ``<`` received) and :meth:`stderr_tail`
    the end of the program's stderr, for error reports.
    """

    def __init__(self, argv: Sequence[str], *, timeout: float = 10.0,
                 env: Mapping[str, str] | None = None, close_timeout: float = 1.0,
                 protocol: str = PROTOCOL_VERSION, role: str = "target") -> None:
        if not argv:
            raise ValueError("the target command is empty")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout}")
        self.argv = list(argv)
        #: What the program is called in messages: ``target``, or ``driver`` (SPEC section 16).
        self.role = role
        self.timeout = timeout
        self.close_timeout = close_timeout
        self._log: deque[tuple[str, str]] = deque(maxlen=TRANSCRIPT_LINES)
        self._buffer = bytearray()
        self._failure: str | None = None
        #: Whether the program ended by itself in the middle of an exchange.
        self.crashed = False
        self._closed = False
        #: Pipelined commands sent and not yet answered: command, line, expected answer.
        self._queue: deque[tuple[Command, str, str | None]] = deque()
        self._eof = False
        token = secrets.token_hex(8)
        child_env = dict(os.environ if env is None else env)
        child_env[TOKEN_VARIABLE] = token
        stderr_read, stderr_write = os.pipe()
        try:
            proc = subprocess.Popen(
                reaped(self.argv, child_env, close_timeout), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=stderr_write, env=child_env,
                start_new_session=True, bufsize=0)
        except OSError as exc:
            os.close(stderr_read)
            reason = exc.strerror or str(exc)
            raise TargetBroken(f"cannot start {role} {_brief(shlex.join(self.argv), 200)}: "
                               f"{reason}") from None
        finally:
            os.close(stderr_write)
        assert proc.stdin is not None and proc.stdout is not None
        self._stdin_fd = proc.stdin.fileno()
        self._stdout_fd = proc.stdout.fileno()
        os.set_blocking(self._stdin_fd, False)
        self._process = Process(proc, StderrTail(stderr_read), token)
        self._finalizer = weakref.finalize(self, reap, self._process, close_timeout)
        self.pid = proc.pid
        try:
            answer = self._exchange(Version(), SHORT_ANSWER)
        except TargetRefused as exc:
            self._break(f"{role} refused the handshake: {exc}")
        if answer.value != protocol:
            got = "a bare OK" if answer.value is None else repr(_brief(answer.value))
            self._break(f"{role} speaks {got}, expected {protocol}")

    # --- reports ----------------------------------------------------------------

    @property
    def transcript(self) -> list[str]:
        """The last lines exchanged, oldest first (byte strings abbreviated)."""
        return [_shown(direction + line) for direction, line in self._log]

    def stderr_tail(self) -> str:
        """The last few KiB the target wrote to its stderr."""
        try:
            return self._process.stderr_tail()
        except (OSError, ValueError):
            return ""

    @property
    def usable(self) -> bool:
        """Whether the program is still running and has never broken the protocol."""
        return (not self._closed and self._failure is None
                and self._process.proc.poll() is None)

    @property
    def returncode(self) -> int | None:
        """The program's exit status once it has ended, else ``None``."""
        return self._process.proc.poll()

    # --- lifecycle ----------------------------------------------------------------

    def close(self) -> None:
        """Send ``quit``, then make sure the program and its group are gone."""
        if self._closed:
            return
        if self._failure is None and self._process.proc.poll() is None:
            with contextlib.suppress(TargetBroken, TargetRefused):
                self._exchange(Quit(), SHORT_ANSWER, timeout=self.close_timeout)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.proc.wait(timeout=self.close_timeout)
        self._closed = True
        self._finalizer()

    def __enter__(self) -> WireTarget:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"WireTarget({shlex.join(self.argv)!r}, pid={self.pid})"

    # --- the exchange ---------------------------------------------------------------

    def _note(self, direction: str, line: str) -> None:
        """Keep ``line`` (``direction`` is ``> `` or ``< ``) for the transcript; most lines
        are kept as they are, and abbreviated only if the transcript is read."""
        if len(line) > _KEPT_WHOLE:
            direction, line = "", _shown(direction + line)
        self._log.append((direction, line))

    def _break(self, message: str) -> NoReturn:
        """Record the failure, kill the program, raise TargetBroken."""
        self._failure = message
        self._closed = True
        self._finalizer()
        raise TargetBroken(message)

    def _exchange(self, command: Command, limit: int, *, timeout: float | None = None) -> Ok:
        """Send one command, return its ``OK`` answer; ``FAIL`` raises TargetRefused."""
        if self._failure is not None:
            raise TargetBroken(f"{self.role} already failed: {self._failure}")
        if self._closed:
            raise TargetBroken(f"{self.role} is closed")
        try:
            line = format_command(command)
        except WireError as exc:
            raise TargetRefused(f"cannot send {type(command).__name__.lower()}: {exc}") from None
        self._note("> ", line)
        text = self._round_trip(line, limit, self.timeout if timeout is None else timeout)
        self._note("< ", text)
        try:
            answer = parse_answer(text)
        except WireError as exc:
            self._break(f"unparsable answer to {_brief(line)!r}: {exc}")
        if isinstance(answer, Fail):
            raise TargetRefused(answer.message)
        return answer

    def _round_trip(self, line: str, limit: int, timeout: float) -> str:
        """Write ``line``, read one answer line, all within ``timeout`` seconds."""
        shown = repr(_brief(line))
        self._drain()
        if self._buffer:
            extra = self._buffer.decode("ascii", "replace").splitlines()[0]
            self._break(f"{self.role} wrote {_brief(extra)!r} before {shown} was sent")
        out = memoryview((line + "\n").encode("ascii"))
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self._stdin_fd, selectors.EVENT_WRITE)
            sel.register(self._stdout_fd, selectors.EVENT_READ)
            while True:
                end = self._buffer.find(b"\n")
                if (len(self._buffer) if end < 0 else end) > limit:
                    self._break(f"answer to {shown} is longer than {limit} bytes")
                if end >= 0 and not out:
                    raw = bytes(self._buffer[:end])
                    del self._buffer[:end + 1]
                    return self._decode(raw, line)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._break(f"{self.role} did not answer {shown} within {timeout:g}s")
                for key, _ in sel.select(remaining):
                    if key.fd == self._stdin_fd:
                        out = self._send(out, shown)
                        if not out:
                            sel.unregister(self._stdin_fd)
                    elif not self._receive():
                        self.crashed = True
                        during = "while answering" if self.role == "target" else "after"
                        self._break(f"{self.role} {self._exit_status()} {during} {shown}")

    def _send(self, out: memoryview, shown: str) -> memoryview:
        try:
            sent = os.write(self._stdin_fd, out[:_CHUNK])
        except BlockingIOError:
            return out
        except (BrokenPipeError, ConnectionResetError):
            self.crashed = True
            self._break(f"{self.role} {self._exit_status()} before reading {shown}")
        return out[sent:]

    def _receive(self) -> bool:
        """Read what is available; ``False`` at end of output."""
        try:
            chunk = os.read(self._stdout_fd, _CHUNK)
        except BlockingIOError:
            return True
        self._buffer += chunk
        return bool(chunk)

    def _drain(self) -> None:
        """Collect output that arrived unasked (nothing, for a sound target)."""
        with selectors.DefaultSelector() as sel:
            sel.register(self._stdout_fd, selectors.EVENT_READ)
            while sel.select(0) and self._receive():
                pass

    def _exit_status(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.proc.wait(timeout=min(self.close_timeout, 1.0))
        return exit_text(self._process.proc.poll())

    def _decode(self, raw: bytes, line: str) -> str:
        """The answer ``raw`` to the command ``line``, which must be ASCII."""
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            self._note("< ", raw.decode("ascii", "replace"))
            self._break(f"answer to {_brief(line)!r} is not ASCII")

    def _shape_error(self, command: Command, exc: WireError) -> NoReturn:
        self._break(f"wrong answer to {format_command(command)[:60]!r}: {exc}")

    def _empty(self, command: Command) -> None:
        answer = self._exchange(command, SHORT_ANSWER)
        try:
            answer_empty(answer)
        except WireError as exc:
            self._shape_error(command, exc)

    def _number(self, command: Command, bits: int) -> int:
        answer = self._exchange(command, SHORT_ANSWER)
        try:
            value = answer_number(answer)
        except WireError as exc:
            self._shape_error(command, exc)
        if value >> bits:
            self._shape_error(command, WireError(f"{value:#x} does not fit in {bits} bits"))
        return value

    def _bytes(self, command: Command, length: int) -> bytes:
        answer = self._exchange(command, 2 * length + SHORT_ANSWER)
        try:
            return answer_bytes(answer, length)
        except WireError as exc:
            self._shape_error(command, exc)

    # --- pipelining ---------------------------------------------------------------------

    def pipeline(self, commands: Sequence[Command],
                 expect: Sequence[str | None] | None = None) -> list[str]:
        """Send all ``commands`` at once; their answer lines, in order (see :meth:`collect`)."""
        self.submit(commands, expect)
        return self.collect(self.in_flight)

    @property
    def in_flight(self) -> int:
        """Commands submitted whose answers were not collected yet."""
        return len(self._queue)

    def submit(self, commands: Sequence[Command],
               expect: Sequence[str | None] | None = None,
               lines: Sequence[str | None] | None = None) -> None:
        """Send ``commands`` without waiting for their answers (:meth:`collect` reads them).

        Output that arrives meanwhile is kept, so neither side ever blocks
        the other.  ``expect`` gives, per command, the answer line taken as
        it is when it arrives; ``lines``, per command, its wire line where the
        caller has it already.  A target that stops reading is found by
        :meth:`collect`.
        """
        if self._failure is not None:
            raise PipelineBroken(f"target already failed: {self._failure}", [])
        if self._closed:
            raise PipelineBroken("target is closed", [])
        if not commands:
            return
        given: Sequence[str | None] = [None] * len(commands) if lines is None else lines
        wire_lines = [format_command(c) if line is None else line
                      for c, line in zip(commands, given, strict=True)]
        if not self._queue:
            self._drain()
            if self._buffer:
                extra = self._buffer.decode("ascii", "replace").splitlines()[0]
                try:
                    self._break(f"target wrote {_brief(extra)!r} before "
                                f"{_brief(wire_lines[0])!r} was sent")
                except TargetBroken as exc:
                    raise PipelineBroken(str(exc), []) from None
        wanted = list(expect) if expect is not None else [None] * len(wire_lines)
        self._queue.extend(zip(commands, wire_lines, wanted, strict=True))
        if self._eof:
            return
        out = memoryview(("\n".join(wire_lines) + "\n").encode("ascii"))
        deadline = time.monotonic() + self.timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self._stdin_fd, selectors.EVENT_WRITE)
            sel.register(self._stdout_fd, selectors.EVENT_READ)
            while out:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return  # collect reports the answer that does not come
                for key, _ in sel.select(remaining):
                    if key.fd == self._stdin_fd:
                        try:
                            sent = os.write(self._stdin_fd, out[:_CHUNK])
                        except BlockingIOError:
                            continue
                        except (BrokenPipeError, ConnectionResetError):
                            self._eof = True
                            return
                        out = out[sent:]
                        deadline = time.monotonic() + self.timeout
                    elif not self._receive():
                        self._eof = True
                        return

    def collect(self, count: int) -> list[str]:
        """The answer lines of the ``count`` oldest submitted commands, in order.

        An answer equal to its expected line is taken as it is; any other is
        checked like the matching method checks it (a number that fits, the
        right number of bytes, a bare ``OK``) and returned normalized; a
        ``FAIL`` is returned, not raised.  No answer waits longer than
        ``timeout`` seconds after the previous one.  When the target breaks,
        :class:`PipelineBroken` carries the answers that arrived before.
        """
        answers: list[str] = []
        if min(count, len(self._queue)) == 0:
            return answers
        if self._closed:  # it broke before: its pipes are closed
            self._queue.clear()
            raise PipelineBroken(self._failure or "the target has exited", answers)
        try:
            self._collect(min(count, len(self._queue)), answers)
        except TargetBroken as exc:
            self._queue.clear()
            raise PipelineBroken(str(exc), answers) from None
        return answers

    def _collect(self, count: int, answers: list[str]) -> None:
        queue = self._queue
        deadline = time.monotonic() + self.timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self._stdout_fd, selectors.EVENT_READ)
            while len(answers) < count:
                command, line, expected = queue[0]
                end = self._buffer.find(b"\n")
                limit = _limit(command)
                if (len(self._buffer) if end < 0 else end) > limit:
                    self._break(f"answer to {_brief(line)!r} is longer than {limit} bytes")
                if end >= 0:
                    raw = bytes(self._buffer[:end])
                    del self._buffer[:end + 1]
                    queue.popleft()
                    self._note("> ", line)
                    text = self._decode(raw, line)
                    self._note("< ", text)
                    answers.append(text if text == expected
                                   else format_answer(self._normalize(command, text)))
                    deadline = time.monotonic() + self.timeout
                    continue
                if self._eof:
                    self._note("> ", line)
                    self.crashed = True
                    self._break(f"target {self._exit_status()} while answering "
                                f"{_brief(line)!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._note("> ", line)
                    self._break(f"target did not answer {_brief(line)!r} within "
                                f"{self.timeout:g}s{_in_flight(queue)}")
                if sel.select(remaining) and not self._receive():
                    self._eof = True

    def _normalize(self, command: Command, text: str) -> Answer:
        """The answer ``text`` to ``command`` as its method would read it."""
        try:
            answer = parse_answer(text)
        except WireError as exc:
            self._break(f"unparsable answer to {format_command(command)[:60]!r}: {exc}")
        if isinstance(answer, Fail):
            return fail(answer.message)
        try:
            match command:
                case Readl():
                    value = answer_number(answer)
                    if value >> (8 * WORD_SIZE):
                        raise WireError(f"{value:#x} does not fit in {8 * WORD_SIZE} bits")
                    return ok_number(value)
                case ClockStep():
                    value = answer_number(answer)
                    if value >> 64:
                        raise WireError(f"{value:#x} does not fit in 64 bits")
                    return ok_number(value)
                case RamRead(_, length) | StorageRead(_, _, length):
                    return ok_bytes(answer_bytes(answer, length))
                case Version():
                    return answer
                case _:
                    answer_empty(answer)
                    return Ok()
        except WireError as exc:
            self._shape_error(command, exc)

    def line(self, text: str) -> str:
        """Send ``text`` as one command line as it is (even a malformed one); the answer
        line as the target wrote it.  :class:`TargetBroken` as for any exchange."""
        if self._failure is not None:
            raise TargetBroken(f"target already failed: {self._failure}")
        if self._closed:
            raise TargetBroken("target is closed")
        try:
            limit = _limit(parse_command(text))
        except WireError:
            limit = SHORT_ANSWER
        self._note("> ", text)
        answer = self._round_trip(text, limit, self.timeout)
        self._note("< ", answer)
        return answer

    # --- the Target interface ----------------------------------------------------------

    def machine(self, ram_size: int, mmio_base: int) -> None:
        self._empty(PowerOn(ram_size, mmio_base))

    def storage(self, sid: int, size: int) -> None:
        self._empty(AttachStorage(sid, size))

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        self._empty(StorageWrite(sid, offset, bytes(data)))

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        return self._bytes(StorageRead(sid, offset, length), length)

    def writel(self, addr: int, value: int) -> None:
        self._empty(Writel(addr, value & U32_MASK))

    def readl(self, addr: int) -> int:
        return self._number(Readl(addr), 8 * WORD_SIZE)

    def write(self, addr: int, data: bytes) -> None:
        self._empty(RamWrite(addr, bytes(data)))

    def read(self, addr: int, length: int) -> bytes:
        return self._bytes(RamRead(addr, length), length)

    def clock_step(self, ns: int | None = None) -> int:
        return self._number(ClockStep(ns if ns is not None and ns > 0 else None), 64)

    def fault(self, sid: int, op: str, count: int) -> None:
        """``fault SID OP N`` (R-HOST-7); a target without it answers FAIL."""
        self._empty(Fault(sid, op, count))
