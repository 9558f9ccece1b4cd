"""A trading partner with two POs received three days ago: our 855 for the first acknowledged by the
partner's 997, the 855 for the second never acknowledged (overdue past the 24-hour window). Shared by
tests/ui/test_partner_view.py and tests/browser/test_partner_view.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from overture.store.tables import outbound_documents
from tests.channels.x12.fixtures import PO_850
from tests.channels.x12.test_partner_acks import their_997
from tests.factories import add_locations, add_skus, stock

ACME = PartnerProfile(
    "ACME", "Acme Stores", X12Identity("ZZ", "ACMEBUYER"), sku_xref={"ACME-001": "W", "ACME-002": "G"}
)
# A description a browser must show as text, never as markup.
MARKUP = "Red <b>widget</b> & co"


@dataclass(frozen=True, slots=True)
class PartnerSeed:
    accepted: str  # the 855 the partner's 997 accepted
    overdue: str  # the 855 nothing acknowledged
    po_message: str  # the file holding the second PO (with MARKUP in it)
    ack_message: str  # the partner's 997


def receive(container: Container, text: str, at: datetime) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), at, "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=lambda: at)


def seed_partner(container: Container) -> PartnerSeed:
    sent_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, sent_at))
    add_locations(container, ["EWR"])
    add_skus(container, "W", "G")
    stock(container, "W", "EWR", 50)
    stock(container, "G", "EWR", 50)
    first = receive(container, PO_850, sent_at)
    second_text = PO_850.replace("000000101", "000000102").replace("PO-7781", "PO-7782")
    second = receive(container, second_text.replace("Red widget, case of 12", MARKUP), sent_at + timedelta(minutes=5))
    gs06 = read(first.acks_855[0]).interchanges[0].groups[0].control_number
    accepted = receive(
        container, their_997(gs06, "AK2*855*0001~\nAK5*A~\nAK9*A*1*1*1~\n"), sent_at + timedelta(hours=2)
    )
    with container.engine.connect() as c:
        found = c.execute(
            sa.select(outbound_documents.c.id, outbound_documents.c.order_id).where(outbound_documents.c.kind == "855")
        ).all()
    by_order = {row.order_id: row.id for row in found}
    return PartnerSeed(
        accepted=by_order[first.transactions[0].order_id],
        overdue=by_order[second.transactions[0].order_id],
        po_message=second.message_id,
        ack_message=accepted.message_id,
    )
