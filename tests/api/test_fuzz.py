"""The whole API fuzzed from its own OpenAPI schema (schemathesis), with an admin key (a seller's on the
seller's own routes), on a hub wired as ``overture api`` is (a real workflow engine, auth required),
with valid requests and with invalid ones (schemathesis' positive and negative modes): no request may
get a 5xx, and every 4xx carries our error body, ``{"error": {"code": <stable code>, "message": ...}}``.

The budget is bounded (``EXAMPLES`` per operation, generation only) so the suite stays short; raise
``OVERTURE_FUZZ_EXAMPLES`` to fuzz longer by hand.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from overture.app import create_app
from overture.bootstrap import Container
from overture.domain.access import Role
from overture.outside import Endpoints
from overture.runtime import attach_gateways
from overture.services.access import create_key
from tests.services.marketplace.builders import approved_seller
from tests.workflows.temporal_fixtures import TemporalEnv

pytestmark = [pytest.mark.auth, pytest.mark.slow]
EXAMPLES = int(os.environ.get("OVERTURE_FUZZ_EXAMPLES", "8"))
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@pytest.fixture
def fuzzed(container: Container, temporal_env: TemporalEnv, task_queue: str) -> Iterator[tuple[FastAPI, str, str]]:
    settings_ = container.settings.model_copy(update={"task_queue": task_queue, "rate_limit_per_key": 1e6})
    hub = Container(
        settings_, container.engine, container.geocoder, container.views, container.clock, container.dashboard
    )
    app = create_app(hub)
    attach_gateways(app, temporal_env.client, settings_, Endpoints("", "", "", ""))
    token = create_key(hub.uow, hub.clock, role=Role.ADMIN).token
    approved_seller(hub, "acme")
    seller = create_key(hub.uow, hub.clock, role=Role.SELLER, channel="acme").token
    yield app, token, seller


@schemathesis.check
def our_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx says what was wrong in our one error shape, with a code a client can switch on."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json() if "json" in response.headers.get("content-type", [""])[0] else None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{response.status_code} without an error body: {response.text[:300]}"
    assert isinstance(error.get("code"), str) and _CODE.match(error["code"]), f"no stable code: {error}"
    assert isinstance(error.get("message"), str) and error["message"], f"no message: {error}"
    return True


def _fuzz(operation: Any, mode: GenerationMode, token: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        database=None,
    )
    def call(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[
                schemathesis.checks.not_a_server_error,
                schemathesis.checks.response_schema_conformance,
                our_error_body,
            ],
        )

    call()


def test_no_request_gets_a_server_error_and_every_refusal_says_why(fuzzed: tuple[FastAPI, str, str]) -> None:
    app, admin, seller = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation, mode in itertools.product(operations, GenerationMode):
        # The seller's own routes take a seller key only; every other route, the admin's.
        token = seller if operation.path.startswith("/v1/seller") else admin
        try:
            _fuzz(operation, mode, token)
        except Exception as error:  # each operation's failure is collected, so one run shows them all
            failures[f"{operation.label} ({mode.value})"] = str(error)[:1500]
    assert len(operations) > 60
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
