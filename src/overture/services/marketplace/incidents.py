"""Incidents between a customer and a seller (domain/marketplace/incidents.py for the rules).

Opened by an operator or customer service on a sub-order's lines; the seller answers with an offer
(refund, replace or reject) within ``incident_response_hours``; unanswered by then, or escalated by the
customer's side, it goes to the operator as an ``incident_escalated`` case. The operator resolves it
with a refund, a replacement or a rejection: ``record_outcome`` here, what the outcome makes in
services/incident_settlement.py (it needs payments and capture, which import this package).

The seller's timer is IncidentWorkflow's (workflows/order/sellers/incident.py); ``escalate_overdue``
is the same rule as a sweep, for a process without a workflow engine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from overture.domain.ids import new_id
from overture.domain.marketplace.incidents import (
    ClaimedLine,
    IncidentReason,
    IncidentRefused,
    IncidentStatus,
    Outcome,
    SellerOffer,
    after_response,
    check_lines,
    check_move,
    overdue,
    respond_by,
)
from overture.services.errors import ActionRefused, ErrorCode, InvalidRequest, NotFound
from overture.services.marketplace.settings import load
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import Incident, SellerCase
from overture.services.retry import in_transaction, read_only

ESCALATED_CASE = "incident_escalated"
TIMER = "system:incident-timer"
S = IncidentStatus


class IncidentActionRefused(ActionRefused):
    """A move the incident's status does not allow, or a claim its sub-order does not support."""


def _refused(error: IncidentRefused) -> IncidentActionRefused:
    return IncidentActionRefused(str(error))


def _get(uow: UnitOfWork, incident_id: str, *, seller_id: str | None = None) -> Incident:
    found = uow.marketplace.incident(incident_id)
    # Another seller's incident is not even named: the same answer as one that does not exist.
    if found is None or (seller_id is not None and found.seller_id != seller_id):
        raise NotFound(f"no incident {incident_id!r}")
    return found


def _move(uow: UnitOfWork, incident: Incident, move: str) -> None:
    try:
        check_move(incident.id, S(incident.status), move)
    except IncidentRefused as error:
        raise _refused(error) from error


