"""Dashboard sessions kept on the server: another site cannot sign a browser in (login CSRF), signing
out ends the session for whoever holds its cookie, revoking a key ends its sessions at once, a session
expires after session_max_age_s, and the store keeps only the hash of the session id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from overture.app import create_app
from overture.bootstrap import Container
from overture.cli import app as cli_app
from overture.domain.access import Role
from overture.services.access import create_key
from overture.store.tables import sessions
from overture.web.sessions import SESSION_COOKIE
from tests.web.signin import form_token, sign_in

pytestmark = pytest.mark.auth
BROWSER = {"Accept": "text/html"}


class MovableClock:
    """The container's clock, stopped when the test starts and moved forward by hand only: under a loaded
    CI machine a running clock would add its own seconds to the 599 s a test sets."""

    def __init__(self, clock: object) -> None:
        self._start: datetime = clock()  # type: ignore[operator]
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return self._start + self.ahead


@pytest.fixture
def clock(container: Container) -> MovableClock:
    return MovableClock(container.clock)


@pytest.fixture
def hub(container: Container, clock: MovableClock) -> Container:
    return replace(container, clock=clock, settings=container.settings.model_copy(update={"session_max_age_s": 600}))


@pytest.fixture
def http(hub: Container) -> Iterator[TestClient]:
    with TestClient(create_app(hub)) as client:
        yield client


def _key(container: Container, role: Role = Role.OPERATOR) -> tuple[str, str]:
    made = create_key(container.uow, container.clock, role=role)
    return made.key.id, made.token


def _rows(container: Container) -> list[sa.Row[tuple[object, ...]]]:
    with container.engine.connect() as c:
        return list(c.execute(sa.select(sessions)).all())


def _signed_in(http: TestClient) -> str:
    _, token = _key(http.app.state.container)  # type: ignore[attr-defined]
    answer = sign_in(http, token, "/", follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.cookies[SESSION_COOKIE]


def _replay(hub: Container, cookie: str) -> tuple[int, int]:
    """(API status, page status) for a fresh client holding only this session cookie."""
    with TestClient(create_app(hub), cookies={SESSION_COOKIE: cookie}) as other:
        api = other.get("/v1/exceptions").status_code
        page = other.get("/exceptions", headers=BROWSER, follow_redirects=False)
        return api, page.status_code


@pytest.mark.parametrize(
    ("form", "headers"),
    [
        ({}, {}),  # no pre-session token at all
        ({"signin_token": "forged-by-another-site-" + "x" * 20}, {}),  # one that is not the cookie's
        (None, {"Origin": "https://evil.example"}),  # the right token, posted from another site
        (None, {"Sec-Fetch-Site": "cross-site"}),
    ],
)
def test_a_forged_sign_in_is_refused_and_opens_no_session(
    http: TestClient, hub: Container, form: dict[str, str] | None, headers: dict[str, str]
) -> None:
    _, token = _key(hub)
    fields = {"signin_token": form_token(http)} if form is None else form
    answer = http.post("/signin", data={"key": token, "next": "/", **fields}, headers=headers, follow_redirects=False)

    assert answer.status_code == 403
    assert "not from this hub" in answer.text or "another site" in answer.text
    assert SESSION_COOKIE not in answer.cookies and _rows(hub) == []


def test_a_sign_in_from_the_hub_s_own_page_opens_a_session_of_which_only_the_hash_is_kept(
    http: TestClient, hub: Container
) -> None:
    answer = sign_in(http, _key(hub)[1], headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    session_id = http.cookies[SESSION_COOKIE]

    assert answer.status_code == 200
    (row,) = _rows(hub)
    assert row.id_hash == hashlib.sha256(session_id.encode()).hexdigest() and session_id not in repr(row)
    assert row.expires_at - row.created_at == timedelta(seconds=600)  # session_max_age_s


def test_the_session_cookie_lasts_session_max_age_s(http: TestClient, hub: Container) -> None:
    answer = sign_in(http, _key(hub)[1], follow_redirects=False)

    session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "max-age=600" in session.lower() and "httponly" in session.lower()


def test_a_signed_out_session_cookie_no_longer_works(http: TestClient, hub: Container) -> None:
    cookie = _signed_in(http)
    assert _replay(hub, cookie) == (200, 200)

    out = http.post("/signout", follow_redirects=False)

    assert out.status_code == 303
    assert _replay(hub, cookie) == (401, 303)  # the old cookie, replayed: the API 401, pages to /signin
    (row,) = _rows(hub)
    assert row.revoked_at is not None


def test_a_revoked_key_s_session_stops_working_at_once(http: TestClient, hub: Container) -> None:
    key_id, token = _key(hub)
    sign_in(http, token, follow_redirects=False)
    cookie = http.cookies[SESSION_COOKIE]
    assert http.get("/v1/exceptions").status_code == 200  # the key is now in the process's key cache
    _, admin = _key(hub, Role.ADMIN)

    revoked = http.delete(f"/v1/keys/{key_id}", headers={"Authorization": f"Bearer {admin}"})

    assert revoked.status_code == 200
    assert _replay(hub, cookie) == (401, 303)
    assert http.get("/v1/exceptions").status_code == 401


def test_a_key_revoked_by_the_command_line_ends_its_sessions_in_the_store(
    http: TestClient, hub: Container, database_url: str
) -> None:
    key_id, token = _key(hub)
    sign_in(http, token, follow_redirects=False)
    sign_in(http, token, follow_redirects=False)  # a second sign-in ends the first (a new id each time)

    result = CliRunner().invoke(cli_app, ["keys", "revoke", key_id, "--database-url", database_url])

    assert result.exit_code == 0, result.output
    assert [row.revoked_at is not None for row in _rows(hub)] == [True, True]
    assert http.get("/v1/exceptions").status_code == 401


def test_an_expired_session_is_refused(http: TestClient, hub: Container, clock: MovableClock) -> None:
    cookie = _signed_in(http)
    clock.ahead = timedelta(seconds=599)
    assert _replay(hub, cookie) == (200, 200)

    clock.ahead = timedelta(seconds=601)

    assert _replay(hub, cookie) == (401, 303)


def test_last_seen_is_written_at_most_once_a_minute(http: TestClient, hub: Container, clock: MovableClock) -> None:
    _signed_in(http)
    (signed,) = _rows(hub)
    clock.ahead = timedelta(seconds=30)
    http.get("/v1/exceptions")
    assert _rows(hub)[0].last_seen_at == signed.last_seen_at

    clock.ahead = timedelta(seconds=61)
    http.get("/v1/exceptions")

    assert _rows(hub)[0].last_seen_at > signed.last_seen_at + timedelta(seconds=60)


def test_a_cross_site_sign_out_is_refused(http: TestClient, hub: Container) -> None:
    cookie = _signed_in(http)

    refused = http.post("/signout", headers={"Origin": "https://evil.example"}, follow_redirects=False)

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert _replay(hub, cookie) == (200, 200)
