"""The ERP of record is told what shipped before it is asked to invoice: one ERP shipment per recorded
shipment, on the order's sales order, however often the step is retried; on SQLite and PostgreSQL
through the real worker and the ERP simulator (an Acumatica-like ERP invoices only what it saw ship)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


def erp_records(hub: Hub) -> dict[str, Any]:
    records: dict[str, Any] = httpx.get(f"{hub.erp.url}/_records", timeout=5).json()
    return records


def test_each_shipment_is_confirmed_on_the_sales_order_once_before_the_invoice(hub: Hub) -> None:
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A", "B")
    stock(hub.container, "A", "EWR", 5)
    stock(hub.container, "B", "LAX", 5)
    hub.sim_faults(hub.erp, operation="shipment", fail_first=2, status=503)  # retried by the step's policy

    order_id = hub.post_order(order_payload(("A", 1), ("B", 2), zip_code="10001"))["id"]
    hub.wait_status(order_id, "completed")

    records = erp_records(hub)
    (sales_order,) = [s["sales_order_id"] for s in records["sales_orders"] if s["order_id"] == order_id]
    shipped = sorted(
        (s["location_id"], s["sales_order_id"], [(x["sku"], x["quantity"]) for x in s["lines"]])
        for s in records["shipments"]
    )
    assert shipped == [("EWR", sales_order, [("A", 1)]), ("LAX", sales_order, [("B", 2)])]
    keys = hub.sim_stats(hub.erp)["shipment"]["keys"]
    assert len(keys) == 2 and all(key.startswith(f"{order_id}:erp-shipment:") for key in keys)
    assert [i["sales_order_id"] for i in records["invoices"] if i["order_id"] == order_id] == [sales_order]
