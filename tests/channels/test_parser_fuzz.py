"""Every reader of inbound bytes fuzzed: whatever arrives, only our typed errors come out.

A translator gets random bytes, random JSON of any shape, and JSON shaped like its platform's with
random values; a webhook verifier gets random bodies, signatures and headers. Each either answers or
raises the error type the API maps to a clean 4xx (``PayloadError``, ``InvalidSignature``); anything
else (a ``KeyError``, a ``TypeError``, a ``decimal.InvalidOperation``) would have been a 500 and a
message left unanswered. X12 and EDIFACT have their own byte-mutation fuzzers beside their readers.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overture.channels import (
    amazon,
    channeladvisor,
    easypost_events,
    ebay,
    loop_returns,
    pos,
    rest,
    shopify,
    signatures,
    storefront,
    stripe_events,
    walmart,
    wms,
    woocommerce,
)
from overture.channels.csv_intake import read_orders
from overture.channels.signatures import InvalidSignature
from overture.services.errors import PayloadError
from tests.channels.csv_files import acme, acme_csv

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

Reader = Callable[[bytes], Any]
READERS: dict[str, Reader] = {
    "rest": rest.translate,
    "amazon": amazon.translate,
    "channeladvisor": channeladvisor.translate,
    "ebay": ebay.translate,
    "walmart": walmart.translate,
    "shopify": shopify.MAPPING.translate,
    "shopify update": lambda body: storefront.read_update(shopify.MAPPING, body),
    "shopify refund": shopify.read_refund,
    "woocommerce": woocommerce.MAPPING.translate,
    "easypost": easypost_events.translate,
    "loop": loop_returns.translate,
    "wms": wms.translate_shipment,
    "stripe": stripe_events.parse_event,
    "pos batch": pos.read_batch,
    "shopify pos": lambda body: pos.translate_shopify_pos(body, locations={"1": "STORE-1"}),
    "csv": lambda body: read_orders(body, acme_csv(), acme()),
}

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
# Keys the readers look for, so random values land where the parser reads them, not only in fields it skips.
KEYS = [
    "id",
    "channel",
    "external_id",
    "lines",
    "line_items",
    "sku",
    "quantity",
    "unit_price",
    "price",
    "currency",
    "customer",
    "ship_to",
    "shipping_address",
    "billing",
    "total_price",
    "AmazonOrderId",
    "OrderItems",
    "orderLines",
    "orderLine",
    "purchaseOrderId",
    "Items",
    "ID",
    "TotalPrice",
    "lineItems",
    "orderId",
    "pricingSummary",
    "result",
    "status",
    "tracking_code",
    "data",
    "object",
    "type",
    "created",
    "refund_line_items",
    "order_id",
    "shipments",
    "amount",
    "line_items_count",
    "total",
    "address",
    "country",
    "postal_code",
    "Quantity",
    "Sku",
    "charges",
]
shaped = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=8),
    max_leaves=40,
)


def _only_typed(reader: Reader, body: bytes) -> None:
    with contextlib.suppress(PayloadError, InvalidSignature):
        reader(body)


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes_raise_only_typed_errors(name: str, body: bytes) -> None:
    _only_typed(READERS[name], body)


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(document=json_values | shaped)
def test_json_of_any_shape_raises_only_typed_errors(name: str, document: Any) -> None:
    _only_typed(READERS[name], json.dumps(document).encode())


@pytest.mark.parametrize("name", sorted(READERS))
@FUZZ
@given(document=st.dictionaries(st.sampled_from(KEYS), shaped, min_size=3, max_size=12))
def test_platform_shaped_json_raises_only_typed_errors(name: str, document: dict[str, Any]) -> None:
    _only_typed(READERS[name], json.dumps(document).encode())


@FUZZ
@given(
    body=st.binary(max_size=200), signature=st.none() | st.text(max_size=80), secret=st.none() | st.text(max_size=30)
)
def test_hmac_verifiers_refuse_with_their_typed_error_only(
    body: bytes, signature: str | None, secret: str | None
) -> None:
    for verify in (signatures.verify, easypost_events.verify):
        with contextlib.suppress(InvalidSignature):
            verify(body, signature=signature, secret=secret)


@FUZZ
@given(body=st.binary(max_size=200), header=st.text(max_size=120), now=st.floats(0, 4e9))
def test_the_stripe_verifier_refuses_any_header_with_its_typed_error_only(body: bytes, header: str, now: float) -> None:
    with contextlib.suppress(InvalidSignature):
        stripe_events.verify_signature(body, header, "whsec_test", now=now)


@FUZZ
@given(body=st.binary(max_size=200), timestamp=st.integers(0, 4_000_000_000))
def test_a_forged_body_under_a_real_stripe_signature_is_refused(body: bytes, timestamp: int) -> None:
    header = stripe_events.signature_header(b"the signed body", "whsec_test", timestamp=timestamp)
    if body != b"the signed body":
        with pytest.raises(InvalidSignature):
            stripe_events.verify_signature(body, header, "whsec_test", now=timestamp)
