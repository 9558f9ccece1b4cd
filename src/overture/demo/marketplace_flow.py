"""A generated marketplace run through the use cases: capture -> buy box -> split (payment webhooks
delivered three times for some orders) -> accept, refuse or let the deadline refuse -> ship (some late)
-> capture -> refunds -> payout -> refunds after the payout -> the next payout.

Beside the hub's books it keeps its own, from the generated prices and the commission rules as they
stood when each line was sold; ``MarketplaceRun.mismatches`` lists every seller whose ledger differs
from them by a single cent. ``benchmarks/bench_marketplace.py`` runs it at full size on both stores,
``tests/e2e/test_marketplace_books.py`` at a smaller one."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from overture.bootstrap import Container
from overture.channels import rest
from overture.channels.stripe_events import parse_event
from overture.demo.marketplace_data import MarketplaceData, PlannedOrder, Product
from overture.domain.charging import Why
from overture.domain.marketplace.commission import ClawbackPolicy, CommissionRule, terms_for
from overture.domain.marketplace.seller_ledger import SellerEntry
from overture.domain.marketplace.sellers import SellerStatus
from overture.domain.marketplace.sub_orders import LineState, SellerLine, SubOrder, SubOrderStatus
from overture.domain.money.ledger import Ledger
from overture.domain.orders import Order
from overture.services import payment_events, payments
from overture.services.capture import capture_order
from overture.services.marketplace import offers, seller_ledger, seller_orders, sellers, shipping, split
from overture.services.ports import InboundMessage, UnitOfWork
from overture.services.ports.money import PaymentRecord
from overture.services.ports.payments import PaymentGateway
from overture.services.retry import in_transaction, read_only

ACTOR = "marketplace-run"


class _Clock:
    """The run's clock: real time plus however far the run has moved it on (deadlines, holds)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        from datetime import UTC

        return datetime.now(UTC) + self.ahead


@dataclass
class MarketplaceRun:
    counts: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)  # our own books: what each seller has earned
    actual: dict[str, int] = field(default_factory=dict)  # the hub's: its ledger's balance plus payouts
    webhook_splits: dict[str, int] = field(default_factory=dict)  # order -> sub-orders after 3 deliveries

    @property
    def mismatches(self) -> dict[str, tuple[int, int]]:
        names = set(self.expected) | set(self.actual)
        return {
            s: (self.expected.get(s, 0), self.actual.get(s, 0))
            for s in sorted(names)
            if self.expected.get(s, 0) != self.actual.get(s, 0)
        }


def run(
    container: Container, data: MarketplaceData, *, gateway: PaymentGateway, seed: int = 18, card_every: int = 20
) -> MarketplaceRun:
    """Every ``card_every``-th order is paid by card through ``gateway`` (the others by their channel): it is
    authorised there and its provider's webhook delivered three times (and a second event) before the split."""
    report, rng, clock = MarketplaceRun(), random.Random(seed), _Clock()
    runner = asyncio.Runner()  # one loop for the run: the provider's client belongs to the loop it first ran on
    phases: list[tuple[str, Callable[[], None]]] = [
        ("setup", lambda: _setup(container, data, clock)),
        ("capture", lambda: _capture_all(container, data, clock, report, card_every)),
        ("split", lambda: runner.run(_split_each(container, report, clock, gateway))),
        ("answer and ship", lambda: _answer_all(container, report, clock, rng)),
        ("money", lambda: runner.run(_money(container, report, clock, rng, gateway))),
    ]
    for name, phase in phases:
        started = time.perf_counter()
        phase()
        report.seconds[name] = time.perf_counter() - started
    runner.close()
    _books(container, data, report)
    return report


def _setup(container: Container, data: MarketplaceData, clock: _Clock) -> None:
    for seller_id in data.sellers:
        sellers.register(container.uow, seller_id, f"Seller {seller_id}", actor=ACTOR, clock=clock)

        def approve(uow: UnitOfWork, seller_id: str = seller_id) -> None:
            for status in (SellerStatus.ONBOARDING, SellerStatus.READY_FOR_REVIEW, SellerStatus.APPROVED):
                sellers.move(uow, seller_id, status, actor=ACTOR, note="generated seller", at=clock())

        in_transaction(container.uow, approve)
    rows: dict[str, list[dict[str, str]]] = {}
    for p in data.products:
        for n, (seller_id, price) in enumerate(p.offers):
            rows.setdefault(seller_id, []).append(_row(p, price, lead=2 + n))
    for seller_id, seller_rows in rows.items():
        report = offers.import_rows(container.uow, seller_id, seller_rows, actor=ACTOR, clock=clock)
        assert not report.errors, report.errors[:3]
    for rule in data.rules:
        _add_rule(container, rule, clock)


