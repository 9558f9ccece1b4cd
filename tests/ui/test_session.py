"""The dashboard under access control: who is signed in (the actor and the header), the CSRF token on
every htmx request and form, viewers see no actions (and get 403 if they post anyway), and a
signed-out browser goes to /signin and comes back to the page it asked for."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from overture.store.tables import order_exceptions
from tests.ui.seed import seed
from tests.web.signin import sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as client:
        yield client


def _sign_in(http: TestClient, container: Container, role: Role, name: str) -> None:
    token = create_key(container.uow, container.clock, role=role, name=name).token
    answer = sign_in(http, token, "/", follow_redirects=False)
    assert answer.status_code == 303, answer.text


def _csrf_of(page: str) -> str:
    """The token base.html puts in <body hx-headers>, which htmx sends with every request."""
    found = re.search(r"<body hx-headers='([^']*)'", page)
    assert found, "no hx-headers on <body>"
    token: str = json.loads(html_lib.unescape(found.group(1)))["X-CSRF-Token"]
    return token


def _exception_status(container: Container, exception_id: str) -> tuple[str, str | None]:
    with container.engine.connect() as c:
        row = c.execute(
            sa.select(order_exceptions.c.status, order_exceptions.c.resolved_by).where(
                order_exceptions.c.id == exception_id
            )
        ).one()
    return row.status, row.resolved_by


@pytest.mark.auth
def test_a_signed_out_browser_signs_in_and_comes_back_to_the_page_it_asked_for(
    http: TestClient, container: Container
) -> None:
    asked = http.get("/orders?q=PO-1&x=1", headers=BROWSER, follow_redirects=False)

    assert asked.status_code == 303
    assert asked.headers["location"] == "/signin?next=%2Forders%3Fq%3DPO-1%26x%3D1"
    form = http.get(asked.headers["location"]).text
    assert 'name="next" value="/orders?q=PO-1&amp;x=1"' in form
    token = create_key(container.uow, container.clock, role=Role.VIEWER, name="vera").token
    signed = sign_in(http, token, "/orders?q=PO-1&x=1", follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/orders?q=PO-1&x=1"
    assert http.get("/orders?q=PO-1&x=1", headers=BROWSER, follow_redirects=False).status_code == 200


@pytest.mark.auth
def test_an_operator_sees_its_name_the_actions_and_the_csrf_token_everywhere(
    http: TestClient, container: Container
) -> None:
    seed(container)
    _sign_in(http, container, Role.OPERATOR, "olga")

    queue = http.get("/exceptions", headers=BROWSER).text
    savings = http.get("/savings", headers=BROWSER).text
    token = _csrf_of(queue)

    assert re.search(r"Signed in as <strong data-testid=\"actor\">olga</strong> \(operator\)", queue)
    assert 'data-testid="signout"' in queue
    assert 'data-testid="action-retry-exc_conn"' in queue and 'data-testid="bulk-submit"' in queue
    assert f'<input type="hidden" name="csrf_token" value="{token}">' in savings
    assert 'data-testid="savings-save"' in savings
    # The form posts with its hidden field; without it (a forged form) it is refused and nothing saved.
    form = {"minutes_per_manual_order": "7", "loaded_hourly_cost": "40", "known_channels": ""}
    assert http.post("/savings", data=form).status_code == 403
    assert 'value="7"' not in http.get("/savings", headers=BROWSER).text
    assert http.post("/savings", data={**form, "csrf_token": token}).status_code == 200
    assert 'value="7"' in http.get("/savings", headers=BROWSER).text


@pytest.mark.auth
def test_an_operator_action_through_htmx_records_the_key_as_the_actor(http: TestClient, container: Container) -> None:
    seed(container)
    _sign_in(http, container, Role.OPERATOR, "olga")
    token = _csrf_of(http.get("/exceptions", headers=BROWSER).text)

    forged = http.post("/exceptions/exc_conn/assign", headers={"HX-Request": "true"})
    assigned = http.post("/exceptions/exc_conn/assign", headers={"HX-Request": "true", "X-CSRF-Token": token})

    assert forged.status_code == 403 and assigned.status_code == 200, assigned.text
    # The key is recorded with its role ("olga (operator)"), as the queue's own "me" choice sends it.
    queue = http.get("/exceptions", params={"assignee": "olga (operator)"}, headers=BROWSER).text
    assert 'data-exception-id="exc_conn"' in queue


@pytest.mark.auth
def test_a_viewer_sees_no_actions_and_is_refused_if_it_posts_anyway(http: TestClient, container: Container) -> None:
    seed(container)
    _sign_in(http, container, Role.VIEWER, "vera")

    queue = http.get("/exceptions", headers=BROWSER).text
    savings = http.get("/savings", headers=BROWSER).text
    token = _csrf_of(queue)

    assert 'data-exception-id="exc_conn"' in queue  # the queue itself is there to read
    assert "(viewer)" in queue
    assert 'data-testid="action-' not in queue and 'data-testid="assign-' not in queue
    assert 'data-testid="bulk-submit"' not in queue and 'data-testid="savings-save"' not in savings
    before = _exception_status(container, "exc_conn")
    refused = http.post(
        "/exceptions/exc_conn/resolve", data={"action": "cancel", "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 403 and "operator" in refused.text  # in words: htmx swaps it into the row
    assert _exception_status(container, "exc_conn") == before == ("open", None)


@pytest.mark.auth
def test_sign_out_ends_the_session(http: TestClient, container: Container) -> None:
    _sign_in(http, container, Role.ADMIN, "ada")
    assert http.get("/", headers=BROWSER, follow_redirects=False).status_code == 200

    out = http.post("/signout", follow_redirects=False)

    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert http.get("/", headers=BROWSER, follow_redirects=False).headers["location"] == "/signin?next=%2F"


def test_with_auth_off_the_dashboard_acts_as_the_fixed_actor_without_a_session(http: TestClient) -> None:
    page = http.get("/exceptions", headers=BROWSER).text

    assert '<span class="muted" data-testid="actor">dashboard</span>' in page
    assert "hx-headers" not in page and 'data-testid="signout"' not in page
    assert 'data-testid="bulk-submit"' in page
