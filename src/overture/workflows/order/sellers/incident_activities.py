"""Activities of IncidentWorkflow: store work only (local activities), each safe to repeat (an
escalation happens once: an incident not open any more is left as it is)."""

# No ``from __future__ import annotations``: these dataclasses cross the workflow boundary (see
# workflows/order/shared.py for why their annotations are real).

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from temporalio import activity

from overture.services.marketplace import incidents
from overture.services.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True)
class IncidentInput:
    incident_id: str
    recheck_s: float = 6 * 3600.0  # a lost nudge (the seller's answer) costs at most this long a wait


@dataclass(frozen=True)
class IncidentState:
    incident_id: str
    status: str
    respond_by: str  # ISO 8601, UTC


@dataclass
class IncidentActivities:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    @activity.defn
    def incident_state(self, incident_id: str) -> IncidentState:
        status, deadline = incidents.deadline_of(self.uow_factory, incident_id)
        return IncidentState(incident_id, status, deadline.isoformat())

    @activity.defn
    def escalate_unanswered(self, incident_id: str) -> str:
        """The workflow's timer fired: its clock is the judge of time here, not the activity's."""
        return incidents.escalate_unanswered(self.uow_factory, incident_id, clock=self.clock)


def incident_activities(activities: IncidentActivities) -> list[Callable[..., Any]]:
    a = activities
    return [a.incident_state, a.escalate_unanswered]
