"""A buyer's 860 arriving while the order's workflow waits on the ERP: the warehouses are released
what the order holds after the change (a line added from another location too), not the plan the
workflow read when it started."""

from __future__ import annotations

import httpx

from tests.channels.x12.change_order_fixtures import PO, change_860
from tests.factories import add_locations, add_skus, stock
from tests.workflows.hub import Hub

ACME = {
    "name": "Acme Stores",
    "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"},
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET", "ACME-009": "BOLT"},
    "uom_factors": {"CA": 12},
}
ADD_A_BOLT_LINE = ["POC*3*AI*6**EA*1.00**BP*ACME-009"]  # BOLT is stocked at ATL only


def test_an_860_during_the_erp_call_is_what_the_warehouses_get(hub: Hub) -> None:
    assert hub.http.put("/v1/partners/ACME", json=ACME).status_code == 201
    add_locations(hub.container, ["EWR", "ATL"])
    add_skus(hub.container, "WIDGET-RED", "GADGET", "BOLT")
    stock(hub.container, "WIDGET-RED", "EWR", 100)
    stock(hub.container, "GADGET", "EWR", 200)
    stock(hub.container, "BOLT", "ATL", 50)
    hub.sim_faults(hub.erp, operation="sales_order", delay_s=4.0)

    placed = hub.http.post("/v1/channels/edi", content=PO.encode())
    order_id = placed.json()["transactions"][0]["order_id"]
    # The workflow has read its plan and waits on the ERP (the simulator counts a call as it arrives).
    hub.wait_for(lambda: hub.sim_stats(hub.erp).get("sales_order", {}).get("calls", 0) >= 1, what="the ERP call")
    changed = hub.http.post("/v1/channels/edi", content=change_860(ADD_A_BOLT_LINE).encode())
    assert changed.status_code == 200, changed.text
    assert changed.json()["transactions"][0]["errors"] == []

    hub.wait_status(order_id, "completed")
    records = httpx.get(f"{hub.wms.url}/_records", timeout=5).json()["releases"]
    released = {
        (r["location_id"], line["sku"], line["quantity"])
        for r in records
        if r["order_id"] == order_id
        for line in r["lines"]
    }
    assert released == {("EWR", "WIDGET-RED", 24), ("EWR", "GADGET", 5), ("ATL", "BOLT", 6)}
