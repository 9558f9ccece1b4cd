"""``overture amazon pull``: import orders from the Amazon Selling Partner API."""

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
    from overture.connectors.amazon import AmazonOrdersConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(help="Amazon Selling Partner API: pull orders.", no_args_is_help=True)


@app.command("pull")
def amazon_pull(
    since: Annotated[str, typer.Option(help="Import orders created at or after this ISO 8601 date (UTC if no offset)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the Amazon orders created since a date: seller-fulfilled and Unshipped ones; Pending ones wait for a
    later pull, Canceled, shipped and Amazon-fulfilled ones are skipped. Pulling again imports nothing twice.
    Uses OVERTURE_AMAZON_SP_API_URL, the LWA settings (OVERTURE_AMAZON_LWA_CLIENT_ID, _LWA_CLIENT_SECRET,
    _REFRESH_TOKEN, _LWA_URL) and OVERTURE_AMAZON_MARKETPLACE_IDS."""
    moment = _moment(since)
    settings = settings_for(home, database_url)
    missing = [name for name, value in _required(settings).items() if not value]
    if missing:
        console.print(
            f"[red]Set {', '.join(missing)}[/] (to try it: python -m overture.simulators amazon --port 9300, "
            "whose LWA client and refresh token are in simulators/amazon_auth.py)"
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
        "OVERTURE_AMAZON_SP_API_URL": settings.amazon_sp_api_url,
        "OVERTURE_AMAZON_LWA_CLIENT_ID": settings.amazon_lwa_client_id,
        "OVERTURE_AMAZON_LWA_CLIENT_SECRET": settings.amazon_lwa_client_secret,
        "OVERTURE_AMAZON_REFRESH_TOKEN": settings.amazon_refresh_token,
    }


def _pull(settings: Settings, container: Container, *, since: datetime) -> PullReport:
    """One pull, start to end, in an event loop of its own."""
    import asyncio

    from overture.observability.flusher import HealthFlusher

    async def pull() -> PullReport:
        async with amazon_connector(settings) as connector:
            return await pull_amazon_orders(
                connector,
                since=since,
                marketplace_ids=settings.amazon_marketplace_ids,
                uow_factory=container.uow,
                geocoder=container.geocoder,
                clock=container.clock,
            )

    # The pull's calls to Amazon reach the dashboard's connector health (flushed on the way out).
    with HealthFlusher(container.engine, clock=container.clock):
        return asyncio.run(pull())


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
    from overture.services.marketplace_pull import pull_orders
    from overture.services.ports.connector_errors import ConnectorError

    return await pull_orders(
        AmazonOrderSource(connector, marketplace_ids, channel=CHANNEL),
        translate,
        since=since,
        uow_factory=uow_factory,
        geocoder=geocoder,
        clock=clock,
        stop_on=(ConnectorError,),
    )
