"""The processes of a throwaway deployment: each a process group of its own, its output in a log file,
killable with SIGKILL (a crash) and started again with the same command; and a PostgreSQL cluster of its
own made with ``initdb`` and driven with ``pg_ctl``, on a free port, never the machine's shared server.

Every process started here is also remembered module-wide, so :func:`stop_all` (run at exit and by the
harness's ``finally``) ends whatever is still running even when the harness itself fails half-way.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

_RUNNING: set[Proc] = set()


class LaunchError(Exception):
    """A process of the deployment did not start or did not answer in time."""


class Proc:
    """One command, started (and restarted) as its own process group."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self._argv = list(argv)
        self._env = {**os.environ, **env}
        self.log = log
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self._popen = subprocess.Popen(
                self._argv, env=self._env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        _RUNNING.add(self)

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None and self._popen.poll() is None else None

    def alive(self) -> bool:
        return self.pid is not None

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown code runs, as in a crash."""
        self._signal(signal.SIGKILL, wait_s=10)

    def stop(self, grace_s: float = 15) -> None:
        """SIGTERM, then SIGKILL after ``grace_s``."""
        if not self.alive():
            return
        self._signal(signal.SIGTERM, wait_s=grace_s)
        if self.alive():
            self.kill()

    def _signal(self, signum: int, *, wait_s: float) -> None:
        popen = self._popen
        if popen is None or popen.poll() is not None:
            _RUNNING.discard(self)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signum)
        try:
            popen.wait(wait_s)
        except subprocess.TimeoutExpired:
            return
        _RUNNING.discard(self)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def stop_all() -> None:
    """End every process this module started and that still runs (at exit, on failure)."""
    for proc in list(_RUNNING):
        proc.stop(grace_s=5)


atexit.register(stop_all)


def wait_http(url: str, proc: Proc, *, timeout_s: float = 60) -> None:
    """Return once ``url`` answers 200; fail early with the log's tail when the process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not proc.alive():
            raise LaunchError(f"{proc.name} exited:\n{proc.log_tail()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise LaunchError(f"{proc.name} did not answer at {url} in {timeout_s:g} s:\n{proc.log_tail()}")


def rss_kib(pid: int) -> int | None:
    """The resident set of a process (VmRSS in /proc/<pid>/status), in KiB; None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class PgCluster:
    """A PostgreSQL cluster in ``root`` on ``port``: made by ``initdb``, started and stopped by ``pg_ctl``.

    PostgreSQL refuses to run as root, so as root its commands run as the ``postgres`` user (runuser).
    ``fsync`` is off: the faults kill PostgreSQL's processes (``-m immediate``), never the machine, so the
    operating system keeps every page written and a restart recovers from the WAL as after any crash.
    """

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.data = root / "data"
        self.log = root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout_s: float = 120) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=timeout_s, check=False)
        if done.returncode != 0:
            raise LaunchError(f"{' '.join(argv[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # The postgres user must reach its folder: mkdtemp's parent is 0700, root's alone.
            self.root.parent.chmod(0o755)
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "300",
            "fsync": "off",
            "full_page_writes": "off",
            "shared_buffers": "128MB",
            "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``mode`` "immediate" is a crash: no checkpoint, clients cut off, recovery at the next start."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            with contextlib.suppress(LaunchError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
