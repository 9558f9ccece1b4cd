"""Children that end with the hub: however the hub goes, no process it started outlives it.

Two mechanisms, because each covers what the other cannot:

- **Parent-death signal** (Linux ``prctl(PR_SET_PDEATHSIG)``, set in the child between fork and
  exec): the kernel SIGKILLs the child when the hub dies, also of SIGKILL or a crash, when no
  code of ours runs. SIGKILL rather than SIGTERM because nobody is left to escalate if the child
  ignored a polite signal; the dev server's SQLite in WAL mode keeps what it committed anyway.
- **Graceful termination** (:func:`exit_on_termination`): SIGTERM and SIGHUP become a
  ``SystemExit`` in the main thread, so the hub unwinds as it does on Ctrl-C: the API drains, the
  worker stops, and each child is stopped politely and its PID file removed.

The kernel ties the parent-death signal to the *thread* that forked the child, not the process:
a child forked from a short-lived thread (``asyncio.to_thread``) would be killed when that thread
ends. So :func:`spawn` forks from the main thread, or else from one daemon thread kept for the
life of the process.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _parent_death_hook(parent_pid: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks the kernel to SIGKILL the child when its parent dies; None off Linux.

    ``prctl`` is looked up here, before the fork: the child only calls it (no import, no lookup,
    nothing that could wait on a lock another thread held at fork time)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    kill = int(signal.SIGKILL)

    def die_with_parent() -> None:
        if prctl(PR_SET_PDEATHSIG, kill, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        # The parent may have died between fork and prctl: then no signal will ever come.
        if os.getppid() != parent_pid:
            os._exit(1)

    return die_with_parent


class _Forker:
    """Runs ``Popen`` on a thread that lives as long as the process (see the module docstring)."""

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[Callable[[], subprocess.Popen[bytes]], Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        if threading.current_thread() is threading.main_thread():
            return start()
        future: Future[subprocess.Popen[bytes]] = Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="overture-child-forker", daemon=True)
                self._thread.start()
        self._requests.put((start, future))
        return future.result()

    def _serve(self) -> None:
        while True:
            start, future = self._requests.get()
            try:
                future.set_result(start())
            except BaseException as error:  # handed to the caller's thread, which raises it
                future.set_exception(error)


_FORKER = _Forker()


def spawn(command: Sequence[str], **popen_options: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(command, **popen_options)`` for a child that must not outlive this process."""
    hook = _parent_death_hook(os.getpid())
    return _FORKER.run(lambda: subprocess.Popen(list(command), preexec_fn=hook, **popen_options))


@contextmanager
def exit_on_termination() -> Iterator[None]:
    """Within the block, the first SIGTERM or SIGHUP raises ``SystemExit(128 + signal)`` in the main thread,
    so ``finally`` blocks and exit stacks stop what the hub started; later ones are logged and ignored,
    so that they cannot cut that cleanup short (SIGKILL still ends everything: see ``spawn``).

    uvicorn takes these signals over while it serves and raises them again once it has shut down; the
    handler installed here is the one it restores, so the same path runs. Outside the main thread
    (where Python cannot install handlers) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def terminate(signum: int, _: FrameType | None) -> None:
        if received:
            log.warning("Got %s again while stopping; still stopping", signal.Signals(signum).name)
            return
        received.append(signum)
        log.info("Got %s: stopping the hub and everything it started", signal.Signals(signum).name)
        raise SystemExit(128 + signum)

    previous = {signum: signal.signal(signum, terminate) for signum in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def drain_on_termination(stop: asyncio.Event, grace_s: float) -> None:
    """SIGTERM and SIGINT set ``stop``: the loops end, the worker stops polling and lets the activities
    in flight finish (``grace_s`` at most), and the process exits 0. Without it SIGTERM killed the
    worker where it stood, its activities left to time out and be retried by another worker."""
    loop = asyncio.get_running_loop()

    def drain(signum: signal.Signals) -> None:
        log.warning("%s: draining (at most %.0f s for the activities in flight)", signum.name, grace_s)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, drain, signum)
