"""What a decision led to (services/outcomes.py), read back until the order rests, and its wording
(ui/explain.py): a fake store whose state changes as the workflow would change it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from overture.services.outcomes import AfterDecision, after_decision
from overture.ui.explain import explain_after


class Steps:
    """The order's state at each read: the workflow acting between them."""

    def __init__(self, *states: dict[str, Any]) -> None:
        self.states = list(states)
        self.reads = 0

    def order_state(self, order_id: str) -> Mapping[str, Any]:
        self.reads += 1
        return self.states[min(self.reads, len(self.states)) - 1]


def _exc(exception_id: str, status: str, reason: str = "", resolution: str | None = None) -> dict[str, Any]:
    return {
        "id": exception_id,
        "type": "insufficient_stock",
        "status": status,
        "reason": reason,
        "resolution": resolution,
    }


async def _no_wait(_: float) -> None:
    return None


def _after(lookup: Steps, wait_s: float = 1.0) -> AfterDecision:
    return asyncio.run(after_decision(lookup, "exc_1", "ord_1", wait_s=wait_s, poll_s=0.1, sleep=_no_wait))


def test_it_waits_for_the_workflow_to_close_the_exception_and_hold_again() -> None:
    lookup = Steps(
        {"status": "on_hold", "exceptions": [_exc("exc_1", "open")], "locations": []},
        {"status": "reserved", "exceptions": [_exc("exc_1", "resolved", resolution="retry")], "locations": []},
        {
            "status": "on_hold",
            "exceptions": [_exc("exc_1", "resolved"), _exc("exc_2", "open", "insufficient stock at all 3 locations")],
            "locations": [],
        },
    )
    after = _after(lookup)
    assert after.settled and lookup.reads == 3
    assert explain_after(after, "retry") == "held again: insufficient stock at all 3 locations"


def test_released_completed_cancelled_and_not_yet_acted_on() -> None:
    closed = [_exc("exc_1", "resolved")]
    released = _after(Steps({"status": "released", "exceptions": closed, "locations": ["EWR1"]}))
    assert explain_after(released, "reroute") == "released to EWR1"
    for status, said in (("completed", "completed"), ("cancelled", "cancelled")):
        assert explain_after(_after(Steps({"status": status, "exceptions": closed, "locations": []})), "x") == said
    waiting = Steps({"status": "on_hold", "exceptions": [_exc("exc_1", "open")], "locations": []})
    late = _after(waiting, wait_s=0.3)
    assert not late.settled and waiting.reads == 4  # the first read and three polls, then it says so
    assert explain_after(late, "retry").startswith("retry accepted; the order's workflow has not acted on it yet")
    moving = _after(Steps({"status": "routed", "exceptions": closed, "locations": []}), wait_s=0.2)
    assert (
        explain_after(moving, "retry")
        == "retry accepted; the order is now routed so far (its workflow is still working)"
    )
