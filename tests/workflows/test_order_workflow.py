"""OrderWorkflow end to end: API -> outbox -> workflow -> WMS simulator -> shipment webhook ->
ERP simulator -> completed, on the session's Temporal dev server."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import sqlalchemy as sa
from temporalio.api.enums.v1 import EventType

from overture.domain.inventory import Location
from overture.services import inventory
from overture.services.audit import audit
from overture.store.tables import inbound_messages, inventory_movements, inventory_positions, outbox, reservations
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub
from tests.workflows.temporal_fixtures import TemporalEnv


def _seed(hub: Hub, units: int = 1000) -> None:
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A", "B")
    for sku in ("A", "B"):
        for location in ("EWR", "LAX"):
            stock(hub.container, sku, location, units)


def _position(hub: Hub, sku: str, location: str) -> tuple[int, int]:
    p = inventory_positions.c
    with hub.container.engine.connect() as c:
        row = c.execute(sa.select(p.on_hand, p.reserved).where(p.sku == sku, p.location_id == location)).one()
    return row.on_hand, row.reserved


def _keys(stats: dict[str, Any], operation: str) -> dict[str, int]:
    """Calls per idempotency key (a retried call counts again; the effect happens once)."""
    keys: dict[str, int] = stats[operation]["keys"]
    return keys


def _released(hub: Hub) -> Counter[tuple[str, str]]:
    """Releases the WMS actually recorded, per (order, location)."""
    records = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
    return Counter((r["order_id"], r["location_id"]) for r in records)


def _invoiced(hub: Hub) -> Counter[str]:
    records = httpx.get(f"{hub.erp.url}/_records", timeout=5).json()["invoices"]
    return Counter(r["order_id"] for r in records)


def test_order_runs_to_completed_with_a_timeline_of_every_step(hub: Hub) -> None:
    _seed(hub)
    order_id = hub.post_order(order_payload(("A", 2), zip_code="10001"), key="k-1")["id"]

    order = hub.wait_status(order_id, "completed")

    statuses = [t["status"] for t in order["timeline"] if t["type"] == "status"]
    assert statuses == ["validated", "reserved", "routed", "released", "shipped", "invoiced", "completed"]
    assert _position(hub, "A", "EWR") == (998, 0)
    assert [r["status"] for r in order["reservations"]] == ["shipped"]
    assert order["lines"][0]["status"] == "shipped"
    assert _released(hub) == {(order_id, "EWR"): 1}
    assert set(_keys(hub.sim_stats(hub.wms), "release")) == {f"{order_id}:release:EWR:0"}
    assert _invoiced(hub) == {order_id: 1}


def test_200_orders_complete_with_exactly_one_release_and_one_invoice_each(hub: Hub) -> None:
    _seed(hub)
    payloads = [order_payload(("A", 1), ("B", 1), zip_code=z) for z in ("10001", "90012") * 100]
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda p: hub.post_order(p)["id"], payloads))

    hub.wait_for(lambda: hub.statuses() == {"completed": 200}, timeout_s=240, what="200 completed orders")

    expected = {(i, "EWR" if n % 2 == 0 else "LAX"): 1 for n, i in enumerate(ids)}
    assert _released(hub) == expected
    assert sorted(_keys(hub.sim_stats(hub.wms), "release")) == sorted(f"{o}:release:{loc}:0" for o, loc in expected)
    assert _invoiced(hub) == dict.fromkeys(ids, 1)
    assert _position(hub, "A", "EWR") == (900, 0) and _position(hub, "B", "LAX") == (900, 0)


def test_wms_failures_throttling_and_timeouts_still_give_exactly_one_release(hub: Hub) -> None:
    _seed(hub)
    hub.sim_faults(hub.wms, operation="release", fail_first=3, status=500)
    first = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(first, "completed")
    hub.sim_faults(hub.wms, operation="release", fail_first=2, status=429, retry_after=1)
    second = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(second, "completed")
    hub.sim_faults(hub.wms, operation="release", timeout_first=1)
    third = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(third, "completed", timeout_s=90)

    assert _released(hub) == {(first, "EWR"): 1, (second, "EWR"): 1, (third, "EWR"): 1}
    stats = hub.sim_stats(hub.wms)["release"]
    assert stats["faulted"] == 3 + 2 + 1 and stats["recorded"] == 3
    assert _position(hub, "A", "EWR") == (997, 0)


def test_erp_down_past_the_retry_policy_waits_as_an_exception_until_retried(hub: Hub) -> None:
    _seed(hub)
    hub.sim_faults(hub.erp, operation="*", down=True)
    ids = [hub.post_order(order_payload(("A", 1)))["id"] for _ in range(3)]

    hub.wait_for(lambda: hub.statuses() == {"on_hold": 3}, what="3 orders on hold")
    exceptions = hub.http.get("/v1/exceptions", params={"type": "connector_failure"}).json()["items"]
    assert sorted(e["order_id"] for e in exceptions) == sorted(ids)
    assert {e["step"] for e in exceptions} == {"sales_order"}
    assert all("503" in e["reason"] or "unavailable" in e["reason"].lower() for e in exceptions), exceptions

    hub.sim_faults(hub.erp, operation="*", down=False)
    for e in exceptions:
        response = hub.http.post(
            f"/v1/exceptions/{e['id']}/resolve", json={"action": "retry", "actor": "ops@shop", "note": "ERP back"}
        )
        assert response.status_code == 200, response.text

    hub.wait_for(lambda: hub.statuses() == {"completed": 3}, what="3 completed after retry")
    resolved = hub.http.get("/v1/exceptions", params={"status": "resolved"}).json()["items"]
    assert {(e["resolution"], e["resolved_by"]) for e in resolved} == {("retry", "ops@shop")}


def test_resolve_refuses_actions_not_allowed_and_unknown_exceptions(hub: Hub) -> None:
    _seed(hub)
    hub.sim_faults(hub.erp, operation="invoice", down=True)
    order_id = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(order_id, "on_hold")
    exception = hub.http.get("/v1/exceptions").json()["items"][0]
    assert (exception["step"], exception["allowed_actions"]) == ("invoice", ["retry", "override", "cancel"])

    refused = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "reroute", "actor": "ops"})
    assert refused.status_code == 409 and "not allowed" in refused.json()["error"]["message"]
    assert hub.http.post("/v1/exceptions/exc_nope/resolve", json={"action": "retry", "actor": "ops"}).status_code == 404
    assert hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry"}).status_code == 422
    too_late = hub.http.post(f"/v1/orders/{order_id}/cancel", json={"reason": "x", "actor": "cs"})
    assert too_late.status_code == 409  # the goods have left: an invoice failure cannot undo that

    override = {"action": "override", "actor": "ops", "note": "invoiced by hand in the ERP"}
    assert hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json=override).status_code == 200
    order = hub.wait_status(order_id, "completed")
    assert _invoiced(hub) == {}
    assert [(e["resolution"], e["resolved_by"], e["resolution_note"]) for e in order["exceptions"]] == [
        ("override", "ops", "invoiced by hand in the ERP")
    ]
    again = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry", "actor": "ops"})
    assert again.status_code == 409


def test_cancel_before_release_gives_the_stock_back(hub: Hub) -> None:
    _seed(hub)
    hub.sim_faults(hub.erp, operation="*", down=True)
    order_id = hub.post_order(order_payload(("A", 3)))["id"]
    hub.wait_status(order_id, "on_hold")
    assert _position(hub, "A", "EWR") == (1000, 3)

    response = hub.http.post(
        f"/v1/orders/{order_id}/cancel", json={"reason": "customer changed mind", "actor": "cs@shop"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "cancelled"
    order = hub.wait_status(order_id, "cancelled")
    assert _position(hub, "A", "EWR") == (1000, 0)
    assert [r["status"] for r in order["reservations"]] == ["released"]
    assert all(e["status"] == "resolved" for e in order["exceptions"])
    assert "release" not in hub.sim_stats(hub.wms)


def test_cancel_after_release_asks_the_wms_first(hub: Hub) -> None:
    _seed(hub)
    httpx_post(hub, hub.wms, "/_config", {"auto_ship": False})
    order_id = hub.post_order(order_payload(("A", 2)))["id"]
    hub.wait_status(order_id, "released")

    response = hub.http.post(f"/v1/orders/{order_id}/cancel", json={"reason": "fraud", "actor": "risk"})

    assert response.json()["outcome"] == "cancelled", response.text
    hub.wait_status(order_id, "cancelled")
    assert _position(hub, "A", "EWR") == (1000, 0)
    assert set(_keys(hub.sim_stats(hub.wms), "cancel")) == {f"{order_id}:cancel:EWR:0"}
    assert [r["status"] for r in httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]] == ["cancelled"]


def test_cancel_after_shipment_is_refused_and_changes_nothing(hub: Hub) -> None:
    _seed(hub)
    order_id = hub.post_order(order_payload(("A", 1)))["id"]
    hub.wait_status(order_id, "completed")
    response = hub.http.post(f"/v1/orders/{order_id}/cancel", json={"reason": "late", "actor": "cs"})
    assert response.status_code == 409
    assert hub.order(order_id)["status"] == "completed"
    assert _position(hub, "A", "EWR") == (999, 0)


def test_duplicated_and_reordered_shipment_webhooks_ship_stock_once(hub: Hub) -> None:
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A", "B")
    stock(hub.container, "A", "EWR", 10)
    stock(hub.container, "B", "LAX", 10)
    hub.sim_faults(hub.wms, duplicate_webhooks=True, reorder_webhooks=True)
    ids = [hub.post_order(order_payload(("A", 1), ("B", 1)))["id"] for _ in range(4)]

    hub.wait_for(lambda: hub.statuses() == {"completed": 4}, what="4 completed")

    assert _position(hub, "A", "EWR") == (6, 0) and _position(hub, "B", "LAX") == (6, 0)
    with hub.container.engine.connect() as c:
        shipped = c.execute(
            sa.select(sa.func.sum(inventory_movements.c.on_hand_delta)).where(inventory_movements.c.kind == "shipment")
        ).scalar_one()
        active = c.execute(sa.select(sa.func.count()).where(reservations.c.status == "active")).scalar_one()
    assert (shipped, active) == (-8, 0)
    for order_id in ids:
        notes = [t for t in hub.order(order_id)["timeline"] if t["type"] == "status" and t["status"] == "shipped"]
        assert len(notes) == 1


def test_insufficient_stock_at_capture_waits_then_completes_after_receipt_and_retry(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    order_id = hub.post_order(order_payload(("A", 2)))["id"]
    hub.wait_for(lambda: bool(hub.http.get("/v1/exceptions").json()["items"]), what="stock exception")
    exception = hub.http.get("/v1/exceptions").json()["items"][0]
    stock(hub.container, "A", "EWR", 5)

    response = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry", "actor": "buyer"})

    assert response.status_code == 200, response.text
    hub.wait_status(order_id, "completed")
    assert _position(hub, "A", "EWR") == (3, 0)


def test_resolving_an_order_whose_workflow_has_not_started_starts_it_once(hub_without_dispatcher: Hub) -> None:
    hub = hub_without_dispatcher
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    order_id = hub.post_order(order_payload(("A", 2)))["id"]
    exception = hub.http.get("/v1/exceptions").json()["items"][0]
    stock(hub.container, "A", "EWR", 5)

    response = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry", "actor": "buyer"})

    assert response.status_code == 200, response.text
    hub.wait_status(order_id, "completed")
    with hub.container.engine.connect() as c:
        pending = c.execute(sa.select(sa.func.count()).where(outbox.c.dispatched_at.is_(None))).scalar_one()
    assert pending == 1, "the outbox was never dispatched: the API's update started the workflow"
    assert len(httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]) == 1
    again = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry", "actor": "buyer"})
    assert again.status_code == 409, "a finished order is not started a second time"


def test_sla_breach_is_raised_while_waiting_and_closed_by_the_shipment(hub: Hub) -> None:
    inventory.add_location(
        hub.container.uow, Location("SLOW", "Slow DC", 40.7357, -74.1736, ship_by_seconds=1), clock=hub.container.clock
    )
    add_skus(hub.container, "A")
    stock(hub.container, "A", "SLOW", 5)
    httpx_post(hub, hub.wms, "/_config", {"auto_ship": False})
    order_id = hub.post_order(order_payload(("A", 1)))["id"]

    hub.wait_for(
        lambda: bool(hub.http.get("/v1/exceptions", params={"type": "sla_breach"}).json()["items"]), what="sla breach"
    )
    assert hub.order(order_id)["status"] == "released"
    httpx_post(hub, hub.wms, "/_ship", {"order_id": order_id, "location_id": "SLOW"})

    order = hub.wait_status(order_id, "completed")
    breach = next(e for e in order["exceptions"] if e["type"] == "sla_breach")
    assert (breach["status"], breach["resolved_by"]) == ("resolved", "system")


def test_reroute_after_a_failed_release_sends_the_order_elsewhere(hub: Hub) -> None:
    _seed(hub, units=5)
    hub.sim_faults(hub.wms, operation="release", down=True)
    order_id = hub.post_order(order_payload(("A", 1), zip_code="10001"))["id"]
    hub.wait_status(order_id, "on_hold")
    exception = hub.http.get("/v1/exceptions").json()["items"][0]
    assert exception["step"] == "release" and "reroute" in exception["allowed_actions"]
    hub.sim_faults(hub.wms, operation="release", down=False)

    hub.http.post(
        f"/v1/exceptions/{exception['id']}/resolve", json={"action": "reroute", "actor": "ops"}
    ).raise_for_status()

    order = hub.wait_status(order_id, "completed")
    assert {(r["location_id"], r["status"]) for r in order["reservations"]} == {("EWR", "released"), ("LAX", "shipped")}
    assert _position(hub, "A", "EWR") == (5, 0) and _position(hub, "A", "LAX") == (4, 0)


def httpx_post(hub: Hub, sim: Any, path: str, body: dict[str, Any]) -> None:
    httpx.post(f"{sim.url}{path}", json=body, timeout=5).raise_for_status()


def test_a_shipment_settles_stock_ledger_and_tracking_and_signals_the_workflow(
    hub: Hub, temporal_env: TemporalEnv
) -> None:
    """Runs on both stores: on PostgreSQL every shipment was once taken for a duplicate (the
    INSERT's row count is -1 through psycopg 3), so none of this happened and the audit disagreed."""
    _seed(hub, units=10)
    order_id = hub.post_order(order_payload(("A", 3), zip_code="10001"))["id"]

    order = hub.wait_status(order_id, "completed")

    assert _position(hub, "A", "EWR") == (7, 0)
    with hub.container.engine.connect() as c:
        active = c.scalar(
            sa.select(sa.func.count()).where(reservations.c.order_id == order_id, reservations.c.status == "active")
        )
        shipped = c.execute(
            sa.select(inventory_movements.c.on_hand_delta, inventory_movements.c.reserved_delta).where(
                inventory_movements.c.order_id == order_id, inventory_movements.c.kind == "shipment"
            )
        ).all()
        webhooks = c.scalars(sa.select(inbound_messages.c.status).where(inbound_messages.c.channel == "wms")).all()
    assert active == 0
    assert [tuple(row) for row in shipped] == [(-3, -3)]
    assert webhooks and set(webhooks) == {"accepted"}, webhooks
    assert order["lines"][0]["status"] == "shipped"
    assert any(r["system"] == "carrier" and r["kind"] == "tracking_number" for r in order["references"])
    assert audit(hub.container.uow) == []

    async def signals() -> list[str]:
        history = await temporal_env.client.get_workflow_handle(order_id).fetch_history()
        return [
            e.workflow_execution_signaled_event_attributes.signal_name
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        ]

    assert "shipment_recorded" in asyncio.run(signals())
