"""PATCH /v1/locations/{id} and the use case behind it (services/locations.py), on both stores: only
the fields sent change, null clears capacity and cut-off, refusals name the field, the change log keeps
before and after, and routing sees the edit at once."""

from __future__ import annotations

from datetime import time

import pytest
from fastapi.testclient import TestClient

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.services import changes
from overture.services.errors import InvalidRequest
from overture.services.locations import LocationEdit, parse_cutoff, update_location
from overture.services.retry import read_only
from tests.factories import add_locations
from tests.workflows.keyed_hub import new_key


def test_only_the_fields_sent_change_and_null_clears_a_limit(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    answer = client.patch("/v1/locations/EWR", json={"daily_capacity": 40, "cutoff_utc": "15:00"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "id": "EWR",
        "name": "Newark NJ",
        "priority": 100,
        "active": True,
        "ship_by_hours": 48.0,
        "daily_capacity": 40,
        "cutoff_utc": "15:00",
    }
    cleared = client.patch("/v1/locations/EWR", json={"daily_capacity": None, "priority": 7}).json()
    assert (cleared["daily_capacity"], cleared["cutoff_utc"], cleared["priority"]) == (None, "15:00", 7)
    newest = changes.recent(container.uow, subject="location:EWR")[0]
    assert newest.actor == "local (auth off)"
    assert newest.detail == {
        "before": {"priority": 100, "daily_capacity": 40},
        "after": {"priority": 7, "daily_capacity": None},
    }
    # Routing reads locations through a cache: the edit is seen at once in this process.
    seen = read_only(container.uow, lambda uow: uow.sourcing.locations({"EWR"}))["EWR"]
    assert (seen.priority, seen.cutoff_utc) == (7, time(15, 0))


def test_refusals_name_the_field(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    unknown_field = client.patch("/v1/locations/EWR", json={"name": "renamed"})
    assert unknown_field.status_code == 422 and "name" in unknown_field.text
    assert client.patch("/v1/locations/EWR", json={"priority": None}).status_code == 422
    assert client.patch("/v1/locations/EWR", json={"ship_by_hours": 0}).status_code == 422
    assert client.patch("/v1/locations/EWR", json={"cutoff_utc": "25:00"}).status_code == 422
    assert client.patch("/v1/locations/NOPE", json={"priority": 1}).status_code == 404
    assert [c.action for c in changes.recent(container.uow, subject="location:EWR")] == ["location.created"]


def test_the_use_case_checks_ranges(container: Container) -> None:
    add_locations(container, ["EWR"])
    for edit, field in [
        (LocationEdit(priority=-1), "priority"),
        (LocationEdit(ship_by_seconds=0), "ship_by_hours"),
        (LocationEdit(daily_capacity=-2), "daily_capacity"),
    ]:
        with pytest.raises(InvalidRequest) as refused:
            update_location(container.uow, "EWR", edit, clock=container.clock)
        assert refused.value.error.field == field


@pytest.mark.parametrize("typed", ["25:00", "9", "12:5", "ab:cd", "12:60", "-1:00"])
def test_a_cut_off_must_be_hh_mm(typed: str) -> None:
    with pytest.raises(InvalidRequest, match=f"cutoff_utc: '{typed}' is not a time HH:MM"):
        parse_cutoff(typed)


def test_a_cut_off_as_typed() -> None:
    assert parse_cutoff(" 7:05 ") == time(7, 5)
    assert parse_cutoff("") is None


@pytest.mark.auth
def test_updating_a_location_needs_the_admin_role(client: TestClient, container: Container) -> None:
    add_locations(container, ["EWR"])
    operator = {"Authorization": f"Bearer {new_key(container, Role.OPERATOR, 'olga')}"}
    admin = {"Authorization": f"Bearer {new_key(container, Role.ADMIN, 'ada')}"}
    assert client.patch("/v1/locations/EWR", json={"active": False}, headers=operator).status_code == 403
    assert client.patch("/v1/locations/EWR", json={"active": False}, headers=admin).status_code == 200
    assert changes.recent(container.uow, subject="location:EWR")[0].actor == "ada (admin)"
