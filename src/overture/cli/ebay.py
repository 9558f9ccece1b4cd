"""``overture ebay pull``: import the seller's paid, unshipped eBay orders (Sell Fulfillment API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from overture.bootstrap import Container, bootstrap
from overture.cli.common import DatabaseOption, HomeOption, console, settings_for, store_settings
from overture.config import Settings

if TYPE_CHECKING:
    from overture.connectors.ebay import EbayConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(help="eBay (Sell Fulfillment API): pull orders.", no_args_is_help=True)


@app.command("pull")
def ebay_pull(
    since: Annotated[str, typer.Option(help="Import orders created at or after this ISO 8601 date (UTC if no offset)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the eBay orders created since a date that are paid and not shipped yet; pulling again brings
    nothing twice. Cancelled, shipping and unpaid ones are skipped (unpaid ones come back in a later pull).
    Uses OVERTURE_EBAY_CLIENT_ID, _CLIENT_SECRET, _REFRESH_TOKEN and _API_URL."""
    moment = _moment(since)
    settings = settings_for(home, database_url)
    missing = [name for name, value in _required(settings).items() if not value]
    if missing:
        console.print(
            f"[red]Set {', '.join(missing)}[/] (to try it: python -m overture.simulators ebay --port 9500, "
            "whose keyset and refresh token are in simulators/ebay.py: EbayAuthority)"
        )
        raise typer.Exit(2)
    container = bootstrap(store_settings(home, database_url))
    try:
        report = _pull(settings, container, since=moment)
    finally:
        container.close()
    for line in report.summary():
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(1 if report.stopped_by else 0)


def _moment(since: str) -> datetime:
    """``--since`` as an aware datetime (UTC when it names no offset)."""
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise typer.BadParameter(f"{since!r} is not an ISO 8601 date", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _required(settings: Settings) -> dict[str, object]:
    return {
        "OVERTURE_EBAY_CLIENT_ID": settings.ebay_client_id,
        "OVERTURE_EBAY_CLIENT_SECRET": settings.ebay_client_secret,
        "OVERTURE_EBAY_REFRESH_TOKEN": settings.ebay_refresh_token,
    }


def _pull(settings: Settings, container: Container, *, since: datetime) -> PullReport:
    """One pull, start to end, in an event loop of its own."""
    import asyncio

    from overture.observability.flusher import HealthFlusher

    async def pull() -> PullReport:
        async with ebay_connector(settings) as connector:
            return await pull_ebay_orders(
                connector, since=since, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
            )

    with HealthFlusher(container.engine, clock=container.clock):
        return asyncio.run(pull())


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
    from overture.services.marketplace_pull import pull_orders
    from overture.services.ports.connector_errors import ConnectorError

    return await pull_orders(
        EbayOrderSource(connector, channel=CHANNEL),
        translate,
        since=since,
        uow_factory=uow_factory,
        geocoder=geocoder,
        clock=clock,
        stop_on=(ConnectorError,),
    )
