"""The seller pages' reads beyond the marketplace port: balances per currency, a seller's entries
newest first with the balance after each, and the sub-orders waiting for their sellers' answer.

Lists page by key, never OFFSET: entries by (at, id) backwards on the (seller_id, at) index, the
sub-orders awaiting acceptance by (accept_by, id) forwards on the (status, accept_by) index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from overture.domain.digits import is_digits
from overture.domain.marketplace.sub_orders import LineState, SubOrderStatus
from overture.services.ports.exchanges import PageKey
from overture.store.dashboard.base import DashboardReads, rows
from overture.store.tables import seller_entries, seller_lines, seller_orders, sellers

E, SO, SL, S = seller_entries.c, seller_orders.c, seller_lines.c, sellers.c
ENTRIES_PAGE = 50
ACCEPTANCES_PAGE = 100
_ENTRY = (E.id, E.at, E.kind, E.amount_minor, E.currency, E.order_id, E.sub_order_id, E.line_no, E.cause)
_ENTRY_MORE = (E.reference, E.actor)


def _entry_id(key: PageKey) -> int | None:
    return int(key.id) if is_digits(key.id) else None


class SellerReads(DashboardReads):
    def balances_by_currency(self, *, seller_id: str | None = None) -> dict[str, dict[str, int]]:
        """Each seller's balance (or one's) in every currency it has entries in: {seller: {currency: minor}}."""
        query = select(E.seller_id, E.currency, func.sum(E.amount_minor)).group_by(E.seller_id, E.currency)
        query = query if seller_id is None else query.where(E.seller_id == seller_id)
        found: dict[str, dict[str, int]] = {}
        with self._read() as uow:
            for seller_id, currency, total in uow.connection.execute(query):
                found.setdefault(seller_id, {})[currency] = int(total or 0)
        return found

    def entries_page(self, seller_id: str, *, before: PageKey | None) -> tuple[list[dict[str, Any]], PageKey | None]:
        """A page of the seller's entries, newest first, each with ``balance_after`` (in its currency),
        and the key of the next (older) page when there is one."""
        key_id = None if before is None else _entry_id(before)
        older = None if before is None or key_id is None else _older_than(before, key_id)
        query = select(*_ENTRY, *_ENTRY_MORE).where(E.seller_id == seller_id)
        query = query if older is None else query.where(older)
        query = query.order_by(E.at.desc(), E.id.desc()).limit(ENTRIES_PAGE + 1)
        with self._read() as uow:
            c = uow.connection
            found = rows(c.execute(query))
            # The balance after the page's newest entry: everything up to it, i.e. all minus what is newer.
            balance = self._sums(c, E.seller_id == seller_id)
            newer = self._sums(c, E.seller_id == seller_id, ~older) if older is not None else {}
        running = {cur: total - newer.get(cur, 0) for cur, total in balance.items()}
        for entry in found:
            entry["balance_after"] = running.get(entry["currency"], 0)
            running[entry["currency"]] = entry["balance_after"] - entry["amount_minor"]
        if len(found) <= ENTRIES_PAGE:
            return found, None
        last = found[ENTRIES_PAGE - 1]
        return found[:ENTRIES_PAGE], PageKey(last["at"], str(last["id"]))

    @staticmethod
    def _sums(c: Any, *where: ColumnElement[bool]) -> dict[str, int]:
        query = select(E.currency, func.sum(E.amount_minor)).where(*where).group_by(E.currency)
        return {currency: int(total or 0) for currency, total in c.execute(query)}

    def acceptances_page(self, *, after: PageKey | None) -> tuple[list[dict[str, Any]], PageKey | None]:
        """A page of the sub-orders waiting for their seller, the nearest deadline first, each with its
        seller's name and the lines it is asked to accept."""
        query = (
            select(SO.id, SO.order_id, SO.seller_id, S.name.label("seller_name"), SO.created_at)
            .add_columns(SO.alert_at, SO.alerted_at, SO.accept_by)
            .join(sellers, S.id == SO.seller_id)
            .where(SO.status == SubOrderStatus.AWAITING_ACCEPTANCE.value)
        )
        if after is not None:
            later = or_(SO.accept_by > after.at, and_(SO.accept_by == after.at, SO.id > after.id))
            query = query.where(later)
        query = query.order_by(SO.accept_by, SO.id).limit(ACCEPTANCES_PAGE + 1)
        with self._read() as uow:
            c = uow.connection
            found = rows(c.execute(query))
            ids = [s["id"] for s in found[:ACCEPTANCES_PAGE]]
            lines = self._pending_lines(c, ids)
        for sub in found:
            sub["lines"] = lines.get(sub["id"], [])
        if len(found) <= ACCEPTANCES_PAGE:
            return found, None
        last = found[ACCEPTANCES_PAGE - 1]
        return found[:ACCEPTANCES_PAGE], PageKey(last["accept_by"], last["id"])

    @staticmethod
    def _pending_lines(c: Any, sub_order_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        if sub_order_ids:
            query = (
                select(SL.sub_order_id, SL.line_no, SL.sku, SL.quantity)
                .where(SL.sub_order_id.in_(sub_order_ids), SL.status == LineState.PENDING.value)
                .order_by(SL.sub_order_id, SL.line_no)
            )
            for line in rows(c.execute(query)):
                found.setdefault(line["sub_order_id"], []).append(line)
        return found


def _older_than(key: PageKey, key_id: int) -> ColumnElement[bool]:
    return or_(E.at < key.at, and_(E.at == key.at, E.id < key_id))
