"""Sellers, offers, commission rules, sub-orders and their lines on SQL (the books are in
store/seller_books.py; ``SqlMarketplaceRepository`` is both)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from overture.domain.inventory import Reservation
from overture.domain.marketplace.buybox import Offer
from overture.domain.marketplace.commission import CommissionRule, CommissionTerms
from overture.domain.marketplace.sellers import Seller, SellerStatus
from overture.domain.marketplace.sub_orders import LineState, SellerLine, SubOrder, SubOrderStatus
from overture.store.orders import insert_reservations
from overture.store.seller_books import SqlSellerBooks
from overture.store.tables import commission_rules, offers, order_lines, seller_lines, seller_orders, sellers

S = sellers.c
O = offers.c  # noqa: E741 (the table's columns, as the other modules name theirs)
L = seller_lines.c
SO = seller_orders.c
CR = commission_rules.c
_ADD_SUB_ORDER = {
    "sqlite": sqlite.insert(seller_orders).on_conflict_do_nothing().returning(SO.id),
    "postgresql": postgresql.insert(seller_orders).on_conflict_do_nothing().returning(SO.id),
}
_SELLER_FIELDS = frozenset(
    {"status", "status_note", "holiday", "profile", "score", "grace_until", "partner_id", "name"}
)


class SqlMarketplaceRepository(SqlSellerBooks):
    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self._c = connection

    # ---- sellers ------------------------------------------------------------------
    def add_seller(self, seller: Seller, at: datetime) -> None:
        self._c.execute(
            insert(sellers).values(
                id=seller.id,
                name=seller.name,
                status=seller.status.value,
                location_id=seller.location_id,
                currency=seller.currency,
                holiday=seller.holiday,
                profile=dict(seller.profile),
                score=str(seller.score),
                grace_until=seller.grace_until,
                partner_id=seller.partner_id,
                created_at=at,
                updated_at=at,
            )
        )

    def seller(self, seller_id: str) -> Seller | None:
        row = self._c.execute(select(sellers).where(S.id == seller_id)).first()
        return None if row is None else _seller(row)

    def sellers(self, seller_ids: Collection[str] | None = None) -> list[Seller]:
        query = select(sellers).order_by(S.id)
        if seller_ids is not None:
            if not seller_ids:
                return []
            query = query.where(S.id.in_(list(seller_ids)))
        return [_seller(r) for r in self._c.execute(query)]

    def update_seller(self, seller_id: str, at: datetime, **fields: Any) -> None:
        unknown = set(fields) - _SELLER_FIELDS
        if unknown:
            raise ValueError(f"not a seller field: {sorted(unknown)}")
        values = {
            k: (v.value if isinstance(v, SellerStatus) else str(v) if k == "score" else v) for k, v in fields.items()
        }
        self._c.execute(update(sellers).where(S.id == seller_id).values(**values, updated_at=at))

    # ---- offers and commissions ---------------------------------------------------
    def upsert_offer(self, offer: Offer, at: datetime) -> bool:
        values = _offer_values(offer, at)
        done = self._c.execute(
            update(offers).where(O.seller_id == offer.seller_id, O.sku == offer.sku).values(**values)
        )
        if done.rowcount:
            return False
        self._c.execute(insert(offers).values(id=offer.id, seller_id=offer.seller_id, sku=offer.sku, **values))
        return True

    def offers_for(self, skus: Collection[str]) -> list[Offer]:
        if not skus:
            return []
        query = select(offers).where(O.sku.in_(sorted(skus))).order_by(O.sku, O.seller_id)
        return [_offer(r) for r in self._c.execute(query)]

    def offers_of(self, seller_id: str) -> list[Offer]:
        return [_offer(r) for r in self._c.execute(select(offers).where(O.seller_id == seller_id).order_by(O.sku))]

    def add_rule(self, rule: CommissionRule, at: datetime) -> None:
        self._c.execute(
            insert(commission_rules).values(
                id=rule.id,
                scope=rule.scope,
                value=rule.value,
                currency=rule.currency,
                terms=rule.terms.as_json(),
                priority=rule.priority,
                active=rule.active,
                created_at=at,
            )
        )

    def rules(self, currency: str | None = None) -> list[CommissionRule]:
        query = select(commission_rules).order_by(CR.id)
        if currency is not None:
            query = query.where(CR.currency == currency)
        return [
            CommissionRule(
                r.id, r.scope, r.value, r.currency, CommissionTerms.from_json(r.terms), int(r.priority), bool(r.active)
            )
            for r in self._c.execute(query)
        ]

    # ---- lines and sub-orders -----------------------------------------------------
    def add_lines(self, lines: Sequence[SellerLine]) -> None:
        if lines:
            self._c.execute(insert(seller_lines), [_line_values(x) for x in lines])

    def drop_placed_lines(self, order_id: str) -> int:
        query = delete(seller_lines).where(L.order_id == order_id, L.status == LineState.PLACED.value)
        return int(self._c.execute(query).rowcount or 0)

    def lines_of_order(self, order_id: str) -> list[SellerLine]:
        query = select(seller_lines).where(L.order_id == order_id).order_by(L.line_no, L.attempt)
        return [_line(r) for r in self._c.execute(query)]

    def lines_of_sub_order(self, sub_order_id: str) -> list[SellerLine]:
        query = select(seller_lines).where(L.sub_order_id == sub_order_id).order_by(L.line_no, L.attempt)
        return [_line(r) for r in self._c.execute(query)]

    def update_line(self, line_id: str, **fields: Any) -> bool:
        expect = fields.pop("expect_status", None)
        values = {k: (v.value if isinstance(v, LineState) else v) for k, v in fields.items()}
        query = update(seller_lines).where(L.id == line_id)
        if expect is not None:
            # Conditional, so a seller's answer and the deadline's auto-refuse racing settle the line once.
            query = query.where(L.status.in_([s.value for s in expect]))
        return bool(self._c.execute(query.values(**values)).rowcount)

    def add_sub_order(self, sub_order: SubOrder) -> bool:
        row = self._c.execute(_ADD_SUB_ORDER[self._c.dialect.name], _sub_order_values(sub_order)).scalar()
        return row is not None

    def sub_order(self, sub_order_id: str) -> SubOrder | None:
        row = self._c.execute(select(seller_orders).where(SO.id == sub_order_id)).first()
        return None if row is None else _sub_order(row)

    def sub_orders_of(self, order_id: str) -> list[SubOrder]:
        query = select(seller_orders).where(SO.order_id == order_id).order_by(SO.created_at, SO.id)
        return [_sub_order(r) for r in self._c.execute(query)]

    def update_sub_order(self, sub_order_id: str, at: datetime, **fields: Any) -> None:
        values = {k: (v.value if isinstance(v, SubOrderStatus) else v) for k, v in fields.items()}
        self._c.execute(update(seller_orders).where(SO.id == sub_order_id).values(**values, updated_at=at))

    def sub_orders_of_seller(self, seller_id: str, *, status: str | None = None, limit: int = 200) -> list[SubOrder]:
        query = select(seller_orders).where(SO.seller_id == seller_id)
        if status is not None:
            query = query.where(SO.status == status)
        query = query.order_by(SO.created_at.desc(), SO.id.desc()).limit(limit)
        return [_sub_order(r) for r in self._c.execute(query)]

    def add_reservations(self, reservations: Sequence[Reservation], at: datetime) -> None:
        insert_reservations(self._c, reservations, at)

    def set_order_line_status(self, order_id: str, line_no: int, status: str) -> None:
        self._c.execute(
            update(order_lines)
            .where(order_lines.c.order_id == order_id, order_lines.c.line_no == line_no)
            .values(status=status)
        )

    def awaiting_acceptance(self, *, limit: int = 200) -> list[SubOrder]:
        query = select(seller_orders).where(SO.status == SubOrderStatus.AWAITING_ACCEPTANCE.value)
        return [_sub_order(r) for r in self._c.execute(query.order_by(SO.accept_by, SO.id).limit(limit))]


def _seller(r: Any) -> Seller:
    return Seller(
        r.id,
        r.name,
        SellerStatus(r.status),
        r.location_id,
        r.currency,
        bool(r.holiday),
        dict(r.profile or {}),
        float(Decimal(r.score)),
        r.grace_until,
        r.partner_id,
        r.created_at,
    )


def _offer_values(o: Offer, at: datetime) -> dict[str, Any]:
    return {
        "gtin": o.gtin,
        "title": o.title,
        "category": o.category,
        "price_minor": o.price_minor,
        "shipping_minor": o.shipping_minor,
        "currency": o.currency,
        "lead_time_days": o.lead_time_days,
        "min_quantity": o.min_quantity,
        "max_quantity": o.max_quantity,
        "active": o.active,
        "updated_at": at,
    }


def _offer(r: Any) -> Offer:
    return Offer(
        r.id,
        r.seller_id,
        r.sku,
        int(r.price_minor),
        r.currency,
        int(r.shipping_minor),
        int(r.lead_time_days),
        int(r.min_quantity),
        None if r.max_quantity is None else int(r.max_quantity),
        bool(r.active),
        r.gtin,
        r.title,
        r.category,
    )


def _line_values(x: SellerLine) -> dict[str, Any]:
    return {
        "id": x.id,
        "order_id": x.order_id,
        "line_no": x.line_no,
        "attempt": x.attempt,
        "seller_id": x.seller_id,
        "offer_id": x.offer_id,
        "location_id": x.location_id,
        "sku": x.sku,
        "quantity": x.quantity,
        "currency": x.currency,
        "commission": x.commission.as_json(),
        "fee_minor": x.fee_minor,
        "fee_tax_minor": x.fee_tax_minor,
        "sub_order_id": x.sub_order_id,
        "status": x.status.value,
        "decided_at": x.decided_at,
        "decided_by": x.decided_by,
        "reason": x.reason,
        "created_at": x.created_at,
    }


def _line(r: Any) -> SellerLine:
    return SellerLine(
        r.id,
        r.order_id,
        int(r.line_no),
        int(r.attempt),
        r.seller_id,
        r.offer_id,
        r.location_id,
        r.sku,
        int(r.quantity),
        r.currency,
        CommissionTerms.from_json(r.commission),
        int(r.fee_minor),
        int(r.fee_tax_minor),
        LineState(r.status),
        r.sub_order_id,
        r.decided_at,
        r.decided_by,
        r.reason,
        r.created_at,
    )


def _sub_order_values(s: SubOrder) -> dict[str, Any]:
    return {
        "id": s.id,
        "order_id": s.order_id,
        "seller_id": s.seller_id,
        "location_id": s.location_id,
        "status": s.status.value,
        "alert_at": s.alert_at,
        "accept_by": s.accept_by,
        "alerted_at": s.alerted_at,
        "ship_by": s.ship_by,
        "shipped_at": s.shipped_at,
        "late": s.late,
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "tracking_valid": s.tracking_valid,
        "rerouted_from": s.rerouted_from,
        "created_at": s.created_at,
        "updated_at": s.created_at,
    }


def _sub_order(r: Any) -> SubOrder:
    return SubOrder(
        r.id,
        r.order_id,
        r.seller_id,
        r.location_id,
        SubOrderStatus(r.status),
        r.alert_at,
        r.accept_by,
        r.created_at,
        r.alerted_at,
        r.ship_by,
        r.shipped_at,
        bool(r.late),
        r.carrier,
        r.tracking_number,
        r.tracking_valid,
        r.rerouted_from,
    )
