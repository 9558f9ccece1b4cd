"""``overture channeladvisor pull``: import the orders ChannelAdvisor gathered from its marketplaces."""

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
    from overture.connectors.channeladvisor import ChannelAdvisorConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(
    help="ChannelAdvisor (Walmart, eBay, Amazon... through one account): pull orders.", no_args_is_help=True
)


@app.command("pull")
def channeladvisor_pull(
    since: Annotated[str, typer.Option(help="Import orders created at or after this ISO 8601 date (UTC if no offset)")],
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the ChannelAdvisor orders created since a date that this application has not exported yet, and
    mark each exported once captured, so pulling again brings nothing twice. Shipped, canceled and unpaid ones
    are skipped (unpaid ones come back in a later pull). Uses OVERTURE_CHANNELADVISOR_APPLICATION_ID,
    _SHARED_SECRET, _REFRESH_TOKEN, _API_URL and (optionally) _PROFILE_ID."""
    moment = _moment(since)
    settings = settings_for(home, database_url)
    missing = [name for name, value in _required(settings).items() if not value]
    if missing:
        console.print(
            f"[red]Set {', '.join(missing)}[/] (to try it: python -m overture.simulators channeladvisor --port 9400, "
            "whose application and refresh token are in simulators/channeladvisor.py: CaAuthority)"
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
        "OVERTURE_CHANNELADVISOR_APPLICATION_ID": settings.channeladvisor_application_id,
        "OVERTURE_CHANNELADVISOR_SHARED_SECRET": settings.channeladvisor_shared_secret,
        "OVERTURE_CHANNELADVISOR_REFRESH_TOKEN": settings.channeladvisor_refresh_token,
    }


def _pull(settings: Settings, container: Container, *, since: datetime) -> PullReport:
    """One pull, start to end, in an event loop of its own."""
    import asyncio

    from overture.observability.flusher import HealthFlusher

    async def pull() -> PullReport:
        async with channeladvisor_connector(settings) as connector:
            return await pull_channeladvisor_orders(
                connector, since=since, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
            )

    with HealthFlusher(container.engine, clock=container.clock):
        return asyncio.run(pull())


@asynccontextmanager
async def channeladvisor_connector(settings: Settings) -> AsyncIterator[ChannelAdvisorConnector]:
    """The connector with its OAuth tokens, both closed on the way out."""
    from overture.connectors.channeladvisor import ChannelAdvisorConnector
    from overture.connectors.channeladvisor_auth import CaCredentials, CaTokens
    from overture.connectors.http import ConnectorConfig

    assert settings.channeladvisor_application_id and settings.channeladvisor_shared_secret
    assert settings.channeladvisor_refresh_token
    credentials = CaCredentials(
        settings.channeladvisor_application_id,
        settings.channeladvisor_shared_secret.get_secret_value(),
        settings.channeladvisor_refresh_token.get_secret_value(),
    )
    url = settings.channeladvisor_api_url
    async with CaTokens(ConnectorConfig("channeladvisor-oauth", url), credentials) as tokens:
        config = ConnectorConfig("channeladvisor", url, timeout_s=30.0)
        async with ChannelAdvisorConnector(
            config, tokens=tokens, profile_id=settings.channeladvisor_profile_id
        ) as connector:
            yield connector


async def pull_channeladvisor_orders(
    connector: ChannelAdvisorConnector,
    *,
    since: datetime,
    uow_factory: UnitOfWorkFactory,
    geocoder: Geocoder,
    clock: Clock,
) -> PullReport:
    """Import the orders not yet exported (connectors/channeladvisor_source.py says which ones)."""
    from overture.channels.channeladvisor import CHANNEL, translate
    from overture.connectors.channeladvisor_source import ChannelAdvisorOrderSource
    from overture.services.marketplace_pull import pull_orders
    from overture.services.ports.connector_errors import ConnectorError

    return await pull_orders(
        ChannelAdvisorOrderSource(connector, channel=CHANNEL),
        translate,
        since=since,
        uow_factory=uow_factory,
        geocoder=geocoder,
        clock=clock,
        stop_on=(ConnectorError,),
    )
