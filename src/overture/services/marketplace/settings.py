"""The operator's marketplace settings: deadlines, the buy box rule, thresholds, clawback and payouts.
Kept as one JSON document in ``marketplace_settings``; what is not set is the default."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from overture.domain.marketplace.buybox import DEFAULT_RULE, RULES
from overture.domain.marketplace.commission import ClawbackPolicy, CommissionRule
from overture.domain.marketplace.scorecard import DEFAULT_THRESHOLDS, MIN_SUB_ORDERS, WINDOW_DAYS, Direction, Threshold
from overture.domain.marketplace.seller_ledger import PayoutPolicy
from overture.services import changes
from overture.services.errors import ErrorCode, InvalidRequest
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

KEY = "marketplace"


@dataclass(frozen=True, slots=True)
class MarketplaceSettings:
    alert_after_hours: float = 24.0  # a sub-order not answered by then raises an alert
    refuse_after_hours: float = 72.0  # ...and is refused by then (or before the authorisation lapses)
    authorisation_margin_hours: float = 24.0  # refuse this long before the payment authorisation lapses
    buy_box_rule: str = DEFAULT_RULE
    default_commission_percent: Decimal = Decimal(15)  # when no rule matches
    clawback: ClawbackPolicy = field(default_factory=ClawbackPolicy)
    payout: PayoutPolicy = field(default_factory=PayoutPolicy)
    thresholds: tuple[Threshold, ...] = DEFAULT_THRESHOLDS
    window_days: int = WINDOW_DAYS
    min_sub_orders: int = MIN_SUB_ORDERS
    incident_response_hours: float = 48.0  # a seller's time to answer an incident before it escalates
    grace_days: int = 14  # after an operator lifts a suspension, no automatic one for this long

    def as_json(self) -> dict[str, Any]:
        return {
            "alert_after_hours": self.alert_after_hours,
            "refuse_after_hours": self.refuse_after_hours,
            "authorisation_margin_hours": self.authorisation_margin_hours,
            "buy_box_rule": self.buy_box_rule,
            "default_commission_percent": str(self.default_commission_percent),
            "clawback": {"cap_minor": self.clawback.cap_minor, "percent": str(self.clawback.percent)},
            "payout": {"hold_days": self.payout.hold_days, "minimum_minor": self.payout.minimum_minor},
            "thresholds": [
                {"metric": t.metric, "direction": t.direction.value, "alert": t.alert, "limit": t.limit}
                for t in self.thresholds
            ],
            "window_days": self.window_days,
            "min_sub_orders": self.min_sub_orders,
            "incident_response_hours": self.incident_response_hours,
            "grace_days": self.grace_days,
        }


def parse(data: dict[str, Any]) -> MarketplaceSettings:
    """Settings from JSON; InvalidRequest naming the field for anything wrong."""
    base = MarketplaceSettings()
    known = {f.name for f in fields(MarketplaceSettings)}
    for name in data:
        if name not in known:
            raise InvalidRequest(name, "not a marketplace setting", ErrorCode.INVALID_VALUE)
    try:
        changes: dict[str, Any] = {}
        for name in (
            "alert_after_hours",
            "refuse_after_hours",
            "authorisation_margin_hours",
            "incident_response_hours",
        ):
            if name in data:
                changes[name] = _positive(name, float(data[name]))
        for name in ("window_days", "min_sub_orders", "grace_days"):
            if name in data:
                changes[name] = int(data[name])
        if "buy_box_rule" in data:
            if data["buy_box_rule"] not in RULES:
                raise InvalidRequest("buy_box_rule", f"one of {sorted(RULES)}", ErrorCode.INVALID_VALUE)
            changes["buy_box_rule"] = data["buy_box_rule"]
        if "default_commission_percent" in data:
            changes["default_commission_percent"] = Decimal(str(data["default_commission_percent"]))
        if "clawback" in data:
            c = _section(data, "clawback", "cap_minor", "percent")
            changes["clawback"] = ClawbackPolicy(int(c["cap_minor"]), Decimal(str(c["percent"])))
        if "payout" in data:
            p = _section(data, "payout", "hold_days", "minimum_minor")
            changes["payout"] = PayoutPolicy(int(p["hold_days"]), int(p["minimum_minor"]))
        if "thresholds" in data:
            changes["thresholds"] = tuple(
                Threshold(t["metric"], Direction(t["direction"]), float(t["alert"]), float(t["limit"]))
                for n, _ in enumerate(data["thresholds"])
                for t in [_section(data["thresholds"], n, "metric", "direction", "alert", "limit", path="thresholds")]
            )
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        if isinstance(error, InvalidRequest):
            raise
        raise InvalidRequest("settings", f"not valid: {error}", ErrorCode.INVALID_VALUE) from error
    settings = replace(base, **changes)
    if settings.alert_after_hours >= settings.refuse_after_hours:
        raise InvalidRequest("alert_after_hours", "must come before refuse_after_hours", ErrorCode.OUT_OF_RANGE)
    return settings


def _section(data: Any, key: Any, *required: str, path: str = "") -> dict[str, Any]:
    """``data[key]``, an object holding every ``required`` field; InvalidRequest naming the one missing."""
    name = f"{path}[{key}]" if path else str(key)
    section = data[key]
    if not isinstance(section, dict):
        raise InvalidRequest(name, "must be an object", ErrorCode.WRONG_TYPE)
    for field_name in required:
        if field_name not in section:
            raise InvalidRequest(f"{name}.{field_name}", "is required", ErrorCode.REQUIRED)
    return section


def _positive(name: str, value: float) -> float:
    if value <= 0:
        raise InvalidRequest(name, "must be more than 0", ErrorCode.OUT_OF_RANGE)
    return value


def load(uow: UnitOfWork) -> MarketplaceSettings:
    stored = uow.marketplace.setting(KEY)
    return parse(stored) if isinstance(stored, dict) else MarketplaceSettings()


def save(uow_factory: UnitOfWorkFactory, new: MarketplaceSettings, *, clock: Clock, actor: str) -> None:
    """Replace the settings, recorded in the change log with what they were and what they are."""

    def work(uow: UnitOfWork) -> None:
        at = clock()
        before = uow.marketplace.setting(KEY)
        uow.marketplace.save_setting(KEY, new.as_json(), at)
        changes.record(
            uow, at, actor, "marketplace.settings_put", "marketplace:settings", before=before, after=new.as_json()
        )

    in_transaction(uow_factory, work)


def add_commission_rule(uow_factory: UnitOfWorkFactory, rule: CommissionRule, *, clock: Clock, actor: str) -> None:
    """Add a commission rule (rules are never edited: a new one with a higher priority replaces one)."""

    def work(uow: UnitOfWork) -> None:
        at = clock()
        uow.marketplace.add_rule(rule, at)
        after = {"scope": rule.scope, "value": rule.value, "currency": rule.currency, "priority": rule.priority}
        detail = {**after, **rule.terms.as_json()}
        changes.record(uow, at, actor, "commission_rule.added", f"commission_rule:{rule.id}", before=None, after=detail)

    in_transaction(uow_factory, work)
