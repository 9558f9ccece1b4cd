"""``overture ebay pull``: import the seller's paid, unshipped eBay orders (Sell Fulfillment API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from overture.bootstrap import Container
from overture.cli.common import DatabaseOption, HomeOption
from overture.cli.pulls import SinceOption, capture_listed, run_pull, unset
from overture.config import Settings

if TYPE_CHECKING:
    from overture.connectors.ebay import EbayConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(help="eBay (Sell Fulfillment API): pull orders.", no_args_is_help=True)


@app.command("pull")
def ebay_pull(
    since: SinceOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the eBay orders created since a date that are paid and not shipped yet; pulling again brings
    nothing twice. Cancelled, shipping and unpaid ones are skipped (unpaid ones come back in a later pull).
    Uses OVERTURE_EBAY_CLIENT_ID, _CLIENT_SECRET, _REFRESH_TOKEN and _API_URL."""
    run_pull(since, home, database_url, refusal=_refusal, pull=_pull)


def _refusal(settings: Settings) -> str | None:
    required: dict[str, object] = {
        "OVERTURE_EBAY_CLIENT_ID": settings.ebay_client_id,
        "OVERTURE_EBAY_CLIENT_SECRET": settings.ebay_client_secret,
        "OVERTURE_EBAY_REFRESH_TOKEN": settings.ebay_refresh_token,
    }
    return unset(
        required,
        to_try="(to try it: python -m overture.simulators ebay --port 9500, "
        "whose keyset and refresh token are in simulators/ebay.py: EbayAuthority)",
    )


async def _pull(settings: Settings, container: Container, since: datetime) -> PullReport:
    async with ebay_connector(settings) as connector:
        return await pull_ebay_orders(
            connector, since=since, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
        )


@asynccontextmanager
async def ebay_connector(settings: Settings) -> AsyncIterator[EbayConnector]:
    """The connector with its OAuth tokens, both closed on the way out."""
    from overture.connectors.ebay import EbayConnector
    from overture.connectors.ebay_auth import EbayCredentials, EbayTokens
    from overture.connectors.http import ConnectorConfig

    assert settings.ebay_client_id and settings.ebay_client_secret and settings.ebay_refresh_token
    credentials = EbayCredentials(
        settings.ebay_client_id,
        settings.ebay_client_secret.get_secret_value(),
        settings.ebay_refresh_token.get_secret_value(),
    )
    url = settings.ebay_api_url
    tokens = EbayTokens(ConnectorConfig("ebay-oauth", url), credentials)
    async with tokens, EbayConnector(ConnectorConfig("ebay", url, timeout_s=30.0), tokens=tokens) as connector:
        yield connector


async def pull_ebay_orders(
    connector: EbayConnector,
    *,
    since: datetime,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> PullReport:
    """Import the paid, unshipped orders (connectors/ebay_source.py says which ones)."""
    from overture.channels.ebay import CHANNEL, translate
    from overture.connectors.ebay_source import EbayOrderSource

    source = EbayOrderSource(connector, channel=CHANNEL)
    return await capture_listed(source, translate, since=since, uow_factory=uow_factory, geocoder=geocoder, clock=clock)
