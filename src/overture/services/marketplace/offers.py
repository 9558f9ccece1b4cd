"""Offers: a seller's price, stock, lead time, quantity limits and shipping on a shared product, from
the API (rows of JSON) or a CSV file, each row applied or refused on its own with the field and reason.

A row's ``quantity`` is what the seller can sell now: its location's stock is corrected to it through
the inventory ledger (an adjustment, never a write of the figure), so units reserved by open orders
stay reserved and nothing is oversold across sellers or channels.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from overture.domain.ids import new_id
from overture.domain.inventory import InvalidMovement, Movement, MovementKind, Sku
from overture.domain.marketplace.buybox import Offer
from overture.domain.money import is_currency, to_minor
from overture.services.errors import NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.messages import InboundMessage
from overture.services.retry import in_transaction

COLUMNS = (
    "sku",
    "gtin",
    "title",
    "category",
    "price",
    "currency",
    "shipping_price",
    "quantity",
    "lead_time_days",
    "min_quantity",
    "max_quantity",
    "active",
)
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}")
_GTIN = re.compile(r"[0-9]{8}|[0-9]{12,14}")
_TRUE = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False, "": True}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1 = the first data row
    field: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    message_id: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "refused": len({e.row for e in self.errors}),
            "errors": [{"row": e.row, "field": e.field, "reason": e.reason} for e in self.errors],
            "message_id": self.message_id,
        }


class _Bad(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = name, reason


def _gtin_ok(gtin: str) -> bool:
    """GS1 check digit (GTIN-8/12/13/14)."""
    digits = [int(c) for c in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _money(row: Mapping[str, Any], name: str, currency: str, *, required: bool) -> int:
    text = str(row.get(name) if row.get(name) is not None else "").strip()
    if not text:
        if required:
            raise _Bad(name, "required")
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise _Bad(name, f"{text!r} is not an amount") from error
    if not value.is_finite() or value < 0:
        raise _Bad(name, "must be a non-negative amount")
    if value != value.quantize(Decimal(1).scaleb(-2)) and currency in ("USD", "EUR", "GBP"):
        raise _Bad(name, f"{text} has more decimals than {currency} has")
    return to_minor(value, currency)


def _int(row: Mapping[str, Any], name: str, default: int | None, *, low: int = 0) -> int | None:
    text = str(row.get(name) if row.get(name) is not None else "").strip()
    if not text:
        if default is None and name == "quantity":
            raise _Bad(name, "required")
        return default
    if not re.fullmatch(r"-?[0-9]+", text):
        raise _Bad(name, f"{text!r} is not a whole number")
    value = int(text)
    if value < low:
        raise _Bad(name, f"must be at least {low}")
    return value


def parse_row(row: Mapping[str, Any], seller_id: str, seller_currency: str) -> tuple[Offer, int]:
    """An offer and the quantity to sell, or _Bad naming the field."""
    unknown = sorted(set(row) - set(COLUMNS))
    if unknown:
        raise _Bad(unknown[0], f"not an offer field (fields: {', '.join(COLUMNS)})")
    sku = str(row.get("sku") or "").strip()
    if not _SKU.fullmatch(sku):
        raise _Bad("sku", "required: 1-64 letters, digits, '.', '_', '-' or '/'")
    gtin = str(row.get("gtin") or "").strip()
    if gtin and (not _GTIN.fullmatch(gtin) or not _gtin_ok(gtin)):
        raise _Bad("gtin", f"{gtin!r} is not a GTIN-8/12/13/14 with a valid check digit")
    currency = str(row.get("currency") or seller_currency).strip().upper()
    if not is_currency(currency):
        raise _Bad("currency", f"{currency!r} is not an ISO 4217 currency")
    if currency != seller_currency:  # its account, payouts and statements are in one currency
        raise _Bad("currency", f"offers are in the seller's currency, {seller_currency}")
    price = _money(row, "price", currency, required=True)
    if price == 0:
        raise _Bad("price", "must be more than 0")
    shipping = _money(row, "shipping_price", currency, required=False)
    quantity = _int(row, "quantity", None)
    lead = _int(row, "lead_time_days", 2)
    low = _int(row, "min_quantity", 1, low=1)
    high = _int(row, "max_quantity", 0, low=0) or None
    if high is not None and low is not None and high < low:
        raise _Bad("max_quantity", f"{high} is below min_quantity {low}")
    if lead is not None and lead > 60:
        raise _Bad("lead_time_days", "at most 60 days")
    active_text = str(row.get("active") if row.get("active") is not None else "").strip().lower()
    if active_text not in _TRUE:
        raise _Bad("active", "true or false")
    offer = Offer(
        new_id("of"),
        seller_id,
        sku,
        price,
        currency,
        shipping,
        lead or 0,
        low or 1,
        high,
        _TRUE[active_text],
        gtin,
        str(row.get("title") or "").strip()[:500],
        str(row.get("category") or "").strip()[:500],
    )
    assert quantity is not None
    return offer, quantity


def import_rows(
    uow_factory: UnitOfWorkFactory,
    seller_id: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    actor: str,
    clock: Clock,
    raw: InboundMessage | None = None,
) -> ImportReport:
    """Apply every valid row; report the others by row, field and reason. The raw file is kept first."""

    def work(uow: UnitOfWork) -> ImportReport:
        report = ImportReport()
        if raw is not None:
            report.message_id = uow.messages.add(raw)
        seller = uow.marketplace.seller(seller_id)
        if seller is None:
            raise NotFound(f"no seller {seller_id!r}")
        at = clock()
        for n, row in enumerate(rows, start=1):
            try:
                offer, quantity = parse_row(row, seller_id, seller.currency)
                created = _apply(uow, offer, quantity, seller.location_id, actor, at)
            except _Bad as bad:
                report.errors.append(RowError(n, bad.field, bad.reason))
                continue
            report.created += created
            report.updated += not created
        return report

    return in_transaction(uow_factory, work)


def _apply(uow: UnitOfWork, offer: Offer, quantity: int, location_id: str, actor: str, at: Any) -> bool:
    if not uow.catalog.known_skus({offer.sku}):
        uow.catalog.upsert_skus([Sku(offer.sku, offer.title[:255])], at)  # the shared product, first offered
    stock = uow.inventory.availability({offer.sku}).stock
    now = next((s.available.get(offer.sku, 0) for s in stock if s.location.id == location_id), 0)
    if quantity != now:
        try:
            reason = f"offer stock set to {quantity} by {actor}"
            uow.inventory.adjust(Movement(MovementKind.ADJUSTMENT, offer.sku, location_id, quantity - now, reason), at)
        except InvalidMovement as refused:
            raise _Bad("quantity", str(refused)) from refused
    return uow.marketplace.upsert_offer(offer, at)


def parse_csv(body: bytes) -> list[dict[str, str]]:
    """Rows of an offers CSV (UTF-8, with or without BOM; comma, semicolon or tab separated)."""
    text = body.decode("utf-8-sig")
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    rows = []
    for row in reader:
        rows.append({(k or "").strip().lower(): (v or "") for k, v in row.items() if k is not None})
    return rows
