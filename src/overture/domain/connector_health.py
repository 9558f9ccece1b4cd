"""Connector health: one connector's call figures over a window, and the red / amber / green verdict on them.

Pure. The figures come from per-minute buckets of calls (store/connector_health.py) that every
process making calls writes (observability/health.py); here they are only judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

OUTCOMES = ("ok", "error", "throttled", "timeout", "drift")  # drift: a 2xx answer not in the shape we read
# A failure share at or above RED_RATE is an outage in practice; at or above AMBER_RATE worth a look.
RED_RATE = 0.5
AMBER_RATE = 0.05


class HealthState(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True, slots=True)
class ConnectorFigures:
    """Calls of one connector in a window, by outcome, and the latest success and error ever kept."""

    connector: str
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

    @property
    def calls(self) -> int:
        return self.ok + self.failed

    @property
    def failed(self) -> int:
        return self.errors + self.throttled + self.timeouts + self.drift

    @property
    def error_rate(self) -> float | None:
        """Failed calls (errors, timeouts and 429s) over all calls; None without calls."""
        return self.failed / self.calls if self.calls else None

    @property
    def mean_latency_s(self) -> float | None:
        return self.latency_sum_s / self.calls if self.calls else None


@dataclass(frozen=True, slots=True)
class Health:
    state: HealthState
    reason: str


def assess(figures: ConnectorFigures, *, window: timedelta) -> Health:
    """Red when most calls in the window fail or none got through; amber on some failures, any
    throttling or api drift, or a last call that failed; green otherwise (an idle connector included)."""
    minutes = int(window.total_seconds() // 60)
    rate = figures.error_rate
    if rate is None:
        if _failed_last(figures):
            return Health(HealthState.AMBER, f"no calls in the last {minutes} min; the last call failed")
        return Health(HealthState.GREEN, f"no calls in the last {minutes} min")
    share = f"{figures.failed} of {figures.calls} calls failed in the last {minutes} min"
    if figures.drift:
        # The vendor's answers changed shape: retrying will not help, someone must look, however few.
        state = HealthState.RED if figures.ok == 0 or rate >= RED_RATE else HealthState.AMBER
        return Health(state, f"api drift: {figures.drift} answer(s) not in the shape we read ({share})")
    if figures.ok == 0:
        return Health(HealthState.RED, f"no call succeeded in the last {minutes} min ({share})")
    if rate >= RED_RATE:
        return Health(HealthState.RED, share)
    if rate >= AMBER_RATE:
        return Health(HealthState.AMBER, share)
    if figures.throttled:
        return Health(HealthState.AMBER, f"throttled (429) {figures.throttled} time(s) in the last {minutes} min")
    if _failed_last(figures):
        return Health(HealthState.AMBER, f"the last call failed ({share})")
    return Health(HealthState.GREEN, f"{figures.ok} of {figures.calls} calls succeeded in the last {minutes} min")


def _failed_last(figures: ConnectorFigures) -> bool:
    if figures.last_error_at is None:
        return False
    return figures.last_success_at is None or figures.last_error_at > figures.last_success_at
