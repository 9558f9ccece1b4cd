"""Settling a received return, telling the ERP, and the replacement order of an exchange.

- **Refund / store credit**: the returned units give back their share of the line's goods, discount
  and tax (domain/charging.py), refunded to the payment method or given as store credit; the line
  owes that much less, in the same posting (``settled:<return>``), so the books stay balanced.
- **Exchange**: the replacement order is captured like any order (channel ``exchange``, its id the
  return's), reserved at once, and paid first with the returned units' value as store credit
  (``redeemed:<return>`` on the replacement). What it costs beyond that is authorised and captured on
  its own payment method like any order; what it costs less is refunded when the return settles. With
  ``on_receipt`` it is held (an ``awaiting_return`` exception) until the return is received.
- **ERP**: one credit memo per settled return, one return receipt per received return, each under a
  key named after the return, so a retried or re-run step creates nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from overture.domain.charging import Why
from overture.domain.commands import LineRequest, PlaceOrder
from overture.domain.exceptions import ExceptionAction, ExceptionType, OrderException, Severity
from overture.domain.ids import new_id
from overture.domain.money import from_minor
from overture.domain.money.allocation import largest_remainder
from overture.domain.money.ledger import Entry, EntryKind
from overture.domain.returns import ExchangePolicy, Return, ReturnStatus, Settlement
from overture.domain.statuses import OrderStatus
from overture.services.capture import capture_order
from overture.services.errors import NotFound
from overture.services.money import ledger_of, units_back_entries
from overture.services.payments import refund
from overture.services.ports import Clock, Geocoder, InboundMessage, OrderRecord, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.erp import ErpGateway
from overture.services.ports.partner_documents import CreditAdjustment, CreditLine, PartnerDocuments
from overture.services.ports.payments import PaymentGateway
from overture.services.retry import in_transaction, read_only

EXCHANGE_CHANNEL = "exchange"


@dataclass(frozen=True, slots=True)
class Giveback:
    """What a return gives back: the owed entries that undo its units' share, and per line the amount."""

    owed: list[Entry]
    per_line: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.per_line.values())


def giveback(uow: UnitOfWork, ret: Return, why: Why) -> Giveback:
    """The return's units' share of each line, against what the line still carries after the returns
    settled before it."""
    ledger = ledger_of(uow, ret.order_id)
    order = uow.fulfilment.load_order(ret.order_id)
    assert order is not None
    settled: dict[int, int] = {}
    for other in uow.returns.for_order(ret.order_id):
        if other.id != ret.id and other.status is ReturnStatus.SETTLED:
            for line in other.lines:
                settled[line.line_no] = settled.get(line.line_no, 0) + line.quantity
    quantities = {line.line_no: line.quantity for line in order.lines}
    owed: list[Entry] = []
    per_line: dict[int, int] = {}
    for line in ret.lines:
        of = quantities[line.line_no] - settled.get(line.line_no, 0)
        entries = units_back_entries(ledger, line.line_no, units=line.quantity, of=of, why=why)
        owed += entries
        per_line[line.line_no] = -sum(e.amount for e in entries)
    return Giveback(owed, per_line)


def _load(uow_factory: UnitOfWorkFactory, return_id: str) -> Return:
    ret = read_only(uow_factory, lambda uow: uow.returns.get(return_id))
    if ret is None:
        raise NotFound(f"no return {return_id!r}")
    return ret


async def settle_return(
    uow_factory: UnitOfWorkFactory, gateway: PaymentGateway | None, return_id: str, *, clock: Clock
) -> Return:
    """Refund, credit or (for an exchange) credit the replacement with what the return gives back."""
    ret = _load(uow_factory, return_id)
    if ret.status is ReturnStatus.SETTLED:
        return ret
    why = Why(f"return {ret.id}", ret.actor, clock())
    back = read_only(uow_factory, lambda uow: giveback(uow, ret, why))
    key = f"settled:{ret.id}"
    if ret.settlement is Settlement.REFUND:
        await refund(
            uow_factory,
            gateway,
            ret.order_id,
            key=key,
            per_line=back.per_line,
            owed=back.owed,
            why=why,
            reasons=_reasons(ret),
        )
    elif ret.settlement is Settlement.STORE_CREDIT:
        await refund(
            uow_factory,
            gateway,
            ret.order_id,
            key=key,
            per_line=back.per_line,
            owed=back.owed,
            why=why,
            kind=EntryKind.STORE_CREDIT,
        )
    else:
        await _settle_exchange(uow_factory, gateway, ret, back, why)
    return in_transaction(uow_factory, lambda uow: _mark_settled(uow, ret.id, back, clock))


