"""Trading partners' profiles, created or replaced as a whole, each change recorded with its actor."""

from __future__ import annotations

from typing import Any

from overture.domain.partners import PartnerProfile, profile_document
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.errors import AlreadyExists
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction


def put_partner(uow_factory: UnitOfWorkFactory, profile: PartnerProfile, *, clock: Clock, actor: str = SYSTEM) -> bool:
    """Create or replace the profile; True when it was created."""

    def work(uow: UnitOfWork) -> bool:
        at = clock()
        old = uow.partners.get(profile.partner_id)
        x12 = profile.x12
        holder = uow.partners.by_x12(x12.qualifier, x12.id) if x12 is not None else None
        if x12 is not None and holder is not None and holder.partner_id != profile.partner_id:
            # An interchange's sender id says which partner sent it: two partners cannot share one.
            raise AlreadyExists(f"the X12 id {x12.qualifier}/{x12.id} is partner {holder.partner_id!r}'s already")
        created = uow.partners.put(profile, at)
        detail = {"created": created, "name": profile.name, "profile": profile_document(profile)}
        before, after = _difference(old, profile)
        changes.record(
            uow, at, actor, "partner.put", f"partner:{profile.partner_id}", **detail, before=before, after=after
        )
        return created

    return in_transaction(uow_factory, work)


def _difference(old: PartnerProfile | None, new: PartnerProfile) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The profile fields that changed, before and after (a new partner: no before, every field after)."""
    after = {"name": new.name, **profile_document(new)}
    if old is None:
        return None, after
    before = {"name": old.name, **profile_document(old)}
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
