"""Bodies that the API and the dashboard both accept for the same decision, and the backlog plan's
JSON that both show: one definition, so a form and a request are checked alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from overture.domain.backlog import BacklogPlan
from overture.services.operator_actions import BacklogOutcome, BacklogRequest, ExceptionDecision, Solver
from overture.services.ports.order_workflow import LineChange
from overture.web.auth import claimed_note
from overture.web.bounds import MAX_LINE

Price = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)]


class LineEditIn(BaseModel):
    """One line to change (``edit``): any of its SKU, quantity and unit price."""

    model_config = ConfigDict(extra="forbid")
    line_no: Annotated[int, Field(ge=1, le=MAX_LINE, strict=True)]
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    quantity: Annotated[int, Field(gt=0, le=1_000_000, strict=True)] | None = None
    unit_price: Price | None = None


class UnitPriceIn(BaseModel):
    """A line's new unit price (``override``: the price accepted, with the reason in ``note``)."""

    model_config = ConfigDict(extra="forbid")
    line_no: Annotated[int, Field(ge=1, le=MAX_LINE, strict=True)]
    unit_price: Price


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["retry", "cancel", "reroute", "override", "edit"]
    # Kept for compatibility: with auth on, the actor recorded is the key's name and this is ignored.
    actor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    lines: Annotated[list[LineEditIn], Field(max_length=1000)] | None = None  # edit
    unit_prices: Annotated[list[UnitPriceIn], Field(max_length=1000)] | None = None  # override
    location_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None

    def decision(self, exception_id: str, signed_in: str | None) -> ExceptionDecision:
        """The decision, made by whoever is signed in (the body's ``actor`` only when nobody is)."""
        lines = None
        if self.lines is not None:
            lines = tuple(
                LineChange(e.line_no, e.sku or "", e.quantity or 0, "" if e.unit_price is None else str(e.unit_price))
                for e in self.lines
            )
        prices = None if self.unit_prices is None else tuple((p.line_no, p.unit_price) for p in self.unit_prices)
        actor = signed_in or self.actor
        note = self.note + claimed_note(signed_in, self.actor)
        return ExceptionDecision(exception_id, self.action, actor, note, lines, prices, self.location_id)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(10.0, ge=0.1, le=120, description="Seconds for CP-SAT, model building included")
    apply: bool = Field(False, description="Place the orders the chosen plan fills, through their workflows")
    solver: Solver = Field("cp-sat", description="Whose plan to apply")
    note: str = Field("", max_length=500, description="Why, recorded with each order's decision")
    actor: str | None = Field(None, min_length=1, max_length=255, description="Who decided (only when auth is off)")

    def request(self) -> BacklogRequest:
        return BacklogRequest(self.time_limit_s, self.apply, self.solver, self.note)


def backlog_json(outcome: BacklogOutcome) -> dict[str, object]:
    """Both plans, and with an applied plan what each filled order's workflow answered."""
    backlog = outcome.comparison.backlog
    answer: dict[str, object] = {
        "orders": len(backlog.orders),
        "units_wanted": backlog.units_wanted,
        "units_in_stock": backlog.units_in_stock,
        "plans": {p.solver: _plan_json(p) for p in (outcome.comparison.greedy, outcome.comparison.optimised)},
    }
    if outcome.applied is not None:
        answer["applied"] = [
            {"order_id": a.order_id, "exception_id": a.exception_id, "status": a.status, "reason": a.reason}
            for a in outcome.applied
        ]
    return answer


def _plan_json(plan: BacklogPlan) -> dict[str, object]:
    return {
        "status": plan.status,
        "orders_filled": plan.orders_filled,
        "units_filled": plan.units_filled,
        "weighted_fill": plan.weighted_fill,
        "cost": f"{plan.cost_cents / 100:.2f}",
        "splits": plan.splits,
        "solve_seconds": round(plan.solve_seconds, 3),
        "allocations": {
            order_id: [
                {"line_no": a.line_no, "sku": a.sku, "location_id": a.location_id, "quantity": a.quantity}
                for a in chosen
            ]
            for order_id, chosen in sorted(plan.allocations.items())
        },
    }
