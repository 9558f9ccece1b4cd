"""Sellers: registered with a location of their own (their stock, in the one inventory ledger), moved
through their lifecycle (every move in the change log with who and why), on holiday and back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from overture.domain.inventory import Location, LocationKind
from overture.domain.marketplace.sellers import Seller, SellerStatus, SellerTransitionRefused, check_transition
from overture.domain.money import is_currency
from overture.services import changes
from overture.services.errors import ActionRefused, AlreadyExists, ErrorCode, InvalidRequest, NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction

RESERVED = frozenset({"acceptances", "new", "cases"})  # /sellers/<these> are pages, not sellers
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


class SellerRefused(ActionRefused):
    """A lifecycle move the seller's status does not allow."""


def location_of(seller_id: str) -> str:
    return f"seller-{seller_id}"


def register(
    uow_factory: UnitOfWorkFactory,
    seller_id: str,
    name: str,
    *,
    currency: str = "USD",
    profile: Mapping[str, object] | None = None,
    postal_code: str = "",
    country: str = "US",
    partner_id: str | None = None,
    actor: str,
    clock: Clock,
) -> Seller:
    """A new seller, pending onboarding, with its (empty) stock location."""
    if seller_id.lower() in RESERVED:
        raise InvalidRequest(
            "id", f"{seller_id!r} names a page of the dashboard: choose another", ErrorCode.INVALID_VALUE
        )
    if not _ID.fullmatch(seller_id):
        raise InvalidRequest("id", "1-32 letters, digits, '.', '_' or '-'", ErrorCode.INVALID_VALUE)
    if not name.strip():
        raise InvalidRequest("name", "a seller needs a name", ErrorCode.REQUIRED)
    if not is_currency(currency):
        raise InvalidRequest("currency", f"{currency!r} is not an ISO 4217 currency", ErrorCode.UNKNOWN_CURRENCY)

    def work(uow: UnitOfWork) -> Seller:
        if uow.marketplace.seller(seller_id) is not None:
            raise AlreadyExists(f"seller {seller_id!r} already exists")
        at = clock()
        location = Location(
            location_of(seller_id),
            f"{name} (seller)",
            0.0,
            0.0,
            kind=LocationKind.SELLER,
            postal_code=postal_code,
            country=country,
            priority=1000,
        )
        if not uow.catalog.known_locations({location.id}):
            uow.catalog.add_location(location, at)
        seller = Seller(
            seller_id,
            name.strip(),
            SellerStatus.PENDING,
            location.id,
            currency,
            profile=dict(profile or {}),
            partner_id=partner_id,
            created_at=at,
        )
        uow.marketplace.add_seller(seller, at)
        changes.record(uow, at, actor, "seller.registered", f"seller:{seller_id}", after={"name": name})
        return seller

    return in_transaction(uow_factory, work)


def get(uow: UnitOfWork, seller_id: str) -> Seller:
    seller = uow.marketplace.seller(seller_id)
    if seller is None:
        raise NotFound(f"no seller {seller_id!r}")
    return seller


def move(uow: UnitOfWork, seller_id: str, target: SellerStatus, *, actor: str, note: str, at: datetime) -> Seller:
    """Move a seller to ``target`` inside the caller's transaction, recorded with who and why."""
    seller = get(uow, seller_id)
    try:
        check_transition(seller_id, seller.status, target)
    except SellerTransitionRefused as refused:
        raise SellerRefused(str(refused)) from refused
    uow.marketplace.update_seller(seller_id, at, status=target, status_note=note[:2000])
    changes.record(
        uow,
        at,
        actor,
        "seller.status",
        f"seller:{seller_id}",
        before={"status": seller.status.value},
        after={"status": target.value, "note": note},
    )
    return get(uow, seller_id)


def set_status(
    uow_factory: UnitOfWorkFactory, seller_id: str, target: SellerStatus, *, actor: str, note: str, clock: Clock
) -> Seller:
    if not note.strip():
        raise InvalidRequest("note", "say why", ErrorCode.REQUIRED)
    return in_transaction(uow_factory, lambda uow: move(uow, seller_id, target, actor=actor, note=note, at=clock()))


def set_holiday(uow_factory: UnitOfWorkFactory, seller_id: str, on: bool, *, actor: str, clock: Clock) -> Seller:
    """Away: its offers win nothing until it is back (orders it already has are still its to answer)."""

    def work(uow: UnitOfWork) -> Seller:
        seller = get(uow, seller_id)
        if seller.holiday != on:
            at = clock()
            uow.marketplace.update_seller(seller_id, at, holiday=on)
            changes.record(
                uow,
                at,
                actor,
                "seller.holiday",
                f"seller:{seller_id}",
                before={"holiday": seller.holiday},
                after={"holiday": on},
            )
        return get(uow, seller_id)

    return in_transaction(uow_factory, work)
