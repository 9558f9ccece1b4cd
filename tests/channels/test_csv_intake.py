"""Reading partners' CSV order files: mapping, orders of several rows, dialects, and every row error."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from overture.channels.csv_intake import CsvFile, CsvOrder, order_rows_csv, read_orders
from overture.domain.commands import Charge, ChargeKind, LineRequest, Reference
from overture.domain.csv_profiles import CsvProfile
from overture.domain.parties import Address, Customer
from overture.services.errors import ErrorCode
from tests.channels.csv_files import ACME_BAD_ROWS, ACME_ORDERS, BETA_ORDERS, acme, acme_csv, beta, beta_csv

HEADER = "PO Number,Line,Item,Description,Qty,UOM,Price,Ship To Name,Address,City,State,Zip,Country,Order Date\n"
GOOD_ROW = "PO-9,1,ACME-002,Gadget,1,EA,3.25,Store,1 Elm St,Tampa,FL,33602,US,03/15/2025\n"


def read_acme(text: str, **changes: object) -> CsvFile:
    return read_orders(text.encode(), acme_csv(**changes), acme())


def by_po(csv_file: CsvFile) -> dict[str, CsvOrder]:
    return {order.po_number: order for order in csv_file.orders}


def problems(csv_file: CsvFile) -> list[tuple[int, str, ErrorCode]]:
    return [(e.row, e.column, e.code) for e in csv_file.errors]


# ---- mapping and orders of several rows ---------------------------------------------------------


def test_rows_sharing_a_po_number_become_one_order_in_our_skus_and_units() -> None:
    csv_file = read_orders(ACME_ORDERS.read_bytes(), acme_csv(), acme())

    assert csv_file.errors == [] and csv_file.row_count == 3
    orders = by_po(csv_file)
    assert list(orders) == ["PO-1001", "PO-1002"]
    assert orders["PO-1001"].rows == (2, 3)
    command = orders["PO-1001"].command
    assert command is not None
    assert (command.channel, command.external_id, command.currency) == ("csv", "ACME:PO-1001", "USD")
    # A case (CA) of 12 at 48.00 is 24 of our units at 4.00; EA is one unit; their item numbers map to our SKUs.
    assert command.lines == (LineRequest("WIDGET-RED", 24, Decimal("4")), LineRequest("GADGET", 5, Decimal("3.25")))
    assert command.customer == Customer(reference="ACME", name="Acme Stores", partner_id="ACME")
    assert command.references == (
        Reference("buyer", "po_number", "PO-1001"),
        Reference("buyer", "order_date", "2025-03-15"),
    )


def test_later_rows_of_a_po_may_leave_the_order_fields_empty() -> None:
    command = by_po(read_orders(ACME_ORDERS.read_bytes(), acme_csv(), acme()))["PO-1001"].command

    assert command is not None
    # Row 3 leaves the address empty; row 2's (with a quoted comma) is the order's.
    assert command.ship_to == Address(
        postal_code="10001",
        country="US",
        name="Acme Store #12",
        line1="1 Main St, Suite 5",
        city="New York",
        region="NY",
    )


def test_an_item_without_a_unit_is_in_our_units_and_unmapped_columns_are_ignored() -> None:
    command = by_po(read_orders(ACME_ORDERS.read_bytes(), acme_csv(), acme()))["PO-1002"].command

    assert command is not None
    assert command.lines == (LineRequest("GADGET", 1, Decimal("3.25")),)
    assert command.ship_to.city == "San Francisco"


def test_defaults_fill_fields_the_partner_does_not_send() -> None:
    columns = {k: v for k, v in acme_csv().columns.items() if k != "ship_to.country"}
    defaults = {"ship_to.country": "US", "currency": "CAD", "customer.email": "orders@acme.example"}
    csv_file = read_acme(HEADER + GOOD_ROW, columns=columns, defaults=defaults)

    (order,) = csv_file.orders
    assert order.command is not None
    assert (order.command.ship_to.country, order.command.currency) == ("US", "CAD")
    assert order.command.customer.email == "orders@acme.example"


def test_a_shipping_column_becomes_a_shipping_charge_on_the_order() -> None:
    columns = {**acme_csv().columns, "shipping": "Description"}
    text = HEADER + GOOD_ROW.replace("Gadget", "7.50") + GOOD_ROW.replace(",1,ACME-002,Gadget", ",2,ACME-001,")

    (order,) = read_acme(text, columns=columns).orders
    assert order.command is not None
    assert order.command.charges == (Charge(ChargeKind.SHIPPING, Decimal("7.50")),)


# ---- dialects ------------------------------------------------------------------------------------


def test_the_fixture_really_has_a_bom_crlf_and_a_line_break_inside_quotes() -> None:
    body = BETA_ORDERS.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body and b'"Ring 2\nHinterhaus"' in body


def test_semicolons_decimal_commas_bom_and_crlf_are_read_with_the_partners_profile() -> None:
    csv_file = read_orders(BETA_ORDERS.read_bytes(), beta_csv(), beta())

    orders = by_po(csv_file)
    b77, b78 = orders["B-77"].command, orders["B-78"].command
    assert b77 is not None and b78 is not None
    # The BOM is not part of the first header, so "Bestellnummer" is found; ';' inside quotes is a value.
    assert b77.ship_to.name == "Müller; Söhne GmbH"
    assert b77.lines == (LineRequest("GADGET", 3, Decimal("12.50")), LineRequest("WIDGET-RED", 1, Decimal("1250")))
    assert (b77.currency, b77.references[1]) == ("EUR", Reference("buyer", "requested_date", "2025-04-01"))
    assert b78.lines == (LineRequest("GADGET", 2, Decimal("0.5")),)
    assert (b78.ship_to.line1, b78.ship_to.city) == ("Ring 2\nHinterhaus", "München")


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    csv_file = read_orders(BETA_ORDERS.read_bytes(), beta_csv(), beta())

    # Row 4 is blank (counted, skipped); row 5 spans two lines of the file; so B-79 is row 6, on line 7.
    assert by_po(csv_file)["B-78"].rows == (5,)
    assert problems(csv_file) == [(6, "Preis", ErrorCode.WRONG_TYPE)]
    assert "12,50" in csv_file.errors[0].reason  # the reason shows how an amount is written here


def test_a_point_is_read_as_the_decimal_separator_by_default() -> None:
    (order,) = read_acme(HEADER + GOOD_ROW.replace("3.25", '"3,25"')).orders
    assert order.errors[0].column == "Price" and order.errors[0].code is ErrorCode.WRONG_TYPE


def test_a_file_in_another_encoding_is_read_with_the_profiles_encoding() -> None:
    text = HEADER + GOOD_ROW.replace("Store", "Café Zoë")
    (order,) = read_orders(text.encode("cp1252"), acme_csv(encoding="cp1252"), acme()).orders
    assert order.command is not None and order.command.ship_to.name == "Café Zoë"


# ---- row errors ---------------------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_row_column_and_code() -> None:
    csv_file = read_orders(ACME_BAD_ROWS.read_bytes(), acme_csv(), acme())

    assert problems(csv_file) == [
        (3, "Qty", ErrorCode.WRONG_TYPE),  # "two"
        (4, "Qty", ErrorCode.OUT_OF_RANGE),  # 0
        (5, "UOM", ErrorCode.INVALID_VALUE),  # BX: no factor for it
        (6, "Price", ErrorCode.WRONG_TYPE),  # 3.2.5
        (7, "Price", ErrorCode.OUT_OF_RANGE),  # -1.00
        (8, "PO Number", ErrorCode.REQUIRED),
        (9, "Item", ErrorCode.REQUIRED),
        (10, "Country", ErrorCode.INVALID_COUNTRY),  # USA
        (11, "Order Date", ErrorCode.WRONG_TYPE),  # 2025-03-15, not %m/%d/%Y
        (12, "Zip", ErrorCode.REQUIRED),  # on no row of the PO
        (14, "Zip", ErrorCode.INVALID_VALUE),  # differs from row 13, same PO
        (15, "", ErrorCode.INVALID_VALUE),  # too few values
    ]


def test_reasons_say_what_is_wrong_in_the_partners_terms() -> None:
    reasons = {e.row: e.reason for e in read_orders(ACME_BAD_ROWS.read_bytes(), acme_csv(), acme()).errors}

    assert reasons[3] == "'two' is not a whole number"
    assert reasons[5] == "unknown unit 'BX'; this partner's units are CA, EA"
    assert reasons[11] == "'2025-03-15' is not a date written %m/%d/%Y"
    assert reasons[14] == "60602 differs from 60601 on row 13 of the same PO"
    assert reasons[15] == "has 9 values; the header has 14 columns"


def test_a_po_with_a_bad_row_is_not_built_and_the_good_ones_are() -> None:
    orders = by_po(read_orders(ACME_BAD_ROWS.read_bytes(), acme_csv(), acme()))

    built = [po for po, order in orders.items() if order.command is not None]
    assert built == ["PO-2012"]
    # Row 2 is good, but it is half of PO-2001: the order waits with row 3's error.
    assert orders["PO-2001"].rows == (2, 3) and [e.row for e in orders["PO-2001"].errors] == [3]
    # Rows with no readable PO number (8) or the wrong number of values (15) join no PO.
    assert orders[""].rows == (8, 15) and orders[""].command is None


A_ROW = {
    "external_id": ("PO", "P1"),
    "sku": ("Item", "X"),
    "quantity": ("Qty", "1"),
    "unit_price": ("Price", "1"),
    "ship_to.postal_code": ("Zip", "10001"),
    "ship_to.country": ("Country", "US"),
}


@pytest.mark.parametrize(
    ("field_name", "value", "code"),
    [
        ("currency", "XYZ", ErrorCode.UNKNOWN_CURRENCY),
        ("customer.email", "not-an-address", ErrorCode.INVALID_VALUE),
        ("customer.name", "x" * 256, ErrorCode.INVALID_LENGTH),
        ("ship_to.postal_code", "1" * 17, ErrorCode.INVALID_LENGTH),
        ("quantity", "2.5", ErrorCode.WRONG_TYPE),
        ("quantity", "1000001", ErrorCode.OUT_OF_RANGE),
        ("unit_price", "1.1234567", ErrorCode.OUT_OF_RANGE),
        ("unit_price", "", ErrorCode.REQUIRED),
        ("shipping", "free", ErrorCode.WRONG_TYPE),
        ("requested_date", "02/30/2025", ErrorCode.WRONG_TYPE),
    ],
)
def test_each_field_is_checked(field_name: str, value: str, code: ErrorCode) -> None:
    cells = {**A_ROW, field_name: ("Extra", value)}
    text = ",".join(h for h, _ in cells.values()) + "\n" + ",".join(v for _, v in cells.values()) + "\n"
    profile = CsvProfile("ACME", {name: header for name, (header, _) in cells.items()}, date_format="%m/%d/%Y")

    csv_file = read_orders(text.encode(), profile, acme())

    assert problems(csv_file) == [(2, "Extra", code)]


def test_the_row_above_passes_when_its_values_are_good() -> None:
    """Guards the test above: the only error it sees is the one value it changes."""
    text = ",".join(h for h, _ in A_ROW.values()) + "\n" + ",".join(v for _, v in A_ROW.values()) + "\n"
    profile = CsvProfile("ACME", {name: header for name, (header, _) in A_ROW.items()})
    (order,) = read_orders(text.encode(), profile, acme()).orders
    assert order.errors == () and order.command is not None


# ---- files that cannot be read ------------------------------------------------------------------


def test_a_mapped_column_missing_from_the_header_stops_the_whole_file() -> None:
    csv_file = read_acme(HEADER.replace("Qty", "Quantity") + GOOD_ROW)

    assert csv_file.orders == ()
    assert problems(csv_file) == [(1, "Qty", ErrorCode.REQUIRED)]


def test_a_mapped_column_appearing_twice_is_ambiguous() -> None:
    csv_file = read_acme(HEADER.replace("Description", "Zip") + GOOD_ROW)
    assert problems(csv_file) == [(1, "Zip", ErrorCode.INVALID_VALUE)]


@pytest.mark.parametrize(
    ("body", "row", "code"),
    [
        (b"", 1, ErrorCode.REQUIRED),  # no header
        (HEADER.encode(), 2, ErrorCode.REQUIRED),  # a header and no rows
        ((HEADER + GOOD_ROW).encode() + b"PO-10,\xff\n", 3, ErrorCode.WRONG_TYPE),  # not UTF-8, on line 3
        ((HEADER + GOOD_ROW + 'PO-10,"open\n').encode(), 3, ErrorCode.WRONG_TYPE),  # a quote never closed
        ((HEADER + 'PO-10,1,"a"b,\n').encode(), 2, ErrorCode.WRONG_TYPE),  # text after a closing quote
        ((HEADER + "\n" + GOOD_ROW + '"open').encode(), 4, ErrorCode.WRONG_TYPE),  # after a blank row 2
    ],
)
def test_a_file_that_cannot_be_read_is_one_error_and_no_orders(body: bytes, row: int, code: ErrorCode) -> None:
    csv_file = read_orders(body, acme_csv(), acme())

    assert csv_file.orders == () and len(csv_file.file_errors) == 1
    assert (csv_file.file_errors[0].row, csv_file.file_errors[0].code) == (row, code)


# ---- each order's own raw message ---------------------------------------------------------------


def test_an_orders_raw_message_is_the_header_and_its_rows_in_the_partners_dialect() -> None:
    csv_file = read_orders(BETA_ORDERS.read_bytes(), beta_csv(), beta())
    order = by_po(csv_file)["B-77"]

    raw = order_rows_csv(csv_file, order, beta_csv())

    rows = list(csv.reader(io.StringIO(raw.decode(), newline=""), delimiter=";"))
    assert rows[0][0] == "Bestellnummer" and len(rows) == 3
    assert rows[1][5] == "Müller; Söhne GmbH" and rows[2][:4] == ["B-77", "WIDGET-RED", "1", "1250"]
    assert read_orders(raw, beta_csv(), beta()).orders[0].command == order.command


# ---- spreadsheet formulas in text values (CSV injection) ----------------------------------------


def test_a_formula_in_a_text_field_is_taken_with_a_warning_naming_its_row_and_column() -> None:
    rows = "=cmd|' /C calc'!A0,1,ACME-002,Gadget,1,EA,3.25,@SUM(A1),1 Elm St,Tampa,FL,33602,US,03/15/2025\n"
    csv_file = read_acme(HEADER + GOOD_ROW + rows)

    assert csv_file.errors == []
    assert [(w.row, w.column, w.code) for w in csv_file.warnings] == [
        (3, "PO Number", ErrorCode.FORMULA_LIKE),
        (3, "Ship To Name", ErrorCode.FORMULA_LIKE),
    ]
    order = by_po(csv_file)["=cmd|' /C calc'!A0"]
    assert order.command is not None and order.command.ship_to.name == "@SUM(A1)"  # kept as the partner wrote it


def test_numbers_dates_and_phone_like_text_raise_no_formula_warning() -> None:
    # A negative quantity is a row error of its own; a sign in a code or a number is not a formula.
    row = "PO-9,1,ACME-002,Gadget,-5,EA,3.25,+1 (212) 555-0100,1 Elm St,Tampa,FL,33602,US,03/15/2025\n"
    csv_file = read_acme(HEADER + row)

    assert csv_file.warnings == []
    assert problems(csv_file) == [(2, "Qty", ErrorCode.OUT_OF_RANGE)]
