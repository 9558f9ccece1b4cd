"""Each trading partner's CSV profile: reading it and replacing it, for the API and the CSV import alike.

The profiles are the CSV channel's own settings, kept in the store but not listed on the
``UnitOfWork`` port (no other use case needs them): :data:`CsvProfilesIn` is the port, a function
giving the profiles inside a unit of work's transaction, which the wiring (``bootstrap``) supplies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

from overture.domain.csv_profiles import CsvProfile
from overture.domain.partners import PartnerProfile
from overture.services import changes
from overture.services.changes import SYSTEM
from overture.services.errors import NotFound
from overture.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only


class CsvProfileRepository(Protocol):
    def get(self, partner_id: str) -> CsvProfile | None: ...

    def put(self, profile: CsvProfile, at: datetime) -> bool:
        """Create or replace the partner's profile; True when it was created."""
        ...


CsvProfilesIn = Callable[[UnitOfWork], CsvProfileRepository]
"""The port: the CSV profiles inside this unit of work's transaction."""


@dataclass(frozen=True, slots=True)
class CsvProfiles:
    """Use cases on the partners' CSV profiles."""

    uow_factory: UnitOfWorkFactory
    profiles_in: CsvProfilesIn
    clock: Clock

    def partner(self, partner_id: str) -> PartnerProfile:
        """The trading partner a profile is for; NotFound when there is none."""
        partner = read_only(self.uow_factory, lambda uow: uow.partners.get(partner_id))
        if partner is None:
            raise NotFound(f"no trading partner {partner_id!r}")
        return partner

    def get(self, partner_id: str) -> CsvProfile:
        profile = read_only(self.uow_factory, lambda uow: self.profiles_in(uow).get(partner_id))
        if profile is None:
            raise NotFound(f"trading partner {partner_id!r} has no CSV profile")
        return profile

    def put(self, profile: CsvProfile, *, actor: str = SYSTEM) -> bool:
        """Create or replace (checked by the caller); True when it was created."""
        at = self.clock()

        def work(uow: UnitOfWork) -> bool:
            profiles = self.profiles_in(uow)
            old = profiles.get(profile.partner_id)
            created = profiles.put(profile, at)
            before = None if old is None else asdict(old)
            subject = f"partner:{profile.partner_id}"
            changes.record(
                uow, at, actor, "csv_profile.put", subject, created=created, before=before, after=asdict(profile)
            )
            return created

        return in_transaction(self.uow_factory, work)
