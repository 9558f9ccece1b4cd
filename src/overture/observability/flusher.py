"""Connector health to the store: a thread that drains the process's call recorder (observability/
health.py) every ``interval_s`` into ``connector_calls`` with one additive UPSERT
(store/connector_health.py), prunes buckets past the retention now and then, and flushes once more
when stopped. A flush that fails puts its buckets back for the next one."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine

from overture.observability.health import PRUNE_EVERY, RECORDER, RETENTION, Bucket, CallRecorder, Key
from overture.services.ports import Clock
from overture.store import connector_health

log = logging.getLogger(__name__)


class HealthFlusher:
    """Writes a recorder's buckets to the store every ``interval_s`` on a thread of its own.

    Use as a context manager (or ``start``/``stop``); stopping flushes what is left."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        recorder: CallRecorder = RECORDER,
        interval_s: float = 10.0,
        retention: timedelta = RETENTION,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s: must be positive, got {interval_s}")
        self._engine = engine
        self._clock = clock
        self._recorder = recorder
        self._interval_s = interval_s
        self._retention = retention
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at: datetime | None = None

    def flush(self) -> int:
        """Write what the recorder holds (and prune when due); the number of buckets written."""
        taken = self._recorder.drain()
        try:
            with self._engine.begin() as c:
                # Sorted: flushers of several processes lock the same rows in the same order, never deadlocking.
                connector_health.add_buckets(c, [_row(key, bucket) for key, bucket in sorted(taken.items())])
                self._prune_if_due(c)
        except Exception:
            self._recorder.put_back(taken)
            raise
        return len(taken)

    def prune(self) -> int:
        """Drop buckets older than the retention now; how many went."""
        with self._engine.begin() as c:
            return self._prune(c)

    def _prune_if_due(self, c: Any) -> None:
        now = self._clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._prune(c)

    def _prune(self, c: Any) -> int:
        now = self._clock()
        self._pruned_at = now
        return connector_health.prune(c, now - self._retention)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the connector health flusher is already running")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="connector-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and flush what is left (the last calls before shutdown are kept)."""
        if self._thread is not None:
            self._stopping.set()
            self._thread.join()
            self._thread = None
        self._flush_logged()

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval_s):
            self._flush_logged()

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception:
            # The store may be briefly away: the buckets wait in memory for the next try.
            log.warning("connector health flush failed; %d bucket(s) kept for the next one", self._recorder.pending())

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _row(key: Key, bucket: Bucket) -> dict[str, Any]:
    connector, minute = key
    return {
        "connector": connector,
        "minute": minute,
        "ok": bucket.ok,
        "errors": bucket.errors,
        "throttled": bucket.throttled,
        "timeouts": bucket.timeouts,
        "drift": bucket.drift,
        "latency_sum_s": bucket.latency_sum_s,
        "latency_max_s": bucket.latency_max_s,
        "last_success_at": bucket.last_success_at,
        "last_error_at": bucket.last_error_at,
        "last_error": bucket.last_error,
    }
