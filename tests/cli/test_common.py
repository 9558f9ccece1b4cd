"""The command line's store: a missing SQLite file is refused (exit 2) rather than made empty, every
command that reads the store says which on stderr (stdout stays parseable), and the demo writes the
store the commands read by default."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from overture.cli import app as cli
from overture.cli.common import settings_for, store_settings
from overture.config import Settings, default_store_url
from overture.demo.run import _cli_options
from overture.demo.store import DemoRefused, demo_settings, fresh_container

runner = CliRunner()
NO_URL = {"OVERTURE_DATABASE_URL": ""}


@pytest.mark.parametrize(
    "command",
    [
        ["keys", "list"],
        ["keys", "create", "--role", "viewer"],
        ["route", "explain", "ord_1"],
        ["route", "simulate", "--strategy", "cost", "--since", "2024-01-01"],
        ["backlog", "plan"],
        ["audit"],
    ],
)
def test_a_command_on_a_missing_store_is_refused_and_makes_none(tmp_path: Path, command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--home", str(tmp_path)], env=NO_URL)

    assert result.exit_code == 2, result.output
    url = default_store_url(tmp_path)
    assert f"no store at {url}" in result.stderr
    assert "make demo" in result.stderr and "overture db upgrade" in result.stderr
    assert "OVERTURE_DATABASE_URL" in result.stderr
    assert not (tmp_path / "overture.db").exists()


def test_import_csv_on_a_missing_store_is_refused_too(tmp_path: Path) -> None:
    file = tmp_path / "orders.csv"
    file.write_text("po,sku,qty\n")

    result = runner.invoke(cli, ["import", "csv", str(file), "--partner", "ACME", "--home", str(tmp_path)], env=NO_URL)

    assert result.exit_code == 2 and "no store at" in result.stderr
    assert not (tmp_path / "overture.db").exists()


def test_every_store_command_names_its_store_on_stderr_and_keeps_stdout_clean(sqlite_url: str) -> None:
    result = runner.invoke(cli, ["keys", "list", "--database-url", sqlite_url])

    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [f"store: {sqlite_url}"]
    assert result.stdout.splitlines()[0].startswith("id\tname\trole")


def test_audit_json_stays_parseable_with_the_store_line_on_stderr(sqlite_url: str) -> None:
    result = runner.invoke(cli, ["audit", "--json", "--database-url", sqlite_url])

    assert result.exit_code == 0, result.output
    assert "store:" not in result.stdout and f"store: {sqlite_url}" in result.stderr


def test_the_store_line_hides_a_password(capsys: pytest.CaptureFixture[str]) -> None:
    store_settings(None, "postgresql://ada:s3cret@127.0.0.1:1/x")  # not SQLite: no file to check

    assert capsys.readouterr().err.strip() == "store: postgresql://ada:***@127.0.0.1:1/x"


def test_the_demo_writes_the_store_the_commands_read_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        demo_settings(Settings(home=tmp_path)).resolved_database_url()
        == settings_for(tmp_path, None).resolved_database_url()
    )
    assert _cli_options(Settings(home=tmp_path)) == f" --home {tmp_path}"
    assert _cli_options(Settings(home=Path(".overture"))) == ""
    # A configured database is never the demo's (it would be emptied): the demo says how to reach its own.
    configured = Settings(home=tmp_path, database_url="postgresql://db.example/prod")
    assert demo_settings(configured).database_url == default_store_url(tmp_path)
    assert _cli_options(configured) == f" --database-url {default_store_url(tmp_path)}"


def test_the_demo_empties_only_a_store_it_made(tmp_path: Path) -> None:
    quiet = Console(file=io.StringIO())
    store = tmp_path / "overture.db"
    store.write_bytes(b"somebody's data")
    settings = demo_settings(Settings(home=tmp_path))

    with pytest.raises(DemoRefused, match="did not make"):
        fresh_container(settings, Console(file=open("/dev/null", "w")))  # noqa: SIM115
    assert store.read_bytes() == b"somebody's data"

    store.unlink()
    container = fresh_container(settings, Console(file=open("/dev/null", "w")))  # noqa: SIM115
    container.close()
    assert store.exists() and (tmp_path / "overture.db.demo").exists()
    fresh_container(settings, quiet).close()  # its own: emptied again
