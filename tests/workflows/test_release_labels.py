"""Labels bought on release (labels_on_release): the hub buys the cheapest label for each warehouse
release from the carrier (the EasyPost simulator over HTTP), sends it with the release, and the WMS
ships under its tracking number, which is on the order before the parcel leaves; a retried release
buys nothing twice. On SQLite and PostgreSQL, through the real worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from overture.bootstrap import bootstrap
from overture.config import Settings
from overture.simulators import SimulatorServer
from overture.simulators.carrier import create_carrier_app
from overture.store.tables import order_references, shipments
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub, running_hub
from tests.workflows.temporal_fixtures import TemporalEnv


@pytest.fixture
def carrier() -> Iterator[SimulatorServer]:
    with SimulatorServer(create_carrier_app()) as server:
        yield server


@pytest.fixture
def labelled_hub(
    temporal_env: TemporalEnv, task_queue: str, database_url: str, tmp_path: Path, carrier: SimulatorServer
) -> Iterator[Hub]:
    settings = Settings(home=tmp_path, database_url=database_url, auth="off", labels_on_release=True)
    container = bootstrap(settings, migrate=False)
    try:
        with running_hub(temporal_env.client, task_queue, container, carrier_url=carrier.url) as hub:
            yield hub
    finally:
        container.close()


def records(sim: SimulatorServer) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{sim.url}/_records", timeout=5).json()
    return found


def test_each_release_carries_its_label_and_ships_under_its_tracking(
    labelled_hub: Hub, carrier: SimulatorServer
) -> None:
    hub = labelled_hub
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 5)
    hub.sim_faults(hub.wms, operation="release", fail_first=1, status=503)  # the release step is retried

    order_id = hub.post_order(order_payload(("A", 2)))["id"]
    hub.wait_status(order_id, "completed")

    held = records(carrier)
    assert (len(held["labels"]), held["shipments"]) == (1, 1)  # the retried release bought nothing twice
    (release,) = [r for r in records(hub.wms)["releases"] if r["order_id"] == order_id]
    label = release["label"]
    assert label["carrier"] == "USPS" and label["tracking_code"]  # the cheapest of the simulator's rates
    with hub.container.engine.connect() as c:
        shipped = c.execute(
            sa.select(shipments.c.carrier, shipments.c.tracking_number).where(shipments.c.order_id == order_id)
        ).all()
        kept = c.scalar(
            sa.select(order_references.c.value).where(
                order_references.c.order_id == order_id, order_references.c.kind == "label:EWR"
            )
        )
    assert [tuple(row) for row in shipped] == [("USPS", label["tracking_code"])]
    assert kept == label["tracking_code"]
