"""The rules pages: every scope's rule set, its versions, the difference between two, a dry run of a
change on the newest orders, and saving it as a new version (admin), through the same use cases and
checks as ``/v1/rules`` (services/governance.py, services/rules_dry_run.py, web/rule_sets.py)."""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any

import orjson
from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from overture.bootstrap import Container
from overture.domain.rules import BUILTIN, RuleCode, RuleSettings, ScopedRules, check_scope
from overture.domain.rules.config import InvalidScope
from overture.domain.rules.documents import rules_document
from overture.services import changes, governance
from overture.services.rules_dry_run import DRY_RUN_ORDERS, dry_run
from overture.ui.routes.common import fragment, page, page_router
from overture.ui.session import Actor
from overture.web.deps import ContainerDep
from overture.web.rule_sets import RulesIn, rule_settings

router = page_router()


def _pretty(rules: Any) -> str:
    return json.dumps(rules, indent=2, sort_keys=True, default=str)


def parse_rules(document: str) -> tuple[dict[RuleCode, RuleSettings] | None, list[str]]:
    """The rules a textarea holds (the ``rules`` object of ``PUT /v1/rules``), or each problem named."""
    try:
        data = orjson.loads(document or "{}")
    except orjson.JSONDecodeError as error:
        return None, [f"rules: not JSON ({error})"]
    try:
        return rule_settings(RulesIn.model_validate(data)), []
    except ValidationError as error:
        return None, [f"rules.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]


def _valid(scope: str) -> bool:
    try:
        check_scope(scope)
    except InvalidScope:
        return False
    return True


@router.get("/settings/rules", response_class=HTMLResponse)
def rule_sets(request: Request, container: ContainerDep) -> HTMLResponse:
    stored = governance.all_current_rule_sets(container.uow)
    context = {
        "page": "settings",
        "stored": stored,
        "builtin": BUILTIN,
        "document": _pretty(rules_document(BUILTIN.rules)),
    }
    return page(request, "settings_rules.html", context)


@router.get("/settings/rules/open")
def open_scope(scope: Annotated[str, Query(max_length=200)] = "") -> Response:
    return RedirectResponse(f"/settings/rules/{scope.strip() or 'default'}", status_code=303)


def _scope_page(container: Container, scope: str, version: int | None, compare: int | None) -> dict[str, Any]:
    history = governance.rule_set_history(container.uow, scope)
    shown = next((r for r in history if r.version == version), history[-1] if history else None)
    context: dict[str, Any] = {
        "page": "settings",
        "scope": scope,
        "history": list(reversed(history)),
        "shown": shown,
        "document": _pretty(rules_document(shown.rules)) if shown else "{}",
        "effective_note": "Rules left out are inherited: partner over channel over default over builtin.",
        "changes": changes.recent(container.uow, subject=f"rules:{scope}", limit=20),
        "errors": [],
    }
    other = next((r for r in history if r.version == compare), None)
    if shown is not None and other is not None:
        context["diff"] = version_diff(other, shown)
        context["compared"] = other
    return context


def version_diff(old: ScopedRules, new: ScopedRules) -> list[tuple[str, str]]:
    """A unified diff of two versions' documents, each line with its kind (added, removed, same, hunk)."""
    before = _pretty(rules_document(old.rules)).splitlines()
    after = _pretty(rules_document(new.rules)).splitlines()
    lines = difflib.unified_diff(before, after, f"version {old.version}", f"version {new.version}", lineterm="", n=2)
    kinds = {"+": "added", "-": "removed", "@": "hunk"}
    return [(kinds.get(line[:1], "same"), line) for line in lines if not line.startswith(("+++", "---"))]


@router.get("/settings/rules/{scope}", response_class=HTMLResponse)
def rule_set_page(
    request: Request,
    scope: str,
    container: ContainerDep,
    version: Annotated[int | None, Query(ge=1)] = None,
    compare: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    if not _valid(scope):
        return page(request, "not_found.html", {"what": f"rule scope {scope!r}"}, status_code=404)
    return page(request, "settings_rule_set.html", _scope_page(container, scope, version, compare))


@router.post("/settings/rules/{scope}", response_class=HTMLResponse)
def save_rule_set(
    request: Request,
    scope: str,
    container: ContainerDep,
    actor: Actor,
    document: Annotated[str, Form()] = "{}",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A new version of the scope's rule set; back to the page showing it (or the problems, kept as typed)."""
    if not _valid(scope):
        return page(request, "not_found.html", {"what": f"rule scope {scope!r}"}, status_code=404)
    rules, errors = parse_rules(document)
    if rules is None:
        context = {**_scope_page(container, scope, None, None), "document": document, "note": note, "errors": errors}
        return page(request, "settings_rule_set.html", context, status_code=422)
    saved = governance.put_rule_set(container.uow, scope, rules, note=note.strip(), at=container.clock(), actor=actor)
    target = f"/settings/rules/{scope}?version={saved.version}"
    if saved.version > 1:
        target += f"&compare={saved.version - 1}"
    return RedirectResponse(target, status_code=303)


@router.post("/settings/rules/{scope}/dry-run", response_class=HTMLResponse)
def dry_run_rule_set(
    request: Request, scope: str, container: ContainerDep, document: Annotated[str, Form()] = "{}"
) -> HTMLResponse:
    """What the rules in the textarea would do to the newest orders of the scope, next to today's rules."""
    if not _valid(scope):
        return fragment(request, "_rules_dry_run.html", {"errors": [f"no rule scope {scope!r}"], "run": None}, 404)
    rules, errors = parse_rules(document)
    if rules is None:
        return fragment(request, "_rules_dry_run.html", {"errors": errors, "run": None}, status_code=422)
    run = dry_run(container.uow, container.geocoder, scope, rules)
    return fragment(request, "_rules_dry_run.html", {"errors": [], "run": run, "limit": DRY_RUN_ORDERS})
