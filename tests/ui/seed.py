"""A small store with known figures for the dashboard tests, written row by row at times relative to now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from overture.bootstrap import Container
from overture.store.tables import (
    inbound_messages,
    order_events,
    order_exceptions,
    order_lines,
    order_references,
    orders,
    outbound_documents,
    shipments,
)

FORWARD = ["received", "validated", "reserved", "routed", "released", "shipped", "invoiced", "completed"]


@dataclass
class Seeded:
    now: datetime
    exceptions: dict[str, str]  # name -> exception id


def _order(
    c: sa.Connection,
    order_id: str,
    *,
    channel: str,
    external_id: str,
    status: str,
    created: datetime,
    email: str = "ann@example.com",
    partner: str | None = None,
    raw: str | None = None,
) -> None:
    c.execute(
        orders.insert(),
        {
            "id": order_id,
            "channel": channel,
            "external_id": external_id,
            "status": status,
            "customer": {"reference": "C-1", "name": "Ann", "email": email, "partner_id": partner},
            "ship_to": {
                "postal_code": "10001",
                "country": "US",
                "name": "Ann",
                "line1": "1 Main St",
                "line2": "",
                "city": "New York",
                "region": "NY",
            },
            "currency": "USD",
            "total": Decimal("19.98"),
            "created_at": created,
            "updated_at": created,
            "partner_id": partner,
            "raw_message_id": raw,
        },
    )
    c.execute(
        order_lines.insert(),
        {
            "order_id": order_id,
            "line_no": 1,
            "sku": "A",
            "quantity": 2,
            "unit_price": Decimal("9.99"),
            "status": "pending",
        },
    )


def _path(c: sa.Connection, order_id: str, start: datetime, until: str, step_s: int) -> None:
    """Status events along the forward path up to ``until``, ``step_s`` seconds apart."""
    previous = None
    for i, status in enumerate(FORWARD[: FORWARD.index(until) + 1]):
        c.execute(
            order_events.insert(),
            {
                "order_id": order_id,
                "at": start + timedelta(seconds=i * step_s),
                "kind": "status",
                "from_status": previous,
                "to_status": status,
                "note": "",
            },
        )
        previous = status


def _exception(
    c: sa.Connection,
    exc_id: str,
    order_id: str,
    kind: str,
    step: str,
    created: datetime,
    actions: list[str],
    resolved_by: str | None = None,
    resolution: str | None = None,
) -> None:
    c.execute(
        order_exceptions.insert(),
        {
            "id": exc_id,
            "order_id": order_id,
            "type": kind,
            "step": step,
            "reason": f"{kind} at {step}",
            "severity": "medium",
            "allowed_actions": actions,
            "details": {},
            "status": "resolved" if resolved_by else "open",
            "created_at": created,
            "resolved_at": created + timedelta(minutes=30) if resolved_by else None,
            "resolved_by": resolved_by,
            "resolution": resolution,
            "resolution_note": "checked" if resolved_by else None,
        },
    )


def seed(container: Container) -> Seeded:
    """Five orders: 2 completed (one touched by a person), 1 on hold, 1 shipped 26 h ago, 1 just received;
    three open exceptions aged 10 min, 2 h and 25 h."""
    now = container.clock()
    h = timedelta(hours=1)
    with container.engine.begin() as c:
        c.execute(
            inbound_messages.insert(),
            {
                "id": "msg_1",
                "channel": "edi",
                "received_at": now - 3 * h,
                "content_type": "application/edi-x12",
                "headers": {},
                "body": b"ISA*00*PO-777~",
                "status": "accepted",
            },
        )
        _order(c, "ord_1", channel="web", external_id="W-1", status="completed", created=now - 0.5 * h)
        _path(c, "ord_1", now - 0.5 * h, "completed", 60)
        _order(c, "ord_2", channel="web", external_id="W-2", status="completed", created=now - 2 * h)
        _path(c, "ord_2", now - 2 * h, "completed", 120)
        _exception(
            c,
            "exc_done",
            "ord_2",
            "insufficient_stock",
            "reserve",
            now - 2 * h,
            ["retry", "reroute", "cancel"],
            resolved_by="ops@shop",
            resolution="retry",
        )
        _order(
            c,
            "ord_3",
            channel="edi",
            external_id="PO-777",
            status="on_hold",
            created=now - 3 * h,
            partner="ACME",
            raw="msg_1",
        )
        _path(c, "ord_3", now - 3 * h, "shipped", 60)
        _exception(c, "exc_conn", "ord_3", "connector_failure", "invoice", now - 2 * h, ["retry", "override", "cancel"])
        c.execute(
            order_references.insert(),
            {
                "order_id": "ord_3",
                "system": "buyer",
                "kind": "po_number",
                "value": "BUYER-PO-9",
                "created_at": now - 3 * h,
            },
        )
        c.execute(
            outbound_documents.insert(),
            {
                "id": "doc_855",
                "partner_id": "ACME",
                "order_id": "ord_3",
                "kind": "855",
                "reference": "ord_3",
                "control_number": 7,
                "body": "ISA*00*ACK-855~",
                "created_at": now - 3 * h,
            },
        )
        _order(c, "ord_4", channel="amazon", external_id="AMZ-4", status="shipped", created=now - 26 * h)
        _path(c, "ord_4", now - 26 * h, "shipped", 60)
        c.execute(
            shipments.insert(),
            {
                "id": "shp_4",
                "order_id": "ord_4",
                "location_id": "EWR",
                "carrier": "UPS",
                "tracking_number": "1Z999",
                "shipped_at": now - 25 * h,
                "lines": [],
                "created_at": now - 25 * h,
            },
        )
        _exception(c, "exc_sla", "ord_4", "sla_breach", "shipment", now - 25 * h, ["retry", "override", "cancel"])
        _order(
            c,
            "ord_5",
            channel="web",
            external_id="W-5",
            status="received",
            created=now - timedelta(minutes=10),
            email="Zed@Example.com",
        )
        _path(c, "ord_5", now - timedelta(minutes=10), "received", 60)
        _exception(
            c, "exc_sku", "ord_5", "unknown_sku", "validate", now - timedelta(minutes=10), ["edit", "retry", "cancel"]
        )
    return Seeded(now, {"conn": "exc_conn", "sla": "exc_sla", "sku": "exc_sku", "done": "exc_done"})


def text_of(html: str, name: str) -> str:
    """The text inside the element carrying data-testid=name (first one)."""
    import re

    found = re.search(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert found, f"no element with data-testid={name!r}"
    return found.group(1).strip()


def rows_with(html: str, attribute: str) -> dict[str, Any]:
    """{attribute value: the row's last cell text} for table rows carrying ``attribute``."""
    import re

    rows = re.findall(rf'<tr {attribute}="([^"]+)"[^>]*>(.*?)</tr>', html, flags=re.S)
    return {key: re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", body)[-1].strip() for key, body in rows}
