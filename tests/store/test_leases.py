"""Leases in the store, on both stores: one holder at a time, renewal, expiry and release, and a race
of many processes' threads for a free lease won by exactly one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

import pytest

from overture.store.engine import make_engine
from overture.store.leases import SqlLeases

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=15)


@pytest.fixture
def leases(database_url: str) -> SqlLeases:
    return SqlLeases(make_engine(database_url))


def test_a_free_lease_is_taken_and_a_second_holder_is_refused_until_it_expires(leases: SqlLeases) -> None:
    assert leases.take("jobs", "a", now=T0, until=T0 + TTL)
    assert not leases.take("jobs", "b", now=T0 + timedelta(seconds=5), until=T0 + timedelta(seconds=20))
    assert not leases.take("jobs", "b", now=T0 + TTL, until=T0 + TTL + TTL)  # not yet past its end
    later = T0 + TTL + timedelta(seconds=1)
    assert leases.take("jobs", "b", now=later, until=later + TTL)
    assert not leases.take("jobs", "a", now=later, until=later + TTL), "the old holder must not win it back"


def test_the_holder_renews_and_the_renewal_moves_the_end(leases: SqlLeases) -> None:
    assert leases.take("jobs", "a", now=T0, until=T0 + TTL)
    renewed = T0 + timedelta(seconds=10)
    assert leases.take("jobs", "a", now=renewed, until=renewed + TTL)
    # Past the first end but within the renewed one: still a's.
    assert not leases.take("jobs", "b", now=T0 + TTL + timedelta(seconds=5), until=T0 + TTL + TTL)


def test_a_released_lease_is_free_at_once_and_a_release_by_another_holder_does_nothing(leases: SqlLeases) -> None:
    assert leases.take("jobs", "a", now=T0, until=T0 + TTL)
    leases.release("jobs", "b")
    assert not leases.take("jobs", "b", now=T0, until=T0 + TTL)
    leases.release("jobs", "a")
    assert leases.take("jobs", "b", now=T0, until=T0 + TTL)


def test_leases_of_different_names_are_independent(leases: SqlLeases) -> None:
    assert leases.take("jobs", "a", now=T0, until=T0 + TTL)
    assert leases.take("other", "b", now=T0, until=T0 + TTL)


def test_many_contenders_for_a_free_or_expired_lease_exactly_one_wins(database_url: str) -> None:
    contenders = 16
    engine = make_engine(database_url, pool_size=contenders, max_overflow=0)
    start = Barrier(contenders)
    for round_no in range(3):
        at = T0 + timedelta(minutes=round_no)  # each round finds the last one's lease expired

        def contend(n: int, at: datetime = at, round_no: int = round_no) -> bool:
            start.wait()
            return SqlLeases(engine).take("jobs", f"r{round_no}-{n}", now=at, until=at + timedelta(seconds=30))

        with ThreadPoolExecutor(contenders) as pool:
            won = list(pool.map(contend, range(contenders)))
        assert won.count(True) == 1, f"round {round_no}: {won.count(True)} holders at once"
    engine.dispose()
