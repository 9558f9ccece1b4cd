"""Sourcing: which locations ship an order, chosen by a configurable strategy, with every candidate explained."""

from overture.domain.sourcing.evaluate import PlanFigures, UnknownSite, evaluate
from overture.domain.sourcing.model import (
    Constraint,
    SourcingConfig,
    SourcingLine,
    SourcingRequest,
    SourcingSite,
    StrategyName,
    Zone,
)
from overture.domain.sourcing.search import NoFeasiblePlan
from overture.domain.sourcing.sites import no_capacity_reason
from overture.domain.sourcing.strategies import STRATEGIES, Strategy, route
from overture.domain.sourcing.unroutable import said

__all__ = [
    "STRATEGIES",
    "Constraint",
    "NoFeasiblePlan",
    "PlanFigures",
    "SourcingConfig",
    "SourcingLine",
    "SourcingRequest",
    "SourcingSite",
    "Strategy",
    "StrategyName",
    "UnknownSite",
    "Zone",
    "evaluate",
    "no_capacity_reason",
    "route",
    "said",
]
