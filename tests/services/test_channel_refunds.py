"""A refund of a Walmart order owes Walmart that refund, and the worker's send issues it once, on SQLite and
PostgreSQL: the documented order pulled from the Walmart simulator over HTTP, shipped, its money captured,
a return's refund posted to the ledger (goods and tax, to the cent), then sent through outside.py's
wiring to the simulator's ``/refund``; a lost answer, a throttle and a refusal on the way."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from overture.bootstrap import Container
from overture.channels.wms import translate_shipment
from overture.domain.charging import Why
from overture.outside import channel_refunds
from overture.services import payments
from overture.services.channel_refunds import TOPIC, RefundSent, send_owed_refunds
from overture.services.fulfilment import receive_shipment
from overture.services.money import ledger_of, units_back_entries
from overture.services.ports import InboundMessage
from overture.services.retry import read_only
from overture.simulators import SimulatorServer
from overture.store.channel_fulfilment import SqlOwedConfirmations
from tests.e2e.test_walmart_pull import CREATED, pull, records, settings_for
from tests.e2e.test_walmart_pull import walmart as walmart
from tests.factories import add_locations, add_skus, stock


def _shipped_and_captured(container: Container, url: str) -> str:
    add_locations(container, ["EWR"])
    add_skus(container, "test1", "TEST-02")
    stock(container, "test1", "EWR", 5)
    pull(container, url)
    (order,) = container.views.orders(status=None, channel="walmart", external_id=None, after=None, limit=10)
    notice = {
        "shipment_id": "SHP-WM-R1",
        "order_id": order["id"],
        "location_id": "EWR",
        "carrier": "UPS",
        "tracking_number": "1ZWMREFUND1",
        "shipped_at": "2026-12-07T10:00:00+00:00",
        "lines": [{"line_no": 1, "sku": "test1", "quantity": 1}],
    }
    message = InboundMessage("wms", json.dumps(notice).encode(), datetime.now(UTC))
    receive_shipment(container.uow, message, translate_shipment, clock=container.clock)
    _mark_shipped_at_walmart(url)
    asyncio.run(payments.capture_shipped(container.uow, None, order["id"], clock=container.clock))
    return str(order["id"])


def _walmart(url: str, path: str, body: dict[str, Any]) -> None:
    """A call to the simulator as the seller makes it in Walmart's own tools (not through Overture)."""
    wm = {"WM_SVC.NAME": "test", "WM_QOS.CORRELATION_ID": "1"}
    answer = httpx.post(
        f"{url}/v3/token",
        data={"grant_type": "client_credentials"},
        auth=("simulator-client-id", "simulator-client-secret"),
        headers=wm,
    )
    headers = {**wm, "WM_SEC.ACCESS_TOKEN": answer.json()["access_token"]}
    httpx.post(f"{url}/v3/orders/{CREATED}{path}", json=body, headers=headers).raise_for_status()


def _mark_shipped_at_walmart(url: str) -> None:
    """Walmart refunds only Shipped lines: the shipment confirmation's own work (tested apart), done here
    through the simulator's shipping route so these tests are about the refund alone."""
    status = {"status": "Shipped", "statusQuantity": {"unitOfMeasurement": "EACH", "amount": "1"}}
    line = {"lineNumber": "4", "orderLineStatuses": {"orderLineStatus": [status]}}
    _walmart(url, "/shipping", {"orderShipment": {"orderLines": {"orderLine": [line]}}})


def _refunded_by_hand(url: str, amount: str) -> None:
    """The seller refunds part of the goods in Seller Center, which Overture's ledger does not know."""
    charge = {
        "chargeType": "PRODUCT",
        "chargeName": "ItemPrice",
        "chargeAmount": {"currency": "USD", "amount": -float(amount)},
    }
    refund = {
        "refundComments": "by hand",
        "refundCharges": {"refundCharge": [{"refundReason": "BillingError", "charge": charge}]},
    }
    line = {"lineNumber": "4", "isFullRefund": False, "refunds": {"refund": [refund]}}
    _walmart(url, "/refund", {"orderRefund": {"purchaseOrderId": CREATED, "orderLines": {"orderLine": [line]}}})


def _refund_return(container: Container, order_id: str, *, key: str = "settled:RMA-WM-1") -> str:
    """What returning the line's one unit gives back (its goods and tax), refunded as a settled return is."""
    why = Why("return RMA-WM-1", "test", container.clock())
    owed = read_only(container.uow, lambda uow: units_back_entries(ledger_of(uow, order_id), 1, units=1, of=1, why=why))
    per_line = {1: -sum(e.amount for e in owed)}
    return asyncio.run(
        payments.refund(
            container.uow, None, order_id, key=key, per_line=per_line, owed=owed, why=why, reasons={1: "damaged"}
        )
    )


def _send(container: Container, url: str) -> list[RefundSent]:
    async def scenario() -> list[RefundSent]:
        refunds = channel_refunds(settings_for(container, url))
        owed = SqlOwedConfirmations(container.engine, topic=TOPIC)
        try:
            return await send_owed_refunds(container.uow, owed, refunds, clock=container.clock)
        finally:
            close = getattr(refunds, "aclose", None)
            if close is not None:
                await close()

    return asyncio.run(scenario())


