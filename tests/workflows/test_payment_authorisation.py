"""An authorisation about to lapse before the goods ship raises a payment_authorisation exception in time,
and authorising again replaces it (the old one voided at the provider); the order then ships and is
captured on the new one. Both stores; the WMS holds its shipments until the test lets them go."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import FAST_POLICY, Hub, running_hub_on
from tests.workflows.temporal_fixtures import TemporalEnv

# The simulator's authorisations last 7 days: warn when less than 7 days less 3 seconds are left.
LAPSING_SOON = replace(FAST_POLICY, authorisation_margin_s=7 * 86_400 - 3)


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    yield from running_hub_on(temporal_env, task_queue, database_url, tmp_path, policy=LAPSING_SOON)


def _intents(hub: Hub, order_id: str) -> list[dict[str, Any]]:
    assert hub.psp is not None
    records = httpx.get(f"{hub.psp.url}/_records", timeout=5).json()
    return [i for i in records["payment_intents"] if i.get("metadata", {}).get("order_id") == order_id]


def _open(hub: Hub, order_id: str) -> list[dict[str, Any]]:
    items = hub.http.get("/v1/exceptions", params={"type": "payment_authorisation", "status": "open"}).json()["items"]
    return [e for e in items if e["order_id"] == order_id]


def test_a_lapsing_authorisation_is_raised_in_time_and_authorised_again(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    httpx.post(f"{hub.wms.url}/_config", json={"auto_ship": False}, timeout=5).raise_for_status()
    order_id = hub.post_order(order_payload(("A", 2), payment_method="pm_card_visa"))["id"]
    hub.wait_for(lambda: bool(_open(hub, order_id)), what="the payment_authorisation exception", timeout_s=60)
    [exception] = _open(hub, order_id)
    assert "lapses at" in exception["reason"] and "EWR has not shipped" in exception["reason"]
    assert hub.order(order_id)["status"] == "released"  # it keeps waiting for its goods meanwhile
    answer = hub.http.post(f"/v1/exceptions/{exception['id']}/resolve", json={"action": "retry", "actor": "ops"})
    assert answer.status_code == 200, answer.text
    hub.wait_for(lambda: len(_intents(hub, order_id)) == 2, what="a second authorisation")
    httpx.post(f"{hub.wms.url}/_config", json={"auto_ship": True}, timeout=5).raise_for_status()
    hub.wait_for(
        lambda: hub.order(order_id)["status"] in ("completed", "on_hold"), what="the order to finish", timeout_s=90
    )
    # Both may be created in the same second (Stripe's ``created``): told apart by their status.
    old, new = sorted(_intents(hub, order_id), key=lambda i: i["status"] != "canceled")
    assert old["status"] == "canceled" and old["amount_received"] == 0
    assert new["amount_received"] == 1998
    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    assert money["totals"]["captured"] == "19.98" and money["totals"]["authorised"] == "19.98"


def test_a_cancelled_order_releases_its_authorisation_at_once(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    httpx.post(f"{hub.wms.url}/_config", json={"auto_ship": False}, timeout=5).raise_for_status()
    order_id = hub.post_order(order_payload(("A", 1), payment_method="pm_card_visa"))["id"]
    hub.wait_status(order_id, "released")
    answer = hub.http.post(
        f"/v1/orders/{order_id}/cancel", json={"reason": "customer changed their mind", "actor": "ops"}
    )
    assert answer.status_code == 200 and answer.json()["outcome"] == "cancelled", answer.text
    hub.wait_for(lambda: [i["status"] for i in _intents(hub, order_id)] == ["canceled"], what="the void")
    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    assert money["totals"]["due"] == "0.00" and money["totals"]["authorised"] == "0.00"


def test_each_location_s_lines_are_captured_as_it_ships(hub: Hub) -> None:
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A", "B")
    stock(hub.container, "A", "EWR", 1)
    stock(hub.container, "B", "LAX", 1)
    httpx.post(f"{hub.wms.url}/_config", json={"auto_ship": False}, timeout=5).raise_for_status()
    order_id = hub.post_order(order_payload(("A", 1), ("B", 1), payment_method="pm_card_visa"))["id"]
    hub.wait_status(order_id, "released")
    httpx.post(f"{hub.wms.url}/_ship", json={"order_id": order_id, "location_id": "EWR"}, timeout=5).raise_for_status()
    hub.wait_for(lambda: _intents(hub, order_id)[0]["amount_received"] == 999, what="the first location's capture")
    assert hub.order(order_id)["status"] == "released"  # LAX has not shipped
    assert _intents(hub, order_id)[0]["status"] == "requires_capture"  # not final yet: the rest stays held
    httpx.post(f"{hub.wms.url}/_ship", json={"order_id": order_id, "location_id": "LAX"}, timeout=5).raise_for_status()
    hub.wait_status(order_id, "completed", timeout_s=90)
    [intent] = _intents(hub, order_id)
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 1998)


# No store re-check for five minutes: only the shipment pings can end the order's wait.
PATIENT = replace(FAST_POLICY, recheck_interval_s=300.0)


@pytest.fixture
def patient_hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    yield from running_hub_on(temporal_env, task_queue, database_url, tmp_path, policy=PATIENT)


def test_a_location_shipping_while_the_first_is_captured_is_not_missed(patient_hub: Hub) -> None:
    """The second location's ping lands while the first location's capture runs: the wait that follows
    must end on it, not five minutes later on the store re-check (the demo's split orders did that)."""
    hub = patient_hub
    add_locations(hub.container, ["EWR", "LAX"])
    add_skus(hub.container, "A", "B")
    stock(hub.container, "A", "EWR", 1)
    stock(hub.container, "B", "LAX", 1)
    httpx.post(f"{hub.wms.url}/_config", json={"auto_ship": False}, timeout=5).raise_for_status()
    order_id = hub.post_order(order_payload(("A", 1), ("B", 1), payment_method="pm_card_visa"))["id"]
    hub.wait_status(order_id, "released")
    for location in ("EWR", "LAX"):
        httpx.post(f"{hub.wms.url}/_ship", json={"order_id": order_id, "location_id": location}, timeout=5)
    hub.wait_status(order_id, "completed", timeout_s=30)
