"""Customer notifications, posted as JSON to a webhook that sends the actual message.

Body: ``{"order_id", "event", "email", "message"}`` with an ``Idempotency-Key`` header, so a
retried notification is not delivered twice. The ERP simulator's ``POST /v1/notifications``
is a suitable receiver for tests and the demo.
"""

from __future__ import annotations

import httpx

from overture.connectors.http import ConnectorConfig, HttpConnector


class Notifier(HttpConnector):
    def __init__(
        self,
        config: ConnectorConfig,
        *,
        path: str = "/v1/notifications",
        transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(config, transport=transport, headers=headers)
        self.path = path

    async def notify(self, order_id: str, event: str, email: str, message: str, *, idempotency_key: str) -> None:
        body = {"order_id": order_id, "event": event, "email": email, "message": message}
        await self._call("POST", self.path, json=body, idempotency_key=idempotency_key, operation="notify")
