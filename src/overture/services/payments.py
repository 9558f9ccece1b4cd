"""Payments through our payment provider: authorise an order, capture each line as it ships, refund.

Every call to the provider carries an idempotency key named after what it does
(``authorise:<order>``, ``capture:<order>:<line>``, ``refund:<key>``), and what it did is posted to the
ledger under the same key. A worker killed between the provider's answer and our posting calls again
with the same key, gets the same answer, and posts once.

An order without a payment method had its money collected by its channel (a storefront, a marketplace)
or is paid on invoice (EDI terms): shipping a line then records the line's due as collected by the
channel, so refunds and credit memos follow the same rules for every order.

Errors::

    services.ports.payments.PaymentRefused        the provider refused (card declined, expired authorisation)
    domain.money.ledger.RefundExceedsCaptured     a refund beyond what a line captured: nothing is called or posted
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from overture.domain.charging import Why
from overture.domain.money.ledger import Entry, EntryKind, Ledger
from overture.domain.statuses import LineStatus
from overture.services.channel_refunds import owe_refund
from overture.services.errors import InvalidRequest
from overture.services.marketplace.seller_ledger import mirror_refunds
from overture.services.money import ledger_of
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.connector_errors import PermanentConnectorError
from overture.services.ports.money import PaymentRecord
from overture.services.ports.payments import PaymentGateway
from overture.services.retry import in_transaction, read_only

PROVIDER = "stripe"
VOIDED = "canceled"  # Stripe's status of a voided PaymentIntent
CAPTURED_LINES = frozenset({LineStatus.SHIPPED, LineStatus.DELIVERED, LineStatus.RETURNED})


@dataclass(frozen=True, slots=True)
class _Order:
    order_id: str
    channel: str
    payment_method: str | None
    ledger: Ledger
    payment: PaymentRecord | None
    shipped: frozenset[int]


def _read(uow_factory: UnitOfWorkFactory, order_id: str) -> _Order:
    def work(uow: UnitOfWork) -> _Order:
        order = uow.fulfilment.load_order(order_id)
        ledger = ledger_of(uow, order_id)
        assert order is not None
        shipped = frozenset(line.line_no for line in order.lines if line.status in CAPTURED_LINES)
        return _Order(order_id, order.channel, order.payment_method, ledger, uow.money.payment(order_id), shipped)

    return read_only(uow_factory, work)


async def authorise_order(
    uow_factory: UnitOfWorkFactory,
    gateway: PaymentGateway | None,
    order_id: str,
    *,
    clock: Clock,
    replacing: str = "",
) -> PaymentRecord | None:
    """Authorise what the order still owes on its payment method; None when it has none to authorise.
    An order authorised already keeps its authorisation (a replay of the step), unless ``replacing``
    names it: that one is voided first and a new one taken (an authorisation about to lapse)."""
    state = _read(uow_factory, order_id)
    if replacing and state.payment is not None and state.payment.intent_id == replacing:
        await _void(uow_factory, gateway, state, clock, why="authorised again")
        state = _read(uow_factory, order_id)
    if state.payment_method is None or (state.payment is not None and state.payment.status != VOIDED):
        return state.payment
    totals = state.ledger.totals()
    amount = totals.due - totals.settled
    if amount <= 0:
        return None
    intent = await _gateway(gateway).authorise(
        order_id=order_id,
        amount_minor=amount,
        currency=state.ledger.currency,
        payment_method=state.payment_method,
        idempotency_key=f"authorise:{order_id}" + (f":after:{replacing}" if replacing else ""),
    )
    record = PaymentRecord(
        intent.id,
        order_id,
        PROVIDER,
        state.payment_method,
        intent.status,
        intent.amount_capturable or amount,
        state.ledger.currency,
        clock(),
        intent.capture_before,
    )

    def work(uow: UnitOfWork) -> PaymentRecord:
        current = uow.money.payment(order_id)
        if current is None or current.intent_id != intent.id:
            uow.money.add_payment(record)
            entry = Entry(
                order_id,
                None,
                EntryKind.AUTHORISATION,
                record.authorised_minor,
                record.currency,
                "authorised",
                "payments",
                record.created_at,
                intent.id,
            )
            uow.money.post(f"authorise:{intent.id}", order_id, [entry], record.created_at)
        payment = uow.money.payment(order_id)
        assert payment is not None
        return payment

    return in_transaction(uow_factory, work)


async def capture_shipped(
    uow_factory: UnitOfWorkFactory, gateway: PaymentGateway | None, order_id: str, *, clock: Clock
) -> int:
    """Capture, line by line, what each shipped line owes and has not been captured; the minor units
    captured. The last line of the order is a final capture, which releases what the authorisation
    still holds (an edit or a cancel made the order smaller)."""
    state = await _authorised_enough(uow_factory, gateway, _read(uow_factory, order_id), clock)
    balances = state.ledger.lines()
    pending = {n: b.outstanding for n, b in balances.items() if b.outstanding > 0 and n in state.shipped}
    unshipped = {n for n, b in balances.items() if b.outstanding > 0 and n not in state.shipped}
    captured = 0
    for k, (line_no, amount) in enumerate(sorted(pending.items())):
        key = f"capture:{order_id}:{line_no}"
        reference = f"channel:{state.channel}"
        if state.payment is not None:
            final = not unshipped and k == len(pending) - 1
            intent = await _gateway(gateway).capture(
                intent_id=state.payment.intent_id, amount_minor=amount, final=final, idempotency_key=key
            )
            reference = intent.id
        cause = "captured on shipment" if state.payment is not None else "collected by the channel or on invoice"
        entry = Entry(
            order_id, line_no, EntryKind.CAPTURE, amount, state.ledger.currency, cause, "payments", clock(), reference
        )
        _post(uow_factory, key, order_id, [entry])
        captured += amount
    return captured


async def _authorised_enough(
    uow_factory: UnitOfWorkFactory, gateway: PaymentGateway | None, state: _Order, clock: Clock
) -> _Order:
    """An edit that made the order dearer after it was authorised: before the first capture, the
    authorisation is replaced by one for what it owes now (a declined card is then a payment exception)."""
    if state.payment is None or state.ledger.totals().captured:
        return state
    owed = sum(max(b.outstanding, 0) for b in state.ledger.lines().values())
    if owed <= state.ledger.capturable():
        return state
    await authorise_order(uow_factory, gateway, state.order_id, clock=clock, replacing=state.payment.intent_id)
    return _read(uow_factory, state.order_id)


async def refund(
    uow_factory: UnitOfWorkFactory,
    gateway: PaymentGateway | None,
    order_id: str,
    *,
    key: str,
    per_line: Mapping[int, int],
    owed: list[Entry],
    why: Why,
    kind: EntryKind = EntryKind.REFUND,
    reasons: Mapping[int, str] | None = None,
) -> str:
    """Give back ``per_line`` (minor units per line) as a refund (or store credit, ``kind``), posting it
    with ``owed`` (what the lines no longer owe) under ``key`` in one transaction; the refund's id.

    Each line is checked against what it captured first: a refund beyond it raises
    RefundExceedsCaptured before the provider is called or anything is posted. An order whose
    marketplace holds the money (Walmart) is owed the refund there, in the same transaction
    (services/channel_refunds.py), with ``reasons`` per line (ours: a return's reason code)."""
    state = _read(uow_factory, order_id)
    for line_no, amount in per_line.items():
        if amount < 0:
            raise InvalidRequest(f"lines[{line_no}].amount", "a refund cannot be negative")
        state.ledger.check_refund(line_no, amount)
    total = sum(per_line.values())
    reference = f"channel:{state.channel}"
    if kind is EntryKind.STORE_CREDIT:
        reference = f"store-credit:{key}"
    elif state.payment is not None and total > 0:
        done = await _gateway(gateway).refund(
            intent_id=state.payment.intent_id,
            amount_minor=total,
            reason="requested_by_customer",
            idempotency_key=f"refund:{key}",
            metadata={"order_id": order_id, "overture_key": key},
        )
        reference = done.id
    given = [
        Entry(order_id, line_no, kind, amount, state.ledger.currency, why.cause, why.actor, why.at, reference)
        for line_no, amount in sorted(per_line.items())
        if amount
    ]

    def post(uow: UnitOfWork) -> None:
        if uow.money.post(key, order_id, [*owed, *given], why.at):
            mirror_refunds(uow, order_id, why.at)  # a seller's line refunded: its ledger follows, in this transaction
            owe_refund(uow, order_id, key=key, given=given, owed=owed, reasons=reasons or {}, at=why.at)

    in_transaction(uow_factory, post)
    return reference


def _post(uow_factory: UnitOfWorkFactory, key: str, order_id: str, entries: list[Entry]) -> bool:
    return in_transaction(uow_factory, lambda uow: uow.money.post(key, order_id, entries, entries[0].at))


def goodwill_entries(order_id: str, currency: str, per_line: Mapping[int, int], why: Why) -> list[Entry]:
    """A refund with no goods back lowers what each line owes by as much (the books stay balanced)."""
    return [
        Entry(order_id, line_no, EntryKind.ADJUSTMENT, -amount, currency, why.cause, why.actor, why.at)
        for line_no, amount in sorted(per_line.items())
        if amount
    ]


def _gateway(gateway: PaymentGateway | None) -> PaymentGateway:
    if gateway is None:
        raise PermanentConnectorError(
            "the order is paid through our payment provider, and none is configured (OVERTURE_PAYMENTS_URL)",
            connector="payments",
            operation="configure",
        )
    return gateway


async def _void(
    uow_factory: UnitOfWorkFactory, gateway: PaymentGateway | None, state: _Order, clock: Clock, *, why: str
) -> None:
    """Release what an authorisation still holds, and say so in the ledger (once, by its key)."""
    payment = state.payment
    assert payment is not None
    intent = await _gateway(gateway).void(intent_id=payment.intent_id, idempotency_key=f"void:{payment.intent_id}")
    held = state.ledger.totals().authorised - state.ledger.totals().captured
    at = clock()
    entry = Entry(
        state.order_id, None, EntryKind.AUTHORISATION, -held, state.ledger.currency, "voided", "payments", at, intent.id
    )

    def work(uow: UnitOfWork) -> None:
        uow.money.set_payment_status(payment.intent_id, VOIDED, f"voided: {why}")
        uow.money.post(f"void:{payment.intent_id}", state.order_id, [entry] if held else [], at)

    in_transaction(uow_factory, work)


async def void_order(
    uow_factory: UnitOfWorkFactory, gateway: PaymentGateway | None, order_id: str, *, clock: Clock
) -> str:
    """Void a cancelled order's authorisation (once: keyed by it); "" when there is none left to void."""
    state = _read(uow_factory, order_id)
    if state.payment is None or state.payment.status == VOIDED or state.ledger.totals().captured:
        return ""
    await _void(uow_factory, gateway, state, clock, why="the order was cancelled")
    return state.payment.intent_id
