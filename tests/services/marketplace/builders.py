"""Sellers, offers and marketplace orders built through the services, for the marketplace tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from overture.bootstrap import Container
from overture.channels import rest
from overture.domain.marketplace.sellers import SellerStatus
from overture.services.capture import capture_order
from overture.services.marketplace import offers, sellers
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from tests.factories import order_payload


def approved_seller(container: Container, seller_id: str, *, name: str | None = None) -> None:
    sellers.register(container.uow, seller_id, name or f"Seller {seller_id}", actor="test", clock=container.clock)
    for status in (SellerStatus.ONBOARDING, SellerStatus.READY_FOR_REVIEW, SellerStatus.APPROVED):
        sellers.set_status(container.uow, seller_id, status, actor="test", note="test seller", clock=container.clock)


def offer(
    container: Container, seller_id: str, sku: str, price: str, quantity: int, **more: Any
) -> offers.ImportReport:
    row = {"sku": sku, "price": price, "quantity": str(quantity), **{k: str(v) for k, v in more.items()}}
    report = offers.import_rows(container.uow, seller_id, [row], actor="test", clock=container.clock)
    assert not report.errors, report.errors
    return report


def capture(container: Container, *lines: tuple[str, int, str], **overrides: Any) -> str:
    """An order of (sku, quantity, unit price) lines through the capture service; its id."""
    payload = order_payload(*[(sku, qty) for sku, qty, _ in lines], **overrides)
    for line, (_, _, price) in zip(payload["lines"], lines, strict=True):
        line["unit_price"] = price
    body = orjson.dumps(payload)
    result = capture_order(
        InboundMessage("rest", body, container.clock()),
        rest.translate,
        idempotency_key=None,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
    )
    return result.order.id


def commission_rule(container: Container, rule: Any) -> None:
    in_transaction(container.uow, lambda uow: uow.marketplace.add_rule(rule, container.clock()))


class Clock:
    """A clock a test moves on (the services take it per call)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def kinds(entries: Sequence[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e.kind.value] = out.get(e.kind.value, 0) + e.amount_minor
    return out
