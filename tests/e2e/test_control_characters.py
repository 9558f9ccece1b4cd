"""Any character in any channel's message, on SQLite and PostgreSQL: never a 5xx, and the raw message is kept.

PostgreSQL refuses NUL (U+0000) in text and jsonb; before issue 14 a NUL in an order field (REST, a
signed storefront webhook, a CSV cell, an EDI element) or ``%00`` in a URL made the insert fail, the
raw message went down with the transaction and the answer was a 500.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from overture.app import create_app
from overture.bootstrap import Container, bootstrap
from overture.channels.signatures import sign
from overture.config import Settings
from overture.store.tables import inbound_messages
from tests.channels.csv_files import ACME_CSV, ACME_ORDERS, ACME_PARTNER
from tests.channels.edifact.fixtures import ORDERS_96A, SENDER
from tests.channels.storefront_files import fixture_json
from tests.channels.x12.fixtures import PO_850
from tests.factories import order_payload

SHOP_DOMAIN, SHOP_SECRET = "overture-test.myshopify.com", "shpss_0123456789abcdef"
WOO_SOURCE, WOO_SECRET = "https://shop.example.com/", "woo-signing-secret"
PARTNER = {**ACME_PARTNER, "x12": {"qualifier": "ZZ", "id": "ACMEBUYER"}}
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # the same few examples each run: the test stays a few seconds and never flaky
    derandomize=True,
)

# Any code point (lone surrogates and control characters included), and NUL in most draws.
_ANY = st.text(st.characters(exclude_categories=()), max_size=8)
TEXT = st.one_of(
    st.builds(lambda a, b: f"{a}\x00{b}", _ANY, _ANY), st.text(st.characters(max_codepoint=0x1F), max_size=4), _ANY
)


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    settings_ = Settings(
        home=tmp_path,
        database_url=database_url,
        auth="off",
        shopify_webhook_secrets={SHOP_DOMAIN: SecretStr(SHOP_SECRET)},
        woocommerce_webhook_secrets={WOO_SOURCE: SecretStr(WOO_SECRET)},
    )
    built = bootstrap(settings_, migrate=False)
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        assert test_client.put("/v1/partners/ACME", json=PARTNER).status_code == 201
        assert test_client.put("/v1/partners/ACME/csv", json=ACME_CSV).status_code == 201
        assert test_client.put(f"/v1/partners/{SENDER}", json={"name": "Acme EU", "currency": "USD"}).status_code == 201
        yield test_client


# ---- one way to put the text into each channel's message ----------------------------------------


@dataclass(frozen=True)
class Post:
    path: str
    raw: bytes
    headers: dict[str, str]


def _json_bytes(document: Any, ascii_only: bool) -> bytes:
    # Escaped (\u0000), or written raw as UTF-8; a lone surrogate then makes bytes no decoder takes.
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _set(document: Any, path: tuple[str | int, ...], text: str) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = text
    return changed


REST_FIELDS = [("external_id",), ("customer", "name"), ("ship_to", "line1"), ("ship_to", "city"), ("lines", 0, "sku")]
SHOPIFY_FIELDS = [("name",), ("email",), ("shipping_address", "address1"), ("line_items", 0, "sku"), ("currency",)]
WOO_FIELDS = [("number",), ("billing", "email"), ("shipping", "address_1"), ("line_items", 0, "sku")]
CSV_COLUMNS = ["PO Number", "Item", "Ship To Name", "City", "Zip", "Qty"]
X12_SLOTS = ["PO-7781", "Acme DC East", "Edison", "ACME-002"]
EDIFACT_SLOTS = ["PO-7781", "Acme DC East", "Edison", "ACME-001"]


def rest(text: str, slot: int, ascii_only: bool) -> Post:
    document = _set(order_payload(("SKU-1", 1)), REST_FIELDS[slot % len(REST_FIELDS)], text)
    return Post("/v1/orders", _json_bytes(document, ascii_only), {"content-type": "application/json"})


@dataclass(frozen=True)
class Storefront:
    """A signed order webhook of one platform, with the text put into one of its order's fields."""

    path: str
    fixture: str
    fields: list[tuple[str | int, ...]]
    secret: str
    signature_header: str
    delivery_header: str
    headers: dict[str, str]

    def __call__(self, text: str, slot: int, ascii_only: bool) -> Post:
        document = _set(fixture_json(self.fixture), self.fields[slot % len(self.fields)], text)
        raw = _json_bytes(document, ascii_only)
        signed = {self.delivery_header: f"fuzz-{hash(raw)}", self.signature_header: sign(self.secret, raw)}
        return Post(self.path, raw, {"content-type": "application/json", **self.headers, **signed})


