"""The faults of a chaos run: a schedule drawn from a seeded generator before the run, and its injection
into the running deployment from a thread of its own (so a slow ``pg_ctl`` or a Temporal start never
holds up the load).

Kinds::

    kill_api, kill_worker, kill_dispatcher   SIGKILL of a random process of that role, started again
                                             after a short random delay
    kill_after_burst                         a burst of orders sent, then an API killed 20-200 ms later:
                                             requests and their store transactions are cut in the middle
    pg_restart                               ``pg_ctl stop -m immediate`` (a crash), then start
    temporal_restart                         SIGKILL of the dev server, started on the same port and file
    wms_5xx, erp_5xx                         the next N calls answer 500/502/503
    erp_429, wms_429                         the next N calls answer 429 with Retry-After
    wms_timeout, erp_timeout                 the next N calls hang past the client's timeout
    webhook_duplicates, webhook_reorder      shipment webhooks sent twice / out of order for a while

Random times during continuous load are what land kills in the middle of requests and transactions.
"""

from __future__ import annotations

import functools
import heapq
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from overture.chaos.cluster import Cluster

log = logging.getLogger(__name__)

# The process and infrastructure faults come first, so that even a short run meets every one of them.
HEAVY = ("kill_worker", "kill_api", "pg_restart", "temporal_restart", "kill_after_burst", "kill_dispatcher")
LIGHT = (
    "wms_5xx",
    "erp_429",
    "webhook_duplicates",
    "wms_timeout",
    "erp_5xx",
    "webhook_reorder",
    "wms_429",
    "erp_timeout",
)
KINDS = HEAVY + LIGHT
OPERATIONS = {"wms": "release", "erp": "sales_order"}


@dataclass(frozen=True, slots=True)
class Planned:
    at_s: float
    kind: str


@dataclass(frozen=True, slots=True)
class Injected:
    at_s: float
    kind: str
    target: str
    detail: str = ""


def schedule(rng: random.Random, *, faults: int, duration_s: float) -> list[Planned]:
    """``faults`` faults at random moments in the run (none in its first and last 5 %); every kind comes
    once before any comes twice (the heavy ones first), so a short run still meets the worst ones."""
    kinds: list[str] = []
    while len(kinds) < faults:
        kinds += rng.sample(HEAVY, len(HEAVY)) + rng.sample(LIGHT, len(LIGHT))
    kinds = rng.sample(kinds[:faults], faults)
    times = sorted(rng.uniform(0.05, 0.95) * duration_s for _ in range(faults))
    return [Planned(at, kind) for at, kind in zip(times, kinds, strict=True)]


@dataclass(order=True)
class _Due:
    at: float
    action: Callable[[], None] = field(compare=False)


