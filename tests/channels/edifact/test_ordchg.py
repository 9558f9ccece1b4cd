"""ORDCHG in: an ORDERS captured, then changed line by line through the change-request use case
(the amendment an X12 860 goes through), answered with an ORDRSP saying what became of each line
(both stores)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from overture.bootstrap import Container
from overture.channels.edifact.checks import Verdict, check_document
from overture.channels.edifact.envelope import read
from overture.channels.edifact.ordrsp import read_order_response
from overture.store.tables import order_lines, orders, reservations
from tests.channels.edifact.fixtures import ORDERS_96A
from tests.channels.edifact.intake_helpers import receive, seed


def ordchg(lines: str, *, number: str = "CHG-1", po: str = "PO-7781", reference: str = "ICR-201") -> str:
    body = [
        f"BGM+230+{number}+9'",
        "DTM+137:20261124:102'",
        f"RFF+ON:{po}'",
        "NAD+BY+5412345000013::9'",
        *[f"{line}'" for line in lines.split("\n") if line],
        "UNS+S'",
    ]
    return (
        "UNA:+.? '"
        f"UNB+UNOC:3+5412345000013:14+OVERTURE:ZZZ+261124:0900+{reference}'"
        "UNH+1+ORDCHG:D:96A:UN:EAN008'" + "".join(body) + f"UNT+{len(body) + 2}+1'UNZ+1+{reference}'"
    )


CHANGES = """LIN+1+3+ACME-001:BP
QTY+21:3:CT
LIN+2+2+0012345678905:EN
LIN+3+1+GADGET:SA
QTY+21:6:PCE
PRI+AAA:3.25"""


def _lines(container: Container, order_id: str) -> list[tuple[int, str, int]]:
    with container.engine.connect() as c:
        rows = c.execute(
            sa.select(order_lines.c.line_no, order_lines.c.sku, order_lines.c.quantity)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.line_no)
        )
        return [(int(n), str(sku), int(q)) for n, sku, q in rows]


def _reserved(container: Container, order_id: str) -> list[tuple[int, int]]:
    with container.engine.connect() as c:
        rows = c.execute(
            sa.select(reservations.c.line_no, reservations.c.quantity)
            .where(reservations.c.order_id == order_id, reservations.c.status == "active")
            .order_by(reservations.c.line_no)
        )
        return [(int(n), int(q)) for n, q in rows]


def _placed(container: Container) -> str:
    seed(container)
    order_id = receive(container, ORDERS_96A).messages[0].order_id
    assert order_id is not None
    return order_id


def _answer(text: str | None) -> list[tuple[str, str, Decimal | None, Decimal | None]]:
    assert text is not None
    document = read(text)
    assert document.all_problems() == []
    (checked,) = check_document(document)
    assert checked.verdict is Verdict.ACCEPTED
    response = read_order_response(checked.message)
    return [(x.line_no, x.action, x.ordered, x.confirmed) for x in response.lines]


def test_an_ordchg_changes_adds_and_deletes_lines_and_the_ordrsp_says_so(container: Container) -> None:
    order_id = _placed(container)

    receipt = receive(container, ordchg(CHANGES))

    (outcome,) = receipt.messages
    assert (outcome.type, outcome.verdict, outcome.order_id, outcome.response) == ("ORDCHG", "accepted", order_id, "29")
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 36), (3, "GADGET", 6)]
    assert _reserved(container, order_id) == [(1, 36), (3, 6)]
    assert _answer(receipt.ordrsp) == [
        ("1", "5", Decimal(3), Decimal(3)),
        ("2", "5", None, None),
        ("3", "5", Decimal(6), Decimal(6)),
    ]
    assert "BGM+231+" + order_id + "+29'" in (receipt.ordrsp or "")
    assert "RFF+ON:PO-7781'" in (receipt.ordrsp or "")
    assert receipt.contrl is not None and "UCI+ICR-201+5412345000013:14+OVERTURE:ZZZ+7'" in receipt.contrl


def test_a_line_that_cannot_change_is_not_accepted_alone(container: Container) -> None:
    order_id = _placed(container)
    lines = (
        "LIN+9+3+ACME-001:BP\nQTY+21:1:CT\nLIN+3+1+NOT-OURS:SA\nQTY+21:1\nPRI+AAA:1\nLIN+2+3+0012345678905:EN\nQTY+21:7"
    )

    receipt = receive(container, ordchg(lines))

    assert receipt.messages[0].response == "4"
    assert _answer(receipt.ordrsp) == [
        ("9", "7", Decimal(1), Decimal(0)),  # the order has no line 9
        ("3", "7", Decimal(1), Decimal(0)),  # not in our catalogue
        ("2", "5", Decimal(7), Decimal(7)),
    ]
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 24), (2, "GADGET", 7)]


def test_the_same_ordchg_again_changes_nothing_and_is_not_answered(container: Container) -> None:
    order_id = _placed(container)
    receive(container, ordchg(CHANGES))

    again = receive(container, ordchg(CHANGES, reference="ICR-202"))

    assert again.messages[0].duplicate is True and again.ordrsp is None
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 36), (3, "GADGET", 6)]


def test_a_released_order_answers_every_line_not_accepted(container: Container) -> None:
    order_id = _placed(container)
    with container.engine.begin() as c:
        c.execute(sa.update(orders).where(orders.c.id == order_id).values(status="released"))

    receipt = receive(container, ordchg(CHANGES))

    assert receipt.messages[0].response == "27"
    assert [action for _, action, _, _ in _answer(receipt.ordrsp)] == ["7", "7", "7"]
    assert _lines(container, order_id) == [(1, "WIDGET-RED", 24), (2, "GADGET", 5)]


def test_an_ordchg_for_an_order_we_do_not_have_gets_an_aperak(container: Container) -> None:
    _placed(container)

    receipt = receive(container, ordchg(CHANGES, po="PO-NONE"))

    assert receipt.ordrsp is None
    assert receipt.messages[0].errors[0]["field"] == "RFF+ON"
    assert receipt.aperak is not None and "ERC+14'" in receipt.aperak and "RFF+ON:PO-NONE'" in receipt.aperak
