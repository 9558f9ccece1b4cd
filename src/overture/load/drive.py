"""One whole run of ``overture load``: seed the hub if asked, plan the orders, send them, follow them."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from overture.load.mix import Mix
from overture.load.orders import OrderMaker
from overture.load.runner import LoadOptions, LoadRun, RunResult, plan, seed_master_data


def client_for(url: str, key: str | None, options: LoadOptions) -> httpx.AsyncClient:
    """An HTTP client of the hub, its pool as large as the run's concurrency (plus the tracker's reads)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=options.concurrency + 8, max_keepalive_connections=options.concurrency + 8)
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=options.timeout_s, limits=limits)


async def run_load(
    url: str,
    key: str | None,
    mix: Mix,
    options: LoadOptions,
    *,
    seed: bool = True,
    run_id: str | None = None,
    on_tick: Callable[[LoadRun], None] | None = None,
) -> RunResult:
    """Send ``options.rate`` orders a second for ``options.duration_s`` to the hub at ``url``; ``seed``:
    create its warehouses, catalogue and stock first (a fresh load-test hub needs them)."""
    run_id = run_id or uuid.uuid4().hex[:8]
    maker = OrderMaker(mix, run_id=run_id)
    planned = plan(maker, mix, options, run_id)
    async with client_for(url, key, options) as client:
        if seed:
            await seed_master_data(client, maker)
        return await LoadRun(client, planned, options, mix).run(on_tick)
