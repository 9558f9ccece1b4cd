"""Progress on stderr: shown on a terminal, absent with --quiet or when stderr is not a terminal."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from overture.app import create_app
from overture.bootstrap import bootstrap
from overture.cli import app as cli
from overture.cli import common
from overture.config import Settings
from tests.channels.csv_files import ACME_CSV, ACME_ORDERS, ACME_PARTNER
from tests.factories import add_locations, add_skus, stock

runner = CliRunner()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal would be: what the progress bar drew lands here."""
    drawn = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=drawn, force_terminal=True, width=100))
    return drawn


@pytest.fixture
def home(sqlite_url: str, tmp_path: Path) -> Iterator[Path]:
    """A SQLite store under a home, with ACME's CSV profile and stock (as tests/e2e/test_csv_import_cli.py)."""
    container = bootstrap(Settings(home=tmp_path, database_url=sqlite_url, auth="off"), migrate=False)
    with TestClient(create_app(container)) as client:
        assert client.put("/v1/partners/ACME", json=ACME_PARTNER).status_code == 201
        assert client.put("/v1/partners/ACME/csv", json=ACME_CSV).status_code == 201
    add_locations(container, ["EWR"])
    add_skus(container, "WIDGET-RED", "GADGET")
    for sku in ("WIDGET-RED", "GADGET"):
        stock(container, sku, "EWR", 100)
    container.close()
    yield tmp_path


def _import(home: Path, *options: str) -> str:
    env = {"OVERTURE_DATABASE_URL": ""}
    result = runner.invoke(
        cli, ["import", "csv", str(ACME_ORDERS), "--partner", "ACME", "--home", str(home), *options], env=env
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_import_csv_draws_rows_done_of_the_file_on_a_terminal(home: Path, terminal: io.StringIO) -> None:
    stdout = _import(home)

    assert "importing orders.csv" in terminal.getvalue() or "importing" in terminal.getvalue()
    assert "3/3" in terminal.getvalue()  # rows done of rows in the file
    assert "importing" not in stdout  # the result stays on stdout, the bar on stderr


def test_quiet_draws_nothing(home: Path, terminal: io.StringIO) -> None:
    _import(home, "--quiet")

    assert terminal.getvalue() == ""


def test_no_bar_when_stderr_is_not_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=piped, force_terminal=False))

    _import(home)

    assert piped.getvalue() == ""


def test_backlog_plan_shows_it_is_planning_and_for_how_long_at_most(sqlite_url: str, terminal: io.StringIO) -> None:
    result = runner.invoke(cli, ["backlog", "plan", "--time-limit", "0.5", "--database-url", sqlite_url])

    assert result.exit_code == 0, result.output
    assert "greedy, then CP-SAT (up to 0.5 s)" in terminal.getvalue()
    assert "order(s) on hold" in result.stdout
