"""Tax for orders that come without it (services/tax.py): the built-in rate table, what a line is taxed on
(its goods after its own and its share of the order's discounts), a channel's own tax never taxed again,
an engine that cannot answer estimated by the table, and a client's retry still the same request."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from overture.domain.commands import Charge, ChargeKind, LineRequest, PlaceOrder
from overture.domain.parties import Address, Customer
from overture.services.capture import request_hash
from overture.services.ports.connector_errors import RetryableConnectorError
from overture.services.ports.tax import TaxAddress, TaxDocument, TaxResult
from overture.services.tax import RateTable, taxable_lines, taxed

TABLE = RateTable({"US": Decimal("0.05"), "US-CA": Decimal("0.0725"), "DE": Decimal("0.19")})
TODAY = date(2026, 12, 7)


def order(*charges: Charge, region: str = "CA", country: str = "US") -> PlaceOrder:
    return PlaceOrder(
        channel="rest",
        external_id="W-1",
        customer=Customer("C-1", "Ann", "ann@example.com"),
        ship_to=Address("94105", country, "Ann", "1 Market St", "", "San Francisco", region),
        currency="USD",
        lines=(LineRequest("A", 2, Decimal("10.00")), LineRequest("B", 1, Decimal("5.005"))),
        charges=charges,
    )


def priced(command: PlaceOrder, engine: object = TABLE) -> PlaceOrder:
    return asyncio.run(taxed(command, engine, fallback=TABLE, today=lambda: TODAY))  # type: ignore[arg-type]


def taxes(command: PlaceOrder) -> list[tuple[int | None, Decimal, str]]:
    return [(c.line_no, c.amount, c.code) for c in command.charges if c.kind is ChargeKind.TAX]


def test_a_region_overrides_its_country_and_others_pay_none() -> None:
    assert TABLE.rate(TaxAddress("94105", "US", "CA")) == Decimal("0.0725")
    assert TABLE.rate(TaxAddress("10001", "US", "NY")) == Decimal("0.05")
    assert TABLE.rate(TaxAddress("75001", "FR")) == 0


def test_each_line_is_taxed_on_its_goods_rounded_half_even() -> None:
    # A: 20.00 x 7.25 % = 1.45; B: 5.005 rounds to 5.00 (half-even) x 7.25 % = 0.3625 -> 0.36.
    assert taxes(priced(order())) == [(1, Decimal("1.45"), "tax:rate_table"), (2, Decimal("0.36"), "tax:rate_table")]


def test_discounts_lower_what_is_taxed_the_orders_shared_by_goods() -> None:
    line_off = Charge(ChargeKind.DISCOUNT, Decimal("-4.00"), "SPRING", 1)
    order_off = Charge(ChargeKind.DISCOUNT, Decimal("-5.00"), "WELCOME")
    lines = taxable_lines(order(line_off, order_off))
    # Goods 20.00 and 5.00: the 5.00 off is shared 4.00 / 1.00; line 1 also has its own 4.00 off.
    assert [(x.number, x.amount) for x in lines] == [(1, Decimal("12.00")), (2, Decimal("4.00"))]


def test_a_channel_that_sends_tax_is_not_taxed_again() -> None:
    with_tax = order(Charge(ChargeKind.TAX, Decimal("1.00"), "ItemTax", 1))
    assert priced(with_tax) is with_tax


def test_an_engine_that_cannot_answer_is_estimated_by_the_table() -> None:
    class Down:
        name = "avatax"

        async def calculate(self, document: TaxDocument) -> TaxResult:
            raise RetryableConnectorError("down", connector="avatax", operation="createTransaction", status=503)

    estimated = priced(order(), Down())
    assert [code for _, _, code in taxes(estimated)] == ["tax:estimated", "tax:estimated"]
    assert sum(amount for _, amount, _ in taxes(estimated)) == Decimal("1.81")


def test_the_engines_tax_is_not_part_of_a_retried_requests_fingerprint() -> None:
    asked = order()
    assert request_hash(priced(asked)) == request_hash(asked)
    other_rate = RateTable({"US-CA": Decimal("0.08")})
    assert request_hash(priced(asked, other_rate)) == request_hash(asked)
    # A tax the client itself sent is part of what it asked.
    assert request_hash(replace(asked, charges=(Charge(ChargeKind.TAX, Decimal("1"), "mine", 1),))) != request_hash(
        asked
    )


def test_a_rate_that_is_not_a_rate_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"tax_rates\['US-CA'\]: 7.25 is not a rate between 0 and 1"):
        RateTable({"US-CA": Decimal("7.25")})
