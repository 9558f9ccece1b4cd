"""An order the hard constraints leave unroutable: the error, and which locations a constraint held back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from overture.domain.decisions import Decision
from overture.domain.inventory import InsufficientStock, Shortage
from overture.domain.sourcing.model import Constraint, SourcingRequest


class NoFeasiblePlan(InsufficientStock):
    """The locations that pass the hard constraints cannot cover the order; ``decision`` says why.

    ``held_back``: why each location holding some of what is short was ruled out (out of capacity
    today, too late for the promise, unable to carry a line), naming the location: the order may be
    held by those constraints rather than by the stock, and a person needs to read which."""

    def __init__(self, shortages: list[Shortage], decision: Decision, held_back: Sequence[str] = ()) -> None:
        super().__init__(shortages)
        self.decision = decision
        self.held_back = tuple(held_back)


def unroutable(request: SourcingRequest, shortages: list[Shortage], decision: Decision) -> NoFeasiblePlan:
    """The NoFeasiblePlan for ``decision``, whose reason then names the locations a constraint held back."""
    held = held_back(request, shortages, decision.alternatives)
    if held:
        decision = replace(decision, reason=f"{decision.reason}; {said(held)}")
    return NoFeasiblePlan(shortages, decision, held)


def said(held: Sequence[str], most: int = 5) -> str:
    """The held-back reasons for a sentence: the first ``most`` (on a large network they would bury the
    rest), then how many more; every one stays in the decision's candidates."""
    shown = "; ".join(held[:most])
    return shown if len(held) <= most else f"{shown}; and {len(held) - most} more location(s) held back"


def held_back(
    request: SourcingRequest, shortages: Sequence[Shortage], alternatives: Sequence[dict[str, Any]]
) -> list[str]:
    """The reasons of the single locations rejected by a constraint other than stock that hold some of a
    short SKU, each naming its location (a capacity reason does already)."""
    short = {s.sku for s in shortages}
    sites = {site.location.id: site for site in request.sites}
    out = []
    for alternative in alternatives:
        constraint, where = alternative.get("constraint"), list(alternative.get("locations") or ())
        if alternative.get("outcome") != "rejected" or constraint in (None, Constraint.STOCK) or len(where) != 1:
            continue
        site = sites.get(where[0])
        if site is None or not any(site.available.get(sku, 0) > 0 for sku in short):
            continue
        reason = str(alternative["reason"])
        out.append(reason if constraint == Constraint.CAPACITY else f"location {where[0]}: {reason}")
    return out
