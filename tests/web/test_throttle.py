"""Rate limits per key and per address, and the lockout of an address that keeps presenting wrong keys."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from overture.web.throttle import Lockouts, RateLimiter, fingerprint

pytestmark = pytest.mark.auth


class MovableClock:
    """Stopped when the test starts; moved by hand, so no bucket refills while a loaded machine runs it."""

    def __init__(self, start: datetime) -> None:
        self._start, self.ahead = start, timedelta()

    def __call__(self) -> datetime:
        return self._start + self.ahead


@pytest.fixture
def clock(container: Container) -> MovableClock:
    return MovableClock(container.clock())


def _hub(container: Container, clock: MovableClock, **settings: object) -> Container:
    return replace(container, clock=clock, settings=container.settings.model_copy(update=settings))


@pytest.fixture
def http(container: Container, clock: MovableClock) -> Iterator[TestClient]:
    hub = _hub(container, clock, bad_keys_before_lockout=5, lockout_s=30, rate_limit_per_key=5.0, rate_limit_per_ip=5.0)
    with TestClient(create_app(hub)) as client:
        yield client


def _viewer(container: Container) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(container.uow, container.clock, role=Role.VIEWER).token}"}


def test_wrong_keys_lock_the_address_out_and_each_lockout_lasts_longer(
    http: TestClient, container: Container, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    good, bad = _viewer(container), {"Authorization": "Bearer ovt_key_guessed"}
    caplog.set_level(logging.WARNING, logger="overture.web.throttle")
    assert [http.get("/v1/exceptions", headers=bad).status_code for _ in range(5)] == [401] * 5

    locked = http.get("/v1/exceptions", headers=good)  # even the right key, while the address is locked out
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "locked_out"
    assert locked.headers["retry-after"] == "30"
    clock.ahead = timedelta(seconds=31)
    for _ in range(5):  # a guesser back after its lockout: the next one is twice as long
        http.get("/v1/exceptions", headers=bad)
    assert http.get("/v1/exceptions", headers=good).headers["retry-after"] == "60"
    logged = caplog.text
    assert fingerprint("ovt_key_guessed") in logged and "ovt_key_guessed" not in logged
    assert "locked out for 30 s" in logged and "locked out for 60 s" in logged

    clock.ahead = timedelta(seconds=92)
    assert http.get("/v1/exceptions", headers=good).status_code == 200  # the right key clears the record
    for _ in range(5):
        http.get("/v1/exceptions", headers=bad)
    assert http.get("/v1/exceptions", headers=good).headers["retry-after"] == "30"


def test_wrong_keys_spread_over_more_than_a_minute_do_not_lock_out(http: TestClient, clock: MovableClock) -> None:
    bad = {"X-API-Key": "ovt_key_guessed"}
    for n in range(12):
        clock.ahead = timedelta(seconds=20 * n)  # three a minute, under the five that lock out
        assert http.get("/v1/exceptions", headers=bad).status_code == 401


def test_a_key_past_its_rate_is_told_when_to_come_back(
    http: TestClient, container: Container, clock: MovableClock
) -> None:
    good = _viewer(container)
    answers = [http.get("/v1/exceptions", headers=good) for _ in range(11)]

    assert [a.status_code for a in answers] == [200] * 10 + [429]  # the burst is twice the rate
    assert answers[-1].json()["error"]["code"] == "rate_limited" and answers[-1].headers["retry-after"] == "1"
    other = _viewer(container)
    assert http.get("/v1/exceptions", headers=other).status_code == 200  # another key has its own bucket
    clock.ahead = timedelta(seconds=1)
    assert http.get("/v1/exceptions", headers=good).status_code == 200


def test_requests_without_a_key_are_limited_by_address(http: TestClient) -> None:
    statuses = [http.get("/healthz").status_code for _ in range(11)]

    assert statuses == [200] * 10 + [429]


def test_a_bucket_refills_at_its_rate_and_holds_at_most_twice_it() -> None:
    limiter = RateLimiter(2.0)
    assert [limiter.take("k", 0.0) for _ in range(4)] == [0.0] * 4
    assert limiter.take("k", 0.0) == pytest.approx(0.5)
    assert limiter.take("k", 0.5) == 0.0 and limiter.take("k", 0.5) > 0
    assert all(limiter.take("k", 100.0) == 0.0 for _ in range(4)) and limiter.take("k", 100.0) > 0


def test_lockouts_double_to_fifteen_minutes_at_most() -> None:
    lockouts = Lockouts(strikes=2, first_lockout_s=300)
    started = []
    for n in range(4):
        lockouts.strike("10.0.0.9", n * 1000.0)
        started.append(lockouts.strike("10.0.0.9", n * 1000.0)[1])

    assert started == [300, 600, 900, 900]
    assert lockouts.locked_for("10.0.0.9", 3000.0) == 900 and lockouts.locked_for("10.0.0.8", 3000.0) == 0