def _refunds_sent(url: str) -> list[dict[str, Any]]:
    return [r["orderRefund"] for r in records(url)["requests"] if "orderRefund" in r]


def _fault(url: str, **spec: Any) -> None:
    httpx.post(f"{url}/_faults", json=spec).raise_for_status()


def test_a_returns_refund_is_owed_to_walmart_in_the_ledgers_transaction(
    container: Container, walmart: SimulatorServer
) -> None:
    order_id = _shipped_and_captured(container, walmart.url)
    _refund_return(container, order_id)
    _refund_return(container, order_id)  # the same settlement again: posted once, owed once

    [(_, payload)] = SqlOwedConfirmations(container.engine, topic=TOPIC).pending(10)
    assert (payload["channel"], payload["channel_order_id"], payload["key"]) == ("walmart", CREATED, "settled:RMA-WM-1")
    [line] = payload["lines"]
    assert (line["goods"], line["tax"], line["shipping"], line["reason"]) == (1000, 80, 0, "damaged")
    refunded = read_only(container.uow, lambda uow: ledger_of(uow, order_id).line(1).refunded)
    assert refunded == 1080


def test_the_refund_is_issued_on_walmart_once_with_its_amounts_to_the_cent(
    container: Container, walmart: SimulatorServer
) -> None:
    order_id = _shipped_and_captured(container, walmart.url)
    _refund_return(container, order_id)

    first, second = _send(container, walmart.url), _send(container, walmart.url)

    assert [s.outcome for s in first] == ["refunded"] and second == []
    [sent] = _refunds_sent(walmart.url)
    [line] = sent["orderLines"]["orderLine"]
    [refund] = line["refunds"]["refund"]
    [charge] = refund["refundCharges"]["refundCharge"]
    assert (sent["purchaseOrderId"], line["lineNumber"], line["isFullRefund"]) == (CREATED, "4", False)
    assert charge["refundReason"] == "DamagedItem"
    assert charge["charge"]["chargeType"] == "PRODUCT" and charge["charge"]["chargeName"] == "ItemPrice"
    assert str(charge["charge"]["chargeAmount"]["amount"]) in ("-10.0", "-10")
    assert str(charge["charge"]["tax"]["taxAmount"]["amount"]) == "-0.8"
    assert "[overture settled:RMA-WM-1]" in refund["refundComments"]
    assert SqlOwedConfirmations(container.engine, topic=TOPIC).pending(10) == []
    notes = json.dumps(container.views.order(order_id), default=str)
    assert "walmart asked to refund settled:RMA-WM-1 (1080 minor units USD): refund issued" in notes


def test_a_lost_answer_is_sent_again_and_finds_the_refund_issued(
    container: Container, walmart: SimulatorServer
) -> None:
    order_id = _shipped_and_captured(container, walmart.url)
    _refund_return(container, order_id)
    httpx.post(f"{walmart.url}/_wm/lose", json={"operation": "refundOrderLines"}).raise_for_status()

    assert _send(container, walmart.url) == []  # retryable: still owed
    assert len(SqlOwedConfirmations(container.engine, topic=TOPIC).pending(10)) == 1
    again = _send(container, walmart.url)

    assert [s.outcome for s in again] == ["already_refunded"]
    assert len(_refunds_sent(walmart.url)) == 1  # the buyer refunded once
    assert SqlOwedConfirmations(container.engine, topic=TOPIC).pending(10) == []


def test_a_throttled_refund_waits_for_the_next_pass(container: Container, walmart: SimulatorServer) -> None:
    order_id = _shipped_and_captured(container, walmart.url)
    _refund_return(container, order_id)
    _fault(walmart.url, operation="refundOrderLines", fail_first=1, status=429, retry_after=3)

    assert _send(container, walmart.url) == [] and _refunds_sent(walmart.url) == []
    assert [s.outcome for s in _send(container, walmart.url)] == ["refunded"]


def test_walmarts_refusal_becomes_an_exception_with_its_answer(container: Container, walmart: SimulatorServer) -> None:
    order_id = _shipped_and_captured(container, walmart.url)
    _refunded_by_hand(walmart.url, "5.00")  # so Walmart's own rule refuses ours: 15.00 of a 10.00 line
    _refund_return(container, order_id)

    assert [s.outcome for s in _send(container, walmart.url)] == ["failed"]

    assert SqlOwedConfirmations(container.engine, topic=TOPIC).pending(10) == []  # a person's now
    listed = container.views.exceptions(status=None, type_="connector_failure", after=None, limit=50)
    [exception] = [e for e in listed if e["order_id"] == order_id and e["step"] == "refund_to_channel"]
    assert exception["type"] == "connector_failure" and exception["allowed_actions"] == ["override"]
    assert "INVALID_REQUEST_CONTENT.GMP_ORDER_API" in exception["reason"]
    assert "more than the 10" in exception["details"]["raw"] and '"errors"' in exception["details"]["raw"]
    assert exception["details"]["lines"] == [
        {"line_no": 1, "sku": "test1", "goods": 1000, "tax": 80, "shipping": 0, "reason": "damaged"}
    ]
