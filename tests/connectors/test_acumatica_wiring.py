"""Choosing Acumatica in settings: the outside systems build its connector, the built-in simulator
stands in when no URL is set, and the generic JSON ERP stays the default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pydantic import SecretStr

from overture.config import Settings
from overture.connectors.acumatica import AcumaticaConnector
from overture.connectors.acumatica_session import OAuthClient
from overture.connectors.erp import ErpConnector
from overture.outside import OutsideSystems, acumatica_access, simulators_if_needed

LINES = [{"line_no": 1, "sku": "ANY-SKU", "quantity": 1, "unit_price": "9.99"}]


def test_the_generic_json_erp_stays_the_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)

    assert settings.erp_kind == "generic" and acumatica_access(settings) is None
    with simulators_if_needed(settings) as endpoints:
        outside = OutsideSystems.at(endpoints)
        assert isinstance(outside.erp, ErpConnector) and endpoints.acumatica is None
        asyncio.run(outside.aclose())


def test_acumatica_without_a_url_runs_against_its_simulator(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, erp_kind="acumatica", acumatica_endpoint_version="24.200.001")

    async def book(outside: OutsideSystems) -> str:
        try:
            customer = {"reference": "c-1", "name": "Ann"}
            return await outside.erp.create_sales_order("ord_1", customer, LINES, "USD", idempotency_key="ord_1:so")
        finally:
            await outside.aclose()

    with simulators_if_needed(settings) as endpoints:
        assert endpoints.acumatica is not None and endpoints.acumatica.url != endpoints.erp_url
        outside = OutsideSystems.at(endpoints)
        assert isinstance(outside.erp, AcumaticaConnector)
        assert asyncio.run(book(outside)) == "000001"


def test_acumatica_settings_reach_the_connector(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        erp_kind="acumatica",
        acumatica_url="https://erp.example.com/Tenant",
        acumatica_username="overture-api",
        acumatica_password=SecretStr("s3cret"),
        acumatica_tenant="MyStore",
        acumatica_branch="HEADOFFICE",
        acumatica_endpoint_version="23.200.001",
        acumatica_customer_id="WEBCUST",
        acumatica_warehouses={"loc_east": "WHOLESALE"},
    )
    access = acumatica_access(settings)

    assert access is not None
    erp = access.connector()
    assert erp.entity("SalesOrder") == "/entity/Default/23.200.001/SalesOrder"
    assert (erp.customer_id, erp.warehouse("loc_east"), erp.warehouse("loc_west")) == (
        "WEBCUST",
        "WHOLESALE",
        "loc_west",
    )
    assert erp._credentials == {
        "name": "overture-api",
        "password": "s3cret",
        "tenant": "MyStore",
        "branch": "HEADOFFICE",
    }
    assert erp._oauth is None
    asyncio.run(erp.aclose())


def test_an_oauth_client_in_settings_signs_in_by_token(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        erp_kind="acumatica",
        acumatica_url="https://erp.example.com",
        acumatica_client_id="A1B2@MyStore",
        acumatica_client_secret=SecretStr("shh"),
    )
    access = acumatica_access(settings)

    assert access is not None and access.oauth == OAuthClient("A1B2@MyStore", "shh")


def test_acumatica_access_needs_a_url_or_a_simulator() -> None:
    settings = Settings(erp_kind="acumatica")

    with pytest.raises(ValueError, match="OVERTURE_ACUMATICA_URL"):
        acumatica_access(settings)
