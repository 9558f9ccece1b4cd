"""Whole-backlog allocation: the problem as data, the shared scoring rules, the greedy baseline.

The CP-SAT optimiser lives in ``overture.services.backlog_solver`` (the domain stays pure).
"""

from overture.domain.backlog.greedy import greedy
from overture.domain.backlog.model import (
    Backlog,
    BacklogLine,
    BacklogOrder,
    BacklogPlan,
    CostModel,
    StockLocation,
    fill_weight,
    queue_order,
    summarise,
    violations,
)

__all__ = [
    "Backlog",
    "BacklogLine",
    "BacklogOrder",
    "BacklogPlan",
    "CostModel",
    "StockLocation",
    "fill_weight",
    "greedy",
    "queue_order",
    "summarise",
    "violations",
]
