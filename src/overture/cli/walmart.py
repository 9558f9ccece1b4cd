"""``overture walmart pull``: import orders from Walmart Marketplace's Orders API directly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from overture.bootstrap import Container
from overture.cli.common import DatabaseOption, HomeOption
from overture.cli.pulls import SinceOption, capture_listed, run_pull
from overture.config import Settings

if TYPE_CHECKING:
    from overture.connectors.walmart import WalmartOrdersConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(help="Walmart Marketplace (directly, without ChannelAdvisor): pull orders.", no_args_is_help=True)


@app.command("pull")
def walmart_pull(
    since: SinceOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the Walmart orders created since a date that still have open lines, acknowledging each once
    captured. Uses OVERTURE_WALMART_CLIENT_ID, _CLIENT_SECRET and _API_URL."""
    # This pull has never flushed connector health (the others do); kept so that sharing the command's
    # flow changes nothing it does.
    run_pull(since, home, database_url, refusal=_refusal, pull=_pull, record_health=False)


def _refusal(settings: Settings) -> str | None:
    if not settings.walmart_client_id or not settings.walmart_client_secret:
        return "[red]Set OVERTURE_WALMART_CLIENT_ID and OVERTURE_WALMART_CLIENT_SECRET[/]"
    return None


async def _pull(settings: Settings, container: Container, since: datetime) -> PullReport:
    async with walmart_connector(settings) as connector:
        return await pull_walmart_orders(
            connector, since=since, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
        )


@asynccontextmanager
async def walmart_connector(settings: Settings) -> AsyncIterator[WalmartOrdersConnector]:
    """The Orders API connector with its client-credentials tokens, both closed on the way out."""
    from overture.outside import walmart_orders

    connector = walmart_orders(settings)
    try:
        yield connector
    finally:
        await connector.aclose()


async def pull_walmart_orders(
    connector: WalmartOrdersConnector,
    *,
    since: datetime,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> PullReport:
    """Import the orders with lines still open (connectors/walmart_source.py says which ones)."""
    from overture.channels.walmart import CHANNEL, translate
    from overture.connectors.walmart_source import WalmartOrderSource

    source = WalmartOrderSource(connector, channel=CHANNEL)
    return await capture_listed(source, translate, since=since, uow_factory=uow_factory, geocoder=geocoder, clock=clock)
