"""``overture amazon pull``: import orders from the Amazon Selling Partner API."""

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
    from overture.connectors.amazon import AmazonOrdersConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(help="Amazon Selling Partner API: pull orders.", no_args_is_help=True)


@app.command("pull")
def amazon_pull(
    since: SinceOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the Amazon orders created since a date: seller-fulfilled and Unshipped ones; Pending ones wait for a
    later pull, Canceled, shipped and Amazon-fulfilled ones are skipped. Pulling again imports nothing twice.
    Uses OVERTURE_AMAZON_SP_API_URL, the LWA settings (OVERTURE_AMAZON_LWA_CLIENT_ID, _LWA_CLIENT_SECRET,
    _REFRESH_TOKEN, _LWA_URL) and OVERTURE_AMAZON_MARKETPLACE_IDS."""
    run_pull(since, home, database_url, refusal=_refusal, pull=_pull)


def _refusal(settings: Settings) -> str | None:
    required: dict[str, object] = {
        "OVERTURE_AMAZON_SP_API_URL": settings.amazon_sp_api_url,
        "OVERTURE_AMAZON_LWA_CLIENT_ID": settings.amazon_lwa_client_id,
        "OVERTURE_AMAZON_LWA_CLIENT_SECRET": settings.amazon_lwa_client_secret,
        "OVERTURE_AMAZON_REFRESH_TOKEN": settings.amazon_refresh_token,
    }
    return unset(
        required,
        to_try="(to try it: python -m overture.simulators amazon --port 9300, "
        "whose LWA client and refresh token are in simulators/amazon_auth.py)",
    )


async def _pull(settings: Settings, container: Container, since: datetime) -> PullReport:
    async with amazon_connector(settings) as connector:
        return await pull_amazon_orders(
            connector,
            since=since,
            marketplace_ids=settings.amazon_marketplace_ids,
            uow_factory=container.uow,
            geocoder=container.geocoder,
            clock=container.clock,
        )


@asynccontextmanager
async def amazon_connector(settings: Settings) -> AsyncIterator[AmazonOrdersConnector]:
    """The SP-API connector with its LWA tokens, both closed on the way out."""
    from overture.connectors.amazon import AmazonOrdersConnector
    from overture.connectors.amazon_auth import LwaCredentials, LwaTokens
    from overture.connectors.http import ConnectorConfig

    assert settings.amazon_sp_api_url and settings.amazon_lwa_client_id
    assert settings.amazon_lwa_client_secret and settings.amazon_refresh_token
    credentials = LwaCredentials(
        settings.amazon_lwa_client_id,
        settings.amazon_lwa_client_secret.get_secret_value(),
        settings.amazon_refresh_token.get_secret_value(),
    )
    async with LwaTokens(ConnectorConfig("amazon-lwa", settings.amazon_lwa_url), credentials) as tokens:
        config = ConnectorConfig("amazon", settings.amazon_sp_api_url, timeout_s=30.0)
        async with AmazonOrdersConnector(config, tokens=tokens) as connector:
            yield connector


async def pull_amazon_orders(
    connector: AmazonOrdersConnector,
    *,
    since: datetime,
    marketplace_ids: list[str],
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> PullReport:
    """Import the Amazon orders created since ``since`` (connectors/amazon_source.py says which ones)."""
    from overture.channels.amazon import CHANNEL, translate
    from overture.connectors.amazon_source import AmazonOrderSource

    source = AmazonOrderSource(connector, marketplace_ids, channel=CHANNEL)
    return await capture_listed(source, translate, since=since, uow_factory=uow_factory, geocoder=geocoder, clock=clock)
