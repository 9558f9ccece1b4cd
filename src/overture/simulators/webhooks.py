"""Webhook delivery for the WMS simulator, with its own faults: duplicates and reordering.

Each notice is POSTed as JSON with an ``Idempotency-Key`` of its shipment id. A delivery is
retried a few times, with a short growing pause, on connection errors and 5xx answers; a 4xx
answer is final. Switches read from the fault plan when a notice is handed over:

- ``duplicate_webhooks``: every notice is delivered twice, one after the other;
- ``reorder_webhooks``: notices are held and sent newest first, in batches of
  ``reorder_batch`` or whatever has gathered after ``reorder_hold_s``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from overture.connectors.http import default_transport
from overture.services.ports.wms import ShipmentNotice
from overture.simulators.common import FaultPlan, TaskKeeper

log = logging.getLogger(__name__)


class KeyedTransport(httpx.AsyncBaseTransport):
    """Sends every request with an API key: how the WMS simulator's shipment webhooks get past the
    hub's access control (a ``channel`` key for channel "wms")."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._inner = default_transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class DeliveryStats:
    calls: int = 0
    delivered: int = 0
    failed: int = 0
    keys: dict[str, int] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        return {"calls": self.calls, "delivered": self.delivered, "failed": self.failed, "keys": dict(self.keys)}


class WebhookSender:
    def __init__(
        self,
        faults: FaultPlan,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 4,
        backoff_s: float = 0.1,
        timeout_s: float = 5.0,
        reorder_batch: int = 3,
        reorder_hold_s: float = 0.3,
    ) -> None:
        self._faults = faults
        self._transport = transport
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._reorder_batch = reorder_batch
        self._reorder_hold_s = reorder_hold_s
        self._client: httpx.AsyncClient | None = None
        self._tasks = TaskKeeper()
        self._held: list[tuple[str, ShipmentNotice]] = []
        self._hold_timer: asyncio.Task[None] | None = None
        self.stats = DeliveryStats()

    def send(self, url: str, notice: ShipmentNotice) -> None:
        """Hand a notice over for delivery in the background (call from the app's event loop)."""
        if not self._faults.flag("reorder_webhooks"):
            self._tasks.spawn(self._deliver([(url, notice)]))
            return
        self._held.append((url, notice))
        if len(self._held) >= self._reorder_batch:
            self._flush()
        elif self._hold_timer is None or self._hold_timer.done():
            self._hold_timer = self._tasks.spawn(self._flush_later())

    def reset(self) -> None:
        self._tasks.cancel_nowait()
        self._held.clear()
        self._hold_timer = None
        self.stats = DeliveryStats()

    async def aclose(self) -> None:
        await self._tasks.cancel_all()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._reorder_hold_s)
        self._flush()

    def _flush(self) -> None:
        batch, self._held = self._held, []
        if batch:
            self._tasks.spawn(self._deliver(list(reversed(batch))))

    async def _deliver(self, batch: list[tuple[str, ShipmentNotice]]) -> None:
        copies = 2 if self._faults.flag("duplicate_webhooks") else 1
        for url, notice in batch:
            for _ in range(copies):
                await self._post(url, notice)

    async def _post(self, url: str, notice: ShipmentNotice) -> None:
        client = self._client_for_loop()
        body = notice.to_json()
        headers = {"Idempotency-Key": notice.shipment_id}
        for attempt in range(1, self._attempts + 1):
            self.stats.calls += 1
            self.stats.keys[notice.shipment_id] = self.stats.keys.get(notice.shipment_id, 0) + 1
            try:
                response = await client.post(url, json=body, headers=headers)
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
        log.warning("shipment webhook %s to %s failed: %s", notice.shipment_id, url, problem)

    def _client_for_loop(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout_s, transport=self._transport or default_transport())
        return self._client
