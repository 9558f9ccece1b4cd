"""Issuing a refund on the sales channel that took the money (Walmart Marketplace: the seller refunds the
buyer through the Orders API; the marketplace, not our payment provider, holds the money).

A refund recorded in our ledger for an order of such a channel owes the channel that refund (an outbox
row written in the refund's own transaction, services/channel_refunds.py); the worker side sends each
owed one through ``ChannelRefunds`` and marks it sent. An implementation must be idempotent on its own:
a send retried after a lost answer must not refund the buyer twice (the Walmart adapter finds the
refund's key in the order's refund comments first).

Errors are those of :mod:`overture.services.ports.connector_errors`: a retryable one leaves the refund
owed for the next pass, a permanent one becomes an exception on the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """What one order line gives back, in minor units, split as the line was charged.

    ``reason`` is ours: a return's reason code (``damaged``, ``no_longer_needed``...), an incident's
    (``not_received``...), or ``goodwill``; each channel's adapter maps it to the channel's own list."""

    line_no: int
    sku: str
    goods: int
    tax: int
    shipping: int
    reason: str

    @property
    def total(self) -> int:
        return self.goods + self.tax + self.shipping


@dataclass(frozen=True, slots=True)
class RefundOwed:
    """One refund the channel is to issue: which of its orders, which lines, how much of each."""

    channel: str
    order_id: str  # ours
    channel_order_id: str  # the channel's own id (Walmart's purchaseOrderId)
    key: str  # our ledger posting's key (``settled:<return>``, ``incident:<id>``...): one refund per key
    currency: str
    lines: tuple[RefundedLine, ...]
    comment: str = ""

    def payload(self) -> dict[str, Any]:
        """As kept in the outbox row (JSON: minor units, never floats)."""
        return {
            "channel": self.channel,
            "order_id": self.order_id,
            "channel_order_id": self.channel_order_id,
            "key": self.key,
            "currency": self.currency,
            "comment": self.comment,
            "lines": [
                {"line_no": x.line_no, "sku": x.sku, "goods": x.goods, "tax": x.tax, "shipping": x.shipping,
                 "reason": x.reason}
                for x in self.lines
            ],
        }  # fmt: skip

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> RefundOwed:
        lines = tuple(
            RefundedLine(
                int(x["line_no"]), str(x["sku"]), int(x["goods"]), int(x["tax"]), int(x["shipping"]), str(x["reason"])
            )
            for x in data["lines"]
        )
        return cls(
            channel=str(data["channel"]),
            order_id=str(data["order_id"]),
            channel_order_id=str(data["channel_order_id"]),
            key=str(data["key"]),
            currency=str(data["currency"]),
            lines=lines,
            comment=str(data.get("comment", "")),
        )


class RefundOutcome(StrEnum):
    REFUNDED = "refunded"  # the channel issued the refund now
    ALREADY_REFUNDED = "already_refunded"  # it had issued it already (an earlier send whose answer was lost)


@dataclass(frozen=True, slots=True)
class RefundResult:
    outcome: RefundOutcome
    reference: str = ""  # the channel's id of the refund, when it gives one
    detail: str = ""


class ChannelRefunds(Protocol):
    """Issues refunds on the channels that hold the buyer's money, each by its own API."""

    def handles(self, channel: str) -> bool:
        """Whether refunds of this channel's orders are issued on it (configured here)."""
        ...

    async def issue_refund(self, refund: RefundOwed) -> RefundResult:
        """Have the channel refund the buyer these amounts, once however often it is called."""
        ...


class OwedRefunds(Protocol):
    """The refunds still owed to channels (outbox rows not yet sent), oldest first, with their payload."""

    def pending(self, limit: int) -> list[tuple[int, dict[str, Any]]]: ...