class Injector:
    """Runs a schedule against a cluster; ``burst`` sends N orders (from the load's event loop)."""

    def __init__(
        self, cluster: Cluster, plan: list[Planned], rng: random.Random, *, burst: Callable[[int], None]
    ) -> None:
        self._cluster = cluster
        self._rng = rng
        self._burst = burst
        self._due: list[_Due] = []
        self._stop = threading.Event()
        self._start = 0.0
        self._thread = threading.Thread(target=self._run, name="chaos-faults", daemon=True)
        self.injected: list[Injected] = []
        self.errors: list[str] = []
        for item in plan:
            self._push(item.at_s, functools.partial(self._inject, item.kind))

    def start(self) -> None:
        self._start = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        """Stop injecting; restarts still due are done now, so every process runs again."""
        self._stop.set()
        self._thread.join()
        pending = [due for due in self._due if getattr(due.action, "__name__", "") == "restart"]
        for due in sorted(pending):
            self._safely(due.action)
        self._clear_simulator_faults()

    def now_s(self) -> float:
        return time.monotonic() - self._start

    def _push(self, at_s: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._due, _Due(at_s, action))

    def _run(self) -> None:
        while not self._stop.is_set() and self._due:
            wait = self._due[0].at - self.now_s()
            if wait > 0:
                self._stop.wait(min(wait, 0.5))
                continue
            self._safely(heapq.heappop(self._due).action)

    def _safely(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as error:  # a fault that fails to inject is reported, never fatal to the run
            log.exception("chaos: fault action failed")
            self.errors.append(f"{self.now_s():.1f}s: {type(error).__name__}: {error}")

    def _record(self, kind: str, target: str, detail: str = "") -> None:
        self.injected.append(Injected(self.now_s(), kind, target, detail))

    def _inject(self, kind: str) -> None:
        if kind.startswith("kill_") and kind != "kill_after_burst":
            self._kill(kind.removeprefix("kill_"))
        elif kind == "kill_after_burst":
            size = self._rng.randint(10, 30)
            self._burst(size)
            time.sleep(self._rng.uniform(0.02, 0.2))
            self._kill("api", detail=f"right after a burst of {size} orders")
        elif kind == "pg_restart":
            self._pg_restart()
        elif kind == "temporal_restart":
            self._temporal_restart()
        else:
            self._simulator_fault(kind)

    def _kill(self, role: str, *, detail: str = "") -> None:
        names = [name for name in self._cluster.hub_roles() if name.split("-")[0] == role]
        name = self._rng.choice(names)
        proc = self._cluster.procs[name]
        if not proc.alive():
            self._record(f"kill_{role}", name, "already down: skipped")
            return
        proc.kill()
        delay = self._rng.uniform(0.5, 5.0)
        self._record(f"kill_{role}", name, f"{detail + '; ' if detail else ''}restarted after {delay:.1f} s")

        def restart() -> None:
            if not proc.alive():
                self._cluster.start(name)

        self._push(self.now_s() + delay, restart)

    def _pg_restart(self) -> None:
        pg = self._cluster.pg
        pg.stop("immediate")
        down = self._rng.uniform(1.0, 4.0)
        time.sleep(down)
        pg.start()
        self._record("pg_restart", f"postgres:{pg.port}", f"stop -m immediate, down {down:.1f} s")

    def _temporal_restart(self) -> None:
        temporal = self._cluster.temporal
        temporal.kill()
        down = self._rng.uniform(1.0, 4.0)
        time.sleep(down)
        temporal.start()
        self._record("temporal_restart", f"temporal:{temporal.port}", f"kill -9, down {down:.1f} s")

    def _simulator_fault(self, kind: str) -> None:
        system, what = kind.split("_", 1)
        if system == "webhook":
            flag = "duplicate_webhooks" if what == "duplicates" else "reorder_webhooks"
            self._set("wms", {"operation": f"chaos-{flag}", flag: True})
            window = self._rng.uniform(15.0, 40.0)
            self._push(self.now_s() + window, lambda: self._set("wms", {"operation": f"chaos-{flag}", flag: False}))
            self._record(kind, "wms", f"for {window:.0f} s")
            return
        count = self._rng.randint(3, 12)
        spec: dict[str, Any] = {"operation": OPERATIONS[system]}
        if what == "5xx":
            spec |= {"fail_first": count, "status": self._rng.choice((500, 502, 503))}
        elif what == "429":
            spec |= {"fail_first": count, "status": 429, "retry_after": self._rng.choice((1, 2))}
        else:
            count = self._rng.randint(1, 3)
            spec |= {"timeout_first": count}
        self._set(system, spec)
        self._record(kind, f"{system}:{spec['operation']}", f"next {count} calls")

    def _set(self, system: str, spec: dict[str, Any]) -> None:
        url = self._cluster.wms_url if system == "wms" else self._cluster.erp_url
        httpx.post(f"{url}/_faults", json=spec, timeout=10).raise_for_status()

    def _clear_simulator_faults(self) -> None:
        for url in (self._cluster.wms_url, self._cluster.erp_url):
            self._safely(functools.partial(_clear, url))


def _clear(url: str) -> None:
    httpx.delete(f"{url}/_faults", timeout=10).raise_for_status()
