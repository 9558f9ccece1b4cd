"""The open loop: the schedule is kept when the hub is slow, and the slowness shows as latency."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from overture.load.mix import Mix
from overture.load.runner import LoadOptions, LoadRun, Planned, arrivals


def test_arrivals_average_the_rate() -> None:
    uniform = arrivals(20, 3, kind="uniform", rng=random.Random(1))
    assert len(uniform) == 60 and uniform[1] == pytest.approx(0.05)
    poisson = arrivals(200, 10, kind="poisson", rng=random.Random(1))
    assert 1_800 < len(poisson) < 2_200 and poisson == sorted(poisson) and poisson[-1] < 10


def _slow_hub(delay_s: float) -> tuple[httpx.AsyncClient, list[float]]:
    """A hub that answers every order after ``delay_s``, recording when each request arrived."""
    arrived: list[float] = []
    loop_time = asyncio.get_running_loop().time

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/orders":  # the exception queue, read at the end
            return httpx.Response(200, json={"items": [], "next_after": None})
        arrived.append(loop_time())
        order_id = f"o{len(arrived)}"
        await asyncio.sleep(delay_s)
        return httpx.Response(201, json={"id": order_id, "status": "routed"})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://hub"), arrived


def test_a_slow_hub_gets_the_offered_rate_and_shows_the_wait_as_latency() -> None:
    async def main() -> tuple[list[float], LoadRun]:
        client, arrived = _slow_hub(0.5)  # ten times slower than the gap between orders
        planned = [Planned(n * 0.05, f"k{n}", b"{}", 1, None) for n in range(40)]  # 20/s for 2 s
        options = LoadOptions(rate=20, duration_s=2, concurrency=100, poll_rate=0)
        run = LoadRun(client, planned, options, Mix())
        await run.run()
        await client.aclose()
        return arrived, run

    arrived, run = asyncio.run(main())
    assert len(arrived) == 40
    span = arrived[-1] - arrived[0]
    assert 1.8 < span < 2.3, f"40 orders at 20/s should arrive over ~1.95 s, not {span:.2f} s"
    latencies = [s.latency_s for s in run.samples]
    assert min(latencies) >= 0.5 and len(run.placed) == 40


def test_when_slots_run_out_waiting_counts_as_latency_not_as_a_lower_rate() -> None:
    async def main() -> LoadRun:
        client, _ = _slow_hub(0.2)
        planned = [Planned(n * 0.02, f"k{n}", b"{}", 1, None) for n in range(20)]  # 50/s, 2 slots: 10/s served
        run = LoadRun(client, planned, LoadOptions(rate=50, duration_s=0.4, concurrency=2, poll_rate=0), Mix())
        await run.run()
        await client.aclose()
        return run

    run = asyncio.run(main())
    by_due = sorted(run.samples, key=lambda s: s.due_s)
    assert by_due[-1].latency_s > 1.5  # the last waited for ~9 answers of 0.2 s ahead of it
    assert by_due[0].latency_s < 0.4