def _row(p: Product, price: int, *, lead: int) -> dict[str, str]:
    return {
        "sku": p.sku,
        "title": f"Product {p.sku}",
        "category": p.category,
        "price": str(Decimal(price) / 100),
        "quantity": "100000",
        "lead_time_days": str(lead),
    }


def _capture_all(
    container: Container, data: MarketplaceData, clock: _Clock, report: MarketplaceRun, card_every: int
) -> None:
    half = len(data.orders) // 2
    for n, planned in enumerate(data.orders):
        if n == half:  # a rule changed mid-run: what was sold before keeps its terms
            for rule in data.later_rules:
                _add_rule(container, rule, clock)
            report.counts["rules_changed_after"] = n
        body = json.dumps(_payload(planned, n, card=n % card_every == 0)).encode()
        result = capture_order(
            InboundMessage("rest", body, clock()),
            rest.translate,
            idempotency_key=None,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=clock,
        )
        report.counts["orders"] += 1
        report.counts["orders spanning 2+ sellers"] += planned.spans_sellers
        report.counts[f"status {result.order.status}"] += 1


def _payload(planned: PlannedOrder, n: int, *, card: bool) -> dict[str, object]:
    body: dict[str, object] = {
        "channel": "marketplace",
        "external_id": f"MKT-{n:06d}",
        "customer": {"reference": f"C-{n % 997}", "name": "Generated Buyer", "email": f"buyer{n % 997}@example.com"},
        "ship_to": {
            "name": "Generated Buyer",
            "line1": "1 Main St",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
        },
        "currency": "USD",
        "lines": [
            {"sku": x.sku, "quantity": x.quantity, "unit_price": str(Decimal(x.price_minor) / 100)}
            for x in planned.lines
        ],
    }
    if card:
        body["payment_method"] = "pm_card_visa"
    return body


def _order_ids(container: Container) -> list[str]:
    from sqlalchemy import select

    from overture.store.tables import orders

    with container.engine.connect() as c:
        return list(c.scalars(select(orders.c.id).where(orders.c.channel == "marketplace").order_by(orders.c.id)))


async def _split_each(container: Container, report: MarketplaceRun, clock: _Clock, gateway: PaymentGateway) -> None:
    for order_id in _order_ids(container):
        paid = await payments.authorise_order(container.uow, gateway, order_id, clock=clock)
        if paid is not None:
            report.webhook_splits[order_id] = _split_by_webhooks(container, paid, clock)
        ids = split.split_order(container.uow, order_id, clock=clock)
        report.counts["sub-orders"] += len(ids)


def _split_by_webhooks(container: Container, paid: PaymentRecord, clock: _Clock) -> int:
    """The provider says three times that the order's money is held (the same event), then once more (a
    second event): the order is split once. The number of its sub-orders, after."""
    for event_id in (f"evt_{paid.intent_id}",) * 3 + (f"evt2_{paid.intent_id}",):
        intent = {
            "id": paid.intent_id,
            "object": "payment_intent",
            "amount": paid.authorised_minor,
            "currency": "usd",
            "status": "requires_capture",
            "amount_capturable": paid.authorised_minor,
            "amount_received": 0,
            "metadata": {"order_id": paid.order_id},
        }
        event = {
            "id": event_id,
            "object": "event",
            "type": "payment_intent.amount_capturable_updated",
            "created": int(time.time()),
            "api_version": "2025-02-24.acacia",
            "data": {"object": intent},
        }
        message = InboundMessage("stripe", json.dumps(event).encode(), clock())
        payment_events.record_event(container.uow, message, parse_event, clock=clock)
    return len(_subs(container, paid.order_id))


