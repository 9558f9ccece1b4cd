"""The API's cache of key lookups: it saves the store read per request, yet a revoked key is refused
at once when revoked through this process and within the cache's TTL when revoked elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import (
    TOUCH_EVERY,
    KeyCache,
    authenticate,
    cached_principal,
    create_key,
    revoke_key,
)
from overture.store.tables import api_keys

pytestmark = pytest.mark.auth


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _revoke_in_store(container: Container, key_id: str) -> None:
    # What `overture keys revoke` does from another process: this process's cache is not told.
    with container.engine.begin() as c:
        c.execute(sa.update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=container.clock()))


def _last_used(container: Container, key_id: str) -> object:
    with container.engine.connect() as c:
        return c.scalar(sa.select(api_keys.c.last_used_at).where(api_keys.c.id == key_id))


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client


def test_a_key_revoked_elsewhere_is_refused_once_the_cache_entry_expires(
    http: TestClient, container: Container
) -> None:
    ticks = Ticks()
    http.app.state.key_cache = KeyCache(2.0, clock=ticks)  # type: ignore[attr-defined]
    made = create_key(container.uow, container.clock, role=Role.VIEWER)
    headers = {"Authorization": f"Bearer {made.token}"}
    assert http.get("/v1/orders", headers=headers).status_code == 200
    _revoke_in_store(container, made.key.id)
    ticks.now += 1.0  # inside the TTL: the cached key is still trusted
    assert http.get("/v1/orders", headers=headers).status_code == 200
    ticks.now += 1.0  # the TTL has passed: read again, found revoked
    assert http.get("/v1/orders", headers=headers).status_code == 401
    ticks.now += 0.1  # a revoked key is not cached: refused on every later request
    assert http.get("/v1/orders", headers=headers).status_code == 401


def test_a_key_revoked_through_this_process_is_refused_at_once(http: TestClient, container: Container) -> None:
    ticks = Ticks()  # never moves: only the revocation can empty the cache
    http.app.state.key_cache = KeyCache(60.0, clock=ticks)  # type: ignore[attr-defined]
    admin = create_key(container.uow, container.clock, role=Role.ADMIN)
    viewer = create_key(container.uow, container.clock, role=Role.VIEWER)
    headers = {"X-API-Key": viewer.token}
    assert http.get("/v1/orders", headers=headers).status_code == 200
    revoked = http.delete(f"/v1/keys/{viewer.key.id}", headers={"Authorization": f"Bearer {admin.token}"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert http.get("/v1/orders", headers=headers).status_code == 401


def test_a_cached_key_still_has_its_secret_checked_and_unknown_ids_are_not_cached(container: Container) -> None:
    cache = KeyCache(60.0, clock=Ticks())
    made = create_key(container.uow, container.clock, role=Role.OPERATOR)
    principal = authenticate(container.uow, container.clock, made.token, cache=cache)
    assert principal is not None and principal.key_id == made.key.id
    assert cache.get(made.key.id) is not None
    wrong = made.token[:-4] + ("AAAA" if not made.token.endswith("AAAA") else "BBBB")
    assert authenticate(container.uow, container.clock, wrong, cache=cache) is None
    unknown = made.token.replace(made.key.id, made.key.id[:-2] + "zz")
    assert authenticate(container.uow, container.clock, unknown, cache=cache) is None
    assert cache.get(made.key.id[:-2] + "zz") is None
    revoke_key(container.uow, container.clock, made.key.id)
    assert cache.get(made.key.id) is None
    assert authenticate(container.uow, container.clock, made.token, cache=cache) is None


def test_last_use_is_written_only_when_stale(container: Container) -> None:
    made = create_key(container.uow, container.clock, role=Role.VIEWER)
    assert _last_used(container, made.key.id) is None
    assert authenticate(container.uow, container.clock, made.token) is not None
    first = _last_used(container, made.key.id)
    assert first is not None
    assert authenticate(container.uow, container.clock, made.token) is not None
    assert _last_used(container, made.key.id) == first  # fresh: no write
    later = container.clock() + TOUCH_EVERY + timedelta(seconds=1)
    assert authenticate(container.uow, lambda: later, made.token) is not None
    assert _last_used(container, made.key.id) == later


def test_the_event_loop_check_answers_only_for_a_cached_key_with_its_secret(container: Container) -> None:
    cache = KeyCache(60.0, clock=Ticks())
    made = create_key(container.uow, container.clock, role=Role.CHANNEL, channel="web")
    assert cached_principal(cache, container.clock, made.token) is None  # not cached yet: the store decides
    assert authenticate(container.uow, container.clock, made.token, cache=cache) is not None
    found = cached_principal(cache, container.clock, made.token)
    assert found is not None and found.key_id == made.key.id and found.channel == "web"
    wrong = made.token[:-4] + ("AAAA" if not made.token.endswith("AAAA") else "BBBB")
    assert cached_principal(cache, container.clock, wrong) is None
    assert cached_principal(cache, container.clock, "not-a-key") is None
    later = container.clock() + TOUCH_EVERY + timedelta(seconds=1)
    assert cached_principal(cache, lambda: later, made.token) is None  # its last use needs a write
    revoke_key(container.uow, container.clock, made.key.id)
    assert cached_principal(cache, container.clock, made.token) is None
