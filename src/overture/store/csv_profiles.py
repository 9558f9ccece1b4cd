"""Each trading partner's CSV profile: one JSON document per partner, edited as a whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from overture.domain.csv_profiles import CsvProfile
from overture.services.ports import UnitOfWork
from overture.store import tables
from overture.store.uow import SqlUnitOfWork

T = tables.csv_profiles


class SqlCsvProfileRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, partner_id: str) -> CsvProfile | None:
        row = self._c.execute(select(T).where(T.c.partner_id == partner_id)).first()
        return None if row is None else csv_profile_from_json(row.partner_id, row.profile)

    def put(self, profile: CsvProfile, at: datetime) -> bool:
        """Create or replace; True when it was created."""
        document = csv_profile_to_json(profile)
        changed = self._c.execute(
            update(T).where(T.c.partner_id == profile.partner_id).values(profile=document, updated_at=at)
        ).rowcount
        if changed:
            return False
        self._c.execute(
            T.insert().values(partner_id=profile.partner_id, profile=document, created_at=at, updated_at=at)
        )
        return True


def csv_profiles(uow: UnitOfWork) -> SqlCsvProfileRepository:
    """The CSV profiles inside this unit of work's transaction.

    They are the CSV channel's own settings, so the UnitOfWork port does not list them; the
    channel asks for them through this function instead.
    """
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError(f"CSV profiles live in the SQL store; got {type(uow).__name__}")
    return SqlCsvProfileRepository(uow.connection)


def csv_profile_to_json(profile: CsvProfile) -> dict[str, Any]:
    return {
        "columns": profile.columns,
        "delimiter": profile.delimiter,
        "decimal_separator": profile.decimal_separator,
        "date_format": profile.date_format,
        "all_or_nothing": profile.all_or_nothing,
        "defaults": profile.defaults,
        "encoding": profile.encoding,
    }


def csv_profile_from_json(partner_id: str, data: dict[str, Any]) -> CsvProfile:
    return CsvProfile(
        partner_id=partner_id,
        columns=dict(data["columns"]),
        delimiter=data.get("delimiter", ","),
        decimal_separator=data.get("decimal_separator", "."),
        date_format=data.get("date_format", "%Y-%m-%d"),
        all_or_nothing=bool(data.get("all_or_nothing", False)),
        defaults=dict(data.get("defaults", {})),
        encoding=data.get("encoding", "utf-8"),
    )