def open_incident(
    uow_factory: UnitOfWorkFactory,
    order_id: str,
    *,
    sub_order_id: str,
    reason: str,
    message: str,
    lines: Sequence[ClaimedLine],
    actor: str,
    clock: Clock,
) -> Incident:
    """A customer's claim on units of one sub-order; the seller has ``incident_response_hours`` to answer."""
    if reason not in set(IncidentReason):
        raise InvalidRequest("reason", f"one of {', '.join(IncidentReason)}", ErrorCode.INVALID_VALUE)
    if not message.strip():
        raise InvalidRequest("message", "say what happened", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> Incident:
        sub = uow.marketplace.sub_order(sub_order_id)
        if sub is None or sub.order_id != order_id:
            raise NotFound(f"no sub-order {sub_order_id!r} in order {order_id!r}")
        quantities = {x.line_no: x.quantity for x in uow.marketplace.lines_of_sub_order(sub_order_id)}
        try:
            claimed = check_lines(lines, quantities)
        except IncidentRefused as error:
            raise _refused(error) from error
        at = clock()
        deadline = respond_by(at, load(uow).incident_response_hours)
        incident = Incident(
            new_id("inc"),
            order_id,
            sub_order_id,
            sub.seller_id,
            reason,
            message.strip()[:4000],
            S.OPEN.value,
            actor,
            at,
            deadline,
            claimed,
        )
        uow.marketplace.add_incident(incident)
        uow.fulfilment.add_note(order_id, f"incident {incident.id} opened on {sub_order_id}: {reason}", at)
        return incident

    return in_transaction(uow_factory, work)


def respond(
    uow_factory: UnitOfWorkFactory,
    incident_id: str,
    *,
    seller_id: str,
    response: str,
    offer: str,
    clock: Clock,
) -> Incident:
    """The seller's answer and what it offers; the operator still resolves the incident."""
    if offer not in set(SellerOffer):
        raise InvalidRequest("offer", "refund, replace or reject", ErrorCode.INVALID_VALUE)
    if not response.strip():
        raise InvalidRequest("response", "say what you offer and why", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> Incident:
        incident = _get(uow, incident_id, seller_id=seller_id)
        _move(uow, incident, "respond")
        if incident.responded_at is not None:
            raise IncidentActionRefused(f"incident {incident_id} was answered already")
        status = after_response(S(incident.status))
        text = f"{offer}: {response.strip()}"[:4000]
        _changed(
            uow.marketplace.update_incident(
                incident_id,
                expect_status=incident.status,
                status=status.value,
                responded_at=clock(),
                seller_response=text,
            ),
            incident_id,
        )
        return _get(uow, incident_id)

    return in_transaction(uow_factory, work)


def escalate(uow_factory: UnitOfWorkFactory, incident_id: str, *, actor: str, why: str, clock: Clock) -> Incident:
    """To the operator, with an ``incident_escalated`` case; an incident escalated already is left so."""
    return in_transaction(uow_factory, lambda uow: _escalate(uow, _get(uow, incident_id), actor, why, clock()))


def _escalate(uow: UnitOfWork, incident: Incident, actor: str, why: str, at: datetime) -> Incident:
    if incident.status == S.ESCALATED:
        return incident
    _move(uow, incident, "escalate")
    _changed(
        uow.marketplace.update_incident(incident.id, expect_status=incident.status, status=S.ESCALATED.value),
        incident.id,
    )
    details = {
        "incident_id": incident.id,
        "order_id": incident.order_id,
        "sub_order_id": incident.sub_order_id,
        "reason": incident.reason,
        "escalated_by": actor,
    }
    case = SellerCase(new_id("sc"), incident.seller_id, ESCALATED_CASE, incident.id, why[:2000], at, details)
    uow.marketplace.add_case(case)
    return _get(uow, incident.id)


def escalate_unanswered(uow_factory: UnitOfWorkFactory, incident_id: str, *, clock: Clock) -> str:
    """The seller's time ran out (the workflow's timer says so): escalate it if it is still open. The
    incident's status after."""

    def work(uow: UnitOfWork) -> str:
        incident = _get(uow, incident_id)
        if incident.status != S.OPEN:
            return incident.status
        why = f"the seller did not answer by {incident.respond_by:%Y-%m-%d %H:%M} UTC"
        return _escalate(uow, incident, TIMER, why, clock()).status

    return in_transaction(uow_factory, work)


def escalate_overdue(uow_factory: UnitOfWorkFactory, *, clock: Clock) -> list[str]:
    """Every open incident past its ``respond_by``, escalated (a sweep); their ids."""
    now = clock()
    due = read_only(uow_factory, lambda uow: uow.marketplace.incidents(status=S.OPEN.value))
    late = [x.id for x in due if overdue(S(x.status), x.respond_by, now)]
    return [x for x in late if escalate_unanswered(uow_factory, x, clock=clock) == S.ESCALATED]


def deadline_of(uow_factory: UnitOfWorkFactory, incident_id: str) -> tuple[str, datetime]:
    """The incident's status and when the seller's time to answer ends (for its workflow)."""
    incident = read_only(uow_factory, lambda uow: _get(uow, incident_id))
    return incident.status, incident.respond_by


def incident(uow_factory: UnitOfWorkFactory, incident_id: str) -> Incident:
    return read_only(uow_factory, lambda uow: _get(uow, incident_id))


def incidents(
    uow_factory: UnitOfWorkFactory, *, seller_id: str | None = None, status: str | None = None
) -> list[Incident]:
    if status is not None and status not in set(IncidentStatus):
        raise InvalidRequest("status", f"one of {', '.join(IncidentStatus)}", ErrorCode.INVALID_VALUE)
    return read_only(uow_factory, lambda uow: uow.marketplace.incidents(seller_id=seller_id, status=status))


def record_outcome(uow: UnitOfWork, incident_id: str, *, outcome: str, note: str, actor: str, at: datetime) -> Incident:
    """The operator's decision, in the caller's transaction, closing the incident's escalation case.
    The same decision again is accepted as it is (what it makes is keyed, so a retry makes it once);
    another one is refused."""
    if outcome not in set(Outcome):
        raise InvalidRequest("outcome", "refund, replace or rejected", ErrorCode.INVALID_VALUE)
    incident = _get(uow, incident_id)
    if incident.status == S.RESOLVED:
        if incident.outcome != outcome:
            raise IncidentActionRefused(f"incident {incident_id} was resolved already: {incident.outcome}")
        return incident
    _move(uow, incident, "resolve")
    fields = {"status": S.RESOLVED.value, "outcome": outcome, "note": note.strip()[:4000]}
    _changed(
        uow.marketplace.update_incident(
            incident_id, expect_status=incident.status, **fields, resolved_at=at, resolved_by=actor
        ),
        incident_id,
    )
    for case in uow.marketplace.cases(seller_id=incident.seller_id, status="open", kind=ESCALATED_CASE):
        if case.subject == incident_id:
            uow.marketplace.resolve_case(case.id, outcome, actor, note, at)
    uow.fulfilment.add_note(incident.order_id, f"incident {incident_id} resolved: {outcome} ({note})", at)
    return _get(uow, incident_id)


def _changed(done: bool, incident_id: str) -> None:
    if not done:
        raise IncidentActionRefused(
            f"incident {incident_id} changed meanwhile (another answer or decision): look again"
        )
