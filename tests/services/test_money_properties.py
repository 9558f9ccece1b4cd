"""The money ledger under any sequence of changes, on SQLite and PostgreSQL, against the Stripe-shaped
payment simulator: edits and partial cancels before shipment, the shipment and its captures, returns
(refund or store credit) and goodwill refunds after it, refunds larger than a line captured thrown in.

After every step: the entries add up to the derived balances, line by line and in total; the
simulator holds exactly what the ledger says was captured and refunded; no line gave back more than
it captured; once shipped, nothing is outstanding; and stock agrees with its own ledger (audit)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from overture.bootstrap import Container
from overture.connectors.http import ConnectorConfig
from overture.connectors.stripe import StripeConnector
from overture.domain.charging import Why
from overture.domain.money.ledger import LedgerError
from overture.domain.returns import (
    ExchangePolicy,
    Outcome,
    RequestReturn,
    ReturnLineRequest,
    ReturnPolicy,
    ReturnReason,
    Settlement,
)
from overture.services import order_edits, payments, return_settlement, returns
from overture.services.audit import audit
from overture.services.errors import ServiceError
from overture.services.fulfilment import receive_shipment
from overture.services.money import MoneyView, money_view
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage
from overture.services.retry import read_only
from overture.simulators.payments import DEFAULT_API_KEY, create_payments_app
from tests.factories import add_locations, add_skus, order_payload, stock


@pytest.fixture
def psp() -> Iterator[tuple[StripeConnector, httpx.Client]]:
    app = create_payments_app()
    connector = StripeConnector(
        ConnectorConfig(name="payments", base_url="http://psp"),
        api_key=DEFAULT_API_KEY,
        transport=httpx.ASGITransport(app=app),
    )
    with TestClient(app) as control:
        yield connector, control


def test_any_sequence_of_changes_keeps_the_books_balanced(
    container: Container, client: TestClient, psp: tuple[StripeConnector, httpx.Client]
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A", "B", "C")
    for sku in ("A", "B", "C"):
        stock(container, sku, "EWR", 100_000)
    gateway, control = psp
    RAN.clear()
    run_state_machine_as_test(
        lambda: Books(container, client, gateway, control),  # type: ignore[arg-type]  # a factory serves as well
        settings=settings(
            max_examples=20, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    reached = {kind for kind, n in RAN.items() if n}
    assert {"cancelled", "repriced", "shipped", "returned", "exchanged", "refunded", "refused"} <= reached, RAN


# What the runs did, so the test fails if the sequences stopped reaching a kind of change.
RAN: Counter[str] = Counter()


class Books(RuleBasedStateMachine):
    def __init__(
        self, container: Container, client: TestClient, gateway: StripeConnector, control: httpx.Client
    ) -> None:
        super().__init__()
        self.container, self.client, self.gateway, self.control = container, client, gateway, control
        self.shipped = False
        self.returned: dict[int, int] = {}
        self.replacements: list[str] = []
        self.n = 0

    def run(self, coroutine: Any) -> Any:
        return asyncio.run(coroutine)

    @initialize(quantities=st.lists(st.integers(1, 4), min_size=3, max_size=3), cents=st.integers(0, 2000))
    def place(self, quantities: list[int], cents: int) -> None:
        body = order_payload(*zip(("A", "B", "C"), quantities, strict=True), payment_method="pm_card_visa")
        for line, price in zip(body["lines"], ("10.00", "19.99", "3.33"), strict=True):
            line["unit_price"] = price
        body["charges"] = [
            {"kind": "discount", "amount": f"-{cents // 100}.{cents % 100:02d}"},
            {"kind": "tax", "amount": "3.17"},
            {"kind": "shipping", "amount": "5.00"},
        ]
        answer = self.client.post("/v1/orders", json=body)
        assert answer.status_code == 201, answer.text
        self.order_id = answer.json()["id"]
        self.quantities = dict(enumerate(quantities, start=1))
        self.run(payments.authorise_order(self.container.uow, self.gateway, self.order_id, clock=self.container.clock))

    def _try(self, call: Any, kind: str) -> None:
        try:
            call()
        except (ServiceError, LedgerError):  # refused: the invariants check that nothing was half applied
            RAN["refused"] += 1
        else:
            RAN[kind] += 1

    @precondition(lambda self: not self.shipped)
    @rule(line=st.integers(1, 3), units=st.integers(1, 3))
    def cancel_some(self, line: int, units: int) -> None:
        self._try(
            lambda: order_edits.cancel_units(
                self.container.uow,
                self.order_id,
                [(line, units)],
                actor="t",
                reason="t",
                geocoder=self.container.geocoder,
                clock=self.container.clock,
            ),
            "cancelled",
        )

    @precondition(lambda self: not self.shipped)
    @rule(line=st.integers(1, 3), price=st.sampled_from(["1.00", "7.77", "12.50"]))
    def reprice(self, line: int, price: str) -> None:
        body = {"lines": [{"line_no": line, "unit_price": price}], "reason": "t"}
        if self.client.post(f"/v1/orders/{self.order_id}/edits", json=body).status_code == 200:
            RAN["repriced"] += 1

    @precondition(lambda self: not self.shipped)
    @rule()
    def ship(self) -> None:
        record = ShipmentRecord(
            f"shp_{self.order_id}", self.order_id, "EWR", "ups", "1Z999AA10123456784", self.container.clock(), []
        )
        message = InboundMessage("wms", json.dumps({"order_id": self.order_id}).encode(), self.container.clock())
        receive_shipment(self.container.uow, message, lambda _body: record, clock=self.container.clock)
        self.run(payments.capture_shipped(self.container.uow, self.gateway, self.order_id, clock=self.container.clock))
        self.shipped = True
        RAN["shipped"] += 1

    @precondition(lambda self: self.shipped)
    @rule(line=st.integers(1, 3), units=st.integers(1, 2), credit=st.booleans())
    def send_back(self, line: int, units: int, credit: bool) -> None:
        self.n += 1
        command = RequestReturn(
            "api",
            f"{self.order_id}-{self.n}",
            (ReturnLineRequest(units, ReturnReason.OTHER, line_no=line),),
            Settlement.STORE_CREDIT if credit else Settlement.REFUND,
            order_id=self.order_id,
        )
        uow, clock = self.container.uow, self.container.clock
        try:
            ret = returns.request_return(
                uow, command, message=None, policy=ReturnPolicy(auto_approve_minor=10**9), clock=clock
            ).ret
        except ServiceError:
            return
        returns.receive_return(
            uow, ret.id, location_id="EWR", outcomes={line: [Outcome.RESTOCK] * units}, actor="t", clock=clock
        )
        self.run(return_settlement.settle_return(uow, self.gateway, ret.id, clock=clock))
        RAN["returned"] += 1

    @precondition(lambda self: self.shipped)
    @rule(line=st.integers(1, 3), price=st.sampled_from(["2.00", "10.00", "25.00"]))
    def exchange(self, line: int, price: str) -> None:
        """One unit back for another item, placed at once and paid first with the unit's value."""
        self.n += 1
        asked = ReturnLineRequest(
            1, ReturnReason.SIZE_OR_FIT, line_no=line, exchange_sku="B", exchange_unit_price=Decimal(price)
        )
        command = RequestReturn(
            "api",
            f"{self.order_id}-{self.n}",
            (asked,),
            Settlement.EXCHANGE,
            order_id=self.order_id,
            exchange_policy=ExchangePolicy.AT_ONCE,
        )
        uow, clock = self.container.uow, self.container.clock
        try:
            ret = returns.request_return(
                uow, command, message=None, policy=ReturnPolicy(auto_approve_minor=10**9), clock=clock
            ).ret
        except ServiceError:
            return
        self.replacements.append(
            return_settlement.create_exchange_order(uow, ret.id, geocoder=self.container.geocoder, clock=clock)
        )
        returns.receive_return(
            uow, ret.id, location_id="EWR", outcomes={line: [Outcome.RESTOCK]}, actor="t", clock=clock
        )
        self.run(return_settlement.settle_return(uow, self.gateway, ret.id, clock=clock))
        RAN["exchanged"] += 1

    @precondition(lambda self: self.shipped)
    @rule(line=st.integers(1, 3), minor=st.integers(1, 20_000))
    def goodwill(self, line: int, minor: int) -> None:
        self.n += 1
        why = Why("goodwill", "t", self.container.clock())
        owed = payments.goodwill_entries(self.order_id, "USD", {line: minor}, why)
        self._try(
            lambda: self.run(
                payments.refund(
                    self.container.uow,
                    self.gateway,
                    self.order_id,
                    key=f"goodwill:{self.order_id}:{self.n}",
                    per_line={line: minor},
                    owed=owed,
                    why=why,
                )
            ),
            "refunded",
        )

    @invariant()
    def balanced(self) -> None:
        if not hasattr(self, "order_id"):
            return
        view = read_only(self.container.uow, lambda uow: money_view(uow, self.order_id))
        total = sum(
            e.amount
            for e in view.entries
            if e.kind.value in ("charge", "discount", "tax", "shipping", "fee", "adjustment")
        )
        assert total == view.totals.due == sum(x.balance.due for x in view.lines)
        assert view.totals.captured == sum(x.balance.captured for x in view.lines)
        for line in view.lines:
            assert line.balance.refunded + line.balance.credited <= line.balance.captured, line
        if self.shipped:
            assert view.totals.outstanding == 0, view.totals
        records = self.control.get("/_records").json()
        intents = [i for i in records["payment_intents"] if i.get("metadata", {}).get("order_id") == self.order_id]
        assert sum(i["amount_received"] for i in intents) == view.totals.captured
        assert sum(i.get("amount_refunded", 0) for i in intents) == view.totals.refunded
        for replacement in self.replacements:
            placed = read_only(self.container.uow, partial(_view_of, replacement))
            owed = sum(
                e.amount
                for e in placed.entries
                if e.kind.value in ("charge", "discount", "tax", "shipping", "fee", "adjustment")
            )
            assert owed == placed.totals.due == sum(x.balance.due for x in placed.lines)
            # Paid first with the returned unit's value: what is left is what the card will be charged.
            assert 0 <= placed.totals.outstanding == placed.totals.due + placed.totals.credited
        assert audit(self.container.uow) == []


def _view_of(order_id: str, uow: Any) -> MoneyView:
    return money_view(uow, order_id)
