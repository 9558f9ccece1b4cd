"""CSV order files and the partner profiles that read them, shared by the parser, API and CLI tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from overture.domain.csv_profiles import CsvProfile
from overture.domain.partners import PartnerProfile

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
ACME_ORDERS = FIXTURES / "acme_orders.csv"  # two POs, one of two lines; quoting; a case unit
ACME_BAD_ROWS = FIXTURES / "acme_bad_rows.csv"  # one bad row of each kind, and one good PO
BETA_ORDERS = FIXTURES / "beta_semicolon_bom_crlf.csv"  # ';', decimal comma, BOM, CRLF, a multi-line value

# As PUT /v1/partners/{id} and PUT /v1/partners/{id}/csv take them.
ACME_PARTNER: dict[str, Any] = {
    "name": "Acme Stores",
    "sku_xref": {"ACME-001": "WIDGET-RED", "ACME-002": "GADGET"},
    "uom_factors": {"CA": 12},
}
ACME_CSV: dict[str, Any] = {
    "columns": {
        "external_id": "PO Number",
        "sku": "Item",
        "quantity": "Qty",
        "uom": "UOM",
        "unit_price": "Price",
        "ship_to.name": "Ship To Name",
        "ship_to.line1": "Address",
        "ship_to.city": "City",
        "ship_to.region": "State",
        "ship_to.postal_code": "Zip",
        "ship_to.country": "Country",
        "order_date": "Order Date",
    },
    "date_format": "%m/%d/%Y",
}
BETA_PARTNER: dict[str, Any] = {"name": "Beta Handel GmbH", "currency": "EUR"}
BETA_CSV: dict[str, Any] = {
    "columns": {
        "external_id": "Bestellnummer",
        "sku": "Artikel",
        "quantity": "Menge",
        "unit_price": "Preis",
        "currency": "Währung",
        "ship_to.name": "Name",
        "ship_to.line1": "Straße",
        "ship_to.postal_code": "PLZ",
        "ship_to.city": "Ort",
        "ship_to.country": "Land",
        "requested_date": "Lieferdatum",
    },
    "delimiter": ";",
    "decimal_separator": ",",
    "date_format": "%d.%m.%Y",
}


def acme() -> PartnerProfile:
    return PartnerProfile(
        "ACME",
        name=ACME_PARTNER["name"],
        sku_xref=dict(ACME_PARTNER["sku_xref"]),
        uom_factors=dict(ACME_PARTNER["uom_factors"]),
    )


def beta() -> PartnerProfile:
    return PartnerProfile("BETA", name=BETA_PARTNER["name"], currency="EUR")


def acme_csv(**changes: Any) -> CsvProfile:
    return CsvProfile("ACME", **{**ACME_CSV, **changes})


def beta_csv(**changes: Any) -> CsvProfile:
    return CsvProfile("BETA", **{**BETA_CSV, **changes})
