"""``overture api --workers 2``: two API processes listening on one port (SO_REUSEPORT), a copy killed
outright is started again while the other serves, and SIGTERM stops them all with exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from overture.cli import app
from overture.store.migrate import upgrade
from overture.workflows.engine_host import free_port
from tests.workflows.processes import OVERTURE
from tests.workflows.temporal_fixtures import TemporalEnv

pytestmark = pytest.mark.slow


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def listening_on(port: int) -> set[int]:
    """The pids holding a socket that listens on ``port`` (loopback, IPv4)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state, inode = line.split()[1], line.split()[3], line.split()[9]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            inodes.add(f"socket:[{inode}]")
    holders = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                holders.add(int(entry.name))
        except OSError:
            continue
    return holders


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def api(temporal_env: TemporalEnv, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    store = f"sqlite:///{tmp_path / 'overture.db'}"
    upgrade(store)
    env = {
        **os.environ,
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": store,
        "OVERTURE_TEMPORAL_ADDRESS": temporal_env.address,
        "OVERTURE_AUTH": "off",
        "OVERTURE_SHUTDOWN_GRACE_S": "3",
    }
    log = (tmp_path / "api.log").open("wb")
    process = subprocess.Popen(
        [str(OVERTURE), "api", "--workers", "2", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_copies_share_the_port_a_killed_one_comes_back_and_sigterm_stops_all(
    api: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = api
    wait_for(lambda: len(listening_on(port) & children(process.pid)) == 2, "two copies listening on the port")
    first = children(process.pid)
    assert len(first) == 2

    # New connections each time: the kernel spreads them over both listeners, and every one is answered.
    answers = [httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(40)]
    assert answers == [200] * 40

    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    # Connections the dying copy had queued but not accepted are reset with it, as on any crash; from
    # then on, and before the copy is back, the other one answers every new connection.
    wait_for(lambda: victim not in listening_on(port), "the killed copy's socket closed", timeout_s=10)
    answered_meanwhile = [healthy(port) for _ in range(10)]
    assert all(answered_meanwhile), "the other copy goes on serving"
    wait_for(lambda: len(listening_on(port) & children(process.pid)) == 2, "the killed copy started again")
    assert victim not in children(process.pid)

    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    assert not listening_on(port), "no copy outlives the supervisor"


def test_workers_need_a_fixed_port(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["api", "--workers", "2", "--port", "0", "--home", str(tmp_path)])
    assert done.exit_code == 2
    assert "--workers needs a fixed --port" in done.output
