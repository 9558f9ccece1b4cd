"""Governance rule sets: which rules judge every order, their thresholds, and hold or reject.

A scope is ``default``, ``channel:<name>`` (the order's ``channel``, e.g. ``channel:web``,
``channel:edi``, ``channel:shopify``) or ``partner:<id>`` (a trading partner's orders). For each
rule the most specific scope that configures it decides all of its settings: partner over
channel over default over ``builtin`` (shipped: only ``unknown_sku`` on, holding). A scope that
leaves a rule out leaves it to the scopes below. Each ``PUT`` stores a new version of the scope's
whole rule set; every order's decisions name the scope and version each rule came from.

``PUT /v1/rules/{scope}`` body (every rule optional; each rule's own thresholds only)::

    {
      "note": "why this change",
      "rules": {
        "unknown_sku":      {"enabled": true, "action": "hold"},
        "invalid_quantity": {"enabled": true, "action": "hold", "max_quantity": 500},
        "duplicate_order":  {"enabled": true, "action": "reject", "reference_kinds": ["po_number"]},
        "embargo":          {"enabled": true, "action": "reject", "skus": ["DRONE-X"], "countries": ["IR", "KP"]},
        "address_mismatch": {"enabled": true, "action": "hold"},
        "price_mismatch":   {"enabled": true, "action": "hold", "tolerance_pct": "2.5"},
        "low_margin":       {"enabled": true, "action": "hold", "min_margin_pct": "10"},
        "credit_limit":     {"enabled": true, "action": "hold", "credit_limit": "50000"},
        "payment_terms":    {"enabled": true, "action": "hold", "terms_days": 30}
      }
    }

``enabled`` defaults to true and ``action`` to ``hold``. ``action: reject`` refuses a failing
order at capture: 422 ``rejected_by_rule`` naming each rule, its reason and the rule-set version,
and the raw message kept in quarantine. Answers (``GET``, ``PUT``) have the same ``rules`` shape,
every threshold written out, with ``scope``, ``version``, ``note``, ``created_at`` and, for
``GET``, the scope's ``versions``.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from overture.domain.rules import BUILTIN, RuleSet, ScopedRules
from overture.domain.rules.documents import rules_document, settings_document
from overture.services import governance
from overture.services.errors import NotFound
from overture.web.auth import ChangedBy
from overture.web.deps import ContainerDep
from overture.web.responses import Json
from overture.web.rule_sets import RuleSetIn, rule_settings

router = APIRouter(prefix="/v1/rules", tags=["rules"])


def _created(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _json(rule_set: ScopedRules) -> dict[str, Any]:
    return {
        "scope": rule_set.scope,
        "version": rule_set.version,
        "note": rule_set.note,
        "created_at": _created(rule_set.created_at),
        "rules": rules_document(rule_set.rules),
    }


def _effective(rule_set: RuleSet) -> dict[str, Any]:
    return {
        r.code.value: {**settings_document(r.code, r.settings), "rule_set": r.scope, "version": r.version}
        for r in rule_set.rules
    }


@router.get("")
def list_rule_sets(container: ContainerDep) -> Json:
    """The current version of every stored scope, and the shipped ``builtin`` beneath them."""
    stored = governance.all_current_rule_sets(container.uow)
    return Json({"items": [_json(r) for r in stored], "builtin": _json(BUILTIN)})


@router.get("/effective")
def effective_rules(
    container: ContainerDep,
    channel: Annotated[str, Query(min_length=1, max_length=64)],
    partner_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Json:
    """Every rule as an order from this channel (and partner) would be judged now, with the
    scope and version each one's settings come from."""
    rule_set = governance.effective_rule_set(container.uow, channel=channel, partner_id=partner_id)
    return Json({"channel": channel, "partner_id": partner_id, "rules": _effective(rule_set)})


@router.get("/{scope}")
def get_rule_set(scope: str, container: ContainerDep, version: Annotated[int | None, Query(ge=1)] = None) -> Json:
    """The scope's current rule set (or ``?version=``), with the list of its versions."""
    found = governance.get_rule_set(container.uow, scope, version)
    if found is None:
        raise NotFound(f"no rule set stored for {scope!r}" + (f" at version {version}" if version else ""))
    history = governance.rule_set_history(container.uow, scope)
    versions = [{"version": r.version, "note": r.note, "created_at": _created(r.created_at)} for r in history]
    return Json({**_json(found), "versions": versions})


@router.put("/{scope}", status_code=201)
async def put_rule_set(scope: str, body: RuleSetIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Store a new version of the scope's rule set (the whole set: rules left out are inherited)."""
    saved = await run_in_threadpool(
        partial(governance.put_rule_set, note=body.note, at=container.clock(), actor=actor),
        container.uow,
        scope,
        rule_settings(body.rules),
    )
    return Json(_json(saved), status_code=201, headers={"Location": f"/v1/rules/{scope}?version={saved.version}"})
