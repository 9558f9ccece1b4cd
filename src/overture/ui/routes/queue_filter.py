"""The exception queue's query string: its filters, its page cursors, and the actions a selection allows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from overture.domain.exceptions import ExceptionType
from overture.services.ports.dashboard import Cursor, QueueFilter

FILTERS = ("type", "channel", "partner", "assignee", "older_than_hours", "younger_than_hours")
# What the bulk menu may offer; an edit, a price override and a chosen reroute need the row's own form.
BULK_ACTIONS = ("retry", "override", "reroute", "cancel")


def queue_filter(params: Mapping[str, str]) -> tuple[QueueFilter, list[str]]:
    """The filter the query string asks for, and what in it could not be used (each named)."""
    errors: list[str] = []
    kind = params.get("type") or None
    if kind and kind not in {t.value for t in ExceptionType}:
        errors.append(f"type: {kind!r} is not an exception type")
        kind = None
    older = _hours(params, "older_than_hours", errors)
    younger = _hours(params, "younger_than_hours", errors)
    after = _cursor(params, "after", errors)
    before = None if after else _cursor(params, "before", errors)
    wanted = QueueFilter(
        kind,
        params.get("channel") or None,
        params.get("partner") or None,
        params.get("assignee") or None,
        older,
        younger_than_hours=younger,
        after=after,
        before=before,
    )
    return wanted, errors


def _hours(params: Mapping[str, str], name: str, errors: list[str]) -> float | None:
    text = params.get(name)
    if not text:
        return None
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not hours >= 0:  # also refuses nan
        errors.append(f"{name}: {text!r} is not a number of hours (0 or more)")
        return None
    return hours


def cursor_text(row: Mapping[str, Any]) -> str:
    return f"{row['created_at'].isoformat()}|{row['id']}"


def _cursor(params: Mapping[str, str], name: str, errors: list[str]) -> Cursor | None:
    text = params.get(name)
    if not text:
        return None
    at, _, exception_id = text.partition("|")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or not exception_id:
        errors.append(f"{name}: {text!r} is not a place in the queue (follow the next / previous links)")
        return None
    return when, exception_id


def filter_query(params: Mapping[str, str]) -> str:
    """The filters alone as a query string, which each page link extends with its cursor."""
    return urlencode([(name, params[name]) for name in FILTERS if params.get(name)])


def bulk_choices(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The bulk actions at least one row on the page allows (the menu offers no other)."""
    allowed = {a for row in rows for a in row["actions"]}
    return [a for a in BULK_ACTIONS if a in allowed]


def common_actions(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The bulk actions every one of ``rows`` allows: what a selection of them may be given."""
    common: set[str] | None = None
    for row in rows:
        common = set(row["actions"]) if common is None else common & set(row["actions"])
    return [a for a in BULK_ACTIONS if a in (common or set())]


def refusal(action: str, exception: Mapping[str, Any]) -> str | None:
    """Why ``action`` cannot be taken on this exception, in plain words; None if it can."""
    if exception.get("status") != "open":
        return None  # the service says it was already resolved, and how
    allowed = list(exception.get("allowed_actions") or [])
    if action in allowed:
        return None
    kind = str(exception.get("type", "")).replace("_", " ")
    offered = ", ".join(allowed) or "nothing"
    return f"{action} is not one of the actions this {kind} exception allows ({offered})"
