"""Governance rule sets (versioned, per scope) and what the rules need to know of earlier orders.

Every order needs the rule sets, and they change rarely, so each engine keeps the current ones in
memory for a few seconds. A process that stores a new version drops its copy when that transaction
commits, so its own next order uses the new version at once; other processes pick it up within
``_RuleSetCache.TTL_S``. Every evaluation records the version it used, so either way it is known.
"""

from __future__ import annotations

import math
import time
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, and_, event, func, literal, select, union_all

from overture.domain.exceptions import ExceptionStatus
from overture.domain.rules import PriorOrder, RuleCode, RuleSettings, ScopedRules
from overture.domain.rules.documents import CODES, rules_document, settings_from_document
from overture.domain.statuses import OrderStatus
from overture.store.tables import order_exceptions, order_references, orders, rule_sets

R = rule_sets
S = OrderStatus
# An account's exposure: orders captured and not yet completed or given up. Overture sees no
# payments, so a completed (invoiced) order counts as settled.
OPEN_STATUSES = [
    s.value for s in (S.RECEIVED, S.VALIDATED, S.RESERVED, S.ROUTED, S.RELEASED, S.SHIPPED, S.INVOICED)
] + [S.ON_HOLD.value, S.BACKORDERED.value]

_LATEST = select(R.c.scope, func.max(R.c.version).label("version")).group_by(R.c.scope).subquery()
CURRENT_RULE_SETS = select(R).join(_LATEST, and_(R.c.scope == _LATEST.c.scope, R.c.version == _LATEST.c.version))


# ---- JSON <-> settings ---------------------------------------------------------------------


def _scoped(row: Any) -> ScopedRules:
    # A code this release does not know (written by a newer one) is left out rather than failing.
    rules = {CODES[code]: settings_from_document(data) for code, data in row.rules.items() if code in CODES}
    return ScopedRules(row.scope, row.version, rules, row.note, row.created_at)


class _RuleSetCache:
    TTL_S = 5.0

    def __init__(self) -> None:
        self._by_scope: dict[str, ScopedRules] = {}
        self._loaded_at = -math.inf
        self._generation = 0  # bumped by every drop

    def get(self, connection: Connection) -> dict[str, ScopedRules]:
        if time.monotonic() - self._loaded_at <= self.TTL_S:
            return self._by_scope
        generation, started = self._generation, time.monotonic()
        loaded = {row.scope: _scoped(row) for row in connection.execute(CURRENT_RULE_SETS)}
        # A load that began before a new version committed may have read the old one: use it for
        # this order, but keep it only if no drop happened meanwhile.
        if generation == self._generation:
            self._by_scope, self._loaded_at = loaded, started
        return loaded

    def drop(self, _: Connection | None = None) -> None:
        self._generation += 1
        self._loaded_at = -math.inf


_caches: weakref.WeakKeyDictionary[Engine, _RuleSetCache] = weakref.WeakKeyDictionary()


class SqlGovernanceRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def _cache(self) -> _RuleSetCache:
        return _caches.setdefault(self._c.engine, _RuleSetCache())

    # ---- rule sets -------------------------------------------------------------------------

    def current_rule_sets(self) -> dict[str, ScopedRules]:
        return self._cache().get(self._c)

    def rule_set(self, scope: str, version: int | None = None) -> ScopedRules | None:
        query = select(R).where(R.c.scope == scope).order_by(R.c.version.desc()).limit(1)
        if version is not None:
            query = select(R).where(R.c.scope == scope, R.c.version == version)
        row = self._c.execute(query).first()
        return None if row is None else _scoped(row)

    def history(self, scope: str) -> list[ScopedRules]:
        return [_scoped(row) for row in self._c.execute(select(R).where(R.c.scope == scope).order_by(R.c.version))]

    def all_current(self) -> list[ScopedRules]:
        return sorted((_scoped(row) for row in self._c.execute(CURRENT_RULE_SETS)), key=lambda s: s.scope)

    def put_rule_set(
        self, scope: str, rules: Mapping[RuleCode, RuleSettings], *, note: str, at: datetime
    ) -> ScopedRules:
        """Store the next version of the scope's rule set. Two writers racing for the same version
        collide on the primary key; the loser's transaction is retried and takes the next one."""
        latest = self._c.scalar(select(func.max(R.c.version)).where(R.c.scope == scope))
        version = (latest or 0) + 1
        self._c.execute(
            R.insert().values(scope=scope, version=version, rules=rules_document(rules), note=note, created_at=at)
        )
        event.listen(self._c, "commit", self._cache().drop, once=True)
        return ScopedRules(scope, version, dict(rules), note, at)

    # ---- what the rules need to know of earlier orders ---------------------------------------

    def open_orders_total(self, partner_id: str, currency: str, *, excluding: str) -> Decimal:
        # Summed here, not in SQL: SQLite keeps amounts as text and would add them as floats.
        totals = self._c.scalars(
            select(orders.c.total).where(
                orders.c.partner_id == partner_id,
                orders.c.status.in_(OPEN_STATUSES),
                orders.c.currency == currency,
                orders.c.id != excluding,
            )
        )
        return sum(totals, Decimal(0))

    def prior_orders(
        self, external_id: str, identifiers: Sequence[tuple[str, str]], *, excluding: str
    ) -> list[PriorOrder]:
        """Orders (not cancelled) sharing the external id, or one of the (kind, value) references."""
        columns = (orders.c.id, orders.c.channel, orders.c.external_id, orders.c.customer, orders.c.partner_id)
        live = and_(orders.c.id != excluding, orders.c.status != S.CANCELLED.value)
        branches = [
            select(*columns, literal("external_id").label("matched_on")).where(
                orders.c.external_id == external_id, live
            )
        ]
        for kind, value in identifiers:
            branches.append(
                select(*columns, literal(kind).label("matched_on"))
                .join(order_references, order_references.c.order_id == orders.c.id)
                .where(order_references.c.kind == kind, order_references.c.value == value, live)
            )
        return [_prior(row) for row in self._c.execute(union_all(*branches))]

    def recent_orders(self, limit: int, *, channel: str | None = None, partner_id: str | None = None) -> list[str]:
        query = select(orders.c.id).order_by(orders.c.id.desc()).limit(limit)
        if channel is not None:
            query = query.where(orders.c.channel == channel)
        if partner_id is not None:
            query = query.where(orders.c.partner_id == partner_id)
        return list(self._c.scalars(query))

    def identifiers(self, order_id: str) -> list[tuple[str, str]]:
        rows = self._c.execute(
            select(order_references.c.kind, order_references.c.value).where(order_references.c.order_id == order_id)
        )
        return [(row.kind, row.value) for row in rows]

    def overridden(self, order_id: str) -> set[str]:
        """Types of this order's exceptions a person resolved with ``override``."""
        return set(
            self._c.scalars(
                select(order_exceptions.c.type).where(
                    order_exceptions.c.order_id == order_id,
                    order_exceptions.c.status == ExceptionStatus.RESOLVED.value,
                    order_exceptions.c.resolution == "override",
                )
            )
        )


def _prior(row: Any) -> PriorOrder:
    customer = row.customer or {}
    return PriorOrder(
        order_id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        customer_reference=customer.get("reference", ""),
        partner_id=row.partner_id or customer.get("partner_id"),
        matched_on=row.matched_on,
    )
