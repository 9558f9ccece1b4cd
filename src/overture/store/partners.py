"""Trading partner profiles, and the interchange control numbers we send each partner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from overture.domain.partners import PartnerProfile, profile_document, profile_from_document
from overture.store.tables import trading_partners

T = trading_partners


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


def _profile(row: Any) -> PartnerProfile:
    return profile_from_document(row.id, row.name, row.profile)
