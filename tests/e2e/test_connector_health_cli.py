"""A CLI pull (``overture amazon pull``) runs in a process of its own: its calls to the SP-API simulator
reach the store's connector health when the command ends, not only the process's Prometheus counters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from overture.cli import app as cli
from overture.observability.health import RECORDER
from overture.simulators import SimulatorServer
from overture.simulators.amazon import create_amazon_app
from overture.simulators.amazon_auth import LwaAuthority
from overture.simulators.amazon_seed import seed_orders
from overture.store.engine import make_engine
from overture.store.migrate import upgrade
from overture.store.tables import connector_calls
from tests.e2e.test_amazon_pull import lwa_env

US = "ATVPDKIKX0DER"


@pytest.fixture
def amazon() -> Iterator[SimulatorServer]:
    fast = (1000.0, 1000)
    app = create_amazon_app(
        orders=seed_orders(4), page_size=2, lwa=LwaAuthority(), get_orders_limit=fast, get_order_items_limit=fast
    )
    with SimulatorServer(app) as server:
        yield server


def test_a_cli_pull_flushes_its_calls_on_the_way_out(tmp_path: Path, amazon: SimulatorServer) -> None:
    RECORDER.drain()  # the CLI runs in this test process here: earlier tests' calls are not its own
    env = {
        "OVERTURE_HOME": str(tmp_path),
        "OVERTURE_DATABASE_URL": "",
        "OVERTURE_AMAZON_SP_API_URL": amazon.url,
        **lwa_env(amazon.url),
        "OVERTURE_AMAZON_MARKETPLACE_IDS": US,
    }
    upgrade(f"sqlite:///{tmp_path / 'overture.db'}")  # the CLI refuses to make an empty store by itself
    result = CliRunner().invoke(cli, ["amazon", "pull", "--since", "2025-01-01"], env=env)
    assert result.exit_code == 0, result.output

    engine = make_engine(f"sqlite:///{tmp_path / 'overture.db'}")
    try:
        with engine.connect() as c:
            ok, failed = c.execute(
                sa.select(
                    sa.func.sum(connector_calls.c.ok),
                    sa.func.sum(connector_calls.c.errors + connector_calls.c.throttled + connector_calls.c.timeouts),
                ).where(connector_calls.c.connector == "amazon")
            ).one()
    finally:
        engine.dispose()
    # Every SP-API call the simulator answered (pages of orders, items of the orders taken), none failed;
    # the LWA token exchange is another connector's ("amazon-lwa").
    stats = httpx.get(f"{amazon.url}/_stats", timeout=5).json()
    calls = {name: op["calls"] for name, op in stats.items() if isinstance(op, dict) and "calls" in op}
    assert calls.pop("lwa_token") == 1
    answered = sum(calls.values())
    assert answered >= 3 and (ok, failed) == (answered, 0)
    assert RECORDER.pending() == 0
