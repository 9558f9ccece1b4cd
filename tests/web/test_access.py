"""Access control over HTTP: every route's policy (401/403 change nothing), channel keys, revocation,
keys hashed at rest, the keys CLI, dashboard sign-in with its cookie and CSRF, and the recorded actor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.app import create_app
from overture.bootstrap import Container
from overture.cli import app as cli_app
from overture.domain.access import Role, split_token
from overture.services.access import create_key
from overture.store.tables import api_keys, metadata
from overture.web.auth import ADMIN, OPERATOR, PUBLIC, SELLER, SESSION_COOKIE, VIEWER, api_routes, need_for
from tests.web.signin import sign_in

pytestmark = pytest.mark.auth

# The decision for each route, listed so a change to the policy is a visible change here too.
EXPECTED = {
    ("POST", "/v1/orders"): "channel",
    ("POST", "/v1/channels/edi"): "channel",
    ("POST", "/v1/channels/edifact"): "channel",
    ("POST", "/v1/channels/csv"): "channel",
    ("POST", "/v1/webhooks/wms/shipments"): "channel",
    ("POST", "/v1/channels/shopify/webhooks"): "signed",
    ("POST", "/v1/channels/woocommerce/webhooks"): "signed",
    ("POST", "/v1/exceptions/{exception_id}/resolve"): "operator",
    ("POST", "/v1/orders/{order_id}/cancel"): "operator",
    ("POST", "/v1/inventory/receipts"): "operator",
    ("POST", "/v1/inventory/adjustments"): "operator",
    ("PUT", "/v1/inventory/{sku}/locations/{location_id}/safety-stock"): "operator",
    ("POST", "/v1/partners/{partner_id}/inventory-advice"): "operator",
    ("POST", "/v1/keys"): "admin",
    ("GET", "/v1/keys"): "admin",
    ("GET", "/v1/changes"): "admin",
    ("DELETE", "/v1/keys/{key_id}"): "admin",
    ("POST", "/v1/locations"): "admin",
    ("POST", "/v1/skus"): "admin",
    ("PUT", "/v1/sourcing/settings"): "admin",
    ("PUT", "/v1/rules/{scope}"): "admin",
    ("PUT", "/v1/partners/{partner_id}"): "admin",
    ("PUT", "/v1/partners/{partner_id}/csv"): "admin",
    ("GET", "/v1/orders"): "viewer",
    ("GET", "/v1/orders/{order_id}"): "viewer",
    ("GET", "/v1/exceptions"): "viewer",
    ("GET", "/metrics"): "viewer",
    ("GET", "/healthz"): "public",
    ("GET", "/signin"): "public",
}
LOWER = {"viewer": Role.CHANNEL, "operator": Role.VIEWER, "admin": Role.OPERATOR}


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    # Errors of the endpoints themselves (500) are theirs: here only whether the policy let the call in counts.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def key(container: Container, role: Role, channel: str | None = None) -> str:
    return create_key(container.uow, container.clock, role=role, channel=channel).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def snapshot(container: Container) -> dict[str, list[Any]]:
    """Every row of every table but the keys' last-used stamps and the audit trail's records of the
    attempts (web/audit_trail.py keeps a person's refused request too): what a refused request must
    not change."""
    with container.engine.connect() as c:
        rows = {}
        for table in metadata.sorted_tables:
            columns = [col for col in table.c if col.name != "last_used_at"]
            query = sa.select(*columns)
            if table.name == "change_log":
                query = query.where(table.c.action.not_like("request.%"))
            rows[table.name] = sorted(map(repr, c.execute(query).all()))
    return rows


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def call(http: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    body = b'{"channel": "web", "lines": []}' if method in {"POST", "PUT"} else None
    status: int = http.request(method, concrete(path), content=body, headers=headers).status_code
    return status


def test_the_policy_lists_the_decision_for_the_known_routes(app: FastAPI) -> None:
    served = set(api_routes(app))
    for route, decided in EXPECTED.items():
        assert route in served, f"{route} is not served"
        assert need_for(*route).describe() == decided, route


def test_every_route_refuses_a_missing_or_wrong_key_and_changes_nothing(
    app: FastAPI, http: TestClient, container: Container
) -> None:
    tokens = {role: key(container, role, "nowhere" if role in (Role.CHANNEL, Role.SELLER) else None) for role in Role}
    before = snapshot(container)
    checked = 0
    for method, path in api_routes(app):
        need = need_for(method, path)
        if need == PUBLIC:
            continue
        if need.kind != "signed":  # storefront webhooks: no key means the HMAC check decides (below)
            assert call(http, method, path, {}) == 401, (method, path)
            response = http.request(method, concrete(path), headers=bearer("ovt_key_bogus"))
            assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
        if need.kind == "role":
            assert need.role is not None
            if need.role is not Role.VIEWER:
                status = call(http, method, path, bearer(tokens[LOWER[need.role.value]]))
                assert status == 403, (method, path)
            assert call(http, method, path, bearer(tokens[Role.CHANNEL])) == 403, (method, path)
            assert call(http, method, path, bearer(tokens[Role.SELLER])) == 403, (method, path)
        elif need.kind == "seller":  # a seller's own routes: no other key, however high its role
            for role in (Role.CHANNEL, Role.VIEWER, Role.ADMIN):
                assert call(http, method, path, bearer(tokens[role])) == 403, (method, path, role)
        else:  # a channel key for another channel
            assert call(http, method, path, bearer(tokens[Role.CHANNEL])) == 403, (method, path)
            assert call(http, method, path, bearer(tokens[Role.VIEWER])) == 403, (method, path)
        checked += 1
    assert checked >= len([r for r in EXPECTED if EXPECTED[r] != "public"])
    assert snapshot(container) == before


def test_the_right_role_gets_past_the_policy(app: FastAPI, http: TestClient, container: Container) -> None:
    admin, operator, viewer = (key(container, r) for r in (Role.ADMIN, Role.OPERATOR, Role.VIEWER))
    seller = key(container, Role.SELLER, "acme")
    for method, path in api_routes(app):
        need = need_for(method, path)
        token = {VIEWER: viewer, OPERATOR: operator, ADMIN: admin, SELLER: seller}.get(need, operator)
        status = call(http, method, path, bearer(token))
        assert status not in (401, 403) or need.kind == "signed", (method, path, status)


def test_storefront_webhooks_without_a_key_are_judged_by_their_signature(
    http: TestClient, container: Container
) -> None:
    before = snapshot(container)
    response = http.post("/v1/channels/shopify/webhooks", content=b"{}", headers={"X-Shopify-Topic": "orders/create"})
    assert response.status_code == 401
    assert snapshot(container) == before


def order(channel: str) -> dict[str, Any]:
    return {
        "channel": channel,
        "external_id": "A-1",
        "customer": {"email": "a@example.com"},
        "ship_to": {
            "name": "A",
            "line1": "1 Main St",
            "city": "Austin",
            "region": "TX",
            "postal_code": "78701",
            "country": "US",
        },
        "lines": [{"sku": "SKU-1", "quantity": 1, "unit_price": "1.00"}],
        "currency": "USD",
    }


def test_a_channel_key_posts_only_for_its_own_channel(http: TestClient, container: Container) -> None:
    web = key(container, Role.CHANNEL, "web")
    before = snapshot(container)
    assert http.post("/v1/orders", json=order("marketplace"), headers=bearer(web)).status_code == 403
    assert http.get("/v1/orders", headers=bearer(web)).status_code == 403
    assert snapshot(container) == before
    own = http.post("/v1/orders", json=order("web"), headers=bearer(web))
    assert own.status_code not in (401, 403), own.text


def test_a_revoked_key_gets_401(http: TestClient, container: Container) -> None:
    admin = key(container, Role.ADMIN)
    made = http.post("/v1/keys", json={"role": "viewer", "name": "wall screen"}, headers=bearer(admin))
    assert made.status_code == 201
    viewer, viewer_id = made.json()["key"], made.json()["id"]
    assert http.get("/v1/orders", headers=bearer(viewer)).status_code == 200
    assert http.delete(f"/v1/keys/{viewer_id}", headers=bearer(admin)).json()["revoked_at"]
    assert http.get("/v1/orders", headers={"X-API-Key": viewer}).status_code == 401


def test_keys_are_hashed_at_rest_and_listed_without_secrets(http: TestClient, container: Container) -> None:
    admin = key(container, Role.ADMIN)
    made = http.post("/v1/keys", json={"role": "channel", "channel": "web"}, headers=bearer(admin)).json()
    secret = split_token(made["key"])[1]  # not rsplit("_"): a url-safe secret may itself hold "_"
    with container.engine.connect() as c:
        stored = [tuple(str(v) for v in row) for row in c.execute(sa.select(api_keys)).all()]
    assert stored and not any(secret in value for row in stored for value in row)
    listed = http.get("/v1/keys", headers=bearer(admin)).text
    assert secret not in listed and made["id"] in listed
    bad = http.post("/v1/keys", json={"role": "channel"}, headers=bearer(admin))
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "channel"


def test_keys_cli_creates_lists_and_revokes(container: Container) -> None:
    runner = CliRunner()
    url = ["--database-url", container.settings.resolved_database_url()]
    created = runner.invoke(cli_app, ["keys", "create", "--role", "operator", "--name", "night shift", *url])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    key_id = created.stdout.split()[0]  # stdout: the store line is on stderr
    listed = runner.invoke(cli_app, ["keys", "list", *url])
    # split_token, not rsplit("_"): a url-safe secret may itself hold "_" (the tail was then one character).
    assert key_id in listed.output and split_token(token)[1] not in listed.output
    assert runner.invoke(cli_app, ["keys", "revoke", key_id, *url]).exit_code == 0
    assert runner.invoke(cli_app, ["keys", "revoke", "key_nope", *url]).exit_code == 1
    wrong = runner.invoke(cli_app, ["keys", "create", "--role", "boss", *url])
    assert wrong.exit_code != 0


def test_dashboard_sign_in_session_csrf_and_sign_out(http: TestClient, container: Container) -> None:
    operator = key(container, Role.OPERATOR)
    page = http.get("/some-dashboard-page", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code in (303, 404)  # 404 when no page of that name exists: no route, no policy
    refused = sign_in(http, "ovt_wrong", "/", follow_redirects=False)
    assert refused.status_code == 401 and SESSION_COOKIE not in refused.cookies
    signed = sign_in(http, operator, "//evil.example", follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
    assert http.get("/v1/exceptions").status_code == 200  # the cookie signs in
    # An action with the session but without the CSRF token is refused.
    stale = http.post("/v1/exceptions/x1/resolve", json={"action": "retry"})
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "csrf_failed"
    http.post("/signout")
    assert http.get("/v1/exceptions").status_code == 401
