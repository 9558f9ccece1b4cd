"""AS2 identities, partners' AS2 settings and exchanges; SFTP files taken."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from overture.domain.ids import new_id
from overture.services.ports import (
    As2Exchange,
    As2Identity,
    As2PartnerSettings,
    Direction,
    MdnMode,
)
from overture.store.tables import as2_identities, as2_messages, as2_partners, sftp_files

IDS, PARTNERS, MESSAGES = as2_identities, as2_partners, as2_messages


class SqlAs2Repository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def identity(self, as2_id: str) -> As2Identity | None:
        row = self._c.execute(select(IDS).where(IDS.c.as2_id == as2_id)).first()
        if row is None:
            return None
        return As2Identity(row.as2_id, row.private_key, row.certificate, row.mdn_url)

    def put_identity(self, identity: As2Identity, at: datetime) -> bool:
        values = {
            "private_key": identity.private_key_pem,
            "certificate": identity.certificate_pem,
            "mdn_url": identity.mdn_url,
            "updated_at": at,
        }
        if self._c.execute(update(IDS).where(IDS.c.as2_id == identity.as2_id).values(**values)).rowcount:
            return False
        self._c.execute(IDS.insert().values(as2_id=identity.as2_id, created_at=at, **values))
        return True

    def partner(self, partner_id: str) -> As2PartnerSettings | None:
        row = self._c.execute(select(PARTNERS).where(PARTNERS.c.partner_id == partner_id)).first()
        return None if row is None else _settings(row)

    def partner_by_as2(self, as2_id: str) -> As2PartnerSettings | None:
        row = self._c.execute(select(PARTNERS).where(PARTNERS.c.as2_id == as2_id)).first()
        return None if row is None else _settings(row)

    def put_partner(self, settings: As2PartnerSettings, at: datetime) -> bool:
        values = {
            "as2_id": settings.as2_id,
            "our_as2_id": settings.our_as2_id,
            "url": settings.url,
            "certificate": settings.certificate_pem,
            "sign": settings.sign,
            "encrypt": settings.encrypt,
            "encryption": settings.encryption,
            "digest": settings.digest,
            "mdn_mode": settings.mdn_mode.value,
            "mdn_signed": settings.mdn_signed,
            "updated_at": at,
        }
        where = PARTNERS.c.partner_id == settings.partner_id
        if self._c.execute(update(PARTNERS).where(where).values(**values)).rowcount:
            return False
        self._c.execute(PARTNERS.insert().values(partner_id=settings.partner_id, created_at=at, **values))
        return True

    def record(self, exchange: As2Exchange) -> bool:
        if self.exchange(exchange.direction, exchange.as2_from, exchange.message_id) is not None:
            return False
        self._c.execute(
            MESSAGES.insert().values(
                id=new_id("as2"),
                direction=exchange.direction.value,
                message_id=exchange.message_id,
                as2_from=exchange.as2_from,
                as2_to=exchange.as2_to,
                partner_id=exchange.partner_id,
                kind=exchange.kind,
                inbound_message_id=exchange.inbound_message_id,
                mic=exchange.mic,
                mdn_message_id=exchange.mdn_message_id,
                disposition=exchange.disposition,
                mdn=exchange.mdn,
                created_at=exchange.at,
                settled_at=exchange.at if exchange.disposition else None,
            )
        )
        return True

    def settle(
        self,
        direction: Direction,
        as2_from: str,
        message_id: str,
        *,
        mdn_message_id: str | None,
        disposition: str,
        mdn: bytes | None,
        at: datetime,
    ) -> None:
        self._c.execute(
            update(MESSAGES)
            .where(_key(direction, as2_from, message_id))
            .values(mdn_message_id=mdn_message_id, disposition=disposition[:128], mdn=mdn, settled_at=at)
        )

    def exchange(self, direction: Direction, as2_from: str, message_id: str) -> As2Exchange | None:
        row = self._c.execute(select(MESSAGES).where(_key(direction, as2_from, message_id))).first()
        return None if row is None else _exchange(row)

    def exchanges(self, partner_id: str) -> list[As2Exchange]:
        query = select(MESSAGES).where(MESSAGES.c.partner_id == partner_id).order_by(MESSAGES.c.created_at)
        return [_exchange(row) for row in self._c.execute(query)]


class SqlSftpFileRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def status(self, partner_id: str, name: str, sha256: str) -> str | None:
        f = sftp_files.c
        query = select(f.status).where(f.partner_id == partner_id, f.name == name, f.sha256 == sha256)
        found: str | None = self._c.execute(query).scalar()
        return found

    def add(
        self,
        *,
        partner_id: str,
        name: str,
        sha256: str,
        host: str,
        path: str,
        message_id: str | None,
        status: str,
        at: datetime,
    ) -> None:
        self._c.execute(
            sftp_files.insert().values(
                partner_id=partner_id,
                name=name,
                sha256=sha256,
                host=host,
                path=path,
                message_id=message_id,
                status=status,
                seen_at=at,
            )
        )


def _key(direction: Direction, as2_from: str, message_id: str) -> Any:
    return (
        (MESSAGES.c.direction == direction.value)
        & (MESSAGES.c.as2_from == as2_from)
        & (MESSAGES.c.message_id == message_id)
    )


def _settings(row: Any) -> As2PartnerSettings:
    return As2PartnerSettings(
        partner_id=row.partner_id,
        as2_id=row.as2_id,
        our_as2_id=row.our_as2_id,
        url=row.url,
        certificate_pem=row.certificate,
        sign=row.sign,
        encrypt=row.encrypt,
        encryption=row.encryption,
        digest=row.digest,
        mdn_mode=MdnMode(row.mdn_mode),
        mdn_signed=row.mdn_signed,
    )


def _exchange(row: Any) -> As2Exchange:
    return As2Exchange(
        direction=Direction(row.direction),
        message_id=row.message_id,
        as2_from=row.as2_from,
        as2_to=row.as2_to,
        at=row.created_at,
        partner_id=row.partner_id,
        kind=row.kind,
        inbound_message_id=row.inbound_message_id,
        mic=row.mic,
        mdn_message_id=row.mdn_message_id,
        disposition=row.disposition,
        mdn=row.mdn,
    )
