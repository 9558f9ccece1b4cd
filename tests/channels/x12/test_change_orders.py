"""860 change orders in, 865 acknowledgments out: the reader, the writer against our own tables,
and an 860 applied to a captured order through the amendment path (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.outbound import ChangeLineAnswer, LineAck, change_ack_865
from overture.channels.x12.po860 import read_change_order
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.tokenizer import Delimiters
from overture.channels.x12.writer import GroupDraft, reply_envelope, write_interchange
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from overture.store.tables import inbound_messages, order_lines, orders, reservations
from tests.channels.x12.change_order_fixtures import CHANGES, PO, change_860
from tests.factories import add_locations, add_skus, stock

ACME = PartnerProfile(
    "ACME",
    "Acme Stores",
    X12Identity("ZZ", "ACMEBUYER"),
    sku_xref={"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    uom_factors={"CA": 12},
)
AT = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)


def _set_of(text: str) -> tuple[str, list[list[str]]]:
    (_, group, transaction), *_ = read(text).transactions()
    return group.functional_id, [s.elements for s in transaction.body]


def _problems(text: str, version: str) -> list[object]:
    document = read(text)
    (interchange,) = document.interchanges
    (_, _, transaction), *_ = document.transactions()
    schema = schema_for("865", version)
    assert schema is not None
    d = interchange.delimiters
    return list(validate(schema, transaction.segments, repetition=d.repetition, component=d.component))


# ---- the reader -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_860_reader_takes_bch_header_dates_and_each_poc(version: str) -> None:
    pocs = [*CHANGES, "POC*1*CT*3**CA", "DTM*002*20260210"]
    document = read(change_860(pocs, version=version, sequence="7"))
    (interchange,) = document.interchanges
    (_, _, transaction), *_ = document.transactions()

    change = read_change_order(transaction, interchange.delimiters)

    assert (change.purpose, change.po_number, change.change_sequence) == ("04", "PO-7781", "7")
    assert (change.po_date, change.request_date, change.dates) == ("20260115", "20260120", {"002": "20260205"})
    assert [(x.line_id, x.change, x.quantity, x.uom) for x in change.lines] == [
        ("1", "QI", Decimal(3), "CA"),
        ("2", "DI", Decimal(0), "EA"),
        ("3", "AI", Decimal(6), "CA"),
        ("1", "CT", Decimal(3), "CA"),
    ]
    assert change.lines[2].product_ids == {"BP": "ACME-002", "UP": "012345678905"}
    assert change.lines[3].dates == {"002": "20260210"}


def test_an_860_change_type_we_do_not_act_on_names_poc02() -> None:
    from overture.services.errors import PayloadError

    document = read(change_860(["POC*1*ZZ*3**CA"]))
    (_, _, transaction), *_ = document.transactions()
    with pytest.raises(PayloadError) as raised:
        read_change_order(transaction, Delimiters("*", ">", "~"))
    assert raised.value.errors[0].field == "POC[1].POC02"


# ---- the 865 writer -------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_865_answers_each_poc_and_passes_our_own_tables(version: str) -> None:
    partner = PartnerProfile("ACME", x12=X12Identity("ZZ", "ACMEBUYER"), x12_version=version)
    answers = [
        ChangeLineAnswer("1", "QI", LineAck.QUANTITY_CHANGED, 36, Decimal(4), [("BP", "ACME-001")]),
        ChangeLineAnswer("2", "DI", LineAck.DELETED, None, None, [("BP", "ACME-002")]),
        ChangeLineAnswer("9", "QD", LineAck.REJECTED, None, None, [], "the PO has no line '9'"),
    ]
    draft = change_ack_865("PO-7781", "20260115", "3", answers, partner)
    text = write_interchange(reply_envelope(partner, _us()), 5, [GroupDraft("CA", 5, [draft])], AT)

    assert _problems(text, version) == []
    functional_id, body = _set_of(text)
    assert functional_id == "CA"
    assert body[0] == ["BCA", "04", "AC", "PO-7781", "", "3", "20260115"]
    assert [s[1] for s in body if s[0] == "ACK"] == ["IQ", "ID", "IR"]
    note = "MTX" if version == "005010" else "MSG"
    assert [s[0] for s in body][-3:] == ["N9", note, "CTT"]


def test_an_865_rejecting_every_line_says_rj_and_one_accepting_all_says_at() -> None:
    rejected = [ChangeLineAnswer("1", "QI", LineAck.REJECTED, None, None, [], "released")]
    accepted = [ChangeLineAnswer("1", "CT", LineAck.ACCEPTED, 24, Decimal(4), [])]
    assert change_ack_865("P", "20260115", "", rejected, ACME).body[0][2] == "RJ"
    assert change_ack_865("P", "20260115", "", accepted, ACME).body[0][2] == "AT"


# ---- an 860 applied to the order ------------------------------------------------------------


def _us() -> object:
    from overture.channels.x12.writer import Sender

    return Sender()


def _seed(container: Container, *, gadgets: int = 200) -> None:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", gadgets)


def _receive(container: Container, text: str) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def _lines(container: Container, order_id: str) -> list[tuple[int, str, int]]:
    with container.engine.connect() as c:
        rows = c.execute(
            sa.select(order_lines.c.line_no, order_lines.c.sku, order_lines.c.quantity)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.line_no)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _reserved(container: Container, order_id: str) -> list[tuple[int, int]]:
    with container.engine.connect() as c:
        rows = c.execute(
            sa.select(reservations.c.line_no, reservations.c.quantity)
            .where(reservations.c.order_id == order_id, reservations.c.status == "active")
            .order_by(reservations.c.line_no)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_an_860_changes_the_order_through_the_amendment_and_the_865_says_how(container: Container) -> None:
    _seed(container)
    order_id = _receive(container, PO).transactions[0].order_id
    assert order_id is not None

    receipt = _receive(container, change_860(CHANGES))

    (outcome,) = receipt.transactions
    assert (outcome.code, outcome.order_id, outcome.errors) == ("860", order_id, [])
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 36), (3, "GADGET", 72)]
    assert _reserved(container, order_id) == [(1, 36), (3, 72)]
    assert outcome.ack_865 is not None
    assert _problems(outcome.ack_865, "004010") == []
    _, body = _set_of(outcome.ack_865)
    assert body[0][:7] == ["BCA", "04", "AC", "PO-7781", "", "1", "20260115"]
    assert [s[1:4] for s in body if s[0] == "ACK"] == [["IQ", "36", "EA"], ["ID"], ["IA", "72", "EA"]]
    assert [s[:3] for s in body if s[0] == "POC"] == [["POC", "1", "QI"], ["POC", "2", "DI"], ["POC", "3", "AI"]]


def test_the_same_860_again_changes_nothing_and_is_not_answered_twice(container: Container) -> None:
    _seed(container)
    order_id = _receive(container, PO).transactions[0].order_id
    assert order_id is not None
    _receive(container, change_860(CHANGES))

    again = _receive(container, change_860(CHANGES, control="000000202"))

    assert again.transactions[0].ack_865 is None
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 36), (3, "GADGET", 72)]


def test_lines_that_cannot_change_are_refused_alone_with_the_reason(container: Container) -> None:
    _seed(container)
    order_id = _receive(container, PO).transactions[0].order_id
    assert order_id is not None
    pocs = ["POC*9*QD*1**CA", "POC*3*AI*1**EA*5.00**BP*NOT-OURS", "POC*1*QD*1*2*CA"]

    receipt = _receive(container, change_860(pocs))

    ack_865 = receipt.transactions[0].ack_865
    assert ack_865 is not None and _problems(ack_865, "004010") == []
    _, body = _set_of(ack_865)
    assert [s[1] for s in body if s[0] == "ACK"] == ["IR", "IR", "IQ"]
    reasons = [s[1] for s in body if s[0] == "MSG"]
    assert "the PO has no line" in reasons[0] and "NOT-OURS" in reasons[1]
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 12), (2, "GADGET", 5)]


def test_an_order_already_released_answers_every_line_rejected(container: Container) -> None:
    _seed(container)
    order_id = _receive(container, PO).transactions[0].order_id
    assert order_id is not None
    with container.engine.begin() as c:
        c.execute(sa.update(orders).where(orders.c.id == order_id).values(status="released"))

    receipt = _receive(container, change_860(CHANGES))

    ack_865 = receipt.transactions[0].ack_865
    assert ack_865 is not None
    _, body = _set_of(ack_865)
    assert body[0][2] == "RJ"
    assert [s[1] for s in body if s[0] == "ACK"] == ["IR", "IR", "IR"]
    assert any("released" in s[1] for s in body if s[0] == "MSG")
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 24), (2, "GADGET", 5)]


def test_an_860_naming_no_po_of_the_partner_is_quarantined_naming_bch03(container: Container) -> None:
    _seed(container)

    receipt = _receive(container, change_860(CHANGES).replace("PO-7781", "PO-NONE"))

    (outcome,) = receipt.transactions
    assert outcome.errors[0]["field"] == "BCH03" and outcome.errors[0]["code"] == "not_found"
    assert outcome.ack_865 is None
    with container.engine.connect() as c:
        statuses = [s for (s,) in c.execute(sa.select(inbound_messages.c.status))]
    assert "quarantined" in statuses


def test_every_reply_to_a_file_is_listed_for_the_transports_855s_and_865s_too(container: Container) -> None:
    from overture.channels.x12.dropfolder import answers

    _seed(container)
    placed = _receive(container, PO)
    assert [kind for kind, _ in placed.replies()] == ["997", "855"]
    changed = _receive(container, change_860(CHANGES))
    assert [kind for kind, _ in changed.replies()] == ["997", "865"]
    assert [name for name, _ in answers("chg", changed)] == ["chg.997.edi", "chg.865-1.edi"]
