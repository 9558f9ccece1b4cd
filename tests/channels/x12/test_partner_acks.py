"""The partner's 997 / 999 / TA1 about the documents we sent it, through intake on both stores: an 855
we sent for its 850 accepted, rejected with its codes, overdue when nothing came within the partner's
window; a 997 received is itself answered by no 997; and a TA1 rejecting our interchange is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from overture.store.tables import outbound_documents, partner_acknowledgements, partner_receipts
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock

SENT_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WINDOW = 24
ACME = PartnerProfile(
    "ACME",
    "Acme Stores",
    X12Identity("ZZ", "ACMEBUYER"),
    sku_xref={"ACME-001": "W", "ACME-002": "G"},
    ack_window_hours=WINDOW,
)


def _seeded(container: Container) -> Container:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, SENT_AT))
    add_locations(container, ["EWR"])
    add_skus(container, "W", "G")
    stock(container, "W", "EWR", 50)
    stock(container, "G", "EWR", 50)
    return container


def _receive(container: Container, text: str, at: datetime = SENT_AT) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), at, "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=lambda: at)


def their_997(gs06: str, ack: str, *, isa13: str = "000000201", version: str = "004010") -> str:
    """The partner's functional acknowledgement of our group ``gs06`` (``ack``: the AK2 ... AK9 lines)."""
    body = f"AK1*PR*{gs06}~\n{ack}"
    count = body.count("~") + 2
    return (
        f"ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*OVERTURE       *261123*1100*U*00401*{isa13}*0*P*>~\n"
        f"GS*FA*ACMEBUYER*OVERTURE*20261123*1100*9001*X*{version}~\n"
        f"ST*997*0001~\n{body}SE*{count}*0001~\nGE*1*9001~\nIEA*1*{isa13}~\n"
    )


def _our_855(container: Container) -> tuple[str, str]:
    """Receive the 850: the id and GS06 of the 855 we sent for it."""
    receipt = _receive(_seeded(container), PO_850)
    (text,) = receipt.acks_855
    (interchange,) = read(text).interchanges
    with container.engine.connect() as c:
        doc_id = c.scalar(sa.select(outbound_documents.c.id).where(outbound_documents.c.kind == "855"))
    return str(doc_id), interchange.groups[0].control_number


def _state(container: Container, now: datetime) -> list[tuple[str, str]]:
    rows, _ = container.dashboard.documents_out(
        "ACME", now=now, window=timedelta(hours=WINDOW), before=None, overdue_only=False
    )
    return [(r["kind"], r["state"]) for r in rows]


def test_an_855_the_partner_accepts_is_accepted(container: Container) -> None:
    doc_id, gs06 = _our_855(container)
    receipt = _receive(
        container, their_997(gs06, "AK2*855*0001~\nAK5*A~\nAK9*A*1*1*1~\n"), SENT_AT + timedelta(hours=1)
    )

    assert receipt.functional_ack == "" and receipt.ack_ta1 is None  # acknowledgements are not acknowledged
    assert ("855", "accepted") in _state(container, SENT_AT + timedelta(days=3))
    with container.engine.connect() as c:
        ack = c.execute(sa.select(partner_acknowledgements)).one()
        summary = c.execute(
            sa.select(partner_receipts.c.summary).where(partner_receipts.c.message_id == receipt.message_id)
        ).scalar_one()
    assert (ack.document_id, ack.level, ack.kind, ack.verdict) == (doc_id, "functional", "997", "A")
    assert ack.received_at == SENT_AT + timedelta(hours=1)
    assert summary["interchanges"][0]["groups"][0]["sets"][0]["answers"] == doc_id


