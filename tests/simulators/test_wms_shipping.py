"""The WMS simulator ships releases and reports them by webhook and by polling, with webhook faults."""

from __future__ import annotations

import asyncio
import time

from overture.services.ports.wms import CancelOutcome, ReleaseLine, ShipmentNotice, WmsRelease
from overture.simulators import SimulatorServer, create_wms_app
from tests.simulators.conftest import Control, Receiver, wms_connector


def release(wms: Control, order_id: str, *, callback_url: str | None, location_id: str = "loc_1") -> str:
    body = WmsRelease(order_id, location_id, [ReleaseLine(1, "SKU-1", 2)], {}, callback_url).to_json()
    response = wms.post("/v1/releases", body, **{"Idempotency-Key": f"{order_id}:release:{location_id}:0"})
    response.raise_for_status()
    release_id: str = response.json()["release_id"]
    return release_id


def cancel(wms: Control, order_id: str, location_id: str = "loc_1") -> CancelOutcome:
    async def scenario() -> CancelOutcome:
        async with wms_connector(wms.url) as connector:
            return await connector.cancel_release(order_id, location_id, idempotency_key=f"{order_id}:cancel")

    return asyncio.run(scenario())


def test_auto_ship_posts_a_shipment_notice(wms: Control, receiver: Receiver) -> None:
    release(wms, "ord_1", callback_url=receiver.url)
    [posted] = receiver.wait_for(1)
    notice = ShipmentNotice.from_json(posted)
    assert (notice.order_id, notice.location_id, notice.carrier, notice.sequence) == ("ord_1", "loc_1", "UPS", 1)
    assert notice.tracking_number.startswith("1Z")
    assert notice.lines == [ReleaseLine(1, "SKU-1", 2)]
    assert wms.records()["releases"][0]["status"] == "shipped"
    assert wms.stats()["shipment_webhook"]["delivered"] == 1


def test_tracking_numbers_are_deterministic_and_sequences_increase(wms: Control, receiver: Receiver) -> None:
    release(wms, "ord_1", callback_url=receiver.url)
    receiver.wait_for(1)
    release(wms, "ord_2", callback_url=receiver.url)
    first, second = receiver.wait_for(2)
    assert (first["sequence"], second["sequence"]) == (1, 2)
    assert first["tracking_number"] != second["tracking_number"]
    wms.post("/_reset").raise_for_status()
    receiver.posts.clear()
    release(wms, "ord_1", callback_url=receiver.url)
    assert receiver.wait_for(1)[0]["tracking_number"] == first["tracking_number"]


def test_shipment_ids_never_repeat_across_a_reset_or_a_second_simulator(wms: Control, receiver: Receiver) -> None:
    """A hub keeps its store across simulator restarts: an id it saw before would read as a duplicate."""
    release(wms, "ord_1", callback_url=receiver.url)
    receiver.wait_for(1)
    wms.post("/_reset").raise_for_status()
    release(wms, "ord_1", callback_url=receiver.url)
    receiver.wait_for(2)
    with SimulatorServer(create_wms_app(ship_delay_s=0.01, overture_url=None)) as other:
        release(Control(other.url), "ord_1", callback_url=receiver.url)
        posted = receiver.wait_for(3)
    ids = [p["shipment_id"] for p in posted]
    assert len(set(ids)) == 3 and all(i.endswith("-000001") for i in ids), ids


def test_overture_url_is_the_default_callback(receiver: Receiver) -> None:
    hub = receiver.server.url
    with SimulatorServer(create_wms_app(ship_delay_s=0.01, overture_url=hub)) as server:
        release(Control(server.url), "ord_1", callback_url=None)
        assert receiver.wait_for(1)[0]["order_id"] == "ord_1"


def test_shipments_can_be_polled(wms: Control) -> None:
    for order_id in ("ord_1", "ord_2", "ord_3"):
        release(wms, order_id, callback_url=None)
    deadline = time.monotonic() + 5
    while len(wms.records()["notices"]) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)

    async def scenario() -> tuple[list[ShipmentNotice], list[ShipmentNotice]]:
        async with wms_connector(wms.url) as connector:
            return await connector.shipments(after_sequence=0), await connector.shipments(after_sequence=2)

    everything, later = asyncio.run(scenario())
    assert [n.sequence for n in everything] == [1, 2, 3]
    assert {n.order_id for n in everything} == {"ord_1", "ord_2", "ord_3"}
    assert [n.sequence for n in later] == [3]


