"""A strictly increasing UTC clock, so events stamped in one breath keep their order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_TICK = timedelta(microseconds=1)


class Ticker:
    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        now = datetime.now(UTC)
        with self._lock:
            if now <= self._last:
                now = self._last + _TICK
            self._last = now
        return now


utc_ticker = Ticker()