shopify = Storefront(
    "/v1/channels/shopify/webhooks",
    "shopify_order_allocations.json",
    SHOPIFY_FIELDS,
    SHOP_SECRET,
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Webhook-Id",
    {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": SHOP_DOMAIN},
)
woocommerce = Storefront(
    "/v1/channels/woocommerce/webhooks",
    "woocommerce_order_coupon.json",
    WOO_FIELDS,
    WOO_SECRET,
    "X-WC-Webhook-Signature",
    "X-WC-Webhook-Delivery-ID",
    {"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Source": WOO_SOURCE},
)


def csv_file(text: str, slot: int, _: bool) -> Post:
    rows = list(csv.reader(io.StringIO(ACME_ORDERS.read_text(), newline="")))
    rows[1][rows[0].index(CSV_COLUMNS[slot % len(CSV_COLUMNS)])] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return Post("/v1/channels/csv?partner=ACME", out.getvalue().encode("utf-8", "surrogatepass"), {})


def x12(text: str, slot: int, _: bool) -> Post:
    document = PO_850.replace(X12_SLOTS[slot % len(X12_SLOTS)], text, 1)
    return Post("/v1/channels/edi", document.encode("utf-8", "surrogatepass"), {"content-type": "application/edi-x12"})


def edifact(text: str, slot: int, _: bool) -> Post:
    document = ORDERS_96A.replace(EDIFACT_SLOTS[slot % len(EDIFACT_SLOTS)], text, 1)
    raw = document.encode("utf-8", "surrogatepass")
    return Post("/v1/channels/edifact", raw, {"content-type": "application/edifact"})


CHANNELS: dict[str, Callable[[str, int, bool], Post]] = {
    "rest": rest,
    "shopify": shopify,
    "woocommerce": woocommerce,
    "csv": csv_file,
    "x12": x12,
    "edifact": edifact,
}


def _kept(container: Container, raw: bytes) -> bool:
    with container.engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(inbound_messages).where(inbound_messages.c.body == raw)
        return int(connection.execute(query).scalar_one()) >= 1


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_any_character_in_any_channel_is_answered_below_500_and_the_raw_message_kept(
    client: TestClient, container: Container, channel: str
) -> None:
    make = CHANNELS[channel]

    @FUZZ
    @given(text=TEXT, slot=st.integers(0, 5), ascii_only=st.booleans())
    def post_any(text: str, slot: int, ascii_only: bool) -> None:
        post = make(text, slot, ascii_only)
        response = client.post(post.path, content=post.raw, headers=post.headers)
        assert response.status_code < 500, (text, response.text)
        assert _kept(container, post.raw), f"the raw message was lost ({response.status_code} {response.text})"

    post_any()


@FUZZ
@given(text=TEXT)
def test_any_character_in_a_path_or_query_parameter_is_answered_below_500(client: TestClient, text: str) -> None:
    encoded = quote(text.encode("utf-8", "surrogatepass"), safe="")
    for method, url in [
        ("GET", f"/v1/orders/{encoded}"),
        ("GET", f"/v1/orders?channel={encoded}"),
        ("GET", f"/v1/partners/{encoded}/csv"),
        ("POST", f"/v1/channels/csv?partner={encoded}"),
        ("GET", f"/v1/exceptions?type={encoded}"),
    ]:
        response = client.request(method, url, content=b"a,b\r\n1,2\r\n")
        assert response.status_code < 500, (method, url, response.text)


# ---- the answers, one case each -------------------------------------------------------------------


def test_a_nul_in_an_order_field_is_refused_with_the_field_and_kept_in_quarantine(client: TestClient) -> None:
    payload = order_payload(("SKU-1", 1))
    payload["customer"]["name"] = "Ann\x00Buyer"
    raw = json.dumps(payload).encode()

    response = client.post("/v1/orders", content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert [(f["field"], f["code"]) for f in error["fields"]] == [("customer.name", "invalid_character")]
    quarantined = {m["id"]: m for m in client.get("/v1/quarantine").json()["items"]}
    kept = quarantined[error["message_id"]]
    assert kept["body"] == {"encoding": "utf-8", "text": raw.decode()}  # byte for byte as sent
    assert kept["errors"][0]["code"] == "invalid_character"


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/orders/ord%00x", "path"),
        ("/v1/orders?channel=web%00", "query.channel"),
        ("/v1/channels/csv?partner=AC%00ME", "query.partner"),
    ],
)
def test_nul_in_a_path_or_query_parameter_is_a_422_naming_it(client: TestClient, url: str, field: str) -> None:
    response = client.post(url, content=b"x") if "channels" in url else client.get(url)

    assert response.status_code == 422, response.text
    assert [(f["field"], f["code"]) for f in response.json()["error"]["fields"]] == [(field, "invalid_character")]


@pytest.mark.parametrize("po_number", ["PO\x00-7781", "PO>7781"], ids=["nul", "component-separator"])
def test_an_850_whose_po_number_cannot_be_echoed_is_still_answered_with_a_997(
    client: TestClient, container: Container, po_number: str
) -> None:
    post = x12(po_number, 0, False)

    response = client.post(post.path, content=post.raw, headers=post.headers)

    assert response.status_code == 200, response.text
    assert response.json()["ack_997"].startswith("ISA*")
    assert _kept(container, post.raw)
