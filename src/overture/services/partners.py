"""Trading partners' profiles, created or replaced as a whole, each change recorded with its actor."""

from __future__ import annotations

from overture.domain.partners import PartnerProfile, profile_document
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction


def put_partner(uow_factory: UnitOfWorkFactory, profile: PartnerProfile, *, clock: Clock, actor: str = SYSTEM) -> bool:
    """Create or replace the profile; True when it was created."""

    def work(uow: UnitOfWork) -> bool:
        at = clock()
        created = uow.partners.put(profile, at)
        detail = {"created": created, "name": profile.name, "profile": profile_document(profile)}
        changes.record(uow, at, actor, "partner.put", f"partner:{profile.partner_id}", **detail)
        return created

    return in_transaction(uow_factory, work)
