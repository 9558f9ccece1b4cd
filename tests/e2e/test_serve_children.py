"""No process ``overture serve`` or ``overture demo`` starts outlives it: not after SIGTERM (a service
manager stopping it), not after SIGKILL (no code of the hub runs at all). Children are found through /proc while the hub
runs, and looked for again (by PID and start time, so a reused PID does not count) once it is gone."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from overture.workflows.engine_host import free_port
from tests.workflows.processes import HubProcess, wait_http

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")]


@dataclass(frozen=True)
class Proc:
    pid: int
    start_time: int  # clock ticks after boot: with the PID, names one process for good
    command: str


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent PID, state, start time) of a live process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[0], int(fields[19])


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root: int) -> set[Proc]:
    """Every live process below ``root``, at any depth."""
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
    found: set[Proc] = set()
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        stat = _stat(pid)
        if stat is not None and stat[1] != "Z":
            found.add(Proc(pid, stat[2], _command(pid)))
            todo.extend(children.get(pid, []))
    return found


def survivors(procs: set[Proc], *, timeout_s: float) -> set[Proc]:
    """Those of ``procs`` still alive after ``timeout_s`` (zombies count as gone: they hold nothing)."""
    deadline = time.monotonic() + timeout_s
    while True:
        alive = {p for p in procs if (s := _stat(p.pid)) is not None and s[2] == p.start_time and s[1] != "Z"}
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def processes_naming(text: str) -> set[Proc]:
    """Live processes whose command line holds ``text`` (a child that left our tree still names our home)."""
    found = set()
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[1] != "Z" and text in (command := _command(pid)):
            found.add(Proc(pid, stat[2], command))
    return found


def _start_serve(home: Path) -> tuple[HubProcess, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERTURE_")} | {"OVERTURE_AUTH": "off"}
    hub = HubProcess("serve", ["serve", "--port", str(port), "--home", str(home)], env, home)
    hub.start()
    return hub, port


def _kill_leftovers(hub: HubProcess, home: Path) -> None:
    """Never leave a process behind, even when the test failed."""
    hub.stop()
    for proc in survivors(processes_naming(str(home)), timeout_s=0):
        os.kill(proc.pid, signal.SIGKILL)


def _children_once_up(hub: HubProcess, port: int, home: Path) -> set[Proc]:
    wait_http(f"http://127.0.0.1:{port}/healthz", hub, timeout_s=60)
    children = descendants(hub.pid)
    engine_pid = int((home / "temporal.db.pid").read_text())
    assert engine_pid in {c.pid for c in children}, f"the dev server should be serve's child: {children}"
    return children


def test_sigterm_to_serve_stops_every_child_before_it_exits(tmp_path: Path) -> None:
    hub, port = _start_serve(tmp_path)
    try:
        children = _children_once_up(hub, port, tmp_path)
        hub.signal(signal.SIGTERM)  # the hub's own process, as `kill` or a service manager would
        code = hub.wait(30)
        assert not survivors(children, timeout_s=0), "a child of serve outlived its SIGTERM"
        assert not processes_naming(str(tmp_path)), "a process started for this home is still running"
        # Stopped by the hub itself (not by the kernel's parent-death signal): it cleaned up and says why it exited.
        assert not (tmp_path / "temporal.db.pid").exists(), "serve did not stop its dev server:\n" + hub.log_tail()
        assert code == 128 + signal.SIGTERM, hub.log_tail()
    finally:
        _kill_leftovers(hub, tmp_path)


def test_no_child_of_serve_survives_a_sigkill_of_the_hub(tmp_path: Path) -> None:
    hub, port = _start_serve(tmp_path)
    try:
        children = _children_once_up(hub, port, tmp_path)
        hub.signal(signal.SIGKILL)  # no code of the hub runs: only the kernel can end its children
        hub.wait(30)
        left = survivors(children, timeout_s=10)
        assert not left, f"serve's children outlived a SIGKILL of the hub: {left}"
        assert not processes_naming(str(tmp_path)), "a process started for this home is still running"
    finally:
        _kill_leftovers(hub, tmp_path)


def _demo_children_once_its_engine_runs(hub: HubProcess, home: Path) -> set[Proc]:
    """The demo's children once its dev server is up (it then seeds and places orders for a while)."""
    pid_file = home / "demo-temporal" / "temporal.db.pid"
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert hub.alive() and time.monotonic() < deadline, "the demo's dev server did not start:\n" + hub.log_tail()
        time.sleep(0.1)
    engine_pid = int(pid_file.read_text())
    children = descendants(hub.pid)
    assert engine_pid in {c.pid for c in children}, f"the dev server should be the demo's child: {children}"
    return children


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_child_of_the_demo_outlives_it(tmp_path: Path, signum: signal.Signals) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERTURE_")}
    args = [
        "demo",
        "--orders",
        "20",
        "--skus",
        "50",
        "--clients",
        "2",
        "--port",
        "0",
        "--serve",
        "--home",
        str(tmp_path),
    ]
    hub = HubProcess("demo", args, env, tmp_path)
    hub.start()
    try:
        children = _demo_children_once_its_engine_runs(hub, tmp_path)
        hub.signal(signum)
        hub.wait(60)
        left = survivors(children, timeout_s=10)
        assert not left, f"{signum.name} to the demo left its children running: {left}"
        assert not processes_naming(str(tmp_path)), "a process started for this home is still running"
    finally:
        _kill_leftovers(hub, tmp_path)
