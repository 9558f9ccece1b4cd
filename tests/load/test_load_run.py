"""``overture load`` end to end: 20 orders a second for 3 s against a whole hub in this process (API,
worker, WMS and ERP simulators, on each store), its report checked against what the store holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from overture.cli import app
from overture.store.tables import order_events, orders, returns
from tests.workflows.hub import Hub, running_hub_on
from tests.workflows.temporal_fixtures import TemporalEnv

pytestmark = pytest.mark.slow


@pytest.fixture
def hub(temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path) -> Iterator[Hub]:
    yield from running_hub_on(temporal_env, task_queue, database_url, tmp_path)


def _count(hub: Hub, query: sa.Select[tuple[int]]) -> int:
    with hub.container.engine.connect() as c:
        return int(c.execute(query).scalar_one())


def test_a_short_run_reports_what_the_store_holds(hub: Hub, tmp_path: Path) -> None:
    mix = tmp_path / "mix.toml"
    mix.write_text(
        "seed = 5\nskus = 60\ncancel_share = 0.1\nedit_share = 0.1\nreturn_share = 0.1\nfollow_up_delay_s = 0.3\n"
    )
    page = tmp_path / "load.html"
    args = ["load", "--url", hub.api.url, "--rate", "20", "--duration", "3", "--mix", str(mix)]
    result = CliRunner().invoke(app, [*args, "--drain", "60", "--report", str(page), "--json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)

    loaded = orders.c.external_id.like("LOAD-%")
    in_store = _count(hub, sa.select(sa.func.count()).select_from(orders).where(loaded))
    assert 30 < report["offered"] < 95  # Poisson arrivals at 20/s over 3 s
    assert report["placed"] == in_store == report["by_kind"]["capture"]["201"]
    assert report["unsettled"] == 0
    cancelled = _count(
        hub, sa.select(sa.func.count()).select_from(orders).where(loaded, orders.c.status == "cancelled")
    )
    assert report["by_kind"]["cancel"].get("200", 0) == cancelled
    completed = sa.select(sa.func.count(sa.distinct(order_events.c.order_id))).where(
        order_events.c.to_status == "completed"
    )
    assert report["completed"] == _count(hub, completed) > 0
    assert report["by_kind"]["return"].get("201", 0) == _count(hub, sa.select(sa.func.count()).select_from(returns))
    assert report["capture_s"]["50"] is not None and report["to_shipped_s"]["95"] is not None
    assert "<svg" in page.read_text()
