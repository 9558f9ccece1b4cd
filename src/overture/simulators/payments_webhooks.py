"""Delivery of the payments simulator's Events, signed as Stripe signs them.

The WMS simulator's :class:`~overture.simulators.webhooks.WebhookSender` carries shipment notices with
an ``Idempotency-Key``; Stripe's deliveries differ (a ``Stripe-Signature`` made anew for every attempt,
the Event id as the only identity), so this sender is its own, built the same way: background tasks
kept by a :class:`TaskKeeper`, a few retries with a growing pause on connection errors and 5xx (a 4xx
is final), and the fault plan's ``duplicate_webhooks`` delivering every Event twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx

from overture.channels.stripe_events import signature_header
from overture.connectors.http import default_transport
from overture.simulators.common import FaultPlan, TaskKeeper
from overture.simulators.webhooks import DeliveryStats

log = logging.getLogger(__name__)


class EventSender:
    def __init__(
        self,
        faults: FaultPlan,
        *,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 4,
        backoff_s: float = 0.1,
        timeout_s: float = 5.0,
    ) -> None:
        self._faults = faults
        self._secret = secret
        self._transport = transport
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None
        self._tasks = TaskKeeper()
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self.stats = DeliveryStats()

    def send(self, url: str, event: dict[str, Any]) -> None:
        """Hand an Event over for delivery; Events go out one after another, in the order raised
        (Stripe promises no order, but a simulator that keeps it makes tests readable)."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._tasks.spawn(self._drain(self._queue))
        copies = 2 if self._faults.flag("duplicate_webhooks") else 1
        for _ in range(copies):
            self._queue.put_nowait((url, event))

    def reset(self) -> None:
        self._tasks.cancel_nowait()
        self._queue = None
        self.stats = DeliveryStats()

    async def aclose(self) -> None:
        await self._tasks.cancel_all()
        self._queue = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _drain(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            url, event = await queue.get()
            await self._post(url, event)

    async def _post(self, url: str, event: dict[str, Any]) -> None:
        client = self._client_for_loop()
        body = json.dumps(event, separators=(",", ":")).encode()
        event_id = str(event["id"])
        problem = ""
        for attempt in range(1, self._attempts + 1):
            self.stats.calls += 1
            self.stats.keys[event_id] = self.stats.keys.get(event_id, 0) + 1
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature_header(body, self._secret, timestamp=int(time.time())),
            }
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code < 400:
                    self.stats.delivered += 1
                    return
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500:
                    break
            if attempt < self._attempts:
                await asyncio.sleep(self._backoff_s * 2 ** (attempt - 1))
        self.stats.failed += 1
        log.warning("stripe event %s to %s failed: %s", event_id, url, problem)

    def _client_for_loop(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, transport=self._transport or default_transport())
        return self._client