def test_an_855_the_partner_rejects_is_rejected_with_its_codes(container: Container) -> None:
    doc_id, gs06 = _our_855(container)
    rejection = "AK2*855*0001~\nAK3*BAK*2**8~\nAK4*3*324*1~\nAK5*R*5~\nAK9*R*1*1*0~\n"
    _receive(container, their_997(gs06, rejection))

    assert ("855", "rejected") in _state(container, SENT_AT + timedelta(hours=2))
    document = container.dashboard.sent_document("ACME", doc_id, now=SENT_AT, window=timedelta(hours=WINDOW))
    assert document is not None
    ack = document["acks"]["functional"]
    assert ack["verdict"] == "R" and ack["detail"]["group"] == {"verdict": "R", "codes": []}
    assert ack["detail"]["sets"] == [
        {
            "set": "855",
            "control_number": "0001",
            "verdict": "R",
            "codes": ["5"],
            "errors": ["BAK at 2 (code 8)"],
            "listed": True,
        }
    ]


def test_an_855_nothing_acknowledges_within_the_window_is_overdue(container: Container) -> None:
    _our_855(container)
    window = timedelta(hours=WINDOW)

    assert ("855", "waiting") in _state(container, SENT_AT + window - timedelta(minutes=1))
    assert ("855", "overdue") in _state(container, SENT_AT + window + timedelta(minutes=1))
    assert container.dashboard.overdue_count("ACME", now=SENT_AT + window + timedelta(minutes=1), window=window) == 1
    # our 997 answering the 850 is no document the partner owes an acknowledgement for
    assert [s for k, s in _state(container, SENT_AT + 2 * window) if k == "997"] == ["none due"]


def test_a_999_for_another_group_or_kind_changes_nothing(container: Container) -> None:
    _, gs06 = _our_855(container)
    _receive(container, their_997(str(int(gs06) + 50), "AK2*855*0001~\nAK5*A~\nAK9*A*1*1*1~\n"))
    _receive(container, their_997(gs06, "AK9*A*1*1*1~\n").replace("AK1*PR*", "AK1*IN*"), SENT_AT)

    assert ("855", "waiting") in _state(container, SENT_AT + timedelta(hours=1))


def test_a_997_without_ak2_takes_its_groups_verdict(container: Container) -> None:
    _, gs06 = _our_855(container)
    _receive(container, their_997(gs06, "AK9*E*1*1*1~\n"))

    assert ("855", "accepted with errors") in _state(container, SENT_AT + timedelta(days=2))


@pytest.mark.parametrize("verdict, state", [("R", "rejected"), ("A", "waiting")])
def test_a_ta1_on_our_interchange_is_kept_and_a_rejection_ends_the_wait(
    container: Container, verdict: str, state: str
) -> None:
    doc_id, _ = _our_855(container)
    with container.engine.connect() as c:
        isa13 = c.scalar(sa.select(outbound_documents.c.control_number).where(outbound_documents.c.id == doc_id))
    ta1 = (
        "ISA*00*          *00*          *ZZ*ACMEBUYER      *ZZ*OVERTURE       *261123*1100*U*00401*000000301*0*P*>~\n"
        f"TA1*{isa13:09d}*261123*1000*{verdict}*{'006' if verdict == 'R' else '000'}~\nIEA*0*000000301~\n"
    )
    _receive(container, ta1)

    assert ("855", state) in _state(container, SENT_AT + timedelta(hours=1))
    document = container.dashboard.sent_document("ACME", doc_id, now=SENT_AT, window=timedelta(hours=WINDOW))
    assert document is not None and document["acks"]["interchange"]["verdict"] == verdict


def test_a_999_accepting_with_errors_is_read_from_its_ik5(container: Container) -> None:
    doc_id, gs06 = _our_855(container)
    text = their_997(gs06, "AK2*855*0001~\nIK3*PO1*3**8~\nIK5*E*5~\nAK9*E*1*1*1~\n", version="005010X231A1")
    _receive(container, text.replace("ST*997*0001~", "ST*999*0001*005010X231A1~").replace("*U*00401*", "*^*00501*"))

    assert ("855", "accepted with errors") in _state(container, SENT_AT + timedelta(days=2))
    document = container.dashboard.sent_document("ACME", doc_id, now=SENT_AT, window=timedelta(hours=WINDOW))
    assert document is not None
    ack = document["acks"]["functional"]
    assert ack["kind"] == "999" and ack["detail"]["sets"][0]["errors"] == ["PO1 at 3 (code 8)"]
