"""The load of a chaos run: ``overture load``'s open-loop runner, behind a client that behaves like a real
one in front of two API processes.

- :class:`Balancer` sends each request to the API processes in turn (a load balancer), and to the other
  one when a connection is refused (the process it picked is dead).
- :class:`ChaosLoad` retries an order whose answer was lost (no answer, a 5xx, a 429) with the *same*
  Idempotency-Key until it gets one, as a client that must not place an order twice would, and records
  every accepted order (2xx: its key and the order id the hub gave) for the audit.
- :func:`seed` writes the load generator's master data with a few best sellers kept scarce, so an
  oversell would show if the hub let two reservations take the same units.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from overture.load.mix import Mix
from overture.load.orders import OrderMaker
from overture.load.runner import SEED_CHUNK, LoadOptions, LoadRun, Planned, seed_catalogue

RETRY_FOR_S = 240.0  # how long a lost answer is retried: longer than any restart a fault causes
# Scarce: the SKUs ranked 4 to 8 by popularity (2-4 % of lines each), 15 units each at one warehouse: less
# than even a 2-minute run orders of most of them, so orders compete for the last units (and the rest wait
# on hold), while most orders find stock.
SCARCE_RANKS = slice(3, 8)
SCARCE_UNITS = 15


class Balancer(httpx.AsyncBaseTransport):
    """Round robin over API processes, failing over on a refused connection."""

    def __init__(self, urls: list[str], *, limits: httpx.Limits) -> None:
        self._targets = [httpx.URL(url) for url in urls]
        self._next = 0
        self._transport = httpx.AsyncHTTPTransport(limits=limits)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = self._next
        self._next = (self._next + 1) % len(self._targets)
        for attempt in range(len(self._targets)):
            target = self._targets[(start + attempt) % len(self._targets)]
            request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            try:
                return await self._transport.handle_async_request(request)
            except httpx.ConnectError:
                if attempt == len(self._targets) - 1:
                    raise
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._transport.aclose()


def balanced_client(urls: list[str], *, concurrency: int, timeout_s: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency + 8, max_keepalive_connections=concurrency + 8)
    return httpx.AsyncClient(
        base_url="http://hub", transport=Balancer(urls, limits=limits), timeout=timeout_s, limits=limits
    )


@dataclass
class Ledger:
    """What the clients saw: accepted orders by key, refusals, and keys that never got an answer."""

    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> order id
    refused: dict[str, int] = field(default_factory=dict)  # key -> status (a 4xx the hub meant)
    unanswered: list[str] = field(default_factory=list)
    retries: int = 0


def retryable(response: httpx.Response | None) -> bool:
    return response is None or response.status_code >= 500 or response.status_code == 429


async def place(send: Callable[[], Any], ledger: Ledger, key: str, *, retry_for_s: float = RETRY_FOR_S) -> str | None:
    """Send one order (``send`` makes one attempt) until an answer comes; the order id when accepted."""
    deadline = time.monotonic() + retry_for_s
    delay = 0.2
    while True:
        response: httpx.Response | None = await send()
        if response is not None and response.status_code in (200, 201):
            order_id = str(response.json()["id"])
            ledger.accepted[key] = order_id
            return order_id
        if not retryable(response):
            assert response is not None
            ledger.refused[key] = response.status_code
            return None
        if time.monotonic() > deadline:
            ledger.unanswered.append(key)
            return None
        ledger.retries += 1
        await asyncio.sleep(delay)
        delay = min(delay * 2, 3.0)


class ChaosLoad(LoadRun):
    """The load runner with captures that survive lost answers (see the module docstring)."""

    def __init__(self, client: httpx.AsyncClient, planned: list[Planned], options: LoadOptions, mix: Mix) -> None:
        super().__init__(client, planned, options, mix)
        self.ledger = Ledger()

    async def _capture(self, n: int, item: Planned) -> None:
        headers = {"Idempotency-Key": item.key, "Content-Type": "application/json"}

        async def attempt() -> httpx.Response | None:
            return await self._send("capture", item.due_s, "POST", "/v1/orders", content=item.body, headers=headers)

        order_id = await place(attempt, self.ledger, item.key)
        if order_id is None:
            return
        self.placed[order_id] = item.due_s
        self.live.placed += 1
        if item.follow_up in ("cancel", "edit"):
            self._spawn(self._later(item.due_s + self._mix.follow_up_delay_s, item, order_id))

    def burst(self, items: list[Planned]) -> None:
        """Send these orders now, all at once (a fault kills an API right after)."""
        now = self.now_s()
        for item in items:
            self._spawn(self._capture(-1, dataclasses.replace(item, due_s=now)))


def stock(maker: OrderMaker, *, scarce_best_sellers: bool = True) -> dict[tuple[str, str], int]:
    """Units received per (SKU, location) by :func:`seed`: the best sellers scarce, at one warehouse
    (unless ``scarce_best_sellers`` is false: a soak of steady work, where held orders do not pile up)."""
    data = maker.master_data()
    scarce = {item.sku for item in maker.ranked[SCARCE_RANKS]} if scarce_best_sellers else set()
    received: dict[tuple[str, str], int] = {}
    for entry in data.receipts:
        place_key = (entry["sku"], entry["location_id"])
        if entry["sku"] not in scarce:
            received[place_key] = entry["quantity"]
        elif not any(sku == entry["sku"] for sku, _ in received):
            received[place_key] = SCARCE_UNITS
    return received


async def seed(
    client: httpx.AsyncClient, maker: OrderMaker, *, scarce_best_sellers: bool = True
) -> dict[tuple[str, str], int]:
    """Warehouses, catalogue and stock (see :func:`stock`) through the API; returns what was received."""
    await seed_catalogue(client, maker)
    received = stock(maker, scarce_best_sellers=scarce_best_sellers)
    entries = [
        {"sku": sku, "location_id": location, "quantity": quantity, "reason": "chaos stock"}
        for (sku, location), quantity in received.items()
    ]
    for start in range(0, len(entries), SEED_CHUNK):
        body = {"entries": entries[start : start + SEED_CHUNK]}
        (await client.post("/v1/inventory/receipts", json=body)).raise_for_status()
    return received
