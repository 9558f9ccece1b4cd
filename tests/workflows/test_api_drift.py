"""An ERP whose answer drifts (the field we read renamed): the order is held on an api_drift exception
that keeps the vendor's raw answer and names the field, and a retry once the ERP answers as it should
carries the order on; on SQLite and PostgreSQL, through the real worker and simulators."""

from __future__ import annotations

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub
from tests.workflows.test_exception_actions import _open_exception, _resolve


def test_a_drifted_erp_answer_holds_the_order_with_the_raw_answer_until_retried(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    hub.sim_faults(hub.erp, operation="sales_order", rename_fields={"sales_order_id": "SalesOrderNbr"})
    order_id = hub.post_order(order_payload(("A", 1), zip_code="10001"))["id"]

    exception = _open_exception(hub, order_id, "api_drift")

    assert exception["step"] == "sales_order"
    details = exception["details"]
    assert details["connector"] == "erp" and details["operation"] == "create_sales_order"
    assert details["problems"] == ["sales_order_id: missing"]
    assert '"SalesOrderNbr": "' in details["raw"]
    assert "api drift" in exception["reason"] and set(exception["allowed_actions"]) == {"retry", "override", "cancel"}
    assert hub.wait_status(order_id, "on_hold")["status"] == "on_hold"

    hub.sim_faults(hub.erp, operation="sales_order", rename_fields={})
    answered = _resolve(hub, exception["id"], {"action": "retry", "actor": "ops", "note": "ERP version pinned back"})

    assert answered.status_code == 200, answered.text
    assert hub.wait_status(order_id, "completed")["status"] == "completed"
