"""N copies of one hub process, kept running: ``overture api --workers N``.

Each copy is a process of its own (its own interpreter and GIL, so N copies use N cores) listening on
the same port with SO_REUSEPORT: the kernel spreads new connections across them, with no process in
front copying bytes. The supervisor starts the copies, starts again one that dies (after a pause that
doubles while it keeps dying, so a broken configuration does not spin), and on SIGTERM or SIGINT
passes SIGTERM to every copy, waits for them to drain, and exits 0. Copies die with the supervisor if
it is killed outright (a parent-death signal, workflows/child_process.py).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

from overture.workflows.child_process import spawn

log = logging.getLogger(__name__)
FIRST_PAUSE_S, LONGEST_PAUSE_S = 1.0, 30.0
STEADY_S = 60.0  # a copy that ran this long before dying is restarted at once


@dataclass
class _Copy:
    slot: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    pause_s: float = 0.0
    due_at: float = 0.0


@dataclass
class Supervisor:
    command: Sequence[str]
    copies: int
    env: Mapping[str, str] = field(default_factory=dict)
    grace_s: float = 30.0
    poll_s: float = 0.5
    _stopping: list[int] = field(default_factory=list)

    def run(self) -> int:
        """Until SIGTERM or SIGINT: keep ``copies`` copies running; then stop them all. Exit status 0."""
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        slots = [_Copy(n) for n in range(self.copies)]
        try:
            while not self._stopping:
                for copy in slots:
                    self._tend(copy)
                time.sleep(self.poll_s)
        finally:
            self._stop_all(slots)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0

    def _stop(self, signum: int, _: FrameType | None) -> None:
        if not self._stopping:
            log.info("Got %s: stopping %d copies", signal.Signals(signum).name, self.copies)
        self._stopping.append(signum)

    def _tend(self, copy: _Copy) -> None:
        now = time.monotonic()
        if copy.process is not None and copy.process.poll() is None:
            return
        if copy.process is not None:  # it died: pause before the next start unless it had run a while
            ran = now - copy.started_at
            copy.pause_s = 0.0 if ran > STEADY_S else min(LONGEST_PAUSE_S, max(FIRST_PAUSE_S, copy.pause_s * 2))
            copy.due_at = now + copy.pause_s
            log.warning("copy %d (pid %d) exited with %s; starting it again in %.0f s", copy.slot,
                        copy.process.pid, copy.process.returncode, copy.pause_s)  # fmt: skip
            copy.process = None
        if now >= copy.due_at:
            copy.process = spawn(self.command, env={**os.environ, **self.env})
            copy.started_at = now

    def _stop_all(self, slots: Sequence[_Copy]) -> None:
        running = [c.process for c in slots if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s + 5
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("copy pid %d did not stop within the grace; killing it", process.pid)
                process.kill()
                process.wait(5)
