"""The WMS, ERP and notification connectors against httpx.MockTransport: what they send and how they read answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from overture.connectors.erp import ErpConnector
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.connectors.notifier import Notifier
from overture.connectors.wms import WmsConnector
from overture.services.ports.connector_errors import PermanentConnectorError
from overture.services.ports.wms import CancelOutcome, ReleaseLine, ShipmentNotice, WmsRelease

T = TypeVar("T")
C = TypeVar("C", bound=HttpConnector)

NOTICE = ShipmentNotice(
    shipment_id="SH-1",
    order_id="ord_1",
    location_id="loc_1",
    carrier="UPS",
    tracking_number="1ZABC",
    shipped_at="2025-01-01T00:00:00+00:00",
    lines=[ReleaseLine(1, "SKU-1", 2)],
    sequence=4,
)


class Recorder:
    def __init__(self, *answers: httpx.Response) -> None:
        self.requests: list[httpx.Request] = []
        self._answers = list(answers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answers.pop(0)

    def body(self, index: int = 0) -> Any:
        return json.loads(self.requests[index].read())


def run(kind: type[C], recorder: Recorder, work: Callable[[C], Awaitable[T]]) -> T:
    async def scenario() -> T:
        async with kind(ConnectorConfig("t", "http://svc"), transport=httpx.MockTransport(recorder)) as connector:
            return await work(connector)

    return asyncio.run(scenario())


def test_release_posts_the_release_and_returns_its_id() -> None:
    recorder = Recorder(httpx.Response(201, json={"release_id": "WR-1"}))
    release = WmsRelease("ord_1", "loc_1", [ReleaseLine(1, "SKU-1", 2)], {"postal_code": "10001"}, "http://hub/cb")
    assert run(WmsConnector, recorder, lambda c: c.release(release, idempotency_key="ord_1:release:loc_1:0")) == "WR-1"
    request = recorder.requests[0]
    assert (request.method, request.url.path) == ("POST", "/v1/releases")
    assert request.headers["Idempotency-Key"] == "ord_1:release:loc_1:0"
    assert recorder.body() == {
        "order_id": "ord_1",
        "location_id": "loc_1",
        "lines": [{"line_no": 1, "sku": "SKU-1", "quantity": 2}],
        "ship_to": {"postal_code": "10001"},
        "callback_url": "http://hub/cb",
    }


def test_release_answer_without_an_id_is_permanent() -> None:
    recorder = Recorder(httpx.Response(201, json={"status": "ok"}))
    release = WmsRelease("ord_1", "loc_1", [], {})
    with pytest.raises(PermanentConnectorError, match="release_id"):
        run(WmsConnector, recorder, lambda c: c.release(release, idempotency_key="k"))


@pytest.mark.parametrize("outcome", list(CancelOutcome))
def test_cancel_release_reads_the_outcome(outcome: CancelOutcome) -> None:
    recorder = Recorder(httpx.Response(200, json={"outcome": str(outcome)}))
    assert run(WmsConnector, recorder, lambda c: c.cancel_release("ord_1", "loc_1", idempotency_key="k")) is outcome
    assert recorder.requests[0].url.path == "/v1/releases/cancel"
    assert recorder.body() == {"order_id": "ord_1", "location_id": "loc_1"}


def test_cancel_release_unknown_outcome_is_permanent() -> None:
    recorder = Recorder(httpx.Response(200, json={"outcome": "maybe"}))
    with pytest.raises(PermanentConnectorError, match="maybe"):
        run(WmsConnector, recorder, lambda c: c.cancel_release("o", "l", idempotency_key="k"))


def test_shipments_polls_after_a_sequence() -> None:
    later = ShipmentNotice(**{**NOTICE.__dict__, "shipment_id": "SH-2", "sequence": 5})
    recorder = Recorder(httpx.Response(200, json={"notices": [later.to_json(), NOTICE.to_json()]}))
    assert run(WmsConnector, recorder, lambda c: c.shipments(after_sequence=3)) == [NOTICE, later]
    assert recorder.requests[0].url.params["after"] == "3"


def test_shipments_with_a_bad_notice_is_permanent() -> None:
    recorder = Recorder(httpx.Response(200, json={"notices": [{"shipment_id": "SH-1"}]}))
    with pytest.raises(PermanentConnectorError, match="bad notice"):
        run(WmsConnector, recorder, lambda c: c.shipments(after_sequence=0))


def test_shipment_notice_round_trips_through_json() -> None:
    assert ShipmentNotice.from_json(json.loads(json.dumps(NOTICE.to_json()))) == NOTICE


@pytest.mark.parametrize(
    ("change", "field"),
    [({"sequence": "4"}, "sequence"), ({"carrier": ""}, "carrier"), ({"lines": [{"sku": "A"}]}, "line_no")],
)
def test_shipment_notice_from_json_names_the_bad_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ShipmentNotice.from_json({**NOTICE.to_json(), **change})


def test_erp_sales_order_and_invoice() -> None:
    recorder = Recorder(
        httpx.Response(201, json={"sales_order_id": "SO-1"}), httpx.Response(201, json={"invoice_id": "INV-1"})
    )
    lines = [{"line_no": 1, "sku": "SKU-1", "quantity": 2, "unit_price": "19.99"}]

    async def work(erp: ErpConnector) -> tuple[str, str]:
        so = await erp.create_sales_order("ord_1", {"reference": "C-7"}, lines, "USD", idempotency_key="ord_1:so")
        invoice = await erp.create_invoice("ord_1", so, lines, "USD", "39.98", idempotency_key="ord_1:invoice")
        return so, invoice

    assert run(ErpConnector, recorder, work) == ("SO-1", "INV-1")
    assert [r.url.path for r in recorder.requests] == ["/v1/sales-orders", "/v1/invoices"]
    assert recorder.body(0) == {
        "order_id": "ord_1",
        "customer": {"reference": "C-7"},
        "lines": lines,
        "currency": "USD",
    }
    assert recorder.body(1)["total"] == "39.98"
    assert recorder.body(1)["sales_order_id"] == "SO-1"
    assert recorder.requests[1].headers["Idempotency-Key"] == "ord_1:invoice"


def test_notifier_posts_the_message() -> None:
    recorder = Recorder(httpx.Response(201, json={"notification_id": "NT-1"}))

    async def work(notifier: Notifier) -> None:
        await notifier.notify(
            "ord_1", "shipped", "ann@example.com", "On its way", idempotency_key="ord_1:notify:shipped"
        )

    run(Notifier, recorder, work)
    request = recorder.requests[0]
    assert request.url.path == "/v1/notifications"
    assert request.headers["Idempotency-Key"] == "ord_1:notify:shipped"
    assert recorder.body() == {
        "order_id": "ord_1",
        "event": "shipped",
        "email": "ann@example.com",
        "message": "On its way",
    }
