"""Returns end to end through the API and the workflows, on SQLite and PostgreSQL: an order of three
lines with an order discount and tax ships; one unit of one line comes back, is inspected and
restocked; the refund is that unit's share of goods, discount and tax; the ERP gets one return receipt
and exactly one credit memo, though its first answers fail and the worker is stopped between the
refund and the memo. Then an exchange whose replacement costs more, and a serialized unit returned,
refurbished and sold again as the same SKU.

The first two orders are paid by card through the Stripe-shaped payment simulator (authorised when
placed, captured line by line when shipped, refunded there); the serialized one was paid through its
channel (no payment method), so its refund is recorded for the channel to pay out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import sqlalchemy as sa

from overture.domain.inventory import Sku
from overture.services import inventory
from overture.store.tables import inventory_positions, money_entries
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import FAST_POLICY, Hub, WorkerThread
from tests.workflows.temporal_fixtures import TemporalEnv


def _seed(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A", "B", "C", "D")
    for sku in ("A", "B", "C", "D"):
        stock(hub.container, sku, "EWR", 10)


def _three_lines(hub: Hub) -> str:
    body = order_payload(("A", 3), ("B", 1), ("C", 2), payment_method="pm_card_visa")
    for line, price in zip(body["lines"], ("10.00", "20.00", "5.00"), strict=True):
        line["unit_price"] = price
    body["charges"] = [{"kind": "discount", "amount": "-10.00"}, {"kind": "tax", "amount": "4.40"}]
    order_id: str = hub.post_order(body)["id"]
    hub.wait_status(order_id, "completed")
    return order_id


def _return(hub: Hub, order_id: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = hub.http.post(f"/v1/orders/{order_id}/returns", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _receive(hub: Hub, return_id: str, units: dict[int, list[str]]) -> None:
    lines = [{"line_no": n, "units": u} for n, u in units.items()]
    answer = hub.http.post(f"/v1/returns/{return_id}/receipt", json={"location_id": "EWR", "lines": lines})
    assert answer.status_code == 200, answer.text


def _psp(hub: Hub, order_id: str) -> list[dict[str, Any]]:
    assert hub.psp is not None
    records = httpx.get(f"{hub.psp.url}/_records", timeout=5).json()
    return [i for i in records["payment_intents"] if i.get("metadata", {}).get("order_id") == order_id]


def _erp(hub: Hub) -> dict[str, Any]:
    records: dict[str, Any] = httpx.get(f"{hub.erp.url}/_records", timeout=5).json()
    return records


def _settled(hub: Hub, return_id: str) -> bool:
    return bool(hub.http.get(f"/v1/returns/{return_id}").json()["status"] == "settled")


def _refunded(hub: Hub, return_id: str) -> bool:
    with hub.container.engine.connect() as c:
        query = sa.select(sa.func.count()).where(
            money_entries.c.cause == f"return {return_id}", money_entries.c.kind == "refund"
        )
        return bool(c.scalar(query))


def _on_hand(hub: Hub, sku: str) -> int:
    p = inventory_positions.c
    with hub.container.engine.connect() as c:
        return int(c.scalar(sa.select(p.on_hand).where(p.sku == sku, p.location_id == "EWR")) or 0)


def test_a_returned_unit_is_refunded_its_share_and_the_erp_gets_one_credit_memo(
    hub: Hub, temporal_env: TemporalEnv
) -> None:
    _seed(hub)
    order_id = _three_lines(hub)
    hub.sim_faults(hub.erp, operation="credit_memo", down=True)  # the ERP cannot take memos for now
    ret = _return(
        hub, order_id, {"external_id": "RMA-EXT-1", "lines": [{"line_no": 1, "quantity": 1, "reason": "damaged"}]}
    )
    assert ret["status"] == "approved"
    _receive(hub, ret["id"], {1: ["restock"]})
    hub.wait_for(lambda: _refunded(hub, ret["id"]), what="the refund", timeout_s=60)
    # The worker goes between the refund and the memo; another takes over once the ERP is back.
    hub.worker.stop()
    hub.sim_faults(hub.erp, operation="credit_memo", fail_first=2, status=503)
    replacement = WorkerThread(
        hub.container, temporal_env.client, hub.worker._args[2], task_queue=hub.worker._task_queue, policy=FAST_POLICY
    )
    replacement.start()
    hub.worker = replacement
    hub.wait_for(lambda: _settled(hub, ret["id"]) and bool(_erp(hub)["credit_memos"]), what="the memo", timeout_s=90)

    money = hub.http.get(f"/v1/orders/{order_id}/money").json()
    line = next(x for x in money["lines"] if x["line_no"] == 1)
    assert line["refunded"] == "9.06"  # 10.00 less its discount share 1.67, plus its tax share 0.73
    assert money["totals"]["outstanding"] == "0.00"
    records = _erp(hub)
    memos = [m for m in records["credit_memos"] if m["order_id"] == order_id]
    assert len(memos) == 1 and Decimal(memos[0]["total"]) == Decimal("9.06")
    assert [r["lines"][0]["disposition"] for r in records["return_receipts"]] == ["restock"]
    assert _on_hand(hub, "A") == 8  # 10 - 3 shipped + 1 restocked
    [intent] = _psp(hub, order_id)
    assert (intent["amount_received"], intent["amount_refunded"]) == (5440, 906)  # 60.00 - 10.00 + 4.40; 9.06
    assert money["totals"]["captured"] == "54.40" and money["totals"]["refunded"] == "9.06"
    stats = hub.sim_stats(hub.erp)["credit_memo"]
    assert stats["faulted"] >= 3 and stats["recorded"] == 1  # refused while down, two 503s, then one memo


def test_an_exchange_for_a_dearer_item_charges_the_difference(hub: Hub) -> None:
    _seed(hub)
    order_id = _three_lines(hub)
    line = {"line_no": 2, "quantity": 1, "reason": "size_or_fit", "exchange_sku": "D", "exchange_unit_price": "30.00"}
    ret = _return(hub, order_id, {"external_id": "RMA-EXT-2", "lines": [line], "settlement": "exchange"})
    hub.wait_for(lambda: bool(hub.http.get(f"/v1/returns/{ret['id']}").json()["exchange_order_id"]), what="replacement")
    replacement = hub.http.get(f"/v1/returns/{ret['id']}").json()["exchange_order_id"]
    hub.wait_for(lambda: hub.order(replacement)["status"] == "on_hold", what="the replacement held")
    assert _on_hand(hub, "D") == 10 and _reserved(hub, "D") == 1  # reserved up front
    _receive(hub, ret["id"], {2: ["restock"]})
    hub.wait_status(replacement, "completed", timeout_s=90)
    hub.wait_for(lambda: _settled(hub, ret["id"]), what="the exchange settled")
    money = hub.http.get(f"/v1/orders/{replacement}/money").json()
    # Line 2 gave back 20.00 - 3.33 + 1.47 = 18.14 as credit; the replacement (30.00) owed 11.86 more,
    # authorised on the card and captured when it shipped.
    assert money["totals"]["credited"] == "-18.14"
    assert money["totals"]["captured"] == "11.86" and money["totals"]["outstanding"] == "0.00"
    [intent] = _psp(hub, replacement)
    assert (intent["amount"], intent["amount_received"]) == (1186, 1186)
    original = hub.http.get(f"/v1/orders/{order_id}/money").json()
    assert next(x for x in original["lines"] if x["line_no"] == 2)["credited"] == "18.14"


def test_a_serialized_unit_comes_back_refurbished_and_sells_again_as_the_same_unit(hub: Hub) -> None:
    add_locations(hub.container, ["EWR"])
    inventory.upsert_skus(
        hub.container.uow, [Sku("PHONE-SN-0042", "refurbished phone", serialized=True)], clock=hub.container.clock
    )
    stock(hub.container, "PHONE-SN-0042", "EWR", 1)
    first = hub.post_order(order_payload(("PHONE-SN-0042", 1)))["id"]
    hub.wait_status(first, "completed")
    ret = _return(
        hub, first, {"external_id": "RMA-EXT-3", "lines": [{"line_no": 1, "quantity": 1, "reason": "defective"}]}
    )
    _receive(hub, ret["id"], {1: ["refurbish"]})
    assert _on_hand(hub, "PHONE-SN-0042") == 0  # in refurbishment: not sellable yet
    done = hub.http.post(f"/v1/returns/{ret['id']}/lines/1/refurbished", json={"units": 1})
    assert done.status_code == 200, done.text
    assert _on_hand(hub, "PHONE-SN-0042") == 1
    second = hub.post_order(order_payload(("PHONE-SN-0042", 1)))["id"]
    sold = hub.wait_status(second, "completed")
    assert sold["lines"][0]["sku"] == "PHONE-SN-0042"
    hub.wait_for(lambda: _settled(hub, ret["id"]), what="the return settled")


def _reserved(hub: Hub, sku: str) -> int:
    p = inventory_positions.c
    with hub.container.engine.connect() as c:
        return int(c.scalar(sa.select(p.reserved).where(p.sku == sku, p.location_id == "EWR")) or 0)
