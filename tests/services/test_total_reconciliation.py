"""Capture reconciles an order's own total with the total its channel sent (issue 14), per channel on
the existing fixtures, on SQLite and PostgreSQL: beyond the tolerance the order is held with a
``total_mismatch`` exception naming both figures and the difference; an override releases it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container, bootstrap
from overture.channels import shopify, woocommerce
from overture.channels.amazon import translate as amazon_translate
from overture.config import Settings
from overture.domain.commands import LineRequest, PlaceOrder
from overture.domain.parties import Address, Customer
from overture.services.capture import CaptureResult, capture_order, request_hash
from overture.services.errors import AlreadyExists
from overture.services.fulfilment import resolve_exception, retry_placement
from overture.services.ports import InboundMessage
from tests.channels.storefront_files import fixture_json
from tests.channels.test_amazon_mapping import fixture as amazon_fixture
from tests.channels.x12.fixtures import PO_850
from tests.channels.x12.test_po850 import _command as x12_command
from tests.factories import add_locations, add_skus, order_payload, stock

Translate = Callable[[bytes], PlaceOrder]
OFF_BY_TEN = Decimal("10.00")


def _shopify(shift: Decimal) -> bytes:
    document = fixture_json("shopify_order_allocations.json")
    document["total_price"] = str(Decimal(document["total_price"]) + shift)
    return json.dumps(document).encode()


def _woocommerce(shift: Decimal) -> bytes:
    document = fixture_json("woocommerce_order_coupon.json")
    document["total"] = str(Decimal(document["total"]) + shift)
    return json.dumps(document).encode()


def _amazon(shift: Decimal) -> bytes:
    data = amazon_fixture("multi_item_promotions")
    data["order"]["OrderTotal"]["Amount"] = str(Decimal(data["order"]["OrderTotal"]["Amount"]) + shift)
    return json.dumps({"order": data["order"], "items": data["items"]}).encode()


def _x12(shift: Decimal) -> bytes:
    return PO_850.replace("CTT*2~\nSE*14*", f"CTT*2~\nAMT*TT*{Decimal('112.25') + shift}~\nSE*15*").encode()


CHANNELS: dict[str, tuple[Callable[[Decimal], bytes], Translate]] = {
    "shopify": (_shopify, shopify.translate),
    "woocommerce": (_woocommerce, woocommerce.translate),
    "amazon": (_amazon, amazon_translate),
    "edi": (_x12, lambda raw: x12_command(raw.decode())),
}


def _capture(container: Container, channel: str, shift: Decimal) -> CaptureResult:
    """Capture the channel's fixture with its declared total moved by ``shift``, every SKU stocked."""
    document, translate = CHANNELS[channel]
    raw = document(shift)
    with contextlib.suppress(AlreadyExists):  # a second capture in the same store
        add_locations(container, ["EWR"])
    skus = sorted({line.sku for line in translate(raw).lines})
    add_skus(container, *skus)
    for sku in skus:
        stock(container, sku, "EWR", 1_000)
    message = InboundMessage(channel, raw, datetime.now(UTC))
    return capture_order(
        message,
        translate,
        idempotency_key=None,
        uow_factory=container.uow,
        geocoder=container.geocoder,
        clock=container.clock,
    )


def _exception(client: TestClient, order_id: str) -> dict[str, Any]:
    [found] = [e for e in client.get("/v1/exceptions").json()["items"] if e["order_id"] == order_id]
    return found


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_an_order_whose_total_differs_from_the_channels_is_held_with_both_figures(
    client: TestClient, container: Container, channel: str
) -> None:
    result = _capture(container, channel, OFF_BY_TEN)
    assert (result.order.status, result.order.exception_types) == ("on_hold", ("total_mismatch",))
    exception = _exception(client, result.order.id)
    details = exception["details"]
    assert Decimal(details["declared_total"]) - Decimal(details["computed_total"]) == OFF_BY_TEN
    assert (Decimal(details["difference"]), Decimal(details["tolerance"])) == (OFF_BY_TEN, Decimal("0.01"))
    assert f"{details['declared_total']} USD" in exception["reason"]
    assert f"{details['computed_total']} USD" in exception["reason"] and "+10.00 USD" in exception["reason"]
    assert exception["allowed_actions"] == ["override", "edit", "cancel"]
    validation = [
        d
        for d in client.get(f"/v1/orders/{result.order.id}").json()["decisions"]
        if d["inputs"].get("check") == "total"
    ]
    assert [d["outcome"] for d in validation] == ["hold"]


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_an_order_whose_total_matches_the_channels_is_routed(container: Container, channel: str) -> None:
    result = _capture(container, channel, Decimal(0))
    assert (result.order.status, result.order.exception_types) == ("routed", ())


