"""``overture import csv FILE --partner P``: the same import as the API, in-process, against the configured store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.app import create_app
from overture.bootstrap import bootstrap
from overture.cli import app as cli
from overture.config import Settings
from overture.store.engine import make_engine
from overture.store.tables import inbound_messages, orders
from tests.channels.csv_files import ACME_BAD_ROWS, ACME_CSV, ACME_ORDERS, ACME_PARTNER
from tests.factories import add_locations, add_skus, stock

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A fresh SQLite store under a temporary home, with ACME's profiles and stock."""
    container = bootstrap(Settings(home=tmp_path, database_url=None, auth="off"))
    with TestClient(create_app(container)) as client:
        assert client.put("/v1/partners/ACME", json=ACME_PARTNER).status_code == 201
        assert client.put("/v1/partners/ACME/csv", json=ACME_CSV).status_code == 201
        client.put("/v1/partners/BARE", json={"name": "No CSV profile"})
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    stock(container, "WIDGET-RED", "EWR", 100)
    stock(container, "GADGET", "EWR", 100)
    container.close()
    yield tmp_path


def _import(home: Path, path: Path, partner: str = "ACME") -> tuple[int, str]:
    env = {"OVERTURE_HOME": str(home), "OVERTURE_DATABASE_URL": ""}
    result = runner.invoke(cli, ["import", "csv", str(path), "--partner", partner], env=env)
    return result.exit_code, result.output


def _count(home: Path, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    engine = make_engine(f"sqlite:///{home / 'overture.db'}")
    try:
        with engine.connect() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())
    finally:
        engine.dispose()


def test_a_good_file_is_imported_and_exits_0_and_again_imports_nothing(home: Path) -> None:
    code, output = _import(home, ACME_ORDERS)

    assert code == 0, output
    assert "3 rows from ACME: 2 orders: 2 imported (0 on hold), 0 already imported, 0 rejected" in output
    assert _count(home, orders, orders.c.channel == "csv") == 2

    code, output = _import(home, ACME_ORDERS)

    assert code == 0, output
    assert "2 orders: 0 imported (0 on hold), 2 already imported, 0 rejected" in output
    assert _count(home, orders) == 2


def test_bad_rows_are_listed_with_row_and_column_and_exit_1(home: Path) -> None:
    code, output = _import(home, ACME_BAD_ROWS)

    assert code == 1
    assert "1 imported (0 on hold), 0 already imported, 11 rejected" in output
    assert "row 3, Qty: 'two' is not a whole number (wrong_type)" in output
    assert "row 15: has 9 values; the header has 14 columns (invalid_value)" in output
    assert _count(home, orders) == 1


def test_the_file_is_kept_in_the_store(home: Path) -> None:
    code, output = _import(home, ACME_ORDERS)

    assert code == 0
    message_id = output.split("kept as message ")[1].split()[0]
    assert _count(home, inbound_messages, inbound_messages.c.id == message_id, inbound_messages.c.channel == "csv") == 1


@pytest.mark.parametrize(("partner", "reason"), [("NOBODY", "no trading partner 'NOBODY'"), ("BARE", "no CSV profile")])
def test_a_partner_without_profiles_is_refused_with_exit_1(home: Path, partner: str, reason: str) -> None:
    code, output = _import(home, ACME_ORDERS, partner=partner)

    assert code == 1 and reason in output
    assert _count(home, orders) == 0


def test_a_formula_like_value_is_imported_and_printed_as_a_warning(home: Path, tmp_path: Path) -> None:
    header = ACME_ORDERS.read_text().splitlines()[0]
    path = tmp_path / "formula.csv"
    path.write_text(f"{header}\nPO-7,1,ACME-002,Gadget,1,EA,3.25,@SUM(A1),1 Elm St,Tampa,FL,33602,US,03/15/2025\n")

    code, output = _import(home, path)

    assert code == 0, output
    assert "1 imported (0 on hold)" in output
    assert "warning: row 2, Ship To Name: '@SUM(A1)' starts like a spreadsheet formula" in output
