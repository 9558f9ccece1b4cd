"""Connector to a warehouse management system (WMS) or third-party logistics provider (3PL).

Overture releases an order's lines at one location, may cancel that release until it ships,
and learns of shipments from notices: pushed to ``callback_url`` as webhooks, or polled with
:meth:`WmsConnector.shipments` after the last sequence number seen.

Wire format (JSON)::

    POST /v1/releases          {order_id, location_id, lines: [{line_no, sku, quantity}], ship_to, callback_url}
                               -> {"release_id": "WR-..."}
    POST /v1/releases/cancel   {order_id, location_id} -> {"outcome": "cancelled" | "already_shipped" | "not_found"}
    GET  /v1/shipments?after=N -> {"notices": [ShipmentNotice, ...]}   (sequence > N, ascending)
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.http import HttpConnector
from overture.services.ports.wms import CancelOutcome, ShipmentNotice, WmsRelease


class _Release(Contract):
    release_id: Annotated[str, StringConstraints(min_length=1)]


class WmsConnector(HttpConnector):
    """Releases, cancellations and shipment polling against a WMS/3PL."""

    async def release(self, release: WmsRelease, *, idempotency_key: str) -> str:
        """Release an order's lines at one location; returns the WMS's release id."""
        op = "release"
        body, key = release.to_json(), idempotency_key
        answer = await self._read(_Release, "POST", "/v1/releases", json=body, idempotency_key=key, operation=op)
        return answer.release_id

    async def cancel_release(self, order_id: str, location_id: str, *, idempotency_key: str) -> CancelOutcome:
        op = "cancel_release"
        body = {"order_id": order_id, "location_id": location_id}
        answer = await self._call(
            "POST", "/v1/releases/cancel", json=body, idempotency_key=idempotency_key, operation=op
        )
        try:
            return CancelOutcome(self._field(answer, "outcome", op))
        except ValueError:
            raise self._malformed(op, f"unknown cancel outcome {answer.get('outcome')!r}") from None

    async def shipments(self, *, after_sequence: int) -> list[ShipmentNotice]:
        """Notices with a sequence above ``after_sequence``, oldest first."""
        op = "shipments"
        answer = await self._call("GET", "/v1/shipments", params={"after": after_sequence}, operation=op)
        notices = answer.get("notices")
        if not isinstance(notices, list):
            raise self._malformed(op, "answer lacks the list 'notices'")
        try:
            return sorted((ShipmentNotice.from_json(item) for item in notices), key=lambda n: n.sequence)
        except ValueError as error:
            raise self._malformed(op, f"bad notice: {error}") from None
