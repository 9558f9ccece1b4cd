"""X12 control numbers kept per partner: ISA13s received (to tell a duplicate interchange) and GS06s sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from overture.store.tables import x12_group_control_numbers, x12_received_interchanges

R = x12_received_interchanges
G = x12_group_control_numbers


class SqlInterchangeControlRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record_received(self, partner_id: str, control_number: str, *, message_id: str, at: datetime) -> bool:
        """Note an interchange received; False if this partner sent one under that ISA13 before.

        A concurrent insert of the same number fails the unique key, which the unit of work turns into a
        ConflictError: the retry then finds the row and answers False."""
        seen = self._c.scalar(
            select(R.c.message_id).where(R.c.partner_id == partner_id, R.c.control_number == control_number)
        )
        if seen is not None:
            return False
        values = {"partner_id": partner_id, "control_number": control_number, "message_id": message_id}
        self._c.execute(insert(R).values(received_at=at, **values))
        return True

    def next_group_control_number(self, partner_id: str) -> int:
        """The next GS06 for a group we send this partner (1, 2, ...); concurrent senders never share one."""
        bumped = self._c.execute(
            update(G).where(G.c.partner_id == partner_id).values(last_control_number=G.c.last_control_number + 1)
        ).rowcount
        if not bumped:
            self._c.execute(insert(G).values(partner_id=partner_id, last_control_number=1))
        return int(self._c.scalar(select(G.c.last_control_number).where(G.c.partner_id == partner_id)) or 0)
