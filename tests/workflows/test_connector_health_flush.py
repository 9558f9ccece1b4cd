"""The worker side flushes its connector calls for the dashboard: a real order run against the WMS and
ERP simulators (one injected ERP 500 retried by the workflow) ends with the calls in ``connector_calls``
once the worker stops, and the overview served by the API (another thread's app) shows them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from overture.observability.health import RECORDER
from overture.store.tables import connector_calls
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.hub import Hub


def test_an_order_run_leaves_its_connector_calls_in_the_store(hub: Hub) -> None:
    RECORDER.drain()  # earlier tests' calls in this process are not this run's
    add_locations(hub.container, ["EWR"])
    add_skus(hub.container, "A")
    stock(hub.container, "A", "EWR", 10)
    hub.sim_faults(hub.erp, operation="sales_order", fail_first=1, status=500)
    order_id = hub.post_order(order_payload(("A", 1)), key="health-1")["id"]
    hub.wait_status(order_id, "completed")
    hub.worker.stop()  # the flusher's last flush happens on the way out, well inside its 10 s interval

    c = connector_calls.c
    with hub.container.engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.connector, sa.func.sum(c.ok), sa.func.sum(c.errors), sa.func.max(c.last_error))
            .group_by(c.connector)
            .order_by(c.connector)
        ).all()
    by_connector = {name: (int(ok), int(errors), message) for name, ok, errors, message in rows}
    assert {"wms", "erp", "notifier"} <= set(by_connector)
    ok, errors, message = by_connector["erp"]
    # Sales order (after one 500) and invoice; the notifier shares the ERP simulator but has its own name.
    assert ok >= 2 and errors == 1 and message is not None and "500" in message
    assert by_connector["wms"][0] >= 1 and by_connector["wms"][1] == 0

    html = hub.http.get("/").text
    erp = re.search(r'<tr data-connector="erp" data-state="(\w+)">', html)
    assert erp is not None and erp.group(1) in ("amber", "red")  # one failed call of a few in the hour
    wms = re.search(r'<tr data-connector="wms" data-state="(\w+)">', html)
    assert wms is not None and wms.group(1) == "green"
