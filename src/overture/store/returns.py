"""Returns and their lines on SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from overture.domain.exceptions import ExceptionStatus
from overture.domain.returns import (
    ExchangePolicy,
    Outcome,
    Return,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    Settlement,
)
from overture.services.ports.returns import ReturnRow
from overture.store.tables import order_exceptions, order_references, return_lines, returns, shipments

R = returns.c
L = return_lines.c


class SqlReturnRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, ret: Return) -> None:
        self._c.execute(
            insert(returns).values(
                **_header(ret),
                id=ret.id,
                order_id=ret.order_id,
                channel=ret.channel,
                external_id=ret.external_id,
                actor=ret.actor,
                raw_message_id=ret.raw_message_id,
                requested_at=ret.requested_at,
                settlement=ret.settlement.value,
                exchange_policy=ret.exchange_policy.value,
                updated_at=ret.requested_at,
            )
        )
        self._c.execute(insert(return_lines), [_line(ret.id, line) for line in ret.lines])

    def get(self, return_id: str, *, for_update: bool = False) -> Return | None:
        query = select(returns).where(R.id == return_id)
        if for_update and self._c.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._c.execute(query).first()
        if row is None:
            return None
        lines = self._c.execute(select(return_lines).where(L.return_id == return_id).order_by(L.line_no))
        return _return(row, [_line_from(r) for r in lines])

    def find(self, channel: str, external_id: str) -> str | None:
        return self._c.scalar(select(R.id).where(R.channel == channel, R.external_id == external_id))

    def save(self, ret: Return, at: datetime) -> None:
        self._c.execute(update(returns).where(R.id == ret.id).values(**_header(ret), updated_at=at))
        for line in ret.lines:
            self._c.execute(
                update(return_lines)
                .where(L.return_id == ret.id, L.line_no == line.line_no)
                .values(inspection=[o.value for o in line.inspection], refurbished=line.refurbished)
            )

    def for_order(self, order_id: str) -> list[Return]:
        ids = self._c.scalars(select(R.id).where(R.order_id == order_id).order_by(R.requested_at, R.id))
        found = [self.get(return_id) for return_id in list(ids)]
        return [r for r in found if r is not None]

    def units_asked(self, order_id: str) -> dict[int, int]:
        query = (
            select(L.line_no, func.sum(L.quantity))
            .join(returns, R.id == L.return_id)
            .where(R.order_id == order_id, R.status != ReturnStatus.REJECTED.value)
            .group_by(L.line_no)
        )
        return {int(line_no): int(units) for line_no, units in self._c.execute(query)}

    def review_exceptions(self, order_id: str, return_id: str) -> list[str]:
        e = order_exceptions.c
        query = select(e.id, e.details).where(
            e.order_id == order_id, e.type == "return_review", e.status == ExceptionStatus.OPEN.value
        )
        return [row.id for row in self._c.execute(query) if row.details.get("return_id") == return_id]

    def order_by_reference(self, value: str) -> str | None:
        query = select(order_references.c.order_id).where(order_references.c.value == value)
        return self._c.scalar(query.order_by(order_references.c.created_at.desc()).limit(1))

    def last_shipped_at(self, order_id: str) -> datetime | None:
        value: datetime | None = self._c.scalar(
            select(func.max(shipments.c.shipped_at)).where(shipments.c.order_id == order_id)
        )
        return value

    def listing(self, *, status: str | None, limit: int, before: str | None) -> Sequence[ReturnRow]:
        query = select(returns).order_by(R.id.desc()).limit(limit)
        if status:
            query = query.where(R.status == status)
        if before:
            query = query.where(R.id < before)
        rows = list(self._c.execute(query))
        lines: dict[str, list[Any]] = defaultdict(list)
        if rows:
            for line in self._c.execute(select(return_lines).where(L.return_id.in_([r.id for r in rows]))):
                lines[line.return_id].append(line)
        return [
            ReturnRow(
                r.id,
                r.order_id,
                r.channel,
                r.status,
                r.settlement,
                sum(int(line.quantity) for line in lines[r.id]),
                tuple(sorted({line.reason for line in lines[r.id]})),
                r.requested_at,
                r.settled_at,
            )
            for r in rows
        ]


def _header(ret: Return) -> dict[str, Any]:
    return {
        "status": ret.status.value,
        "note": ret.note,
        "label": ret.label,
        "exchange_order_id": ret.exchange_order_id,
        "location_id": ret.location_id,
        "approved_at": ret.approved_at,
        "received_at": ret.received_at,
        "settled_at": ret.settled_at,
    }


def _line(return_id: str, line: ReturnLine) -> dict[str, Any]:
    return {
        "return_id": return_id,
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "reason": line.reason.value,
        "note": line.note,
        "inspection": [o.value for o in line.inspection],
        "refurbished": line.refurbished,
        "exchange_sku": line.exchange_sku,
        "exchange_unit_price": line.exchange_unit_price,
    }


def _line_from(r: Any) -> ReturnLine:
    return ReturnLine(
        r.line_no,
        r.sku,
        r.quantity,
        ReturnReason(r.reason),
        r.note,
        [Outcome(o) for o in r.inspection],
        r.refurbished,
        r.exchange_sku,
        None if r.exchange_unit_price is None else Decimal(r.exchange_unit_price),
    )


def _return(row: Any, lines: list[ReturnLine]) -> Return:
    return Return(
        id=row.id,
        order_id=row.order_id,
        channel=row.channel,
        external_id=row.external_id,
        status=ReturnStatus(row.status),
        settlement=Settlement(row.settlement),
        lines=lines,
        actor=row.actor,
        requested_at=row.requested_at,
        note=row.note,
        raw_message_id=row.raw_message_id,
        label=row.label,
        exchange_order_id=row.exchange_order_id,
        exchange_policy=ExchangePolicy(row.exchange_policy or ExchangePolicy.ON_RECEIPT.value),
        location_id=row.location_id,
        approved_at=row.approved_at,
        received_at=row.received_at,
        settled_at=row.settled_at,
    )
