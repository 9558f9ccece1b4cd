"""Sales tax for orders whose channel sends none: priced by the tax engine when the order is captured,
committed when it is invoiced.

- **At capture** (``taxed``): an order without a single tax charge (our REST API, a partner's file) is
  priced as a ``SalesOrder`` and gets one tax charge per line, so the ledger carries tax per line from
  the start and the payment authorisation includes it. A channel that sends its own tax (Shopify,
  Amazon, WooCommerce) is never taxed again. The engine is asked before the capture's transaction
  opens, so no store lock waits on it; if it cannot answer, the built-in rate table prices the order
  and the capture goes on (a tax charge coded ``estimated`` says so), rather than refusing an order.
- **At invoice** (``commit_invoice``): the shipped order is committed as a ``SalesInvoice`` with the
  amounts we charged, under the order id, once however often the step is retried.

The built-in ``RateTable`` is the default engine: rates by ``COUNTRY-REGION`` or ``COUNTRY`` from
settings (``OVERTURE_TAX_RATES``); with none set, nothing is taxed, as before there was a tax engine.
The code of an engine's charge (``tax:<engine>``) is not part of an idempotent request's fingerprint
(services/capture.py), so a client's retry is the same request even if a rate changed in between.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from overture.domain.commands import Charge, ChargeKind, PlaceOrder, Reference
from overture.domain.money.allocation import largest_remainder
from overture.domain.money.amount import from_minor, minor_units, to_minor
from overture.domain.money.ledger import Balance, EntryKind, Ledger
from overture.domain.parties import Address
from overture.services import fulfilment
from overture.services.money import ledger_of
from overture.services.plans import OrderDocument
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.connector_errors import ConnectorError
from overture.services.ports.tax import (
    CODE_PREFIX,
    PRICED_BY,
    DocumentKind,
    LineTax,
    TaxAddress,
    TaxDocument,
    TaxEngine,
    TaxLine,
    TaxResult,
)
from overture.services.retry import read_only

log = logging.getLogger(__name__)


class RateTable:
    """The built-in engine: one combined rate per ``US-CA``-style region or per country, on every line."""

    name = "rate_table"

    def __init__(self, rates: Mapping[str, Decimal]) -> None:
        for key, rate in rates.items():
            if not Decimal(0) <= rate < Decimal(1):
                raise ValueError(f"tax_rates[{key!r}]: {rate} is not a rate between 0 and 1")
        self._rates = {key.upper(): rate for key, rate in rates.items()}

    def rate(self, address: TaxAddress) -> Decimal:
        region = f"{address.country}-{address.region}".upper()
        return self._rates.get(region, self._rates.get(address.country.upper(), Decimal(0)))

    async def calculate(self, document: TaxDocument) -> TaxResult:
        rate = self.rate(document.ship_to)
        places = Decimal(1).scaleb(-minor_units(document.currency))
        lines = tuple(
            LineTax(x.number, (x.amount * rate).quantize(places, rounding=ROUND_HALF_EVEN), rate)
            for x in document.lines
        )
        return TaxResult(document.code, self.name, lines, committed=document.commit)


def _round(amount: Decimal, places: Decimal) -> Decimal:
    return amount.quantize(places, rounding=ROUND_HALF_EVEN)


def tax_address(address: Address) -> TaxAddress:
    return TaxAddress(address.postal_code, address.country, address.region, address.city, address.line1)


def has_tax(command: PlaceOrder) -> bool:
    return any(charge.kind is ChargeKind.TAX for charge in command.charges)


def taxable_lines(command: PlaceOrder) -> tuple[TaxLine, ...]:
    """Each line's goods after its own discounts and its share of the order's, in minor-unit precision."""
    currency = command.currency
    goods = [
        to_minor((x.unit_price * x.quantity).quantize(Decimal(1).scaleb(-minor_units(currency))), currency)
        for x in command.lines
    ]
    off = [0] * len(goods)
    for charge in command.charges:
        if charge.kind is not ChargeKind.DISCOUNT:
            continue
        minor = to_minor(charge.amount, currency)
        if charge.line_no is not None:
            off[charge.line_no - 1] += minor
        elif any(goods):
            off = [a + b for a, b in zip(off, largest_remainder(minor, goods), strict=True)]
    return tuple(
        TaxLine(n, x.sku, x.quantity, from_minor(g + d, currency))
        for n, (x, g, d) in enumerate(zip(command.lines, goods, off, strict=True), start=1)
    )


def sales_order(command: PlaceOrder, day: date, ship_from: TaxAddress | None = None) -> TaxDocument:
    return TaxDocument(
        code=f"{command.channel}:{command.external_id}",
        kind=DocumentKind.SALES_ORDER,
        customer_code=command.customer.reference or command.customer.email or "guest",
        currency=command.currency,
        day=day,
        ship_to=tax_address(command.ship_to),
        lines=taxable_lines(command),
        ship_from=ship_from,
    )


async def taxed(
    command: PlaceOrder, engine: TaxEngine, *, fallback: RateTable, today: Callable[[], date]
) -> PlaceOrder:
    """``command`` with a tax charge per line, unless its channel sent tax already."""
    if has_tax(command) or not command.lines:
        return command
    document = sales_order(command, today())
    try:
        result, code = await engine.calculate(document), CODE_PREFIX + engine.name
    except ConnectorError as error:
        log.warning(
            "tax engine %s could not price %s (%s): the rate table estimates it", engine.name, document.code, error
        )
        result, code = await fallback.calculate(document), CODE_PREFIX + "estimated"
    charges = tuple(Charge(ChargeKind.TAX, line.tax, code, line.number) for line in result.lines if line.tax)
    # Said even when nothing is owed (no nexus, or an estimate of nothing): the invoice is committed anyway.
    priced_by = Reference(*PRICED_BY, code.removeprefix(CODE_PREFIX))
    return replace(command, charges=command.charges + charges, references=(*command.references, priced_by))


def invoice_document(order: OrderDocument, ledger: Ledger, day: date, *, collected: bool = False) -> TaxDocument:
    """The shipped order as the ``SalesInvoice`` to commit under its id: each line's goods after
    discounts as the ledger has them now (edits, cancels and returns before invoicing included);
    ``collected``: the tax the channel charged, per line, recorded as it is."""
    ship_to = order.ship_to
    address = TaxAddress(*(str(ship_to.get(k) or "") for k in ("postal_code", "country", "region", "city", "line1")))
    balances = ledger.lines()
    lines = tuple(
        TaxLine(
            x.line_no,
            x.sku,
            x.quantity,
            from_minor(_goods(balances.get(x.line_no)), order.currency),
            collected=from_minor(balances[x.line_no].tax if x.line_no in balances else 0, order.currency)
            if collected
            else None,
        )
        for x in order.lines
    )
    customer = str(order.customer.get("reference") or order.customer.get("email") or "guest")
    kind = DocumentKind.SALES_INVOICE
    return TaxDocument(order.order_id, kind, customer, order.currency, day, address, lines, commit=True)


def _goods(balance: Balance | None) -> int:
    return 0 if balance is None else balance.charge + balance.discount


async def commit_invoice(
    engine: TaxEngine, order: OrderDocument, ledger: Ledger, day: date, *, collected: bool = False
) -> str:
    """Commit the invoiced order to the engine; a note when its tax differs from what the ledger charged
    (rates changed since capture, or the capture was estimated), else ""."""
    result = await engine.calculate(invoice_document(order, ledger, day, collected=collected))
    charged = from_minor(sum(b.tax for b in ledger.lines().values()), order.currency)
    if result.total == charged:
        return ""
    return f"tax committed to {engine.name}: {result.total} {order.currency}; charged at capture: {charged}"


async def commit_invoiced(
    uow_factory: UnitOfWorkFactory, engine: TaxEngine, order: OrderDocument, *, clock: Clock
) -> None:
    """At invoice: commit the sale to the engine, once however often the step is retried (the engine
    adjusts the same transaction to the same content). An order the engine priced is priced again and a
    difference with what the ledger charged is noted on the order; an order whose channel charged the
    tax (a storefront, a marketplace) is reported with that tax as collected, so the engine's returns
    hold every sale."""

    def state(uow: UnitOfWork) -> tuple[Ledger, bool]:
        return ledger_of(uow, order.order_id), uow.fulfilment.reference(order.order_id, *PRICED_BY) is not None

    ledger, priced = await asyncio.to_thread(read_only, uow_factory, state)
    difference = await commit_invoice(engine, order, ledger, clock().date(), collected=not priced)
    if difference:
        await asyncio.to_thread(fulfilment.note, uow_factory, order.order_id, difference, clock=clock)


async def commit_return(
    uow_factory: UnitOfWorkFactory, engine: TaxEngine, order: OrderDocument, return_id: str, *, clock: Clock
) -> TaxResult | None:
    """A settled return reported to the engine as a ``ReturnInvoice`` under its id: per line, the goods and
    the tax the return gave back (its ``return <id>`` ledger entries), as collected. None: nothing came back."""
    cause = f"return {return_id}"
    ledger = await asyncio.to_thread(read_only, uow_factory, lambda uow: ledger_of(uow, order.order_id))
    goods: dict[int, int] = {}
    taxes: dict[int, int] = {}
    for entry in ledger.entries:
        if entry.cause != cause or entry.line_no is None:
            continue
        if entry.kind in (EntryKind.CHARGE, EntryKind.DISCOUNT):
            goods[entry.line_no] = goods.get(entry.line_no, 0) + entry.amount
        elif entry.kind is EntryKind.TAX:
            taxes[entry.line_no] = taxes.get(entry.line_no, 0) + entry.amount
    skus = {x.line_no: (x.sku, x.quantity) for x in order.lines}
    lines = tuple(
        TaxLine(n, skus.get(n, ("", 0))[0], skus.get(n, ("", 0))[1], from_minor(goods.get(n, 0), order.currency),
                collected=from_minor(taxes.get(n, 0), order.currency))
        for n in sorted(set(goods) | set(taxes))
    )  # fmt: skip
    if not lines:
        return None
    base = invoice_document(order, ledger, clock().date())
    document = replace(base, code=return_id, kind=DocumentKind.RETURN_INVOICE, lines=lines)
    return await engine.calculate(document)
