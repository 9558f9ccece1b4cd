"""The 997 for each functional group received: accepted, accepted with errors, rejected; and through
intake, that nothing rejected becomes an order and no control number we send repeats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.acknowledgements import answer_groups
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.schema import validate
from overture.channels.x12.sets import schema_for
from overture.channels.x12.writer import COMMON_DELIMITERS, EnvelopeSpec, Party, write_interchange
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from overture.store.tables import inbound_messages, orders, x12_group_control_numbers
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _ack(text: str) -> list[list[str]]:
    """The 997 we answer ``text`` with, read back with our own reader and checked against the 997 schema."""
    document = read(text)
    (interchange,) = document.interchanges
    drafts = answer_groups(interchange, check_document(document), COMMON_DELIMITERS.all(), lambda: 900)
    reply = write_interchange(EnvelopeSpec(Party("ZZ", "OVERTURE"), Party("ZZ", "ACMEBUYER")), 77, drafts, AT)
    answer = read(reply)
    assert answer.all_problems() == []
    (_, group, transaction), *_ = answer.transactions()
    assert group.functional_id == "FA"
    schema = schema_for("997", group.version)
    assert schema is not None
    assert validate(schema, transaction.segments) == []
    return [s.elements for s in transaction.body]


def test_a_clean_purchase_order_is_accepted() -> None:
    assert _ack(PO_850) == [
        ["AK1", "PO", "501"],
        ["AK2", "850", "0001"],
        ["AK5", "A"],
        ["AK9", "A", "1", "1", "1"],
    ]


def test_a_too_long_element_is_accepted_with_the_error_named() -> None:
    body = _ack(PO_850.replace("N4*Edison*NJ*", "N4*Edison*NEW JERSEY*"))
    assert ["AK3", "N4", "9", "N1", "8"] in body  # segment 9 counted from ST, in the N1 loop
    assert ["AK4", "2", "156", "5", "NEW JERSEY"] in body  # N402 (element 156) too long, the value copied
    assert ["AK5", "E", "5"] in body
    assert body[-1] == ["AK9", "E", "1", "1", "1"]


def test_a_missing_mandatory_segment_or_a_bad_count_rejects_the_set() -> None:
    body = _ack(PO_850.replace("BEG*00*SA*PO-7781**20261123~\n", "").replace("SE*14*", "SE*13*"))
    assert ["AK5", "R", "5"] in body
    assert any(s[0] == "AK3" and s[1] == "BEG" and s[2] == "2" and s[4] == "3" for s in body)  # BEG, due where CUR is
    assert body[-1][:2] == ["AK9", "R"]


def test_one_bad_set_among_good_ones_is_a_partial_acceptance() -> None:
    second = "ST*850*0002~\nBEG*00*SA*PO-2**20261123~\nSE*4*0002~\nGE*2*501"  # SE01 says 4, the set has 3
    body = _ack(PO_850.replace("GE*1*501", second))
    assert [s for s in body if s[0] == "AK5"] == [["AK5", "A"], ["AK5", "R", "4"]]
    assert body[-1] == ["AK9", "P", "2", "2", "1"]


def test_verdicts_match_the_checks() -> None:
    checked = check_document(read(PO_850))
    assert [c.verdict for c in checked] == [Verdict.ACCEPTED]


# --- Through intake, on both stores: what a rejection means, and the control numbers we send ----------

ACME = PartnerProfile(
    "ACME", "Acme Stores", X12Identity("ZZ", "ACMEBUYER"), sku_xref={"ACME-001": "W", "ACME-002": "G"}
)


def _seeded(container: Container) -> Container:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "W", "G")
    stock(container, "W", "EWR", 50)
    stock(container, "G", "EWR", 50)
    return container


def _receive(container: Container, text: str) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def _count(container: Container, table: sa.Table) -> int:
    with container.engine.connect() as c:
        return int(c.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(
    "broken",
    [
        PO_850.replace("GE*1*501~\n", ""),  # GE missing: AK9 R 3
        PO_850.replace("GE*1*501", "GE*1*502"),  # GE02 not GS06: AK9 R 4
        PO_850.replace("*ZZ*OVERTURE       *", "*99*OVERTURE       *"),  # ISA07 no qualifier: TA1 R 007
    ],
)
def test_a_set_whose_group_or_interchange_is_rejected_becomes_no_order_and_no_855(
    container: Container, broken: str
) -> None:
    receipt = _receive(_seeded(container), broken)

    assert [(t.verdict, t.order_id) for t in receipt.transactions] == [("R", None)]
    assert receipt.acks_855 == []
    assert _count(container, orders) == 0
    assert "AK9*R*" in receipt.functional_ack or (receipt.ack_ta1 or "").count("*R*007~") == 1


def test_a_rejected_interchange_is_answered_by_its_ta1_alone_and_quarantined(container: Container) -> None:
    receipt = _receive(_seeded(container), PO_850.replace("*ZZ*OVERTURE       *", "*99*OVERTURE       *"))

    assert receipt.functional_ack == "" and receipt.ack_ta1 is not None
    with container.engine.connect() as c:
        assert c.execute(sa.select(inbound_messages.c.status)).scalar_one() == "quarantined"


def test_a_005010_group_is_answered_by_a_999_and_a_repeated_isa13_by_a_ta1(container: Container) -> None:
    text = PO_850.replace("*U*00401*", "*^*00501*").replace("*X*004010~", "*X*005010~")
    first = _receive(_seeded(container), text)
    again = _receive(container, text.replace("PO-7781", "PO-7782"))

    assert first.functional_ack_kind == "999" and "ST*999*0001*005010X231A1~" in first.functional_ack
    assert first.ack_ta1 is None and first.transactions[0].order_id is not None
    assert again.ack_ta1 is not None and "TA1*000000101*261123*0930*E*025~" in again.ack_ta1
    assert again.transactions[0].order_id is not None  # noted, not refused: the PO itself is new


def test_group_control_numbers_we_send_a_partner_never_repeat(container: Container) -> None:
    _seeded(container)
    two_interchanges = PO_850 + PO_850.replace("000000101", "000000102").replace("PO-7781", "PO-7782")
    receipts = [_receive(container, two_interchanges), _receive(container, PO_850.replace("000000101", "000000103"))]

    sent = [r.functional_ack for r in receipts] + [a for r in receipts for a in r.acks_855]
    gs06 = [g.control_number for text in sent for i in read(text).interchanges for g in i.groups]
    isa13 = [i.control_number for text in sent for i in read(text).interchanges]
    assert len(gs06) == len(set(gs06)) == 5  # an FA per interchange received (three), an 855 per new PO (two)
    assert len(isa13) == len(set(isa13))
    with container.engine.connect() as c:
        kept = c.execute(sa.select(x12_group_control_numbers.c.last_control_number)).scalar_one()
    assert kept == max(int(n) for n in gs06)
