"""The red / amber / green verdict on a connector's last hour of calls (domain/connector_health.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overture.domain.connector_health import ConnectorFigures, HealthState, assess

HOUR = timedelta(hours=1)
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("figures", "state", "reason"),
    [
        (ConnectorFigures("wms", ok=100), HealthState.GREEN, "100 of 100 calls succeeded in the last 60 min"),
        (ConnectorFigures("wms", ok=99, errors=1), HealthState.GREEN, "99 of 100 calls succeeded in the last 60 min"),
        (ConnectorFigures("wms", ok=95, timeouts=5), HealthState.AMBER, "5 of 100 calls failed in the last 60 min"),
        (
            ConnectorFigures("wms", ok=98, throttled=2),
            HealthState.AMBER,
            "throttled (429) 2 time(s) in the last 60 min",
        ),
        (
            ConnectorFigures("wms", ok=5, errors=3, throttled=2),
            HealthState.RED,
            "5 of 10 calls failed in the last 60 min",
        ),
        (
            ConnectorFigures("wms", errors=1),
            HealthState.RED,
            "no call succeeded in the last 60 min (1 of 1 calls failed in the last 60 min)",
        ),
        (ConnectorFigures("wms"), HealthState.GREEN, "no calls in the last 60 min"),
        (
            ConnectorFigures("wms", ok=99, drift=1),
            HealthState.AMBER,
            "api drift: 1 answer(s) not in the shape we read (1 of 100 calls failed in the last 60 min)",
        ),
        (
            ConnectorFigures("wms", drift=2),
            HealthState.RED,
            "api drift: 2 answer(s) not in the shape we read (2 of 2 calls failed in the last 60 min)",
        ),
        (
            ConnectorFigures("wms", last_success_at=T0, last_error_at=T0 + HOUR),
            HealthState.AMBER,
            "no calls in the last 60 min; the last call failed",
        ),
        (
            ConnectorFigures("wms", ok=50, errors=1, last_success_at=T0, last_error_at=T0 + HOUR),
            HealthState.AMBER,
            "the last call failed (1 of 51 calls failed in the last 60 min)",
        ),
    ],
)
def test_assess(figures: ConnectorFigures, state: HealthState, reason: str) -> None:
    verdict = assess(figures, window=HOUR)
    assert (verdict.state, verdict.reason) == (state, reason)


def test_rates_and_latency() -> None:
    figures = ConnectorFigures("erp", ok=6, errors=1, throttled=2, timeouts=1, latency_sum_s=2.0, latency_max_s=0.9)
    assert (figures.calls, figures.failed, figures.error_rate, figures.mean_latency_s) == (10, 4, 0.4, 0.2)
    assert ConnectorFigures("erp").error_rate is None and ConnectorFigures("erp").mean_latency_s is None
