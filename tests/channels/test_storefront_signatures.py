"""Webhook signatures: base64 HMAC-SHA256 over the raw body, compared in constant time."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from overture.channels.signatures import InvalidSignature, secret_for, sign, verify
from tests.channels.storefront_files import fixture_bytes

SECRET = "hush-it-is-a-secret"


def test_sign_matches_the_rfc_4231_hmac_sha256_vector_in_base64() -> None:
    # RFC 4231 test case 2 (key "Jefe"), whose hex digest is 5bdcc146...64ec3843.
    assert sign("Jefe", b"what do ya want for nothing?") == "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="


def test_the_signature_of_the_raw_body_is_accepted() -> None:
    body = fixture_bytes("shopify_order_allocations.json")
    verify(body, signature=sign(SECRET, body), secret=SECRET)
    verify(body, signature=f"  {sign(SECRET, body)}\n", secret=SECRET)  # stray header whitespace is not a forgery


def test_a_tampered_body_is_rejected() -> None:
    body = fixture_bytes("shopify_order_allocations.json")
    signature = sign(SECRET, body)
    tampered = body.replace(b'"price": "25.00"', b'"price": "0.01"', 1)
    assert tampered != body
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(tampered, signature=signature, secret=SECRET)


def test_the_same_json_reformatted_is_rejected_because_the_raw_bytes_are_signed() -> None:
    body = b'{"id": 1, "total_price": "10.00"}'
    with pytest.raises(InvalidSignature):
        verify(b'{"id":1,"total_price":"10.00"}', signature=sign(SECRET, body), secret=SECRET)


def test_a_signature_made_with_another_secret_is_rejected() -> None:
    body = fixture_bytes("woocommerce_order_coupon.json")
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(body, signature=sign("someone-elses-secret", body), secret=SECRET)


@pytest.mark.parametrize("signature", [None, ""])
def test_a_missing_signature_is_rejected(signature: str | None) -> None:
    with pytest.raises(InvalidSignature, match="missing"):
        verify(b"{}", signature=signature, secret=SECRET)


def test_without_a_configured_secret_nothing_is_trusted() -> None:
    with pytest.raises(InvalidSignature, match="no webhook secret"):
        verify(b"{}", signature=sign("", b"{}"), secret=None)


def test_a_garbage_or_non_ascii_signature_is_rejected_without_crashing() -> None:
    for signature in ("not base64 at all", "Ünïcödé", "A" * 10_000):
        with pytest.raises(InvalidSignature):
            verify(b"{}", signature=signature, secret=SECRET)


def test_the_reason_never_contains_the_secret_or_the_body() -> None:
    body = b'{"email": "ann@example.com"}'
    with pytest.raises(InvalidSignature) as caught:
        verify(body, signature=sign("wrong", body), secret=SECRET)
    assert SECRET not in str(caught.value)
    assert "ann@example.com" not in str(caught.value)


def test_secret_for_picks_the_source_s_own_secret_ignoring_case_and_trailing_slash() -> None:
    secrets = {"https://Shop-A.example/": SecretStr("a"), "shop-b.myshopify.com": SecretStr("b")}
    assert secret_for("https://shop-a.example", secrets, None) == "a"
    assert secret_for("SHOP-B.myshopify.com", secrets, SecretStr("fallback")) == "b"


def test_secret_for_falls_back_to_the_single_secret_else_none() -> None:
    secrets = {"shop-b.myshopify.com": SecretStr("b")}
    assert secret_for("unknown.myshopify.com", secrets, SecretStr("fallback")) == "fallback"
    assert secret_for("unknown.myshopify.com", secrets, None) is None
    assert secret_for("", {}, None) is None
