"""A seller's statement for a period: the balance it opened with, every entry of the period, the balance
it closed with, the totals per kind and the payouts made in it.

A period is half-open, ``[start, end)``: an entry stamped exactly at ``end`` belongs to the next period,
so consecutive statements (this month's ``end`` is next month's ``start``) hold every entry once and
each one's closing balance is the next one's opening balance, to the minor unit.

A statement is in one currency, the seller's unless asked for another: entries are never added across
currencies (an offer may be priced in another one), and the currencies left out are named on the
statement so nobody takes it for the whole account. Writing it as CSV or PDF is a format's job
(``channels/seller_statements.py``); this module only decides what is on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from overture.domain.marketplace.seller_ledger import SellerEntry, SellerEntryKind
from overture.domain.money import is_currency
from overture.services.errors import ErrorCode, InvalidRequest, NotFound
from overture.services.ports import UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import Payout
from overture.services.retry import read_only


@dataclass(frozen=True, slots=True)
class Statement:
    seller_id: str
    seller_name: str
    currency: str
    start: datetime  # included
    end: datetime  # excluded: an entry at ``end`` is the next period's
    opening_minor: int  # every entry before ``start``
    entries: tuple[SellerEntry, ...]  # in [start, end), oldest first
    payouts: tuple[Payout, ...]  # made in [start, end)
    other_currencies: tuple[str, ...] = ()  # the seller has entries in these too, on their own statements

    @property
    def movement_minor(self) -> int:
        return sum(e.amount_minor for e in self.entries)

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.movement_minor

    def totals(self) -> dict[SellerEntryKind, int]:
        """The period's sum per kind, in the ledger's order of kinds, only the kinds that occur."""
        sums: dict[SellerEntryKind, int] = {}
        for entry in self.entries:
            sums[entry.kind] = sums.get(entry.kind, 0) + entry.amount_minor
        return {kind: sums[kind] for kind in SellerEntryKind if kind in sums}

    def running(self) -> list[tuple[SellerEntry, int]]:
        """Each entry with the balance just after it."""
        balance, out = self.opening_minor, []
        for entry in self.entries:
            balance += entry.amount_minor
            out.append((entry, balance))
        return out


def statement(
    uow_factory: UnitOfWorkFactory, seller_id: str, start: datetime, end: datetime, *, currency: str | None = None
) -> Statement:
    """The seller's statement for ``[start, end)`` (timezone-aware), in ``currency`` (the seller's by
    default). NotFound for an unknown seller; InvalidRequest naming ``start``, ``end`` or ``currency``."""
    _check_period(start, end)
    if currency is not None and not is_currency(currency):
        raise InvalidRequest("currency", f"{currency!r} is not an ISO 4217 currency", ErrorCode.UNKNOWN_CURRENCY)
    return read_only(uow_factory, lambda uow: _statement(uow, seller_id, start, end, currency))


def _check_period(start: datetime, end: datetime) -> None:
    for name, at in (("start", start), ("end", end)):
        if at.tzinfo is None or at.utcoffset() is None:
            raise InvalidRequest(name, "must carry a timezone", ErrorCode.INVALID_VALUE)
    if end <= start:
        raise InvalidRequest("end", "must come after start", ErrorCode.OUT_OF_RANGE)


def _statement(uow: UnitOfWork, seller_id: str, start: datetime, end: datetime, currency: str | None) -> Statement:
    seller = uow.marketplace.seller(seller_id)
    if seller is None:
        raise NotFound(f"no seller {seller_id!r}")
    wanted = currency or seller.currency
    before = uow.marketplace.entries(seller_id, until=start)
    during = uow.marketplace.entries(seller_id, since=start, until=end)
    payouts = [p for p in uow.marketplace.payouts(seller_id) if start <= p.created_at < end and p.currency == wanted]
    others = sorted({e.currency for e in (*before, *during)} - {wanted})
    return Statement(
        seller.id,
        seller.name,
        wanted,
        start,
        end,
        sum(e.amount_minor for e in before if e.currency == wanted),
        tuple(e for e in during if e.currency == wanted),
        tuple(payouts),
        tuple(others),
    )