async def _settle_exchange(
    uow_factory: UnitOfWorkFactory, gateway: PaymentGateway | None, ret: Return, back: Giveback, why: Why
) -> None:
    """The replacement took ``min(value, its cost)`` as credit; the rest of the value goes back as money."""
    redeemed = read_only(uow_factory, lambda uow: _redeemed(uow, ret.id))
    credit = largest_remainder(min(redeemed, back.total), list(back.per_line.values()))
    shares = dict(zip(back.per_line, credit, strict=True))
    money = {n: back.per_line[n] - shares[n] for n in back.per_line}
    credit_entries = [
        Entry(
            ret.order_id,
            n,
            EntryKind.STORE_CREDIT,
            amount,
            _currency(uow_factory, ret.order_id),
            why.cause,
            why.actor,
            why.at,
            f"exchange:{ret.exchange_order_id}",
        )
        for n, amount in shares.items()
        if amount
    ]
    await refund(
        uow_factory,
        gateway,
        ret.order_id,
        key=f"settled:{ret.id}",
        per_line=money,
        owed=[*back.owed, *credit_entries],
        why=why,
        reasons=_reasons(ret),
    )


def _reasons(ret: Return) -> dict[int, str]:
    """Each line's return reason, for a marketplace that is told why it refunds (Walmart)."""
    return {line.line_no: line.reason.value for line in ret.lines}


def _currency(uow_factory: UnitOfWorkFactory, order_id: str) -> str:
    return read_only(uow_factory, lambda uow: ledger_of(uow, order_id).currency)


def _redeemed(uow: UnitOfWork, return_id: str) -> int:
    ret = uow.returns.get(return_id)
    if ret is None or ret.exchange_order_id is None:
        return 0
    ledger = ledger_of(uow, ret.exchange_order_id)
    return -sum(
        e.amount for e in ledger.entries if e.kind is EntryKind.STORE_CREDIT and e.cause == f"return {return_id}"
    )


def _mark_settled(uow: UnitOfWork, return_id: str, back: Giveback, clock: Clock) -> Return:
    ret = uow.returns.get(return_id, for_update=True)
    assert ret is not None
    if ret.status is ReturnStatus.SETTLED:
        return ret
    at = clock()
    ret.settle(at)
    uow.returns.save(ret, at)
    ledger = ledger_of(uow, ret.order_id)
    amount = from_minor(back.total, ledger.currency)
    uow.fulfilment.add_note(
        ret.order_id, f"return {ret.id} settled: {amount} {ledger.currency} by {ret.settlement}", at
    )
    return ret


def create_exchange_order(uow_factory: UnitOfWorkFactory, return_id: str, *, geocoder: Geocoder, clock: Clock) -> str:
    """The replacement order of an exchange (captured once: its external id is the return's id)."""
    ret = _load(uow_factory, return_id)
    if ret.exchange_order_id is not None:
        return ret.exchange_order_id
    existing = read_only(uow_factory, lambda uow: uow.orders.find_by_external_id(EXCHANGE_CHANNEL, ret.id))
    if existing is None:
        command = read_only(uow_factory, lambda uow: _replacement(uow, ret))
        message = InboundMessage(EXCHANGE_CHANNEL, json.dumps({"return_id": ret.id}).encode(), clock())
        result = capture_order(
            message,
            lambda _body: command,
            idempotency_key=None,
            uow_factory=uow_factory,
            geocoder=geocoder,
            clock=clock,
            after_place=lambda uow, record: _after_replacement(uow, ret, record, clock),
        )
        existing = result.order.id

    def link(uow: UnitOfWork) -> None:
        fresh = uow.returns.get(ret.id, for_update=True)
        assert fresh is not None
        fresh.exchange_order_id = existing
        uow.returns.save(fresh, clock())
        uow.fulfilment.add_note(ret.order_id, f"return {ret.id}: replacement order {existing} placed", clock())

    in_transaction(uow_factory, link)
    return existing


def _replacement(uow: UnitOfWork, ret: Return) -> PlaceOrder:
    order = uow.fulfilment.load_order(ret.order_id)
    assert order is not None
    prices = {line.line_no: line.unit_price.amount for line in order.lines}
    lines = tuple(
        LineRequest(line.exchange_sku or line.sku, line.quantity, line.exchange_unit_price or prices[line.line_no])
        for line in ret.lines
    )
    return PlaceOrder(
        channel=EXCHANGE_CHANNEL,
        external_id=ret.id,
        customer=order.customer,
        ship_to=order.ship_to,
        currency=order.currency,
        lines=lines,
        payment_method=order.payment_method,
    )


def _after_replacement(uow: UnitOfWork, ret: Return, record: OrderRecord, clock: Clock) -> None:
    """In the replacement's capture: pay it with the returned units' value, and hold it until the goods
    are back if the policy says so."""
    order = record.order
    why = Why(f"return {ret.id}", ret.actor, clock())
    value = giveback(uow, ret, why).total
    ledger = ledger_of(uow, order.id)
    dues = {n: b.due for n, b in ledger.lines().items()}
    redeem = largest_remainder(min(value, sum(dues.values())), list(dues.values()))
    entries = [
        Entry(
            order.id,
            n,
            EntryKind.STORE_CREDIT,
            -amount,
            order.currency,
            why.cause,
            why.actor,
            why.at,
            f"return:{ret.id}",
        )
        for n, amount in zip(dues, redeem, strict=True)
        if amount
    ]
    uow.money.post(f"redeemed:{ret.id}", order.id, entries, why.at)
    if ret.exchange_policy is ExchangePolicy.ON_RECEIPT and order.status not in (
        OrderStatus.ON_HOLD,
        OrderStatus.CANCELLED,
    ):
        _hold_for_return(uow, order.id, ret, clock)


