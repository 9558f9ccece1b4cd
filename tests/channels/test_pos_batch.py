"""The POS batch file: read on good and bad files (each problem names its row and column), returns, and
a file sent again records nothing twice. Importing runs on both stores."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.bootstrap import Container
from overture.channels.pos import read_batch, translate_shopify_pos
from overture.channels.pos_import import DUPLICATE, REJECTED, import_pos_batch
from overture.domain.inventory import Location, LocationKind
from overture.services import inventory
from overture.services.errors import ErrorCode, PayloadError, PayloadRejected
from tests.factories import add_skus, stock

GOOD = b"""store,register,receipt,timestamp,sku,quantity,unit_price,tax,discount,tender
STORE-1,R1,1001,2026-12-07T10:00:00+00:00,MUG,2,10.00,1.60,0,card
STORE-1,R1,1001,2026-12-07T10:00:00+00:00,TEE,1,25.00,2.00,5.00,card
STORE-1,R2,1002,2026-12-07T10:05:00+00:00,MUG,-1,10.00,0.80,,cash
"""


def test_a_good_file_gives_one_sale_per_receipt_with_its_lines() -> None:
    receipts = read_batch(GOOD)
    assert [(r.location_id, r.receipt_id, r.rows) for r in receipts] == [
        ("STORE-1", "1001", (2, 3)),
        ("STORE-1", "1002", (4,)),
    ]
    sale = receipts[0].sale
    assert sale is not None and not receipts[0].errors
    assert sale.external_id == "STORE-1:1001" and sale.register == "R1" and sale.tender == "card"
    assert [(line.sku, line.quantity, line.unit_price, line.tax, line.discount) for line in sale.lines] == [
        ("MUG", 2, Decimal("10.00"), Decimal("1.60"), Decimal(0)),
        ("TEE", 1, Decimal("25.00"), Decimal("2.00"), Decimal("-5.00")),
    ]
    assert sale.sold_at is not None and sale.sold_at.utcoffset() is not None
    back = receipts[1].sale
    assert back is not None and back.only_returns and back.lines[0].quantity == -1
    assert receipts[0].text.splitlines()[0].startswith("store,register,receipt")
    assert len(receipts[0].text.splitlines()) == 3  # the header and its two rows


def test_a_return_receipt_naming_its_sale_takes_units_back_whichever_sign() -> None:
    body = (
        b"store,receipt,sku,quantity,unit_price,original_receipt\nSTORE-1,R-7,MUG,2,10,1001\nSTORE-1,R-7,TEE,-1,25,\n"
    )
    (receipt,) = read_batch(body)
    assert receipt.sale is not None and receipt.sale.only_returns and receipt.sale.original_receipt == "1001"
    assert [line.quantity for line in receipt.sale.lines] == [-2, -1]


def test_aliases_case_and_a_bom_are_read() -> None:
    body = "\ufeffLocation_ID , Transaction_ID,SKU,Quantity,Unit_Price\nSTORE-1,9,MUG,1,3.5\n".encode()
    (receipt,) = read_batch(body)
    assert receipt.sale is not None and receipt.sale.external_id == "STORE-1:9" and receipt.sale.currency == "USD"


def test_bad_rows_name_their_row_and_column() -> None:
    body = b"""store,receipt,sku,quantity,unit_price,tax,timestamp,currency
