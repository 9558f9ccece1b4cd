"""Trading partner profiles, and the interchange control numbers we send each partner."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from overture.domain.partners import PartnerProfile, X12Identity
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
            "profile": profile_to_json(profile),
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


def profile_to_json(profile: PartnerProfile) -> dict[str, Any]:
    return {
        "x12": None
        if profile.x12 is None
        else {
            "qualifier": profile.x12.qualifier,
            "id": profile.x12.id,
            "application_code": profile.x12.application_code,
        },
        "x12_version": profile.x12_version,
        "delimiters": list(profile.delimiters),
        "sku_xref": profile.sku_xref,
        "uom_factors": profile.uom_factors,
        "contract_prices": {sku: str(price) for sku, price in profile.contract_prices.items()},
        "currency": profile.currency,
        "wants_855": profile.wants_855,
        "wants_856": profile.wants_856,
        "wants_810": profile.wants_810,
    }


def _identity_to_json(x12: X12Identity) -> dict[str, str]:
    return {"qualifier": x12.qualifier, "id": x12.id, "application_code": x12.application_code}


def _profile(row: Any) -> PartnerProfile:
    data = row.profile
    x12 = data.get("x12")
    element, component, segment = data.get("delimiters") or ("*", ">", "~")
    return PartnerProfile(
        partner_id=row.id,
        name=row.name,
        x12=None if not x12 else X12Identity(x12["qualifier"], x12["id"], x12.get("application_code", "")),
        x12_version=data.get("x12_version", "004010"),
        delimiters=(element, component, segment),
        sku_xref=dict(data.get("sku_xref", {})),
        uom_factors={k: int(v) for k, v in data.get("uom_factors", {}).items()},
        contract_prices={k: Decimal(v) for k, v in data.get("contract_prices", {}).items()},
        currency=data.get("currency", "USD"),
        wants_855=bool(data.get("wants_855", True)),
        wants_856=bool(data.get("wants_856", True)),
        wants_810=bool(data.get("wants_810", True)),
    )
