"""The example database a campaign shares: a directory or a Redis server.

A lockstep run saves every failing sequence in Hypothesis's example
database and, before generating anything, replays every sequence saved
there (Hypothesis's reuse phase).  Any number of processes and machines
that name the same database work on one campaign: a failure one of them
finds is replayed first by all the others (SPEC section 18).

:func:`open_database` opens a location as written on a command line:
``redis://HOST:PORT/N`` (Redis database ``N``, default 0) or a directory
(created if missing).  It checks the location at once -- the server
answers, the directory is writable -- and raises :class:`DatabaseError`
(one line) otherwise.  The :class:`CampaignDatabase` it returns counts the
saved sequences a run replays, and turns a database lost during the run
into a :class:`DatabaseError` rather than a failure of the target.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.extra.redis import RedisExampleDatabase
from redis import Redis, RedisError

from .errors import InputError

#: Hypothesis keeps a test's shrunk failures under its 48-byte digest (sha384); the
#: keys it derives from it (a suffix after the digest) are its own bookkeeping.
_DIGEST_BYTES = 48
#: Seconds to wait for a Redis server to accept a connection or answer.
REDIS_TIMEOUT = 5.0


class DatabaseError(InputError):
    """A ``--database`` location that cannot be used, or that was lost; one line."""


class CampaignDatabase(ExampleDatabase):
    """An example database shared by a campaign, named by ``location``.

    Every error of the underlying store is raised as :class:`DatabaseError`.
    """

    def __init__(self, inner: ExampleDatabase, location: str) -> None:
        super().__init__()
        self.inner = inner
        self.location = location
        self._replayed: set[tuple[bytes, bytes]] = set()

    @property
    def replayed(self) -> int:
        """How many distinct saved (shrunk) failures were fetched for replay."""
        return len(self._replayed)

    def __repr__(self) -> str:
        return f"CampaignDatabase({self.location!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CampaignDatabase) and other.location == self.location

    def __hash__(self) -> int:
        return hash(self.location)

    def fetch(self, key: bytes) -> Iterable[bytes]:
        counted = len(key) == _DIGEST_BYTES
        with self._errors():
            values = list(self.inner.fetch(key))
        if counted:
            self._replayed.update((key, value) for value in values)
        return values

    def save(self, key: bytes, value: bytes) -> None:
        with self._errors():
            self.inner.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        with self._errors():
            self.inner.delete(key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        with self._errors():
            self.inner.move(src, dest, value)

    def _start_listening(self) -> None:
        self.inner.add_listener(self._broadcast_change)

    def _stop_listening(self) -> None:
        self.inner.remove_listener(self._broadcast_change)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Re-raise a store's error as one :class:`DatabaseError` line."""
        try:
            yield
        except (RedisError, OSError) as exc:
            raise DatabaseError(f"database {self.location}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def open_database(location: str) -> CampaignDatabase:
    """The database at ``location`` (``redis://HOST:PORT/N`` or a directory), checked."""
    if "://" in location:
        return CampaignDatabase(_redis(location), location)
    return CampaignDatabase(DirectoryBasedExampleDatabase(_directory(location)), location)


def _redis(url: str) -> RedisExampleDatabase:
    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise DatabaseError(f"--database {url}: not a directory nor a redis://HOST:PORT/N URL")
    try:
        port = parts.port or 6379
    except ValueError:
        raise DatabaseError(f"--database {url}: the port is not a number from 0 to 65535") \
            from None
    number = parts.path.strip("/") or "0"
    if not parts.hostname or not number.isdigit() or parts.query or parts.fragment:
        raise DatabaseError(f"--database {url}: expected redis://HOST:PORT/N "
                            "(N a database number)")
    client = Redis(host=parts.hostname, port=port, db=int(number),
                   password=parts.password, username=parts.username,
                   socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    except (RedisError, OSError) as exc:
        client.close()
        raise DatabaseError(f"--database {url}: cannot use the Redis server: "
                            f"{_first_line(exc)}") from None
    return RedisExampleDatabase(client)


def _directory(text: str) -> Path:
    path = Path(text)
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise DatabaseError(f"--database {text}: not a directory")
        with tempfile.TemporaryFile(dir=path):
            pass
    except DatabaseError:
        raise
    except OSError as exc:
        raise DatabaseError(f"--database {text}: cannot write there: "
                            f"{exc.strerror or type(exc).__name__}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise DatabaseError(f"--database {text}: cannot write there")
    return path


__all__ = ["CampaignDatabase", "DatabaseError", "open_database"]