def test_a_rest_order_may_declare_its_total_and_is_held_when_it_is_off(
    client: TestClient, container: Container
) -> None:
    add_locations(container, ["EWR"])
    add_skus(container, "A")
    stock(container, "A", "EWR", 10)
    matching = client.post("/v1/orders", json=order_payload(("A", 2), declared_total="19.98")).json()
    off = client.post("/v1/orders", json=order_payload(("A", 2), declared_total="18.98")).json()
    assert (matching["status"], off["status"], off["exceptions"]) == ("routed", "on_hold", ["total_mismatch"])
    assert _exception(client, off["id"])["details"]["difference"] == "-1.00"


def test_placing_again_without_an_override_holds_the_order_again(container: Container, client: TestClient) -> None:
    """The declared total is kept with the order, so every placement checks it, not only capture's: an
    edit that leaves the total off (here, none at all) is held again."""
    held = _capture(container, "shopify", OFF_BY_TEN).order
    exception_id = _exception(client, held.id)["id"]
    assert resolve_exception(
        container.uow, exception_id, action="edit", actor="ops", note_text="", clock=container.clock
    )
    plan = retry_placement(container.uow, held.id, geocoder=container.geocoder, clock=container.clock)
    assert plan.status == "on_hold"
    assert [e.type for e in plan.open_exceptions] == ["total_mismatch"]


def test_thirty_cents_off_is_held_under_the_default_tolerance(container: Container) -> None:
    assert _capture(container, "shopify", Decimal("0.30")).order.status == "on_hold"


def test_an_override_releases_the_order_and_records_the_check_as_waived(
    container: Container, client: TestClient
) -> None:
    held = _capture(container, "woocommerce", OFF_BY_TEN).order
    exception_id = _exception(client, held.id)["id"]
    assert resolve_exception(
        container.uow, exception_id, action="override", actor="ops", note_text="agreed by phone", clock=container.clock
    )
    plan = retry_placement(container.uow, held.id, geocoder=container.geocoder, clock=container.clock)
    assert (plan.status, plan.open_exceptions) == ("routed", [])
    checks = [d for d in client.get(f"/v1/orders/{held.id}").json()["decisions"] if d["inputs"].get("check") == "total"]
    assert [d["outcome"] for d in checks] == ["hold", "waived"]
    assert checks[-1]["reason"].endswith("(overridden earlier)")


@pytest.fixture
def tolerant(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(
        Settings(home=tmp_path, database_url=database_url, auth="off", total_tolerance=Decimal("0.50")), migrate=False
    )
    yield built
    built.close()


def test_the_configured_tolerance_decides_what_is_held(tolerant: Container) -> None:
    """Off by 0.30, which the default tolerance of 0.01 holds, passes a tolerance of 0.50; 0.80 does not."""
    assert _capture(tolerant, "shopify", Decimal("0.30")).order.status == "routed"
    assert _capture(tolerant, "woocommerce", Decimal("-0.80")).order.status == "on_hold"


def test_the_tolerance_setting_is_read_from_the_environment_as_a_decimal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERTURE_TOTAL_TOLERANCE", "0.05")
    tolerance = Settings().total_tolerance
    assert isinstance(tolerance, Decimal) and tolerance == Decimal("0.05")
    monkeypatch.setenv("OVERTURE_TOTAL_TOLERANCE", "-1")
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        Settings()


def test_a_command_declaring_no_total_keeps_the_fingerprint_it_had_before_the_field() -> None:
    """Written by the code before ``declared_total`` existed: an Idempotency-Key stored then still replays."""
    command = PlaceOrder(
        "web", "H-1", Customer(reference="C-1", name="Ann"), Address(postal_code="10001", country="US"), "USD",
        (LineRequest("A", 2, Decimal("9.99")),),
    )  # fmt: skip
    assert request_hash(command) == "e2240c45116ac6958c06b4f54f5c0192b64e7de8b7ac21692baa7c5594f21904"
