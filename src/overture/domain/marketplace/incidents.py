"""Incidents between a customer and a seller: what can be claimed, who may move an incident where, and
when the seller's time to answer is up. Pure.

    open --(seller responds)--> responded --(customer/operator escalates)--> escalated
    open --(no answer by respond_by, or escalated)--> escalated
    open | responded | escalated --(operator resolves: refund, replace or rejected)--> resolved

A seller may still answer an escalated incident (its answer is kept for the operator), but the
incident stays with the operator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class IncidentReason(StrEnum):
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    NOT_AS_DESCRIBED = "not_as_described"
    WRONG_ITEM = "wrong_item"
    MISSING_PARTS = "missing_parts"
    LATE = "late"


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class SellerOffer(StrEnum):
    REFUND = "refund"
    REPLACE = "replace"
    REJECT = "reject"


class Outcome(StrEnum):
    REFUND = "refund"
    REPLACE = "replace"
    REJECTED = "rejected"


class IncidentRefused(ValueError):
    """A move the incident's status does not allow, or a claim the order does not support."""


S = IncidentStatus
_NEXT: dict[str, frozenset[IncidentStatus]] = {
    "respond": frozenset({S.OPEN, S.ESCALATED}),
    "escalate": frozenset({S.OPEN, S.RESPONDED}),
    "resolve": frozenset({S.OPEN, S.RESPONDED, S.ESCALATED}),
}


def check_move(incident_id: str, status: IncidentStatus, move: str) -> None:
    if status not in _NEXT[move]:
        raise IncidentRefused(f"incident {incident_id} is {status}: it cannot {move} now")


def after_response(status: IncidentStatus) -> IncidentStatus:
    """An answer moves an open incident to responded; an escalated one stays with the operator."""
    return S.RESPONDED if status is S.OPEN else status


def respond_by(opened_at: datetime, response_hours: float) -> datetime:
    return opened_at + timedelta(hours=response_hours)


def overdue(status: IncidentStatus, deadline: datetime, now: datetime) -> bool:
    """The seller has not answered in time: the incident goes to the operator."""
    return status is S.OPEN and now >= deadline


@dataclass(frozen=True, slots=True)
class ClaimedLine:
    line_no: int
    quantity: int


def check_lines(claimed: Sequence[ClaimedLine], sub_order_lines: Mapping[int, int]) -> list[dict[str, int]]:
    """The claimed lines, each one of the sub-order's (``line_no -> quantity``) and never more units than
    it has; merged per line, for the incident's ``lines``."""
    if not claimed:
        raise IncidentRefused("name at least one line of the sub-order")
    merged: dict[int, int] = {}
    for line in claimed:
        if line.line_no not in sub_order_lines:
            raise IncidentRefused(f"line {line.line_no} is not in the sub-order")
        if line.quantity < 1:
            raise IncidentRefused(f"line {line.line_no}: claim at least one unit")
        merged[line.line_no] = merged.get(line.line_no, 0) + line.quantity
    for line_no, quantity in merged.items():
        if quantity > sub_order_lines[line_no]:
            raise IncidentRefused(f"line {line_no}: {quantity} claimed, the sub-order has {sub_order_lines[line_no]}")
    return [{"line_no": n, "quantity": q} for n, q in sorted(merged.items())]
