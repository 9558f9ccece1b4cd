"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from overture import __version__
from overture.api.routers import (
    after_sale,
    carrier_webhooks,
    csv_intake,
    edi,
    edifact,
    exceptions,
    inventory,
    keys,
    orders,
    partner_book,
    partners,
    payment_webhooks,
    pos,
    returns_intake,
    rules,
    seller_portal,
    seller_statements,
    storefronts,
    webhooks,
)
from overture.api.routers import as2 as as2_router
from overture.api.routers import auth as auth_routes
from overture.api.routers import backlog as backlog_router
from overture.api.routers import changes as changes_router
from overture.api.routers import incidents as incidents_router
from overture.api.routers import onboarding as onboarding_router
from overture.api.routers import sellers as sellers_router
from overture.api.routers import supply as supply_router
from overture.bootstrap import Container
from overture.channels.rest import OrderIn
from overture.observability import tracing
from overture.observability.collector import StoreCollector
from overture.ui.docs import install_docs
from overture.ui.routes import install as install_dashboard
from overture.web.audit_trail import install_audit_trail
from overture.web.auth import authorize, install_auth
from overture.web.characters import install_nul_guard
from overture.web.errors import install_error_handlers
from overture.web.headers import install_security_headers
from overture.web.limits import BodyLimits, install_body_limits
from overture.web.metrics import install_metrics, order_log_context
from overture.web.readiness import install_readiness
from overture.web.throttle import install_throttle


def _openapi_with_order_schema(app: FastAPI) -> dict[str, Any]:
    # POST /v1/orders reads the raw body itself (to keep it before parsing), so FastAPI
    # cannot see its model: add the schema so /docs still documents the body.
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        order_schema = OrderIn.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(order_schema.pop("$defs", {}))
        components["OrderIn"] = order_schema
        components["Error"] = ERROR_SCHEMA
        _document_errors(schema)
        # Every call but /healthz needs a key: Swagger UI's Authorize button sends it on "Try it out".
        schema["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
    return app.openapi_schema


# Every refusal's body (web/errors.py): a stable code to switch on, a message, and per field what was wrong.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "code", "reason"],
                        "properties": {
                            "field": {"type": "string"},
                            "code": {"type": "string"},
                            "reason": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
_ERROR_RESPONSE = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _document_errors(schema: dict[str, Any]) -> None:
    # FastAPI documents its own 422 body (HTTPValidationError); ours is the Error shape, for every 4xx.
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status in [s for s in responses if s.startswith("4")]:
                responses[status] = {"description": responses[status].get("description", "Refused"), **_ERROR_RESPONSE}
            responses.setdefault("4XX", {"description": "Refused: the error's code says why", **_ERROR_RESPONSE})


def create_app(container: Container, *, dispose_on_shutdown: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if dispose_on_shutdown:
            container.close()

    app = FastAPI(
        title="Overture",
        version=__version__,
        description="Order orchestration hub: capture, govern, reserve, route and run every order.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc come from ui/docs.py: the package's own files, no CDN
        redoc_url=None,
        # Access first: a refused request goes no further (web/auth.py has the policy of every route).
        dependencies=[Depends(authorize), Depends(order_log_context)],
    )
    app.state.container = container
    tracing.instrument_app(app)  # a server span per request, when OVERTURE_TRACING is on
    install_error_handlers(app)
    install_nul_guard(app)  # %00 in a path or query is a 422, never a store error
    install_audit_trail(app, container)  # every person's POST/PUT/PATCH/DELETE, in the change log
    settings = container.settings
    install_body_limits(
        app, BodyLimits(settings.max_body_bytes, settings.max_bulk_body_bytes, settings.max_json_depth)
    )  # a 413 before the body is read
    if settings.auth != "off":  # keyless local experiments are not metered
        install_throttle(
            app,
            per_key=settings.rate_limit_per_key,
            per_ip=settings.rate_limit_per_ip,
            strikes=settings.bad_keys_before_lockout,
            lockout_s=settings.lockout_s,
            now=lambda: container.clock().timestamp(),
        )
    install_auth(app, container)
    for module in (orders, inventory, exceptions, webhooks):
        app.include_router(module.router)
    app.include_router(storefronts.router)
    app.include_router(rules.router)
    app.include_router(edi.router)
    app.include_router(as2_router.router)
    app.include_router(edifact.router)
    app.include_router(partner_book.router)  # before partners: /v1/partners/import is not a partner id
    app.include_router(partners.router)
    app.include_router(csv_intake.router)
    app.include_router(pos.router)
    app.include_router(keys.router)
    app.include_router(auth_routes.router)
    app.include_router(supply_router.router)
    app.include_router(backlog_router.router)
    app.include_router(changes_router.router)
    app.include_router(after_sale.router)
    app.include_router(payment_webhooks.router)
    app.include_router(carrier_webhooks.router)
    app.include_router(returns_intake.router)
    app.include_router(seller_statements.router)
    app.include_router(sellers_router.router)
    app.include_router(seller_portal.router)
    app.include_router(onboarding_router.router)
    app.include_router(incidents_router.router)
    install_dashboard(app)  # the operations dashboard at / (ui/routes/)
    install_docs(app)

    @app.get("/healthz", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    install_readiness(app, container)

    install_metrics(app, StoreCollector(container.engine, clock=container.clock))
    install_security_headers(app)  # last: outermost, so every response has them

    app.openapi = lambda: _openapi_with_order_schema(app)  # type: ignore[method-assign]
    return app