def test_duplicate_webhooks_sends_each_notice_twice(wms: Control, receiver: Receiver) -> None:
    wms.faults(duplicate_webhooks=True)
    release(wms, "ord_1", callback_url=receiver.url)
    first, second = receiver.wait_for(2)
    assert first == second
    time.sleep(0.1)
    assert len(receiver.posts) == 2
    assert len(wms.records()["notices"]) == 1


def test_reorder_webhooks_sends_newest_first(wms: Control, receiver: Receiver) -> None:
    wms.faults(reorder_webhooks=True)
    wms.post("/_config", {"auto_ship": False}).raise_for_status()
    for order_id in ("ord_1", "ord_2", "ord_3"):
        release(wms, order_id, callback_url=receiver.url)
        wms.post("/_ship", {"order_id": order_id, "location_id": "loc_1"}).raise_for_status()
    assert [p["sequence"] for p in receiver.wait_for(3)] == [3, 2, 1]


def test_reordered_notices_are_not_held_forever(wms: Control, receiver: Receiver) -> None:
    wms.faults(reorder_webhooks=True)
    release(wms, "ord_1", callback_url=receiver.url)
    assert len(receiver.wait_for(1, timeout_s=2)) == 1


def test_webhook_is_retried_after_a_5xx(wms: Control, receiver: Receiver) -> None:
    receiver.fail_first = 2
    release(wms, "ord_1", callback_url=receiver.url)
    assert len(receiver.wait_for(1)) == 1
    stats = wms.stats()["shipment_webhook"]
    assert (stats["calls"], stats["delivered"], stats["failed"]) == (3, 1, 0)
    [(key, calls)] = stats["keys"].items()
    assert key.startswith("SH-") and key.endswith("-000001") and calls == 3


def test_cancel_before_shipping_means_it_never_ships(wms: Control, receiver: Receiver) -> None:
    wms.post("/_config", {"ship_delay_s": 0.3}).raise_for_status()
    release(wms, "ord_1", callback_url=receiver.url)
    assert cancel(wms, "ord_1") is CancelOutcome.CANCELLED
    time.sleep(0.5)
    assert receiver.posts == []
    assert wms.records()["releases"][0]["status"] == "cancelled"
    assert wms.records()["notices"] == []
    assert wms.post("/_ship", {"order_id": "ord_1", "location_id": "loc_1"}).status_code == 409


def test_cancel_after_shipping_is_already_shipped(wms: Control, receiver: Receiver) -> None:
    release(wms, "ord_1", callback_url=receiver.url)
    receiver.wait_for(1)
    assert cancel(wms, "ord_1") is CancelOutcome.ALREADY_SHIPPED


def test_cancel_of_an_unknown_release_is_not_found(wms: Control) -> None:
    assert cancel(wms, "ord_unknown") is CancelOutcome.NOT_FOUND


def test_manual_ship_when_auto_ship_is_off(wms: Control, receiver: Receiver) -> None:
    wms.post("/_config", {"auto_ship": False}).raise_for_status()
    release(wms, "ord_1", callback_url=receiver.url)
    time.sleep(0.15)
    assert receiver.posts == []
    shipped = wms.post("/_ship", {"order_id": "ord_1", "location_id": "loc_1"})
    assert shipped.status_code == 200
    [posted] = receiver.wait_for(1)
    assert posted == shipped.json()
    again = wms.post("/_ship", {"order_id": "ord_1", "location_id": "loc_1"})
    assert again.json() == posted  # shipping twice gives the same notice, not a second shipment
    assert wms.post("/_ship", {"order_id": "ord_x", "location_id": "loc_1"}).status_code == 404


def test_turning_auto_ship_back_on_ships_what_waits(wms: Control, receiver: Receiver) -> None:
    wms.post("/_config", {"auto_ship": False}).raise_for_status()
    release(wms, "ord_1", callback_url=receiver.url)
    wms.post("/_config", {"auto_ship": True}).raise_for_status()
    assert len(receiver.wait_for(1)) == 1
