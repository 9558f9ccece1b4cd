"""The connectors page: each outside system's calls over the last 24 hours (from the call buckets
every process flushes), its last success and last failure with the error, the verdict on them, and
the base URLs the hub is configured with. Tokens and secrets are only said to be set or not."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import Request
from fastapi.responses import HTMLResponse

from overture.config import Settings
from overture.ui.routes.common import page, page_router
from overture.web.deps import ContainerDep

router = page_router()
SIMULATED = "the built-in simulator"


def without_credentials(url: str | None) -> str | None:
    """A URL with any user:password@ and query string taken out (they may hold a token)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def endpoints(settings: Settings) -> list[dict[str, Any]]:
    """What each connector talks to, as configured (never a secret's value)."""
    return [
        {"name": "wms", "setting": "OVERTURE_WMS_URL", "url": without_credentials(settings.wms_url) or SIMULATED},
        {"name": "erp", "setting": "OVERTURE_ERP_URL", "url": without_credentials(settings.erp_url) or SIMULATED},
        {
            "name": "notifier",
            "setting": "OVERTURE_NOTIFY_URL",
            "url": without_credentials(settings.notify_url) or "the ERP's URL",
        },
        {
            "name": "shopify",
            "setting": "OVERTURE_SHOPIFY_ADMIN_URL",
            "url": without_credentials(settings.shopify_admin_url),
            "secret": "access token " + ("set" if settings.shopify_access_token else "not set"),
        },
        {
            "name": "amazon",
            "setting": "OVERTURE_AMAZON_SP_API_URL",
            "url": without_credentials(settings.amazon_sp_api_url),
            "secret": "LWA refresh token " + ("set" if settings.amazon_refresh_token else "not set"),
        },
        {
            "name": "temporal",
            "setting": "OVERTURE_TEMPORAL_ADDRESS",
            "url": settings.temporal_address or "a dev server",
        },
        {"name": "this hub", "setting": "OVERTURE_PUBLIC_URL", "url": without_credentials(settings.hub_url())},
    ]


@router.get("/settings/connectors", response_class=HTMLResponse)
def connectors_page(request: Request, container: ContainerDep) -> HTMLResponse:
    now = container.clock()
    context = {
        "page": "settings",
        "connectors": container.dashboard.connector_rows(now),
        "endpoints": endpoints(container.settings),
        "now": now,
    }
    return page(request, "settings_connectors.html", context)
