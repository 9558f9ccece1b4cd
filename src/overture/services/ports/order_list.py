"""What the orders list is asked for (store/dashboard/order_list.py answers), and what it answers.

Every filter is optional and they combine (AND). Pages are keyed by order id, which is time-ordered
(domain/ids.py): ``after`` continues past the last id shown, ``before`` goes back from the first, so a
page costs the same at the millionth order as at the first and no order is skipped or shown twice
while new ones arrive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Sort = Literal["newest", "oldest"]
Sla = Literal["at_risk", "breached"]
# A count past this many is shown as "10,000+": counting every match of a broad filter in a store of
# millions would cost more than the page itself.
COUNT_CAP = 10_000
# What share of a location's ship-by time may pass after release before an order is "at risk".
AT_RISK_SHARE = 0.75


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str | None = None
    channel: str | None = None
    partner: str | None = None
    location: str | None = None
    exception: str | None = None  # an open exception of this type
    sla: Sla | None = None
    min_age_h: float | None = None  # created at least this many hours ago
    max_age_h: float | None = None  # created at most this many hours ago
    q: str | None = None  # any part of an id, reference, name, e-mail, postal code or tracking number
    sort: Sort = "newest"
    after: str | None = None
    before: str | None = None
    limit: int = 50

    def without_paging(self) -> OrderFilter:
        return OrderFilter(**{**self.as_dict(), "after": None, "before": None})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class OrderPage:
    rows: list[dict[str, Any]]
    count: int  # matching orders, at most COUNT_CAP + 1 (then shown as "10,000+")
    next_after: str | None = None  # the id to continue after, when there is more
    previous_before: str | None = None  # the id to go back from, when this is not the first page
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP
