"""Governance in the placement service, on SQLite and PostgreSQL: overrides, placing again, the
rule-set cache, and what an account's open orders add up to."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from overture.bootstrap import Container, bootstrap
from overture.channels import rest
from overture.config import Settings
from overture.domain.inventory import Sku
from overture.domain.rules import Action, RuleCode, RuleSettings
from overture.services import fulfilment, governance, inventory
from overture.services.capture import capture_order
from overture.services.ports import InboundMessage
from overture.store import governance as store
from tests.factories import add_locations, order_payload, stock


def _seed(container: Container) -> None:
    add_locations(container, ["EWR"])
    inventory.upsert_skus(container.uow, [Sku("A", unit_cost=Decimal("9.50"))], clock=container.clock)
    stock(container, "A", "EWR", 100)


def _configure(container: Container, scope: str = "default", **rules: RuleSettings) -> None:
    settings = {RuleCode(code): value for code, value in rules.items()}
    governance.put_rule_set(container.uow, scope, settings, note="", at=container.clock())


def _capture(container: Container, payload: dict[str, Any], *, partner_id: str | None = None) -> str:
    """Capture through the service; with ``partner_id``, as a partner channel's command would say."""
    body = orjson.dumps(payload)
    command = rest.translate(body)
    if partner_id is not None:
        command = replace(command, customer=replace(command.customer, reference=partner_id, partner_id=partner_id))
    result = capture_order(
        InboundMessage("rest", body, container.clock()),
        lambda _: command,
        idempotency_key=None,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
    )
    return result.order.id


def _open_exception(container: Container, order_id: str) -> dict[str, Any]:
    (exception,) = [e for e in container.views.exceptions(status="open", type_=None, after=None, limit=50)]
    assert exception["order_id"] == order_id
    return exception


def _decide(container: Container, exception_id: str, action: str) -> str:
    fulfilment.resolve_exception(
        container.uow, exception_id, action=action, actor="ann", note_text="checked", clock=container.clock
    )
    order_id = container.views.exception(exception_id)["order_id"]  # type: ignore[index]
    plan = fulfilment.retry_placement(container.uow, order_id, geocoder=container.geocoder, clock=container.clock)
    return plan.status


def _outcomes(container: Container, order_id: str, rule: str) -> list[str]:
    decisions = container.views.order(order_id)["decisions"]  # type: ignore[index]
    return [d["outcome"] for d in decisions if d["kind"] == "validation" and d["inputs"]["rule"] == rule]


def test_each_override_clears_one_rule_and_placing_again_raises_the_next(container: Container) -> None:
    _seed(container)
    _configure(
        container,
        embargo=RuleSettings(countries=frozenset({"US"})),
        low_margin=RuleSettings(min_margin_pct=Decimal("10")),
    )
    order_id = _capture(container, order_payload(("A", 1)))  # 9.99 against a cost of 9.50: 4.9%

    first = _open_exception(container, order_id)
    assert (first["type"], first["details"]["also_failing"], first["severity"]) == ("embargo", ["low_margin"], "high")
    assert _decide(container, first["id"], "override") == "on_hold"
    second = _open_exception(container, order_id)
    assert second["type"] == "low_margin" and "also_failing" not in second["details"]
    assert _decide(container, second["id"], "override") == "routed"

    assert _outcomes(container, order_id, "embargo") == ["hold", "waived", "waived"]
    assert _outcomes(container, order_id, "low_margin") == ["hold", "hold", "waived"]


def test_an_order_still_failing_when_placed_again_stays_on_hold_with_a_new_exception(container: Container) -> None:
    _seed(container)
    order_id = _capture(container, order_payload(("NOPE", 1)))
    first = _open_exception(container, order_id)

    assert _decide(container, first["id"], "retry") == "on_hold"

    again = _open_exception(container, order_id)
    assert (again["type"], again["details"]) == ("unknown_sku", {"unknown_skus": ["NOPE"]})
    assert again["id"] != first["id"]


def test_a_rule_set_to_reject_holds_an_order_that_already_exists(container: Container) -> None:
    _seed(container)
    order_id = _capture(container, order_payload(("NOPE", 1)))
    first = _open_exception(container, order_id)
    _configure(container, unknown_sku=RuleSettings(action=Action.REJECT))

    assert _decide(container, first["id"], "retry") == "on_hold"

    assert "configured to reject" in _open_exception(container, order_id)["reason"]


def test_another_process_sees_a_new_version_once_its_cached_copy_expires(
    container: Container, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = bootstrap(Settings(home=tmp_path / "other", database_url=database_url), migrate=False)
    try:
        _configure(container, embargo=RuleSettings(skus=frozenset({"A"})))
        seen = governance.effective_rule_set(other.uow, channel="web", partner_id=None)  # warms its cache
        _configure(container, embargo=RuleSettings(skus=frozenset({"B"})))

        cached = governance.effective_rule_set(other.uow, channel="web", partner_id=None)
        monkeypatch.setattr(store._RuleSetCache, "TTL_S", 0.0)
        fresh = governance.effective_rule_set(other.uow, channel="web", partner_id=None)
        own = governance.effective_rule_set(container.uow, channel="web", partner_id=None)
    finally:
        other.close()

    versions = [r.get(RuleCode.EMBARGO).version for r in (seen, cached, fresh, own)]
    assert versions == [1, 1, 2, 2]


def test_an_accounts_open_orders_leave_out_cancelled_ones_and_other_customers(container: Container) -> None:
    _seed(container)
    ids = [_capture(container, order_payload(("A", 1)), partner_id="ACME") for _ in range(4)]
    _capture(container, order_payload(("A", 1)), partner_id="OTHER")
    _capture(container, order_payload(("A", 1)))
    fulfilment.cancel(container.uow, ids[0], reason="changed mind", clock=container.clock)

    with container.uow() as uow:
        total = uow.governance.open_orders_total("ACME", "USD", excluding=ids[3])
    assert total == Decimal("19.98")  # orders 1 and 2 at 9.99: 0 is cancelled, 3 is the one judged
