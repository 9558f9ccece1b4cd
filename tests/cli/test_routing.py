"""``route explain`` and ``route simulate`` at 80 columns: the tables grow taller, nothing is cut."""

from __future__ import annotations

import io
import re

from rich.console import Console
from typer.testing import CliRunner

from overture.cli import app as cli
from overture.cli.routing import _differences_table, _routing_table, _simulation_table

runner = CliRunner()
BOX = re.compile(r"[\s\u2500-\u257f…]")  # whitespace and box-drawing characters (and an ellipsis: a cut)

DECISION = {
    "strategy": "cost",
    "outcome": "chosen",
    "reason": "PHL-DC ships the whole order for the least: 8.00 shipping, 1.50 handling, no split",
    "candidates": [
        {
            "locations": ["PHL-DC"],
            "outcome": "chosen",
            "distance_km": 1234.5,
            "components": {"shipping": 8.0, "handling": 1.5, "split_penalty": 0.0, "priority": 0.25, "total": 9.75},
            "reason": "cheapest of 3 candidates that cover every line",
        },
        {
            "locations": ["NYC-STORE", "EWR-WAREHOUSE-NORTH"],
            "outcome": "outranked",
            "distance_km": 98765.4,
            "components": {
                "shipping": 1234.56,
                "handling": 3.0,
                "split_penalty": 5.0,
                "priority": 0.5,
                "total": 1243.06,
            },
            "reason": "two shipments cost more than one",
        },
    ],
    "rejected": [
        {"locations": ["LAX-DC"], "outcome": "rejected", "constraint": "insufficient_stock", "reason": "no KETTLE"},
    ],
}
TOTALS = {
    "orders": 123456, "unrouted": 12, "cost": 98765.43, "cost_per_order": 12.34, "shipments": 130000,
    "split_orders": 4567, "distance_km": 7654321.0, "on_time_rate": 0.987, "mean_days_to_arrive": 2.34,
}  # fmt: skip
REPORT = {
    "strategy": "nearest", "since": "2024-01-01T00:00:00+00:00", "until": None, "differing_orders": 4321,
    "actual": TOTALS, "simulated": TOTALS,
}  # fmt: skip


def _rendered(table: object, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


def _characters(text: str) -> str:
    return BOX.sub("", text)


def _cells(table: object) -> list[str]:
    return [str(cell) for column in table.columns for cell in (column.header, *column.cells)]  # type: ignore[attr-defined]


def _nothing_cut(table: object) -> None:
    text = _rendered(table)
    assert all(len(line) <= 80 for line in text.splitlines())
    shown = _characters(text)
    for cell in _cells(table):
        # Each cell's characters are all there (a folded cell is spread over lines, so count them).
        for character in set(_characters(cell)):
            assert shown.count(character) >= _characters(cell).count(character), (cell, character)
    wide = _characters(_rendered(table, width=400))
    assert sorted(shown) == sorted(wide)  # exactly what a terminal wide enough shows, re-flowed


def test_the_routing_table_wraps_at_80_columns_and_cuts_nothing() -> None:
    _nothing_cut(_routing_table("ord_01J9ZXYKP8QWERTY", DECISION))


def test_the_simulation_tables_wrap_at_80_columns_and_cut_nothing() -> None:
    _nothing_cut(_simulation_table(REPORT))
    example = {
        "order_id": "ord_01J9ZXYKP8QWERTYUIOP",
        "cost_delta": -12.5,
        "actual": {"locations": ["NYC-STORE", "EWR-WAREHOUSE-NORTH"], "cost": 1234.5, "distance_km": 98765.4},
        "simulated": {"locations": ["PHL-DC"], "cost": 1222.0, "distance_km": 12.0},
    }
    _nothing_cut(_differences_table([example]))


def test_route_simulate_through_the_cli_at_80_columns_cuts_nothing(sqlite_url: str) -> None:
    command = ["route", "simulate", "--strategy", "nearest", "--since", "2024-01-01", "--database-url", sqlite_url]
    narrow = runner.invoke(cli, command, env={"COLUMNS": "80"})
    wide = runner.invoke(cli, command, env={"COLUMNS": "400"}, terminal_width=400)

    assert narrow.exit_code == wide.exit_code == 0, narrow.output
    assert all(len(line) <= 80 for line in narrow.stdout.splitlines())
    # The same characters as a terminal wide enough shows, re-flowed: headers and figures folded, none cut.
    assert sorted(_characters(narrow.stdout)) == sorted(_characters(wide.stdout))
