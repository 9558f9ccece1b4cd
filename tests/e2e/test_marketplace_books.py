"""A generated marketplace (50 sellers, 300 products here, 2,000 in the bench; orders a third of which span two or more
sellers) through capture, the split (for card orders, after the payment provider's webhook delivered
three times and a second event), answers (accepted, refused, partly refused, refused by the deadline),
shipments, captures, refunds before and after a payout, and two payout runs: every seller's books agree
with our own to the cent, on SQLite and PostgreSQL. The full 5,000 orders run in ``make bench``
(benchmarks/bench_marketplace.py); here 150."""

from __future__ import annotations

from collections import Counter

from overture.bootstrap import Container
from overture.demo.marketplace_data import build
from overture.demo.marketplace_flow import run
from overture.outside import Endpoints, payments_connector
from overture.services.retry import read_only
from tests.workflows.hub import shared_payment_provider


def test_every_sellers_books_agree_to_the_cent(container: Container) -> None:
    gateway = payments_connector(Endpoints("", "", "", "", shared_payment_provider().url))
    assert gateway is not None
    data = build(sellers=50, products=300, orders=150)
    report = run(container, data, gateway=gateway, card_every=10)
    assert report.mismatches == {}
    c = report.counts
    assert c["orders"] == 150 and c["orders spanning 2+ sellers"] >= 150 // 3
    assert c["accepted"] and c["refused"] and c["auto-refused"] and c["re-routed lines"] and c["refunded unsold lines"]
    assert c["refunds (r1)"] and c["refunds (r2)"] and c["payouts"] and c["late shipments"]
    # Card orders: one split however often the provider said the money was held.
    assert len(report.webhook_splits) == 15
    for order_id, split_into in report.webhook_splits.items():
        lines = read_only(container.uow, lambda uow, o=order_id: uow.marketplace.lines_of_order(o))
        first_sellers = Counter(x.seller_id for x in lines if x.attempt == 1)
        assert split_into >= len(first_sellers)
