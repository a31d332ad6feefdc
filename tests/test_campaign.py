"""A campaign on one shared example database: a failure found anywhere is replayed first.

The Redis tests start a real ``redis-server`` on a loopback port, in a
temporary directory; they are skipped, with the reason, only where no
``redis-server`` is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from campaign_double import RareCount
from redis import Redis, RedisError

from duckybio.kit._campaign import Campaign
from duckybio.kit._database import DatabaseError, open_database
from duckybio.kit._run import CheckConfig, run_check
from duckybio.kit._targets import TargetSpec

HERE = Path(__file__).parent
REDIS = shutil.which("redis-server")
DOUBLE = "campaign_double:RareCount"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(HERE.parent), str(HERE), os.environ.get("PYTHONPATH", "")])}


def free_port() -> int:
    """A loopback TCP port nobody listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A fresh ``redis-server`` on the loopback, its URL without the database number."""
    if REDIS is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    server = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = Redis(port=port, socket_connect_timeout=1)
        for _ in range(300):  # until it accepts connections (or it died)
            assert server.poll() is None, "redis-server exited"
            with contextlib.suppress(RedisError):
                client.ping()
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=0.05)
        client.ping()
        client.close()
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "duckybio", "check", "--target", DOUBLE,
                           "--quiet", *args], capture_output=True, text=True, timeout=600,
                          cwd=HERE, env=ENV)


def replayed(stdout: str) -> int:
    """The saved failures a report says it replayed first."""
    found = re.search(r"\((\d+) saved failures? replayed first\)", stdout)
    assert found is not None, stdout
    return int(found.group(1))


def failure_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("  failure:"))


def test_a_directory_database_is_created_and_checked(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "a" / "b"))
    assert (tmp_path / "a" / "b").is_dir()
    db.save(b"k" * 48, b"v")
    assert list(db.fetch(b"k" * 48)) == [b"v"] and db.replayed == 1
    (tmp_path / "file").write_text("x")
    for bad in (tmp_path / "file", tmp_path / "file" / "sub"):
        with pytest.raises(DatabaseError, match="cannot write there"):
            open_database(str(bad))


@pytest.mark.parametrize(("url", "message"), [
    ("redis://", "expected redis://HOST:PORT/N"),
    ("redis://127.0.0.1:6379/x", "expected redis://HOST:PORT/N"),
    ("redis://127.0.0.1:99999/0", "port"),
    ("http://127.0.0.1/0", "not a directory nor a redis://"),
])
def test_a_malformed_url_is_one_line(url: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message) as exc:
        open_database(url)
    assert "\n" not in str(exc.value)


def test_an_unreachable_redis_is_one_line() -> None:
    with pytest.raises(DatabaseError, match="cannot use the Redis server") as exc:
        open_database(f"redis://127.0.0.1:{free_port()}/0")
    assert "\n" not in str(exc.value)


def test_a_redis_database_keeps_what_is_saved(redis_url: str) -> None:
    db = open_database(f"{redis_url}/3")
    db.save(b"k" * 48, b"one")
    again = open_database(f"{redis_url}/3")
    assert list(again.fetch(b"k" * 48)) == [b"one"] and again.replayed == 1
    assert list(open_database(f"{redis_url}/4").fetch(b"k" * 48)) == []


def test_two_processes_on_one_redis_campaign(redis_url: str, tmp_path: Path) -> None:
    """The failure the first process finds after generating is the other's first sequence."""
    url = f"{redis_url}/0"
    first = check("--database", url, "--seed", "0", "--out", str(tmp_path / "a"))
    assert first.returncode == 1, first.stderr
    assert "(0 saved failures replayed first)" in first.stdout
    found_at = int(first.stdout.split("first failure:        in sequence ")[1].split()[0])
    assert found_at > 1
    other = check("--database", url, "--seed", "1", "--out", str(tmp_path / "b"))
    assert other.returncode == 1, other.stderr
    assert replayed(other.stdout) >= 1
    assert "first failure:        in sequence 1\n" in other.stdout
    assert failure_line(other.stdout) == failure_line(first.stdout)


def test_the_database_is_checked_before_the_run(tmp_path: Path) -> None:
    done = check("--database", f"redis://127.0.0.1:{free_port()}/0")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot use the Redis server" in done.stderr


def test_a_fuzzer_finds_what_check_and_the_plugin_replay_first(
        redis_url: str, tmp_path: Path) -> None:
    """HypoFuzz over the plugin's campaign test saves its failure in Redis; ``check
    --database`` and a plain pytest run of the same test each meet it first."""
    url = f"{redis_url}/1"
    here = tmp_path / "campaign"  # holds no test files: only the campaign test is collected
    here.mkdir()
    fuzz = shutil.which("hypothesis", path=str(Path(sys.executable).parent))
    assert fuzz is not None, "the campaign extra (hypofuzz) is not installed"
    plugin = [f"--duckybio-target={DOUBLE}", "--duckybio-campaign",
              f"--duckybio-database={url}"]
    fuzzing = subprocess.run([fuzz, "fuzz", "-n", "1", "--no-dashboard", "--", *plugin,
                              "-p", "no:cacheprovider"],
                             capture_output=True, text=True, timeout=600, cwd=here, env=ENV)
    assert "Found a failing input for every test!" in fuzzing.stderr, fuzzing.stdout[-2000:]
    replay = check("--database", url, "--seed", "9", "--out", str(tmp_path / "out"))
    assert replay.returncode == 1, replay.stderr
    assert replayed(replay.stdout) >= 1
    assert "first failure:        in sequence 1\n" in replay.stdout
    again = subprocess.run([sys.executable, "-m", "pytest", "-q", *plugin,
                            "-p", "no:cacheprovider", "--duckybio-examples=1"],
                           capture_output=True, text=True, timeout=600, cwd=here, env=ENV)
    assert again.returncode == 1, again.stdout[-2000:]
    assert "1 failed" in again.stdout and "STATUS reads" in again.stdout


def test_the_campaign_test_shares_the_key_of_check(tmp_path: Path) -> None:
    """A failure the campaign test saves is replayed first by run_check, in process."""
    location = str(tmp_path / "db")
    spec = TargetSpec("rare", RareCount)
    campaign = Campaign(CheckConfig(target=spec, examples=200), open_database(location))
    with pytest.raises(AssertionError):
        campaign.run()
    replay = run_check(CheckConfig(target=spec, seed=3, database=location, minimize=False))
    assert not replay.conforms and replay.first_failure == 1 and replay.replayed >= 1


def test_the_plugin_refuses_a_bad_database_in_one_line(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", f"--duckybio-target={DOUBLE}",
                                "--duckybio-database=http://127.0.0.1/0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--database http://127.0.0.1/0: not a directory nor*"])
    assert "Traceback" not in result.stderr.str()
