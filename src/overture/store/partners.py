"""Trading partner profiles, and the interchange control numbers we send each partner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from overture.domain.address_book import PartnerAddress, PartyId
from overture.domain.partners import PartnerProfile, profile_document, profile_from_document
from overture.store.tables import partner_addresses, trading_partners

T = trading_partners
A = partner_addresses
_ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "location_id")


class SqlPartnerRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, partner_id: str) -> PartnerProfile | None:
        row = self._c.execute(select(T).where(T.c.id == partner_id)).first()
        return None if row is None else _profile(row)

    def by_x12(self, qualifier: str, x12_id: str) -> PartnerProfile | None:
        row = self._c.execute(select(T).where(T.c.x12_qualifier == qualifier, T.c.x12_id == x12_id)).first()
        return None if row is None else _profile(row)

    def all(self) -> list[PartnerProfile]:
        return [_profile(row) for row in self._c.execute(select(T).order_by(T.c.id))]

    def put(self, profile: PartnerProfile, at: datetime) -> bool:
        values = {
            "name": profile.name,
            "x12_qualifier": profile.x12.qualifier if profile.x12 else None,
            "x12_id": profile.x12.id if profile.x12 else None,
            "profile": profile_document(profile),
            "updated_at": at,
        }
        changed = self._c.execute(update(T).where(T.c.id == profile.partner_id).values(**values)).rowcount
        if changed:
            return False
        self._c.execute(T.insert().values(id=profile.partner_id, created_at=at, last_control_number=0, **values))
        return True

    def next_control_number(self, partner_id: str) -> int:
        # One UPDATE: concurrent senders each get their own number.
        number = self._c.execute(
            update(T)
            .where(T.c.id == partner_id)
            .values(last_control_number=T.c.last_control_number + 1)
            .returning(T.c.last_control_number)
        ).scalar_one()
        return int(number)

    def address(self, partner_id: str, party: PartyId) -> PartnerAddress | None:
        where = (A.c.partner_id == partner_id, A.c.scheme == party.scheme, A.c.code == party.code)
        row = self._c.execute(select(A).where(*where)).first()
        return None if row is None else _address(row)

    def addresses_of(self, party: PartyId) -> list[PartnerAddress]:
        """Every partner's entry for a party (a GLN names one place whoever sends it)."""
        rows = self._c.execute(
            select(A).where(A.c.scheme == party.scheme, A.c.code == party.code).order_by(A.c.partner_id)
        )
        return [_address(row) for row in rows]

    def addresses(self, partner_id: str) -> list[PartnerAddress]:
        rows = self._c.execute(select(A).where(A.c.partner_id == partner_id).order_by(A.c.scheme, A.c.code))
        return [_address(row) for row in rows]

    def put_address(self, address: PartnerAddress, at: datetime) -> bool:
        """Create or replace one entry; True when it was created."""
        key = (A.c.partner_id == address.partner_id, A.c.scheme == address.party.scheme, A.c.code == address.party.code)
        values = {f: getattr(address, f) for f in _ADDRESS_FIELDS} | {"updated_at": at}
        if self._c.execute(update(A).where(*key).values(**values)).rowcount:
            return False
        self._c.execute(
            A.insert().values(
                partner_id=address.partner_id, scheme=address.party.scheme, code=address.party.code, **values
            )
        )
        return True

    def remove_address(self, partner_id: str, party: PartyId) -> bool:
        where = (A.c.partner_id == partner_id, A.c.scheme == party.scheme, A.c.code == party.code)
        return bool(self._c.execute(delete(A).where(*where)).rowcount)


def _address(row: Any) -> PartnerAddress:
    return PartnerAddress(row.partner_id, PartyId(row.scheme, row.code), *(getattr(row, f) for f in _ADDRESS_FIELDS))


def _profile(row: Any) -> PartnerProfile:
    return profile_from_document(row.id, row.name, row.profile)
