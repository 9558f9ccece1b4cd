from __future__ import annotations

from overture.chaos.audit import _oversold, _side_effects


def _release(order: str, location: str, key: str, status: str = "released", units: int = 1) -> dict[str, object]:
    lines = [{"line_no": 1, "sku": "A", "quantity": units}]
    return {"order_id": order, "location_id": location, "idempotency_key": key, "status": status, "lines": lines}


def test_a_second_release_under_another_key_is_a_duplicate_and_a_cancelled_one_is_not() -> None:
    wms = {
        "releases": [
            _release("o1", "W1", "k1"),
            _release("o1", "W1", "k2"),
            _release("o2", "W1", "k3", "cancelled"),
            _release("o2", "W1", "k4"),
            _release("o1", "W2", "k5"),
        ]
    }
    erp = {"sales_orders": [{"order_id": "o1"}, {"order_id": "o1"}], "invoices": [], "shipments": []}
    figures = {f.name: f.count for f in _side_effects(wms, erp)}
    assert figures == {
        "dup_wms_releases": 1,
        "dup_release_keys": 0,
        "dup_erp_orders": 1,
        "dup_erp_invoices": 0,
        "dup_erp_shipments": 0,
    }


def test_units_released_above_what_was_received_are_oversold() -> None:
    releases = [
        _release("o1", "W1", "k1", units=3),
        _release("o2", "W1", "k2", units=2),
        _release("o3", "W1", "k3", "cancelled", units=5),
    ]
    assert len(_oversold(releases, {("A", "W1"): 4})) == 1
    assert _oversold(releases, {("A", "W1"): 5}) == []
