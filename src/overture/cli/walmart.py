"""``overture walmart pull``: import orders from Walmart Marketplace's Orders API directly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, console, settings_for, store_settings
from overture.config import Settings

if TYPE_CHECKING:
    from overture.connectors.walmart import WalmartOrdersConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(help="Walmart Marketplace (directly, without ChannelAdvisor): pull orders.", no_args_is_help=True)


@app.command("pull")
def walmart_pull(
    since: Annotated[str, typer.Option(help="Import orders created at or after this ISO 8601 date (UTC if no offset)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the Walmart orders created since a date that still have open lines, acknowledging each once
    captured. Uses OVERTURE_WALMART_CLIENT_ID, _CLIENT_SECRET and _API_URL."""
    import asyncio

    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise typer.BadParameter(f"{since!r} is not an ISO 8601 date", param_hint="--since") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    settings = settings_for(home, database_url)
    if not settings.walmart_client_id or not settings.walmart_client_secret:
        console.print("[red]Set OVERTURE_WALMART_CLIENT_ID and OVERTURE_WALMART_CLIENT_SECRET[/]")
        raise typer.Exit(2)
    container = bootstrap(store_settings(home, database_url))

    async def pull() -> PullReport:
        async with walmart_connector(settings) as connector:
            return await pull_walmart_orders(
                connector, since=moment, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
            )

    try:
        report = asyncio.run(pull())
    finally:
        container.close()
    for line in report.summary():
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(1 if report.stopped_by else 0)


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
    from overture.services.marketplace_pull import pull_orders
    from overture.services.ports.connector_errors import ConnectorError

    return await pull_orders(
        WalmartOrderSource(connector, channel=CHANNEL),
        translate,
        since=since,
        uow_factory=uow_factory,
        geocoder=geocoder,
        clock=clock,
        stop_on=(ConnectorError,),
    )
