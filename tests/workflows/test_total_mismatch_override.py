"""An order held because its total differs from the channel's is released by an override (issue 14),
through the API and the order's workflow, and runs on like any other resumed hold; the hold says so
before anything reaches the ERP or a warehouse."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


def _open_total_mismatch(hub: Hub, order_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def opened() -> bool:
        items = hub.http.get("/v1/exceptions", params={"type": "total_mismatch", "status": "open"}).json()["items"]
        found[:] = [e for e in items if e["order_id"] == order_id]
        return bool(found)

    hub.wait_for(opened, what=f"a total_mismatch exception on {order_id}")
    return found[0]


def test_an_override_releases_an_order_held_for_its_total_and_it_completes(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    order_id = hub.post_order(order_payload(("A", 2), declared_total="29.98"))["id"]
    exception = _open_total_mismatch(hub, order_id)
    assert exception["details"]["difference"] == "10.00"
    assert hub.order(order_id)["status"] == "on_hold"
    assert httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"] == []

    body = {"action": "override", "actor": "ops", "note": "the storefront's figure included a gift card"}
    response = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json=body)

    assert response.status_code < 300, response.text
    hub.wait_status(order_id, "completed")
    outcomes = [d["outcome"] for d in hub.order(order_id)["decisions"] if d["inputs"].get("check") == "total"]
    assert outcomes == ["hold", "waived"]