def _awaiting(container: Container) -> list[str]:
    return [s.id for s in read_only(container.uow, lambda uow: uow.marketplace.awaiting_acceptance(limit=1_000_000))]


def _answer_all(container: Container, report: MarketplaceRun, clock: _Clock, rng: random.Random) -> None:
    """Rounds in which time only moves forward, as it does for the workflows' timers: sellers answer and
    ship at once, except the slow ones; then three days pass: the slow ones ship (late) and the silent
    ones are refused by their deadline. Lines re-routed meanwhile are answered in the next round."""
    while pending := _awaiting(container):
        silent = [s for s in pending if not _answer(container, s, report, clock, rng.random())]
        slow = [s for s in pending if s not in silent and rng.random() < 0.08]
        _ship(container, [s for s in pending if s not in silent and s not in slow], report, clock)
        clock.ahead += timedelta(hours=73)
        _ship(container, slow, report, clock)
        for sub_order_id in silent:
            _count(report, seller_orders.auto_refuse(container.uow, sub_order_id, clock=clock))
            report.counts["auto-refused"] += 1


def _ship(container: Container, sub_order_ids: list[str], report: MarketplaceRun, clock: _Clock) -> None:
    for sub_order_id in sub_order_ids:
        sub = _sub(container, sub_order_id)
        if sub is None or sub.status is not SubOrderStatus.ACCEPTED:
            continue  # every line refused
        done = shipping.ship(
            container.uow,
            sub.id,
            seller_id=sub.seller_id,
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
            actor=sub.seller_id,
            clock=clock,
        )
        report.counts["shipped sub-orders"] += 1
        report.counts["late shipments"] += done.late


def _answer(container: Container, sub_order_id: str, report: MarketplaceRun, clock: _Clock, roll: float) -> bool:
    """The seller's answer; False if it says nothing."""
    sub = read_only(container.uow, lambda uow: uow.marketplace.sub_order(sub_order_id))
    assert sub is not None
    lines = read_only(container.uow, lambda uow: uow.marketplace.lines_of_sub_order(sub_order_id))
    if roll >= 0.95:
        return False
    if roll < 0.86:
        seller_orders.accept(container.uow, sub.id, seller_id=sub.seller_id, actor=sub.seller_id, clock=clock)
        report.counts["accepted"] += 1
        return True
    some = [lines[0].line_no] if len(lines) > 1 and roll < 0.90 else None  # a partial refusal
    answer = seller_orders.refuse(
        container.uow,
        sub.id,
        seller_id=sub.seller_id,
        actor=sub.seller_id,
        reason="out of stock",
        clock=clock,
        line_nos=some,
    )
    if some:
        seller_orders.accept(container.uow, sub.id, seller_id=sub.seller_id, actor=sub.seller_id, clock=clock)
    report.counts["refused"] += 1
    _count(report, answer)
    return True


def _count(report: MarketplaceRun, answer: seller_orders.Answer) -> None:
    report.counts["re-routed lines"] += len(answer.rerouted_to)
    report.counts["refunded unsold lines"] += len(answer.refunded)


async def _money(
    container: Container, report: MarketplaceRun, clock: _Clock, rng: random.Random, gateway: PaymentGateway
) -> None:
    order_ids = _order_ids(container)

    await _capture_and_refund(container, gateway, order_ids, clock, rng, report, share=0.08, key="r1")
    clock.ahead += timedelta(days=8)  # past the payouts' hold
    report.counts["payouts"] += len(seller_ledger.run_payouts(container.uow, clock=clock))
    await _capture_and_refund(container, gateway, order_ids, clock, rng, report, share=0.02, key="r2")
    clock.ahead += timedelta(days=8)
    report.counts["payouts"] += len(seller_ledger.run_payouts(container.uow, clock=clock))


