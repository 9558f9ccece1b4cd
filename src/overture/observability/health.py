"""Connector health across processes: calls added up in memory, flushed to the store every few seconds.

Prometheus counters live in one process's memory, but the dashboard is served by the API while the
calls are made by the worker (or a CLI pull, or ``overture serve`` doing both). So every call is
also added to this process's :data:`RECORDER` (connectors/http.py, next to the Prometheus figures):
a dictionary of per-connector, per-minute buckets under a lock, never a database write per call.
A :class:`HealthFlusher` thread drains it every ``interval_s`` into ``connector_calls`` with one
additive UPSERT (store/connector_health.py), prunes buckets past the retention now and then, and
flushes once more when stopped. A flush that fails puts its buckets back for the next one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine

from overture.domain.connector_health import OUTCOMES
from overture.services.ports import Clock
from overture.store import connector_health

log = logging.getLogger(__name__)

RETENTION = timedelta(days=7)
PRUNE_EVERY = timedelta(minutes=10)
_MESSAGE_LIMIT = 500


@dataclass(slots=True)
class Bucket:
    """One connector's calls in one minute."""

    ok: int = 0
    errors: int = 0
    throttled: int = 0
    timeouts: int = 0
    latency_sum_s: float = 0.0
    latency_max_s: float = 0.0
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None

    def add(self, outcome: str, elapsed_s: float, at: datetime, error: str | None) -> None:
        if outcome == "ok":
            self.ok += 1
            self.last_success_at = _later(self.last_success_at, at)
        else:
            if outcome == "throttled":
                self.throttled += 1
            elif outcome == "timeout":
                self.timeouts += 1
            else:
                self.errors += 1
            if self.last_error_at is None or at >= self.last_error_at:
                self.last_error_at, self.last_error = at, (error or outcome)[:_MESSAGE_LIMIT]
        self.latency_sum_s += elapsed_s
        self.latency_max_s = max(self.latency_max_s, elapsed_s)

    def merge(self, other: Bucket) -> None:
        self.ok += other.ok
        self.errors += other.errors
        self.throttled += other.throttled
        self.timeouts += other.timeouts
        self.latency_sum_s += other.latency_sum_s
        self.latency_max_s = max(self.latency_max_s, other.latency_max_s)
        self.last_success_at = _later(self.last_success_at, other.last_success_at)
        if other.last_error_at is not None and (self.last_error_at is None or other.last_error_at > self.last_error_at):
            self.last_error_at, self.last_error = other.last_error_at, other.last_error


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


Key = tuple[str, datetime]


@dataclass
class CallRecorder:
    """This process's calls not yet flushed, by (connector, minute). Safe to use from any thread."""

    _buckets: dict[Key, Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, connector: str, outcome: str, elapsed_s: float, *, error: str | None = None, at: datetime | None = None
    ) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
        when = (at or datetime.now(UTC)).astimezone(UTC)  # one key per minute, whatever zone the caller uses
        key = (connector, when.replace(second=0, microsecond=0))
        with self._lock:
            self._buckets.setdefault(key, Bucket()).add(outcome, elapsed_s, when, error)

    def drain(self) -> dict[Key, Bucket]:
        """Take every bucket out (the next calls start new ones)."""
        with self._lock:
            taken, self._buckets = self._buckets, {}
        return taken

    def put_back(self, buckets: dict[Key, Bucket]) -> None:
        """Return buckets a failed flush took, merged with whatever came in since."""
        with self._lock:
            for key, bucket in buckets.items():
                self._buckets.setdefault(key, Bucket()).merge(bucket)

    def pending(self) -> int:
        with self._lock:
            return len(self._buckets)


RECORDER = CallRecorder()
"""The process's recorder, which connectors/http.py adds every call to."""


def record_call(connector: str, outcome: str, elapsed_s: float, error: str | None = None) -> None:
    RECORDER.record(connector, outcome, elapsed_s, error=error)


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
        "latency_sum_s": bucket.latency_sum_s,
        "latency_max_s": bucket.latency_max_s,
        "last_success_at": bucket.last_success_at,
        "last_error_at": bucket.last_error_at,
        "last_error": bucket.last_error,
    }
