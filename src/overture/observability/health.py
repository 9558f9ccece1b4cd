"""Connector health across processes: calls added up in memory, flushed to the store every few seconds.

Prometheus counters live in one process's memory, but the dashboard is served by the API while the
calls are made by the worker (or a CLI pull, or ``overture serve`` doing both). So every call is
also added to this process's :data:`RECORDER` (connectors/http.py, next to the Prometheus figures):
a dictionary of per-connector, per-minute buckets under a lock, never a database write per call.
A ``HealthFlusher`` (observability/flusher.py) drains it into the store every few seconds. This
module touches no store, so the connectors that record here never reach the store through it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from overture.domain.connector_health import OUTCOMES

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
    drift: int = 0
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
            elif outcome == "drift":
                self.drift += 1
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
        self.drift += other.drift
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
