"""The once-only jobs of the dispatcher role run in one process at a time (workflows/leases.py), on
both stores: a second dispatcher waits, takes over at once when the first stops cleanly, after the
lease's time when the first can no longer reach the store, and a job that fails is started again."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from overture.store.engine import make_engine
from overture.store.leases import SqlLeases
from overture.workflows.leases import Job, run_while_leased

TTL_S = 0.6


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runs:
    """When each holder's job ran: (holder, start, end) on the monotonic clock."""

    spans: list[tuple[str, float, float]] = field(default_factory=list)
    running: dict[str, float] = field(default_factory=dict)

    def job(self, holder: str, *, fail_first: bool = False) -> Job:
        failed = not fail_first

        async def run(stop: asyncio.Event) -> None:
            nonlocal failed
            self.running[holder] = time.monotonic()
            try:
                if not failed:
                    failed = True
                    raise RuntimeError("the job broke")
                await stop.wait()
            finally:
                self.spans.append((holder, self.running.pop(holder), time.monotonic()))

        return run

    def assert_never_overlapped(self) -> None:
        ordered = sorted(self.spans, key=lambda span: span[1])
        for (a, _, end), (b, start, _) in itertools.pairwise(ordered):
            assert start >= end, f"{a} and {b} ran at once"


class Unreachable(SqlLeases):
    """The store as a process cut off from it sees it: every call fails once ``cut`` is set."""

    cut = False

    def take(self, name: str, holder: str, *, now: datetime, until: datetime) -> bool:
        if self.cut:
            raise ConnectionError("the store went away")
        return super().take(name, holder, now=now, until=until)


def runner(leases: SqlLeases, runs: Runs, holder: str, stop: asyncio.Event, **job: bool) -> asyncio.Task[None]:
    return asyncio.create_task(
        run_while_leased(leases, "jobs", runs.job(holder, **job), holder=holder, clock=now, stop=stop, ttl_s=TTL_S)
    )


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> float:
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < timeout_s, "timed out"
        await asyncio.sleep(0.02)
    return time.monotonic() - began


def test_one_runner_at_a_time_and_a_clean_stop_hands_over_at_once(database_url: str) -> None:
    async def scenario() -> None:
        runs, leases = Runs(), SqlLeases(make_engine(database_url))
        stop_a, stop_b = asyncio.Event(), asyncio.Event()
        a = runner(leases, runs, "a", stop_a)
        await until(lambda: "a" in runs.running)
        b = runner(leases, runs, "b", stop_b)
        await asyncio.sleep(TTL_S * 3)
        assert "b" not in runs.running, "a second dispatcher ran the once-only jobs beside the first"
        stop_a.set()
        await a
        waited = await until(lambda: "b" in runs.running)
        assert waited < TTL_S, "a released lease is taken on the next try, not after it expires"
        stop_b.set()
        await b
        runs.assert_never_overlapped()

    asyncio.run(scenario())


def test_a_holder_cut_off_from_the_store_stops_its_job_and_another_takes_over(database_url: str) -> None:
    async def scenario() -> None:
        runs, engine = Runs(), make_engine(database_url)
        cut_off, healthy = Unreachable(engine), SqlLeases(engine)
        stop = asyncio.Event()
        a = runner(cut_off, runs, "a", stop)
        await until(lambda: "a" in runs.running)
        b = runner(healthy, runs, "b", stop)
        cut_off.cut = True
        await until(lambda: "a" not in runs.running, timeout_s=TTL_S * 2)
        await until(lambda: "b" in runs.running, timeout_s=TTL_S * 3)
        stop.set()
        await asyncio.gather(a, b)
        runs.assert_never_overlapped()

    asyncio.run(scenario())


def test_a_job_that_fails_is_started_again_by_its_holder(database_url: str) -> None:
    async def scenario() -> None:
        runs, stop = Runs(), asyncio.Event()
        a = runner(SqlLeases(make_engine(database_url)), runs, "a", stop, fail_first=True)
        await until(lambda: "a" in runs.running and len(runs.spans) == 1)
        stop.set()
        await a
        assert [span[0] for span in runs.spans] == ["a", "a"]

    asyncio.run(scenario())


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("ERROR")
