"""Resolving from the dashboard's exception queue drives the real order workflow (Temporal dev server)."""

from __future__ import annotations

import re

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


def _seed(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 100)


def test_retry_from_the_queue_resumes_the_workflow_to_completed(hub: Hub) -> None:
    """The hub fixture has auth off: the dashboard acts as ui/session.py's fixed actor."""
    _seed(hub)
    hub.sim_faults(hub.erp, operation="*", down=True)
    order_ids = [hub.post_order(order_payload(("A", 1)))["id"] for _ in range(2)]
    hub.wait_for(lambda: hub.statuses() == {"on_hold": 2}, what="2 orders on hold")

    queue = hub.http.get("/exceptions", params={"type": "connector_failure"}).text
    exception_ids = re.findall(r'data-testid="exception-row" data-exception-id="([^"]+)"', queue)
    assert len(exception_ids) == 2
    assert "Another system did not answer while creating the sales order in the ERP" in queue
    hub.sim_faults(hub.erp, operation="*", down=False)

    single = hub.http.post(f"/exceptions/{exception_ids[0]}/resolve", data={"action": "retry", "note": "ERP back"})
    assert single.status_code == 200, single.text
    # What the retry led to, read back once the workflow acted: the ERP answered, so the order moved on.
    assert re.search(r"retry by dashboard: (released to EWR|shipped|invoiced|completed)", single.text), single.text
    bulk = hub.http.post("/exceptions/bulk", data={"action": "retry", "ids": exception_ids})
    # The first was resolved already: said inline; the second goes through.
    assert bulk.status_code == 207, bulk.text
    assert f"{exception_ids[0]}: exception {exception_ids[0]} was already resolved (retry)" in bulk.text
    assert re.search(rf"{exception_ids[1]}: (released to EWR|shipped|invoiced|completed)<", bulk.text), bulk.text

    hub.wait_for(lambda: hub.statuses() == {"completed": 2}, what="both completed after the retry")
    for order_id in order_ids:
        page = hub.http.get(f"/orders/{order_id}").text
        assert re.findall(r'data-testid="order-status">([^<]+)<', page) == ["completed"]
        assert "retry by dashboard" in page
    resolved = hub.http.get("/v1/exceptions", params={"status": "resolved"}).json()["items"]
    assert {(e["resolution"], e["resolved_by"]) for e in resolved} == {("retry", "dashboard")}
