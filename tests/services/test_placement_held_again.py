"""An order held for short stock and edited while held (the customer wants one more) is placed again and
held again for the same reason: it keeps its one exception, as the chaos run's audit asks (a second one
was a second entry in the queue for one hold, and the workflow waits on the first)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from overture.bootstrap import Container
from tests.factories import add_locations, add_skus, order_payload, stock


def _open_exceptions(client: TestClient, order_id: str) -> list[str]:
    page = client.get("/v1/exceptions", params={"status": "open", "limit": 200}).json()
    return [item["type"] for item in page["items"] if item["order_id"] == order_id]


def test_an_edit_of_an_order_held_for_stock_keeps_one_exception(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET")
    stock(container, "WIDGET", "EWR", 10)
    order_id = client.post("/v1/orders", json=order_payload(("WIDGET", 12))).json()["id"]
    assert _open_exceptions(client, order_id) == ["insufficient_stock"]

    edit = {"lines": [{"line_no": 1, "quantity": 13}], "reason": "one more"}
    assert client.post(f"/v1/orders/{order_id}/edits", json=edit).status_code == 200

    assert client.get(f"/v1/orders/{order_id}").json()["status"] == "on_hold"
    assert _open_exceptions(client, order_id) == ["insufficient_stock"]