async def _capture_and_refund(
    container: Container,
    gateway: PaymentGateway,
    order_ids: list[str],
    clock: _Clock,
    rng: random.Random,
    report: MarketplaceRun,
    *,
    share: float,
    key: str,
) -> None:
    for order_id in order_ids:
        await payments.capture_shipped(container.uow, gateway, order_id, clock=clock)
        ledger = _ledger(container, order_id)
        assert ledger is not None
        for line_no, balance in sorted(ledger.lines().items()):
            if balance.refundable <= 0 or rng.random() >= share:
                continue
            amount = balance.refundable if rng.random() < 0.4 else rng.randint(1, balance.refundable)
            why = Why(f"generated refund {key}", ACTOR, clock())
            owed = payments.goodwill_entries(order_id, "USD", {line_no: amount}, why)
            await payments.refund(
                container.uow,
                gateway,
                order_id,
                key=f"{key}:{order_id}:{line_no}",
                per_line={line_no: amount},
                owed=owed,
                why=why,
            )
            report.counts[f"refunds ({key})"] += 1


def _books(container: Container, data: MarketplaceData, report: MarketplaceRun) -> None:
    """Our own books beside the hub's: for every line a seller shipped, its goods, less the commission of
    the rule that stood when it was sold, less what was refunded, plus the commission given back."""
    category = {p.sku: p.category for p in data.products}
    half_rules = list(data.rules)
    all_rules = half_rules + list(data.later_rules)
    changed_at = _rules_changed_at(container)
    clawback = ClawbackPolicy()
    expected: Counter[str] = Counter()
    for order_id in _order_ids(container):
        ledger = _ledger(container, order_id)
        order_lines = _order(container, order_id)
        assert ledger is not None and order_lines is not None
        prices = {x.line_no: x.unit_price.amount for x in order_lines.lines}
        for line in _lines(container, order_id):
            if line.status is not LineState.SHIPPED:
                continue
            rules = (
                all_rules
                if changed_at is not None and line.created_at is not None and line.created_at >= changed_at
                else half_rules
            )
            terms = terms_for(
                rules, seller_id=line.seller_id, category=category[line.sku], channel="marketplace", currency="USD"
            )
            goods = int((prices[line.line_no] * line.quantity * 100).to_integral_value(ROUND_HALF_UP))
            fee = terms.fee(goods, 0)
            fee_tax = _half_up(Decimal(fee) * terms.fee_tax_percent / 100)
            refunded = ledger.line(line.line_no).refunded
            fee_back = clawback.returned(_half_up(Decimal(fee) * refunded / goods)) if goods else 0
            tax_back = _half_up(Decimal(fee_tax) * fee_back / fee) if fee else 0
            expected[line.seller_id] += goods - fee - fee_tax - refunded + fee_back + tax_back
            report.counts["shipped lines"] += 1
    report.expected = dict(expected)
    for seller_id in data.sellers:
        entries = _entries(container, seller_id)
        paid = sum(-e.amount_minor for e in entries if e.kind.value == "PAYOUT")
        report.actual[seller_id] = sum(e.amount_minor for e in entries) + paid
        report.counts["paid out (minor units)"] += paid
    report.expected = {s: report.expected.get(s, 0) for s in data.sellers}


def _rules_changed_at(container: Container) -> datetime | None:
    from sqlalchemy import select

    from overture.store.tables import commission_rules

    with container.engine.connect() as c:
        return c.scalar(select(commission_rules.c.created_at).where(commission_rules.c.id == "cr-s003"))


def _add_rule(container: Container, rule: CommissionRule, clock: _Clock) -> None:
    in_transaction(container.uow, lambda uow: uow.marketplace.add_rule(rule, clock()))


def _ledger(container: Container, order_id: str) -> Ledger | None:
    return read_only(container.uow, lambda uow: uow.money.ledger(order_id))


def _order(container: Container, order_id: str) -> Order | None:
    return read_only(container.uow, lambda uow: uow.fulfilment.load_order(order_id))


def _lines(container: Container, order_id: str) -> list[SellerLine]:
    return read_only(container.uow, lambda uow: uow.marketplace.lines_of_order(order_id))


def _sub(container: Container, sub_order_id: str) -> SubOrder | None:
    return read_only(container.uow, lambda uow: uow.marketplace.sub_order(sub_order_id))


def _subs(container: Container, order_id: str) -> list[SubOrder]:
    return read_only(container.uow, lambda uow: uow.marketplace.sub_orders_of(order_id))


def _entries(container: Container, seller_id: str) -> list[SellerEntry]:
    return read_only(container.uow, lambda uow: uow.marketplace.entries(seller_id))


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
