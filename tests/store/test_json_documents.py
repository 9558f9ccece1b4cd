"""JSON documents keep any text: NUL, which PostgreSQL's jsonb refuses, is written as U+FFFD on both stores."""

from __future__ import annotations

import orjson
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.services.errors import ErrorCode, FieldError
from overture.services.ports import InboundMessage, MessageStatus, UnitOfWork
from overture.services.retry import in_transaction
from overture.store.tables import inbound_messages


def test_nul_in_a_messages_headers_and_errors_is_stored_as_the_replacement_character(container: Container) -> None:
    message = InboundMessage("csv", b"PO\x00,1\r\n", container.clock(), "text/csv", {"x-csv-partner": "AC\x00ME"})
    error = FieldError("row 2: PO\x00", ErrorCode.INVALID_VALUE, "PO\x00 differs from PO on row 1")

    def work(uow: UnitOfWork) -> str:
        message_id = uow.messages.add(message)
        uow.messages.settle(message_id, MessageStatus.QUARANTINED, reason="validation_failed", errors=[error])
        return message_id

    message_id = in_transaction(container.uow, work)

    with container.engine.connect() as connection:
        kept = connection.execute(sa.select(inbound_messages).where(inbound_messages.c.id == message_id)).one()
    assert kept.body == b"PO\x00,1\r\n"  # the raw bytes, NUL and all
    assert kept.headers == {"x-csv-partner": "AC\ufffdME"}
    assert kept.errors == [
        {"field": "row 2: PO\ufffd", "code": "invalid_value", "reason": "PO\ufffd differs from PO on row 1"}
    ]


def test_only_real_nuls_are_replaced_never_a_backslash_written_before_u0000() -> None:
    """The serializer searches the bytes, not the document; an escaped backslash followed by the
    text "u0000" is a sender's text and stays as it was."""
    from overture.store.engine import _json_dumps

    assert orjson.loads(_json_dumps({"k\x00": ["a\x00b", "\\u0000", "\\\x00"]})) == {
        "k\ufffd": ["a\ufffdb", "\\u0000", "\\\ufffd"]
    }
