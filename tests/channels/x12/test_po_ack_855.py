"""Honest 855s: BAK04 is the PO's own date, each ACK01 comes from the line's real state (IB only
when stock is short, IP when the contract's price stands against the PO's), the buyer's PO1 ids are
echoed as received, and a cleared hold sends a new 855 once (both stores)."""

from __future__ import annotations

from decimal import Decimal

from overture.bootstrap import Container
from overture.channels.x12.documents import acknowledge_order, after_status
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.writer import Sender
from overture.domain.partners import PartnerProfile, X12Identity
from overture.domain.rules import RuleCode, RuleSettings
from overture.domain.statuses import OrderStatus
from overture.services import governance
from overture.services.fulfilment import retry_placement
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from tests.channels.x12.change_order_fixtures import PO
from tests.factories import add_locations, add_skus, stock

ACME = PartnerProfile(
    "ACME",
    "Acme Stores",
    X12Identity("ZZ", "ACMEBUYER"),
    sku_xref={"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    uom_factors={"CA": 12},
)


def _seed(container: Container, partner: PartnerProfile = ACME, *, gadgets: int = 100) -> None:
    in_transaction(container.uow, lambda uow: uow.partners.put(partner, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    if gadgets:
        stock(container, "GADGET", "EWR", gadgets)


def _receive(container: Container, text: str = PO) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def _body(text: str) -> list[list[str]]:
    document = read(text)
    (_, _, transaction), *_ = document.transactions()
    schema = schema_for("855", "004010")
    assert schema is not None
    assert validate(schema, transaction.segments, component=document.interchanges[0].delimiters.component) == []
    return [s.elements for s in transaction.body]


def _acks(body: list[list[str]]) -> list[str]:
    return [s[1] for s in body if s[0] == "ACK"]


def test_bak04_is_the_pos_date_and_po1_echoes_the_buyers_ids_in_order(container: Container) -> None:
    _seed(container)

    (ack,) = _receive(container).acks_855

    body = _body(ack)
    assert body[0][:5] == ["BAK", "00", "AD", "PO-7781", "20260115"]  # BEG05, not the day it was captured
    po1s = [s for s in body if s[0] == "PO1"]
    assert po1s[0][:2] == ["PO1", "1"] and po1s[0][6:] == ["BP", "ACME-001", "VN", "WIDGET-RED"]
    assert po1s[1][6:] == ["BP", "ACME-002", "UP", "012345678905"]
    assert _acks(body) == ["IA", "IA"]


def test_an_order_held_for_its_price_is_not_backordered_but_ip(container: Container) -> None:
    partner = PartnerProfile(
        "ACME",
        "Acme Stores",
        X12Identity("ZZ", "ACMEBUYER"),
        sku_xref=ACME.sku_xref,
        uom_factors=ACME.uom_factors,
        contract_prices={"GADGET": Decimal("2.90")},
    )
    _seed(container, partner)
    rules = {RuleCode.PRICE_MISMATCH: RuleSettings()}
    governance.put_rule_set(container.uow, "default", rules, note="contract prices", at=container.clock())

    receipt = _receive(container)

    assert receipt.transactions[0].order_status == "on_hold"
    body = _body(receipt.acks_855[0])
    assert body[0][2] == "AC"
    assert _acks(body) == ["IA", "IP"]
    assert any("contract price 2.9" in s[1] for s in body if s[0] == "MSG")


def test_only_a_line_short_of_stock_is_backordered_and_a_cleared_hold_answers_once_more(
    container: Container,
) -> None:
    _seed(container, gadgets=0)
    receipt = _receive(container)
    order_id = receipt.transactions[0].order_id
    assert order_id is not None and receipt.transactions[0].order_status == "on_hold"
    assert _acks(_body(receipt.acks_855[0])) == ["IA", "IB"]

    stock(container, "GADGET", "EWR", 10)
    plan = retry_placement(container.uow, order_id, geocoder=container.geocoder, clock=container.clock)
    status = OrderStatus(plan.status)
    second = in_transaction(
        container.uow, lambda uow: after_status(uow, order_id, status, sender=Sender(), at=container.clock())
    )
    again = in_transaction(
        container.uow, lambda uow: after_status(uow, order_id, status, sender=Sender(), at=container.clock())
    )

    assert status is OrderStatus.ROUTED
    (revised,) = second
    assert _acks(_body(revised)) == ["IA", "IA"]
    assert again == []  # the same answer is not sent twice
    first_again = in_transaction(
        container.uow, lambda uow: acknowledge_order(uow, order_id, sender=Sender(), at=container.clock())
    )
    assert first_again is None
