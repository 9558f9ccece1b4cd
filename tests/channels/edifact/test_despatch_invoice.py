"""DESADV and INVOIC out when an EDIFACT partner's order ships and is invoiced: written in the
partner's style, passing our own checks (and pydifact's reader), kept once (both stores)."""

from __future__ import annotations

import datetime as dt

from overture.bootstrap import Container
from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.directory import SCHEMAS
from overture.channels.edifact.envelope import read
from overture.channels.x12.partner_documents import X12PartnerDocuments
from overture.domain.statuses import OrderStatus
from overture.services.plans import ShipmentRecord
from overture.services.retry import in_transaction
from tests.channels.edifact.fixtures import ORDERS_01B_TWO_MESSAGES, ORDERS_96A, ORDERS_OTHER_UNA
from tests.channels.edifact.intake_helpers import receive, seed

DOCUMENTS = X12PartnerDocuments()


def _captured(container: Container, text: str = ORDERS_96A) -> str:
    seed(container)
    order_id = receive(container, text).messages[0].order_id
    assert order_id is not None
    return order_id


def _ship(container: Container, order_id: str, lines: list[dict[str, int]]) -> None:
    with container.uow() as uow:
        shipped_at = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
        shipment = ShipmentRecord("shp_1", order_id, "EWR", "ups", "1Z999AA10123456784", shipped_at, lines)
        uow.fulfilment.add_shipment(shipment, None, container.clock())
        uow.commit()


def _after(container: Container, order_id: str, status: OrderStatus) -> list[str]:
    return in_transaction(
        container.uow, lambda uow: DOCUMENTS.after_status(uow, order_id, status, at=container.clock())
    )


def _segments(text: str) -> list[str]:
    document = read(text)
    assert document.all_problems() == []
    checked = check_document(document, schemas=SCHEMAS)
    assert [(c.verdict, c.supported, c.problems) for c in checked] == [(Verdict.ACCEPTED, True, [])]
    return [s for s in text.split("'") if s]


def test_a_shipped_order_gets_a_desadv_once(container: Container) -> None:
    order_id = _captured(container)
    _ship(container, order_id, [{"line_no": 1, "quantity": 24}, {"line_no": 2, "quantity": 5}])

    (desadv,) = _after(container, order_id, OrderStatus.SHIPPED)
    again = _after(container, order_id, OrderStatus.SHIPPED)

    assert again == []
    segments = _segments(desadv)
    assert segments[1].startswith("UNB+UNOC:3+OVERTURE:ZZZ+5412345000013:14+")
    body = segments[segments.index("UNH+1+DESADV:D:96A:UN") + 1 : -2]
    gin = next(s for s in body if s.startswith("GIN+BJ+"))
    assert len(gin.removeprefix("GIN+BJ+")) == 18  # an SSCC-18
    assert [s for s in body if not s.startswith(("DTM+137", "GIN"))] == [
        "BGM+351+shp_1+9",
        "DTM+11:20261125:102",
        "RFF+ON:PO-7781",
        "RFF+CN:1Z999AA10123456784",
        "NAD+BY+5412345000013::9",
        "NAD+ST+5412345000020::9",
        "NAD+SU+5400000000003::9",
        "CPS+1",
        "PAC+1",
        "LIN+1++ACME-001:BP",  # the buyer's line number and item, as its ORDERS had them
        "QTY+12:24:PCE",
        "LIN+2++0012345678905:EN",
        "QTY+12:5:PCE",
        "CNT+2:2",
    ]


def test_an_invoiced_order_gets_an_invoic_whose_amounts_add_up(container: Container) -> None:
    order_id = _captured(container)

    (invoic,) = _after(container, order_id, OrderStatus.INVOICED)

    segments = _segments(invoic)
    body = segments[segments.index("UNH+1+INVOIC:D:96A:UN") + 1 : -2]
    assert body[0] == f"BGM+380+{order_id}+9"
    assert [s for s in body[2:]] == [
        "RFF+ON:PO-7781",
        "NAD+BY+5412345000013::9",
        "NAD+SU+5400000000003::9",
        "CUX+2:USD:4",
        "LIN+1++ACME-001:BP",
        "QTY+47:24:PCE",
        "MOA+203:96.00",
        "PRI+AAA:4",
        "LIN+2++0012345678905:EN",
        "QTY+47:5:PCE",
        "MOA+203:16.25",
        "PRI+AAA:3.25",
        "UNS+S",
        "CNT+2:2",
        "MOA+79:112.25",
        "MOA+77:122.25",  # with the freight charge, as the ORDERS' MOA 86
        "MOA+86:122.25",
    ]
    assert _after(container, order_id, OrderStatus.INVOICED) == []


def test_a_partner_writing_d01b_in_syntax_4_is_answered_so(container: Container) -> None:
    order_id = _captured(container, ORDERS_01B_TWO_MESSAGES)

    (invoic,) = _after(container, order_id, OrderStatus.INVOICED)

    segments = _segments(invoic)
    assert segments[1].startswith("UNB+UNOC:4+OVERTURE:ZZZ+5412345000013:14+")
    assert "UNH+1+INVOIC:D:01B:UN" in segments
    assert "LIN+1++GADGET:SA" in segments


def test_the_partners_own_service_characters_are_used(container: Container) -> None:
    order_id = _captured(container, ORDERS_OTHER_UNA)
    _ship(container, order_id, [])

    (desadv,) = _after(container, order_id, OrderStatus.SHIPPED)

    assert desadv.startswith("UNA=*.? ~UNB*UNOC=3*OVERTURE=ZZZ*5412345000013=14*")
    assert "QTY*12=4=PCE~" in desadv  # a WMS that lists no lines shipped them all
    assert check_document(read(desadv), schemas=SCHEMAS)[0].problems == []


def test_orders_of_other_channels_get_nothing(container: Container) -> None:
    seed(container)
    assert _after(container, "ord_none", OrderStatus.SHIPPED) == []
