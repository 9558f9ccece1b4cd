"""Scorecards and governance: each seller's rates over the rolling window, checked against the
operator's thresholds; a breach warns (a case), a limit crossed after a warning suspends the seller (a
case too), so its offers stop winning the buy box. An operator resolving a suspension case with
``override`` restores the seller, with who and why in the case and the change log, and a grace period
in which no automatic suspension comes back on the same history."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from overture.domain.ids import new_id
from overture.domain.marketplace.scorecard import Action, Breach, Scorecard, actions, breaches
from overture.domain.marketplace.sellers import SellerStatus
from overture.services.errors import ActionRefused, ErrorCode, InvalidRequest, NotFound
from overture.services.marketplace.sellers import move
from overture.services.marketplace.settings import load
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.ports.marketplace import SellerCase
from overture.services.retry import in_transaction, read_only

WARNING = "scorecard_warning"
SUSPENSION = "scorecard_suspension"


def scorecard(uow: UnitOfWork, seller_id: str, now: datetime) -> Scorecard:
    window = load(uow).window_days
    return Scorecard(seller_id, uow.marketplace.counts(seller_id, now - timedelta(days=window)))


def scorecards(uow_factory: UnitOfWorkFactory, *, clock: Clock) -> list[Scorecard]:
    def work(uow: UnitOfWork) -> list[Scorecard]:
        now = clock()
        return [scorecard(uow, s.id, now) for s in uow.marketplace.sellers()]

    return read_only(uow_factory, work)


def trend(
    uow_factory: UnitOfWorkFactory, seller_id: str, *, clock: Clock, weeks: int = 8
) -> list[tuple[datetime, Scorecard]]:
    """The seller's scorecard as it stood at the end of each of the last ``weeks`` weeks (a 30-day window
    ending then; entries after the end still count: good enough for a trend line)."""

    def work(uow: UnitOfWork) -> list[tuple[datetime, Scorecard]]:
        now, window = clock(), load(uow).window_days
        points = []
        for k in range(weeks - 1, -1, -1):
            end = now - timedelta(weeks=k)
            points.append(
                (end, Scorecard(seller_id, uow.marketplace.counts(seller_id, end - timedelta(days=window), end)))
            )
        return points

    return read_only(uow_factory, work)


@dataclass(frozen=True, slots=True)
class Review:
    seller_id: str
    score: float
    warned: list[str]
    suspended: bool


def review(uow_factory: UnitOfWorkFactory, seller_id: str, *, clock: Clock) -> Review:
    """Score the seller, keep its score for the buy box, and warn or suspend as its rates say."""
    return in_transaction(uow_factory, lambda uow: review_in(uow, seller_id, clock()))


def review_in(uow: UnitOfWork, seller_id: str, now: datetime) -> Review:
    settings = load(uow)
    seller = uow.marketplace.seller(seller_id)
    if seller is None:
        raise NotFound(f"no seller {seller_id!r}")
    card = scorecard(uow, seller_id, now)
    score = round(card.score(), 4)
    if abs(score - seller.score) > 1e-9:
        uow.marketplace.update_seller(seller_id, now, score=score)
    found = breaches(card, settings.thresholds, min_sub_orders=settings.min_sub_orders)
    warned = {
        c.subject: True
        for c in uow.marketplace.cases(seller_id=seller_id, status=None, kind=WARNING)
        if c.created_at >= now - timedelta(days=settings.window_days)
    }
    in_grace = seller.grace_until is not None and now < seller.grace_until
    new_warnings: list[str] = []
    suspended = False
    for action, breach in actions(found, warned):
        if action is Action.WARN:
            if _open_case(uow, seller_id, WARNING, breach, card, now):
                new_warnings.append(breach.metric)
        elif seller.status is SellerStatus.APPROVED and not in_grace and not suspended:
            _open_case(uow, seller_id, SUSPENSION, breach, card, now)
            move(uow, seller_id, SellerStatus.SUSPENDED, actor="system:scorecard", note=breach.reason, at=now)
            suspended = True
    return Review(seller_id, score, new_warnings, suspended)


def _open_case(uow: UnitOfWork, seller_id: str, kind: str, breach: Breach, card: Scorecard, now: datetime) -> bool:
    word = "warned" if kind == WARNING else "suspended"
    case = SellerCase(
        new_id("sc"),
        seller_id,
        kind,
        breach.metric,
        f"{word}: {breach.reason}",
        now,
        {"level": breach.level, "value": breach.value, "rates": card.rates(), "counts": _counts(card)},
    )
    return uow.marketplace.add_case(case)


def _counts(card: Scorecard) -> dict[str, int]:
    return dataclasses.asdict(card.counts)


class CaseRefused(ActionRefused):
    pass


def resolve_case(
    uow_factory: UnitOfWorkFactory, case_id: str, *, action: str, actor: str, note: str, clock: Clock
) -> SellerCase:
    """``override`` a suspension restores the seller (with a grace period); ``confirm`` keeps it as the
    rules left it. Either way the case keeps who decided and why."""
    if action not in ("override", "confirm"):
        raise InvalidRequest("action", "override or confirm", ErrorCode.INVALID_VALUE)
    if not note.strip():
        raise InvalidRequest("note", "say why (it is kept with the decision)", ErrorCode.REQUIRED)

    def work(uow: UnitOfWork) -> SellerCase:
        case = uow.marketplace.case(case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}")
        if case.type == "onboarding_review":  # its decision moves the seller and wakes its onboarding
            raise CaseRefused(f"case {case_id} is an onboarding review: decide it at /v1/marketplace/onboarding/cases/")
        at = clock()
        if not uow.marketplace.resolve_case(case_id, action, actor, note, at):
            raise CaseRefused(f"case {case_id} is already resolved")
        if action == "override" and case.type == SUSPENSION:
            seller = uow.marketplace.seller(case.seller_id)
            if seller is not None and seller.status is SellerStatus.SUSPENDED:
                move(
                    uow,
                    case.seller_id,
                    SellerStatus.APPROVED,
                    actor=actor,
                    note=f"suspension overridden: {note}",
                    at=at,
                )
            grace = at + timedelta(days=load(uow).grace_days)
            uow.marketplace.update_seller(case.seller_id, at, grace_until=grace)
        resolved = uow.marketplace.case(case_id)
        assert resolved is not None
        return resolved

    return in_transaction(uow_factory, work)
