"""No secret and no personal data in the logs: an order with a customer's name, e-mail, phone and
address runs through a hub that requires keys, wrong keys and a forged webhook come in, and every log
line written meanwhile (as JSON, the production format, Overture's own loggers at DEBUG) is searched
for each of them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.observability.logs import ContextFilter, JsonLineFormatter
from tests.factories import add_locations, add_skus, order_payload, stock
from tests.workflows.keyed_hub import keyed_hub, new_key
from tests.workflows.temporal_fixtures import TemporalEnv

pytestmark = pytest.mark.auth
NAME, EMAIL, PHONE, STREET = "Zebediah Quuxworth", "zq.private@example.org", "+1 415 555 0199", "77 Sesame Lane"
SHOPIFY_SECRET = "shpss_never_in_a_log_7f3a"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLineFormatter(timestamp=True))
    handler.addFilter(ContextFilter())
    root, ours = logging.getLogger(), logging.getLogger("overture")
    levels = root.level, ours.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


def test_no_key_secret_or_customer_detail_reaches_a_log_line(
    container: Container, temporal_env: TemporalEnv, task_queue: str, captured: io.StringIO
) -> None:
    settings = container.settings.model_copy(update={"shopify_webhook_secret": SecretStr(SHOPIFY_SECRET)})
    hub_store = Container(
        settings, container.engine, container.geocoder, container.views, container.clock, container.dashboard
    )
    add_locations(hub_store, ["EWR"])
    add_skus(hub_store, "SKU-1")
    stock(hub_store, "SKU-1", "EWR", 5)
    viewer = new_key(hub_store, Role.VIEWER, "viewer")
    with keyed_hub(temporal_env, task_queue, hub_store) as hub:
        payload = order_payload(("SKU-1", 1))
        payload["customer"] = {"reference": "C-9", "name": NAME, "email": EMAIL}
        payload["ship_to"].update(name=NAME, line1=STREET, line2=PHONE)  # a phone where sellers put one
        order = hub.post_order(payload)
        hub.wait_status(order["id"], "completed", timeout_s=90)
        for token in ("ovt_key_wrong_one", viewer + "x"):
            assert hub.http.get("/v1/exceptions", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        forged = httpx.post(
            f"{hub.api.url}/v1/channels/shopify/webhooks",
            content=b'{"id": 1, "email": "' + EMAIL.encode() + b'"}',
            headers={"X-Shopify-Hmac-Sha256": "Zm9yZ2Vk", "X-Shopify-Topic": "orders/create"},
            timeout=10,
        )
        assert forged.status_code == 401
    logged = captured.getvalue()

    assert order["id"] in logged, "the capture did not log: nothing was searched"
    assert "refused credential" in logged
    for secret in (viewer, "ovt_key_wrong_one", SHOPIFY_SECRET, *hub.http.headers["Authorization"].split()[1:]):
        assert secret not in logged
    for detail in (NAME, EMAIL, PHONE, STREET, "Quuxworth", "zq.private"):
        assert detail not in logged, f"{detail!r} is in a log line"
