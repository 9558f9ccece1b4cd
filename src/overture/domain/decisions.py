"""Decisions: every automated choice, with its inputs, the alternatives and the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class DecisionKind(StrEnum):
    VALIDATION = "validation"
    ROUTING = "routing"
    RESERVATION = "reservation"
    PRICING = "pricing"
    AMENDMENT = "amendment"  # a person changed the order's lines (who, why, before and after)


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    outcome: str
    reason: str
    inputs: dict[str, Any] = field(default_factory=dict)
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    at: datetime | None = None
