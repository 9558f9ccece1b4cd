"""Every human action is in the audit log: each mutating route called with a person's key leaves a
``request.<method>`` record naming who, when, the route, its ids and the status, refused or not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services.access import create_key
from overture.store.tables import change_log
from overture.web.audit_trail import ACTIONS
from overture.web.auth import need_for
from tests.web.test_access import api_routes, concrete

pytestmark = pytest.mark.auth


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _requests(container: Container) -> list[sa.Row[tuple[object, ...]]]:
    query = sa.select(change_log).where(change_log.c.action.like("request.%")).order_by(change_log.c.id)
    with container.engine.connect() as connection:
        return list(connection.execute(query))


def test_every_mutating_route_a_person_calls_is_recorded(app: FastAPI, http: TestClient, container: Container) -> None:
    key = create_key(container.uow, container.clock, role=Role.ADMIN, name="olga").token
    routes = [
        (method, path)
        for method, path in api_routes(app)
        if method in ACTIONS and need_for(method, path).kind in ("role", "channel")
    ]
    for method, path in routes:
        http.request(method, concrete(path), content=b"{}", headers={"Authorization": f"Bearer {key}"})

    recorded = _requests(container)
    assert len(routes) > 30
    assert {(r.detail["method"], r.detail["route"]) for r in recorded} == set(routes)
    assert {r.actor for r in recorded} == {"olga (admin)"}
    assert all(isinstance(r.detail["status"], int) and r.detail["status"] >= 200 for r in recorded)
    assert all(set(r.detail) == {"method", "route", "status", "params"} for r in recorded)  # no body copied


def test_a_person_s_action_names_its_ids_and_a_system_s_is_not_a_person_s(
    http: TestClient, container: Container
) -> None:
    operator = create_key(container.uow, container.clock, role=Role.OPERATOR, name="ann").token
    channel = create_key(container.uow, container.clock, role=Role.CHANNEL, channel="web").token

    http.post("/v1/orders/ord_X/cancel", json={"reason": "asked"}, headers={"Authorization": f"Bearer {operator}"})
    http.post("/v1/orders", json={"channel": "web"}, headers={"Authorization": f"Bearer {channel}"})
    http.get("/v1/orders", headers={"Authorization": f"Bearer {operator}"})

    [record] = _requests(container)
    assert record.actor == "ann (operator)" and record.subject == "route:/v1/orders/{order_id}/cancel"
    assert record.detail["params"] == {"order_id": "ord_X"} and record.detail["status"] == 404