STORE-1,1,MUG,two,10,,,
STORE-1,2,MUG,0,-1,-0.5,,
STORE-1,3,MUG,1,10,,2026-12-07T10:00:00,
,4,MUG,1,10,,,
STORE-1,5,MUG,1,10,,,USD
STORE-1,5,TEE,1,10,,,EUR
"""
    found = {(e.row, e.column, e.code) for r in read_batch(body) for e in r.errors}
    assert found == {
        (2, "quantity", ErrorCode.INVALID_VALUE),
        (3, "quantity", ErrorCode.OUT_OF_RANGE),
        (3, "unit_price", ErrorCode.OUT_OF_RANGE),
        (3, "tax", ErrorCode.OUT_OF_RANGE),
        (4, "timestamp", ErrorCode.INVALID_VALUE),
        (5, "store", ErrorCode.REQUIRED),
        (7, "currency", ErrorCode.INVALID_VALUE),
    }
    assert all(r.sale is None for r in read_batch(body))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"store,receipt,sku,quantity\n", "unit_price"),
        (b"store,receipt,sku,quantity,unit_price\n", "no rows"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as raised:
        read_batch(body)
    assert reason in str(raised.value)


SHOPIFY_POS = b"""{"id": 820982911946154508, "name": "#1001", "source_name": "pos", "location_id": 655441491,
 "currency": "USD", "created_at": "2026-12-07T10:00:00-05:00", "gateway": "cash",
 "line_items": [{"id": 1, "sku": "MUG", "quantity": 2, "price": "10.00",
                 "tax_lines": [{"title": "State", "price": "1.60"}]}]}"""


def test_a_shopify_pos_order_is_a_sale_at_the_mapped_store() -> None:
    sale = translate_shopify_pos(SHOPIFY_POS, locations={"655441491": "STORE-1"})
    assert sale.external_id == "STORE-1:820982911946154508" and sale.source == "shopify" and sale.tender == "cash"
    assert [(line.sku, line.quantity, line.tax) for line in sale.lines] == [("MUG", 2, Decimal("1.60"))]
    with pytest.raises(PayloadError) as raised:
        translate_shopify_pos(SHOPIFY_POS, locations={"1": "STORE-9"})
    assert raised.value.errors[0].field == "location_id"


def add_store(container: Container, location_id: str = "STORE-1") -> None:
    store = Location(location_id, f"Store {location_id}", 40.75, -73.99, LocationKind.STORE, postal_code="10001")
    inventory.add_location(container.uow, store, clock=container.clock)


def test_importing_records_each_receipt_once(container: Container) -> None:
    add_store(container)
    add_skus(container, "MUG", "TEE")
    stock(container, "MUG", "STORE-1", 10)
    stock(container, "TEE", "STORE-1", 10)
    first = import_pos_batch(container.uow, GOOD, clock=container.clock)
    assert [r.status for r in first.receipts] == ["completed", "refunded"] and first.complete
    again = import_pos_batch(container.uow, GOOD, clock=container.clock)
    assert [r.status for r in again.receipts] == [DUPLICATE, DUPLICATE]
    assert [r.order_id for r in again.receipts] == [r.order_id for r in first.receipts]
    with container.uow() as uow:
        mug = uow.inventory.availability(["MUG"]).stock[0].available["MUG"]
    assert mug == 10 - 2 + 1  # sold two, one came back; the second file moved nothing


def test_a_receipt_naming_an_unknown_sku_or_store_is_quarantined_by_row(container: Container) -> None:
    add_store(container)
    add_skus(container, "MUG")
    body = b"store,receipt,sku,quantity,unit_price\nSTORE-1,1,MUG,1,5\nSTORE-1,1,NOPE,1,5\nSTORE-9,2,MUG,1,5\n"
    result = import_pos_batch(container.uow, body, clock=container.clock)
    assert [r.status for r in result.receipts] == [REJECTED, REJECTED] and not result.complete
    assert {(e.row, e.column, e.code) for e in result.errors} == {
        (3, "sku", ErrorCode.NOT_FOUND),
        (4, "store", ErrorCode.NOT_FOUND),
    }
    with container.uow() as uow:
        assert uow.orders.find_by_external_id("pos", "STORE-1:1") is None


def test_an_unreadable_file_is_kept_in_quarantine(container: Container) -> None:
    with pytest.raises(PayloadRejected) as raised:
        import_pos_batch(container.uow, b"store,receipt\n", clock=container.clock)
    assert raised.value.message_id