def _hold_for_return(uow: UnitOfWork, order_id: str, ret: Return, clock: Clock) -> None:
    at = clock()
    exception = OrderException(
        id=new_id("exc"),
        order_id=order_id,
        type=ExceptionType.AWAITING_RETURN,
        step="exchange",
        reason=f"the replacement ships when return {ret.id} is received",
        severity=Severity.LOW,
        allowed_actions=(ExceptionAction.RETRY, ExceptionAction.CANCEL),
        details={"return_id": ret.id},
        created_at=at,
    )
    uow.fulfilment.add_exception(exception)
    uow.fulfilment.set_status(order_id, OrderStatus.ON_HOLD, f"waiting for return {ret.id}", at)


def credited(uow: UnitOfWork, ret: Return) -> tuple[CreditAdjustment, str]:
    """What a settled return gave back, per line (money and store credit alike), and the refund's id."""
    ledger = ledger_of(uow, ret.order_id)
    given = [
        e
        for e in ledger.entries
        if e.cause == f"return {ret.id}" and e.kind in (EntryKind.REFUND, EntryKind.STORE_CREDIT) and e.amount > 0
    ]
    by_line: dict[int, int] = {}
    for e in given:
        assert e.line_no is not None
        by_line[e.line_no] = by_line.get(e.line_no, 0) + e.amount
    units = {line.line_no: line for line in ret.lines}
    lines = [
        CreditLine(n, units[n].sku, units[n].quantity, from_minor(a, ledger.currency))
        for n, a in sorted(by_line.items())
    ]
    total = from_minor(sum(by_line.values()), ledger.currency)
    return CreditAdjustment(ret.order_id, ret.id, lines, ledger.currency, total), next((e.reference for e in given), "")


def credit_partner(uow_factory: UnitOfWorkFactory, documents: PartnerDocuments, return_id: str, *, clock: Clock) -> str:
    """An EDI partner's settled return becomes its credit adjustment (X12 812), once; "" for other orders."""
    ret = _load(uow_factory, return_id)
    if ret.settlement is Settlement.EXCHANGE:
        return ""

    def work(uow: UnitOfWork) -> str:
        adjustment, _ = credited(uow, ret)
        return documents.credit_adjustment(uow, adjustment, at=clock()) or ""

    return in_transaction(uow_factory, work)


async def send_credit_memo(uow_factory: UnitOfWorkFactory, erp: ErpGateway, return_id: str, *, clock: Clock) -> str:
    """One credit memo per settled return, with what each line gave back (money and credit alike)."""
    ret = _load(uow_factory, return_id)

    def read(uow: UnitOfWork) -> tuple[list[dict[str, str | int]], str, str, str]:
        credit, refund_id = credited(uow, ret)
        lines: list[dict[str, str | int]] = [
            {"line_no": x.line_no, "sku": x.sku, "quantity": x.quantity, "amount": str(x.amount)} for x in credit.lines
        ]
        invoice = uow.fulfilment.reference(ret.order_id, "erp", "invoice") or ""
        return lines, credit.currency, invoice, refund_id

    lines, currency, invoice, refund_id = read_only(uow_factory, read)
    total = sum((Decimal(str(line["amount"])) for line in lines), from_minor(0, currency))
    memo = await erp.create_credit_memo(
        ret.order_id,
        invoice,
        refund_id,
        lines,
        currency,
        str(total),
        f"return {ret.id}: {ret.settlement}",
        idempotency_key=f"credit-memo:{ret.id}",
    )
    in_transaction(
        uow_factory, lambda uow: uow.fulfilment.add_reference(ret.order_id, "erp", "credit_memo", memo, clock())
    )
    return memo


async def send_return_receipt(uow_factory: UnitOfWorkFactory, erp: ErpGateway, return_id: str, *, clock: Clock) -> str:
    """One return receipt per received return: each unit's disposition at the location it came back to."""
    ret = _load(uow_factory, return_id)
    lines = [
        {
            "line_no": line.line_no,
            "sku": line.sku,
            "quantity": line.count(outcome),
            "location_id": ret.location_id or "",
            "disposition": outcome.value,
        }
        for line in ret.lines
        for outcome in sorted({*line.inspection}, key=lambda o: o.value)
    ]
    receipt = await erp.record_return_receipt(ret.order_id, ret.id, lines, idempotency_key=f"return-receipt:{ret.id}")
    in_transaction(
        uow_factory, lambda uow: uow.fulfilment.add_reference(ret.order_id, "erp", "return_receipt", receipt, clock())
    )
    return receipt
