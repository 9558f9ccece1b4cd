"""``overture channeladvisor pull``: import the orders ChannelAdvisor gathered from its marketplaces."""

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
    from overture.connectors.channeladvisor import ChannelAdvisorConnector
    from overture.services.marketplace_pull import PullReport
    from overture.services.ports import Clock, Geocoder, UnitOfWorkFactory

app = typer.Typer(
    help="ChannelAdvisor (Walmart, eBay, Amazon... through one account): pull orders.", no_args_is_help=True
)


@app.command("pull")
def channeladvisor_pull(
    since: SinceOption,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import the ChannelAdvisor orders created since a date that this application has not exported yet, and
    mark each exported once captured, so pulling again brings nothing twice. Shipped, canceled and unpaid ones
    are skipped (unpaid ones come back in a later pull). Uses OVERTURE_CHANNELADVISOR_APPLICATION_ID,
    _SHARED_SECRET, _REFRESH_TOKEN, _API_URL and (optionally) _PROFILE_ID."""
    run_pull(since, home, database_url, refusal=_refusal, pull=_pull)


def _refusal(settings: Settings) -> str | None:
    required: dict[str, object] = {
        "OVERTURE_CHANNELADVISOR_APPLICATION_ID": settings.channeladvisor_application_id,
        "OVERTURE_CHANNELADVISOR_SHARED_SECRET": settings.channeladvisor_shared_secret,
        "OVERTURE_CHANNELADVISOR_REFRESH_TOKEN": settings.channeladvisor_refresh_token,
    }
    return unset(
        required,
        to_try="(to try it: python -m overture.simulators channeladvisor --port 9400, "
        "whose application and refresh token are in simulators/channeladvisor.py: CaAuthority)",
    )


async def _pull(settings: Settings, container: Container, since: datetime) -> PullReport:
    async with channeladvisor_connector(settings) as connector:
        return await pull_channeladvisor_orders(
            connector, since=since, uow_factory=container.uow, geocoder=container.geocoder, clock=container.clock
        )


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

    source = ChannelAdvisorOrderSource(connector, channel=CHANNEL)
    return await capture_listed(source, translate, since=since, uow_factory=uow_factory, geocoder=geocoder, clock=clock)
