"""What the order page offers, and cancelling, decided before the workflow is asked (services/order_actions.py).

The workflow gateway here is a recording stand-in: what is under test is which requests reach it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from overture.services.errors import InvalidRequest, NotFound
from overture.services.order_actions import AllowedAction, allowed_actions, cancel_order
from overture.services.ports.order_workflow import CancelOutcome, CancelRequest, Resolution, ShipmentPing


class Recording:
    def __init__(self) -> None:
        self.cancels: list[tuple[str, CancelRequest]] = []

    async def resolve(self, order_id: str, resolution: Resolution) -> None:
        raise AssertionError("not under test")

    async def cancel(self, order_id: str, request: CancelRequest) -> CancelOutcome:
        self.cancels.append((order_id, request))
        return CancelOutcome("cancelled", "stock given back")

    async def nudge_sub_order(self, sub_order_id: str) -> None:
        return None

    async def shipment_recorded(self, order_id: str, ping: ShipmentPing) -> None:
        raise AssertionError("not under test")


class Orders:
    def __init__(self, *orders: dict[str, Any]) -> None:
        self._orders = {o["id"]: o for o in orders}

    def order(self, order_id: str) -> Mapping[str, Any] | None:
        return self._orders.get(order_id)


def _exception(exc_id: str, kind: str, actions: list[str], status: str = "open") -> dict[str, Any]:
    return {"id": exc_id, "type": kind, "allowed_actions": actions, "status": status}


def test_a_held_order_offers_cancel_once_and_each_open_exceptions_actions() -> None:
    order = {
        "status": "on_hold",
        "exceptions": [
            _exception("exc_1", "insufficient_stock", ["retry", "reroute", "edit", "cancel"]),
            _exception("exc_0", "connector_failure", ["retry"], status="resolved"),
        ],
    }
    assert allowed_actions(order) == [
        AllowedAction("cancel"),
        AllowedAction("retry", "exc_1", "insufficient_stock"),
        AllowedAction("reroute", "exc_1", "insufficient_stock"),
        AllowedAction("edit", "exc_1", "insufficient_stock"),
    ]


@pytest.mark.parametrize("status", ["shipped", "invoiced", "completed", "cancelled"])
def test_an_order_past_release_offers_no_cancel(status: str) -> None:
    assert allowed_actions({"status": status, "exceptions": []}) == []


def test_cancel_reaches_the_workflow_with_the_reason_and_actor() -> None:
    workflows = Recording()
    outcome = asyncio.run(cancel_order(Orders({"id": "o1", "status": "released"}), workflows, "o1", " late ", "ann"))
    assert outcome.outcome == "cancelled"
    assert workflows.cancels == [("o1", CancelRequest("late", "ann"))]


def test_cancel_of_a_completed_order_is_refused_without_asking_the_workflow() -> None:
    workflows = Recording()
    outcome = asyncio.run(cancel_order(Orders({"id": "o1", "status": "completed"}), workflows, "o1", "late", "ann"))
    assert outcome == CancelOutcome("refused", "an order that is completed can no longer be cancelled")
    assert workflows.cancels == []


def test_cancel_needs_a_reason_an_actor_and_a_known_order() -> None:
    views = Orders({"id": "o1", "status": "received"})
    with pytest.raises(InvalidRequest, match="reason"):
        asyncio.run(cancel_order(views, Recording(), "o1", "  ", "ann"))
    with pytest.raises(InvalidRequest, match="actor"):
        asyncio.run(cancel_order(views, Recording(), "o1", "late", None))
    with pytest.raises(NotFound):
        asyncio.run(cancel_order(views, Recording(), "o2", "late", "ann"))
