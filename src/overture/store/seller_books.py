"""The seller ledger, payouts, scorecard counts, cases, incidents and marketplace settings on SQL.
Entries are only inserted; a posting's key goes in first with ON CONFLICT DO NOTHING, so a step retried
after its commit posts nothing twice (as the order money ledger does, store/money.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from overture.domain.marketplace.scorecard import Counts
from overture.domain.marketplace.seller_ledger import SellerEntry, SellerEntryKind
from overture.domain.marketplace.sub_orders import LineState, SubOrderStatus
from overture.services.ports.marketplace import Incident, Payout, SellerCase
from overture.store.tables import (
    marketplace_settings,
    seller_cases,
    seller_entries,
    seller_incidents,
    seller_lines,
    seller_orders,
    seller_payouts,
    seller_postings,
)

E = seller_entries.c
SL = seller_lines.c
SO = seller_orders.c
P = seller_payouts.c
M = marketplace_settings.c
C = seller_cases.c
I = seller_incidents.c  # noqa: E741
_ADD_POSTING = {
    "sqlite": sqlite.insert(seller_postings).on_conflict_do_nothing().returning(seller_postings.c.key),
    "postgresql": postgresql.insert(seller_postings).on_conflict_do_nothing().returning(seller_postings.c.key),
}


class SqlSellerBooks:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # ---- ledger and payouts -------------------------------------------------------
    def post(self, key: str, seller_id: str, entries: Sequence[SellerEntry], at: datetime) -> bool:
        inserted = self._c.execute(_ADD_POSTING[self._c.dialect.name], {"key": key, "seller_id": seller_id, "at": at})
        if inserted.scalar() is None:
            return False
        if entries:
            self._c.execute(insert(seller_entries), [_entry_values(key, e) for e in entries])
        return True

    def posted(self, key: str) -> bool:
        return self._c.scalar(select(seller_postings.c.key).where(seller_postings.c.key == key)) is not None

    def entries(
        self,
        seller_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        order_id: str | None = None,
    ) -> list[SellerEntry]:
        query = select(seller_entries).where(E.seller_id == seller_id)
        if since is not None:
            query = query.where(E.at >= since)
        if until is not None:
            query = query.where(E.at < until)
        if order_id is not None:
            query = query.where(E.order_id == order_id)
        return [_entry(r) for r in self._c.execute(query.order_by(E.at, E.id))]

    def balances(self) -> dict[str, int]:
        query = select(E.seller_id, func.sum(E.amount_minor)).group_by(E.seller_id)
        return {seller: int(total or 0) for seller, total in self._c.execute(query)}

    def add_payout(self, payout: Payout) -> None:
        self._c.execute(
            insert(seller_payouts).values(
                id=payout.id,
                seller_id=payout.seller_id,
                amount_minor=payout.amount_minor,
                currency=payout.currency,
                cutoff=payout.cutoff,
                bank_account_ref=payout.bank_account_ref,
                created_at=payout.created_at,
            )
        )

    def payouts(self, seller_id: str) -> list[Payout]:
        query = select(seller_payouts).where(P.seller_id == seller_id).order_by(P.created_at, P.id)
        return [
            Payout(r.id, r.seller_id, int(r.amount_minor), r.currency, r.cutoff, r.bank_account_ref, r.created_at)
            for r in self._c.execute(query)
        ]

    # ---- scorecards ---------------------------------------------------------------
    def counts(self, seller_id: str, since: datetime, until: datetime | None = None) -> Counts:
        end = until or datetime.max.replace(tzinfo=since.tzinfo)
        line_rows: dict[str, int] = dict(
            self._c.execute(
                select(SL.status, func.count())
                .where(
                    SL.seller_id == seller_id, SL.sub_order_id.is_not(None), SL.created_at >= since, SL.created_at < end
                )
                .group_by(SL.status)
            ).all()
        )
        shipped = SubOrderStatus.SHIPPED.value
        orders = self._c.execute(
            select(
                func.count(),
                func.sum(case((SO.status == shipped, 1), else_=0)),
                func.sum(case((and_(SO.status == shipped, SO.late.is_(True)), 1), else_=0)),
                func.sum(case((and_(SO.status == shipped, SO.tracking_valid.is_(True)), 1), else_=0)),
            ).where(SO.seller_id == seller_id, SO.created_at >= since, SO.created_at < end)
        ).one()
        refused = [LineState.REFUSED.value, LineState.AUTO_REFUSED.value]
        cancelled = self._c.scalar(
            select(func.count(func.distinct(SL.sub_order_id))).where(
                SL.seller_id == seller_id, SL.created_at >= since, SL.status.in_(refused)
            )
        )
        incidents = self._c.scalar(
            select(func.count()).where(I.seller_id == seller_id, I.opened_at >= since, I.opened_at < end)
        )
        refunded_lines = (
            select(E.order_id, E.line_no)
            .where(
                E.seller_id == seller_id, E.at >= since, E.at < end, E.kind == SellerEntryKind.REFUND_ORDER_AMOUNT.value
            )
            .distinct()
            .subquery()
        )
        refunded = self._c.scalar(select(func.count()).select_from(refunded_lines))
        n = {k: int(v) for k, v in line_rows.items()}
        shipped_lines = n.get(LineState.SHIPPED.value, 0)
        accepted = n.get(LineState.ACCEPTED.value, 0) + shipped_lines
        return Counts(
            lines=sum(n.values()),
            accepted=accepted,
            refused=n.get(LineState.REFUSED.value, 0),
            auto_refused=n.get(LineState.AUTO_REFUSED.value, 0),
            sub_orders=int(orders[0] or 0),
            shipped=int(orders[1] or 0),
            late=int(orders[2] or 0),
            with_valid_tracking=int(orders[3] or 0),
            cancelled=int(cancelled or 0),
            incidents=int(incidents or 0),
            refunded_lines=int(refunded or 0),
            shipped_lines=shipped_lines,
        )

    # ---- cases ----------------------------------------------------------------------
    def add_case(self, case_: SellerCase) -> bool:
        open_one = self._c.scalar(
            select(C.id).where(
                C.seller_id == case_.seller_id, C.type == case_.type, C.subject == case_.subject, C.status == "open"
            )
        )
        if open_one is not None:
            return False
        self._c.execute(
            insert(seller_cases).values(
                id=case_.id,
                seller_id=case_.seller_id,
                type=case_.type,
                subject=case_.subject,
                reason=case_.reason,
                details=case_.details,
                status=case_.status,
                created_at=case_.created_at,
            )
        )
        return True

    def case(self, case_id: str) -> SellerCase | None:
        row = self._c.execute(select(seller_cases).where(C.id == case_id)).first()
        return None if row is None else _case(row)

    def cases(
        self, *, seller_id: str | None = None, status: str | None = "open", kind: str | None = None
    ) -> list[SellerCase]:
        query = select(seller_cases)
        if seller_id is not None:
            query = query.where(C.seller_id == seller_id)
        if status is not None:
            query = query.where(C.status == status)
        if kind is not None:
            query = query.where(C.type == kind)
        return [_case(r) for r in self._c.execute(query.order_by(C.created_at, C.id))]

    def resolve_case(self, case_id: str, resolution: str, actor: str, note: str, at: datetime) -> bool:
        done = self._c.execute(
            update(seller_cases)
            .where(C.id == case_id, C.status == "open")
            .values(status="resolved", resolution=resolution, resolved_by=actor, resolution_note=note, resolved_at=at)
        )
        return bool(done.rowcount)

    # ---- incidents ------------------------------------------------------------------
    def add_incident(self, incident: Incident) -> None:
        self._c.execute(insert(seller_incidents).values(**_incident_values(incident)))

    def incident(self, incident_id: str) -> Incident | None:
        row = self._c.execute(select(seller_incidents).where(I.id == incident_id)).first()
        return None if row is None else _incident(row)

    def incidents(self, *, seller_id: str | None = None, status: str | None = None) -> list[Incident]:
        query = select(seller_incidents)
        if seller_id is not None:
            query = query.where(I.seller_id == seller_id)
        if status is not None:
            query = query.where(I.status == status)
        return [_incident(r) for r in self._c.execute(query.order_by(I.opened_at, I.id))]

    def update_incident(self, incident_id: str, *, expect_status: str | None = None, **fields: Any) -> bool:
        query = update(seller_incidents).where(I.id == incident_id)
        if expect_status is not None:  # a respond, an escalation and a decision racing: one wins
            query = query.where(I.status == expect_status)
        return bool(self._c.execute(query.values(**fields)).rowcount)

    # ---- settings -------------------------------------------------------------------
    def setting(self, key: str) -> Any:
        return self._c.scalar(select(M.value).where(M.key == key))

    def save_setting(self, key: str, value: Any, at: datetime) -> None:
        if not self._c.execute(
            update(marketplace_settings).where(M.key == key).values(value=value, updated_at=at)
        ).rowcount:
            self._c.execute(insert(marketplace_settings).values(key=key, value=value, updated_at=at))


def _entry_values(key: str, e: SellerEntry) -> dict[str, Any]:
    return {
        "posting_key": key,
        "seller_id": e.seller_id,
        "kind": e.kind.value,
        "amount_minor": e.amount_minor,
        "currency": e.currency,
        "order_id": e.order_id,
        "sub_order_id": e.sub_order_id,
        "line_no": e.line_no,
        "cause": e.cause[:255],
        "actor": e.actor[:255],
        "reference": e.reference[:255],
        "at": e.at,
    }


def _entry(r: Any) -> SellerEntry:
    return SellerEntry(
        r.seller_id,
        SellerEntryKind(r.kind),
        int(r.amount_minor),
        r.currency,
        r.cause,
        r.actor,
        r.at,
        r.order_id,
        r.sub_order_id,
        r.line_no,
        r.reference,
    )


def _case(r: Any) -> SellerCase:
    return SellerCase(
        r.id,
        r.seller_id,
        r.type,
        r.subject,
        r.reason,
        r.created_at,
        dict(r.details or {}),
        r.status,
        r.resolved_at,
        r.resolved_by,
        r.resolution,
        r.resolution_note,
    )


def _incident_values(x: Incident) -> dict[str, Any]:
    return {
        "id": x.id,
        "order_id": x.order_id,
        "sub_order_id": x.sub_order_id,
        "seller_id": x.seller_id,
        "reason": x.reason,
        "message": x.message,
        "status": x.status,
        "opened_by": x.opened_by,
        "opened_at": x.opened_at,
        "respond_by": x.respond_by,
        "lines": x.lines,
        "responded_at": x.responded_at,
        "seller_response": x.seller_response,
        "outcome": x.outcome,
        "resolved_at": x.resolved_at,
        "resolved_by": x.resolved_by,
        "note": x.note,
    }


def _incident(r: Any) -> Incident:
    return Incident(
        r.id,
        r.order_id,
        r.sub_order_id,
        r.seller_id,
        r.reason,
        r.message,
        r.status,
        r.opened_by,
        r.opened_at,
        r.respond_by,
        list(r.lines or []),
        r.responded_at,
        r.seller_response,
        r.outcome,
        r.resolved_at,
        r.resolved_by,
        r.note,
    )
