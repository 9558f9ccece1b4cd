"""A till's receipt recorded through services/pos.py, on both stores: the sale leaves that store's stock
(no other location's), is charged and settled at the till, an oversold shelf raises a count and never a
refusal, a return goes back on the store's shelf and is refunded, and no workflow is asked to start."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.domain.inventory import Location, LocationKind
from overture.domain.pos import PosLine, RecordPosSale
from overture.services import inventory
from overture.services.audit import audit
from overture.services.errors import PayloadRejected
from overture.services.ports import InboundMessage
from overture.services.pos import PosOutcome, close_stock_count, record_pos_sale
from overture.store.tables import availability_dirty, outbox
from tests.factories import add_locations, add_skus, stock


@pytest.fixture
def shop(container: Container) -> Container:
    add_locations(container, ["EWR"])
    for store_id in ("STORE-1", "STORE-2"):
        store = Location(store_id, f"Store {store_id}", 40.75, -73.99, LocationKind.STORE, postal_code="10001")
        inventory.add_location(container.uow, store, clock=container.clock)
    add_skus(container, "MUG", "TEE")
    for location in ("EWR", "STORE-1", "STORE-2"):
        stock(container, "MUG", location, 5)
        stock(container, "TEE", location, 5)
    return container


def ring_up(container: Container, *lines: PosLine, receipt: str = "1001", store: str = "STORE-1") -> PosOutcome:
    sale = RecordPosSale(store, receipt, "USD", tuple(lines), tender="card")
    message = InboundMessage("pos", f"receipt {receipt}".encode(), container.clock(), "text/plain")
    return record_pos_sale(container.uow, message, lambda _: sale, clock=container.clock)


def on_hand(container: Container, sku: str) -> dict[str, int]:
    view = container.views.inventory(sku)
    assert view is not None
    return {p["location_id"]: p["on_hand"] for p in view["locations"]}


def test_a_sale_lowers_that_store_only_and_completes_without_a_workflow(shop: Container) -> None:
    outcome = ring_up(shop, PosLine("MUG", 2, Decimal("10.00"), Decimal("1.60")))
    assert outcome.created and outcome.status == "completed" and not outcome.shortfalls
    assert on_hand(shop, "MUG") == {"EWR": 5, "STORE-1": 3, "STORE-2": 5}
    view = shop.views.inventory("MUG")
    assert view is not None and view["ledger"][0]["kind"] == "sale" and view["ledger"][0]["on_hand_delta"] == -2
    with shop.engine.connect() as c:
        assert c.execute(sa.select(outbox.c.topic).where(outbox.c.key == outcome.order_id)).all() == []
        assert "MUG" in set(c.execute(sa.select(availability_dirty.c.sku)).scalars())  # the publisher will hear of it
    order = shop.views.order(outcome.order_id)
    assert order is not None and order["status"] == "completed" and order["channel"] == "pos"
    assert audit(shop.uow) == []  # the ledger still sums to every position


def test_the_money_is_charged_and_settled_at_the_till(shop: Container) -> None:
    outcome = ring_up(
        shop,
        PosLine("MUG", 2, Decimal("10.00"), Decimal("1.60")),
        PosLine("TEE", 1, Decimal("25.00"), Decimal("2.00"), Decimal("-5.00")),
    )
    with shop.uow() as uow:
        ledger = uow.money.ledger(outcome.order_id)
    assert ledger is not None
    totals = ledger.totals()
    assert (totals.charge, totals.tax, totals.discount) == (4500, 360, -500)
    assert totals.captured == 4360 and totals.outstanding == 0
    assert {e.reference for e in ledger.entries if e.kind == "capture"} == {"pos:card"}


def test_an_oversold_store_records_the_sale_and_raises_a_count(shop: Container) -> None:
    outcome = ring_up(shop, PosLine("MUG", 7, Decimal("10.00")))
    assert outcome.created and outcome.status == "completed"
    assert outcome.shortfalls == ("MUG: sold 7, the book held 5 free",)
    assert on_hand(shop, "MUG")["STORE-1"] == 0 and on_hand(shop, "MUG")["EWR"] == 5
    exceptions = shop.views.exceptions(status="open", type_="stock_count", after=None, limit=10)
    assert [e["order_id"] for e in exceptions] == [outcome.order_id]
    assert audit(shop.uow) == []
    count = exceptions[0]["id"]
    assert close_stock_count(shop.uow, count, outcome.order_id, actor="ana", note="2 found", clock=shop.clock)
    assert not close_stock_count(shop.uow, count, outcome.order_id, actor="ana", note="again", clock=shop.clock)
    assert shop.views.exceptions(status="open", type_="stock_count", after=None, limit=10) == []


def test_units_reserved_at_the_store_are_left_to_their_order(shop: Container) -> None:
    with shop.uow() as uow:
        uow.connection.execute(  # 3 of STORE-1's 5 mugs promised to an online order
            sa.text("UPDATE inventory_positions SET reserved = 3 WHERE sku = 'MUG' AND location_id = 'STORE-1'")
        )
        uow.commit()
    outcome = ring_up(shop, PosLine("MUG", 4, Decimal("10.00")))
    assert outcome.shortfalls == ("MUG: sold 4, the book held 2 free",)
    assert on_hand(shop, "MUG")["STORE-1"] == 3  # the online order's units are still on the shelf's book


def test_a_return_restocks_that_store_and_is_refunded(shop: Container) -> None:
    outcome = ring_up(shop, PosLine("MUG", -1, Decimal("10.00"), Decimal("0.80")), receipt="R-9")
    assert outcome.status == "refunded"
    assert on_hand(shop, "MUG") == {"EWR": 5, "STORE-1": 6, "STORE-2": 5}
    with shop.uow() as uow:
        ledger = uow.money.ledger(outcome.order_id)
    assert ledger is not None
    totals = ledger.totals()
    assert totals.refunded == 1080 and totals.due == 0 and totals.settled == 0
    assert audit(shop.uow) == []


def test_a_receipt_sent_again_records_nothing_twice(shop: Container) -> None:
    first = ring_up(shop, PosLine("MUG", 1, Decimal("10.00")))
    again = ring_up(shop, PosLine("MUG", 1, Decimal("10.00")))
    assert not again.created and again.order_id == first.order_id
    assert on_hand(shop, "MUG")["STORE-1"] == 4


def test_a_sale_at_a_warehouse_is_refused_and_kept(shop: Container) -> None:
    with pytest.raises(PayloadRejected) as raised:
        ring_up(shop, PosLine("MUG", 1, Decimal("10.00")), store="EWR")
    assert raised.value.errors[0].field == "location_id"
    assert on_hand(shop, "MUG")["EWR"] == 5
