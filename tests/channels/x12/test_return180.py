"""A partner's 180 (Return Merchandise Authorization and Notification): the reader and its mapping on our
own 004010 and 005010 files (rma/PROVENANCE.md), each passing our tables; and through the EDI intake
(both stores), the 180 stored, acknowledged by a 997 / 999 and asked for as a return of its PO's order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.x12.ack997 import Verdict, check_document
from overture.channels.x12.envelope import read
from overture.channels.x12.intake import EdiReceipt, receive_x12
from overture.channels.x12.return180 import ReturnAuthorization, read_return_authorization, reason_of, to_command
from overture.domain.partners import PartnerProfile, X12Identity
from overture.domain.returns import ReturnLineRequest, ReturnReason, Settlement
from overture.services.errors import ErrorCode, PayloadError
from overture.services.fulfilment import receive_shipment
from overture.services.plans import ShipmentRecord
from overture.services.ports import InboundMessage
from overture.services.retry import in_transaction
from overture.store.tables import inbound_messages, return_lines, returns
from tests.channels.x12.fixtures import PO_850
from tests.factories import add_locations, add_skus, stock

RMA = Path(__file__).parent / "rma"
SAMPLES = Path(__file__).parents[4] / "shared" / "samples"
ACME = PartnerProfile(
    "ACME",
    "Acme Stores",
    X12Identity("ZZ", "ACMEBUYER"),
    sku_xref={"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    uom_factors={"CA": 12},
)
FILES = {"004010": "180_004010.edi", "005010": "180_005010.edi"}


def _text(version: str) -> str:
    return (RMA / FILES[version]).read_text()


def _authorization(text: str) -> ReturnAuthorization:
    (checked,) = check_document(read(text))
    assert checked.supported and checked.problems == [] and checked.verdict is Verdict.ACCEPTED
    return read_return_authorization(checked.transaction)


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_180_passes_our_tables_and_reads_into_a_return_of_its_po(version: str) -> None:
    rma = _authorization(_text(version))
    reference = "RMA-5521" if version == "004010" else "RMA-5522"
    assert (rma.purpose, rma.reference, rma.date, rma.po_number) == ("00", reference, "20261201", "PO-7781")
    command = to_command(rma, ACME)
    assert (command.channel, command.external_id, command.settlement) == ("edi", f"ACME:{reference}", Settlement.REFUND)
    assert (command.order_external_id, command.order_channel, command.actor) == ("ACME:PO-7781", "edi", "ACME")
    assert command.lines == (
        ReturnLineRequest(
            12,
            ReturnReason.DEFECTIVE,
            sku="WIDGET-RED",
            note="RDR02 DM (Defective Merchandise or Store Inspection): Handle snaps off",
        ),
        ReturnLineRequest(2, ReturnReason.DAMAGED, sku="GADGET", note="RDR02 DA (Damaged Product): Crushed in transit"),
    )


@pytest.mark.parametrize(
    ("code", "ours"),
    [
        ("DA", ReturnReason.DAMAGED),
        ("DT", ReturnReason.DAMAGED),
        ("DR", ReturnReason.DEFECTIVE),
        ("WG", ReturnReason.WRONG_ITEM),
        ("NA", ReturnReason.NOT_AS_DESCRIBED),
        ("PF", ReturnReason.SIZE_OR_FIT),
        ("EI", ReturnReason.NO_LONGER_NEEDED),
        ("SP", ReturnReason.ARRIVED_LATE),
        ("BC", ReturnReason.OTHER),
        ("", ReturnReason.OTHER),
    ],
)
def test_rdr02_codes_map_to_our_reasons_and_an_unmapped_one_is_kept_in_the_note(code: str, ours: ReturnReason) -> None:
    reason, note = reason_of(code)
    assert reason is ours
    assert (code in note) if code else ("no RDR02" in note)


def _edited(version: str, old: str, new: str) -> str:
    """The file with one change, its SE01 counted again."""
    return _counted(_text(version).replace(old, new))


def _counted(text: str) -> str:
    lines = text.splitlines(keepends=True)
    st = next(n for n, line in enumerate(lines) if line.startswith("ST*"))
    se = next(n for n, line in enumerate(lines) if line.startswith("SE*"))
    lines[se] = f"SE*{se - st + 1}*0001~\n"
    return "".join(lines)


def _errors(text: str) -> list[tuple[str, ErrorCode]]:
    with pytest.raises(PayloadError) as caught:
        to_command(_authorization(text), ACME)
    return [(e.field, e.code) for e in caught.value.errors]


def test_what_cannot_be_returned_is_named_by_segment_and_element() -> None:
    assert _errors(_edited("004010", "BGN*00*", "BGN*01*")) == [("BGN01", ErrorCode.INVALID_VALUE)]
    assert _errors(_edited("004010", "PRF*PO-7781***20261123~\n", "DTM*050*20261201~\n")) == [
        ("PRF01", ErrorCode.REQUIRED)
    ]
    assert _errors(_edited("004010", "BLI*VN*GADGET*2*EA", "BLI*VN*GADGET*1.5*EA")) == [
        ("BLI[2].BLI03", ErrorCode.INVALID_VALUE)
    ]


def test_the_po_may_come_in_an_n9_or_on_the_first_item() -> None:
    in_n9 = _counted(
        _text("004010")
        .replace("PRF*PO-7781***20261123~\n", "")
        .replace("DTM*050*20261201~\n", "DTM*050*20261201~\nN9*PO*PO-7781~\n")
    )
    assert _authorization(in_n9).po_number == "PO-7781"
    on_item = _counted(
        _text("004010")
        .replace("PRF*PO-7781***20261123~\n", "")
        .replace("BLI*VN*GADGET*2*EA~\n", "BLI*VN*GADGET*2*EA~\nPRF*PO-7781~\n")
    )
    assert _authorization(on_item).po_number == "PO-7781"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"shared samples not present at {SAMPLES}")
def test_every_180_among_the_shared_samples_reads() -> None:
    found = [p for p in SAMPLES.rglob("*") if p.is_file() and re.search(rb"ST.180.", p.read_bytes()[:1_000_000])]
    if not found:
        pytest.skip(f"no 180 among {SAMPLES} (looked for ST*180 in every file)")
    for path in found:
        for _, _, transaction in read(path.read_bytes()).transactions():
            if transaction.code == "180":
                assert read_return_authorization(transaction).reference


# ---- through the EDI intake, on both stores ----------------------------------------------------


def _seed_shipped_po(container: Container) -> str:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)
    order_id = _receive(container, PO_850).transactions[0].order_id
    assert order_id is not None
    record = ShipmentRecord("shp_" + order_id, order_id, "EWR", "ups", "1Z999AA10123456784", container.clock(), [])
    shipped = InboundMessage("wms", json.dumps({"order_id": order_id}).encode(), container.clock())
    receive_shipment(container.uow, shipped, lambda _body: record, clock=container.clock)
    return order_id


def _receive(container: Container, text: str) -> EdiReceipt:
    message = InboundMessage("edi", text.encode(), container.clock(), "application/edi-x12")
    return receive_x12(container.uow, message, geocoder=container.geocoder, clock=container.clock)


def _return_lines(container: Container) -> list[tuple[str, int, str, int, str]]:
    r, x = returns.c, return_lines.c
    query = sa.select(r.external_id, x.line_no, x.sku, x.quantity, x.reason).join(returns, r.id == x.return_id)
    with container.engine.connect() as c:
        rows = c.execute(query.order_by(r.external_id, x.line_no))
        return [(row.external_id, row.line_no, row.sku, row.quantity, row.reason) for row in rows]


@pytest.mark.parametrize(("version", "ack"), [("004010", "997"), ("005010", "999")])
def test_a_180_is_acknowledged_and_asked_for_as_a_return_of_its_order_once(
    container: Container, version: str, ack: str
) -> None:
    order_id = _seed_shipped_po(container)

    receipt = _receive(container, _text(version))

    (outcome,) = receipt.transactions
    assert (outcome.code, outcome.verdict, outcome.order_id, outcome.errors) == ("180", "A", order_id, [])
    assert outcome.return_id is not None and not outcome.duplicate
    assert receipt.functional_ack_kind == ack and "AK1*AN*" in receipt.functional_ack
    reference = "ACME:RMA-5521" if version == "004010" else "ACME:RMA-5522"
    assert _return_lines(container) == [
        (reference, 1, "WIDGET-RED", 12, "defective"),
        (reference, 2, "GADGET", 2, "damaged"),
    ]

    again = _receive(container, _text(version))
    assert (again.transactions[0].return_id, again.transactions[0].duplicate) == (outcome.return_id, True)
    assert len(_return_lines(container)) == 2


def test_a_180_naming_a_po_we_do_not_have_is_acknowledged_then_quarantined_with_the_reason(
    container: Container,
) -> None:
    _seed_shipped_po(container)
    receipt = _receive(container, _edited("004010", "PRF*PO-7781", "PRF*PO-0000"))
    (outcome,) = receipt.transactions
    assert outcome.verdict == "A" and outcome.return_id is None
    assert [(e["field"], e["code"]) for e in outcome.errors] == [("PRF01", "not_found")]
    m = inbound_messages.c
    with container.engine.connect() as c:
        kept = c.execute(sa.select(m.status, m.reason).where(m.content_type == "x12", m.reason.is_not(None))).all()
    assert [tuple(row) for row in kept] == [("quarantined", "not_returnable")]
    assert _return_lines(container) == []


def test_more_units_than_shipped_is_refused_naming_the_item(container: Container) -> None:
    _seed_shipped_po(container)
    receipt = _receive(container, _edited("004010", "BLI*VN*GADGET*2*EA", "BLI*VN*GADGET*6*EA"))
    assert [e["field"] for e in receipt.transactions[0].errors] == ["BLI[2].quantity"]
