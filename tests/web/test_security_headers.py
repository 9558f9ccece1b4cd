"""Every response carries the security headers: a page, an API answer, a refusal and a 404 alike."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from overture.web.headers import SECURITY_HEADERS

CSP_PARTS = (
    "frame-ancestors 'none'",
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/signin", 200), ("/healthz", 200), ("/v1/exceptions", 200), ("/no-such-page", 404), ("/v1/orders/x", 404)],
)
def test_the_security_headers_are_on_every_response(client: TestClient, path: str, status: int) -> None:
    answer = client.get(path)

    assert answer.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    csp = answer.headers["content-security-policy"]
    assert all(part in csp for part in CSP_PARTS) and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.auth
def test_a_refused_request_carries_them_too(client: TestClient) -> None:
    answer = client.get("/v1/exceptions")

    assert answer.status_code == 401 and answer.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_a_nul_refused_before_routing_carries_them_too(client: TestClient) -> None:
    answer = client.get("/v1/orders/a%00b")

    assert answer.status_code == 422 and answer.headers["x-frame-options"] == "DENY"
