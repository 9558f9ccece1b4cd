"""``overture carrier calibrate-rates``: the routing rate table fitted to the carrier's live quotes."""

from __future__ import annotations

from typing import Annotated

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, console, settings_for, store_settings

app = typer.Typer(help="The carrier (EasyPost): its rates as the routing cost.", no_args_is_help=True)


@app.command("calibrate-rates")
def calibrate_rates(
    locations: Annotated[list[str], typer.Argument(help="Our location ids whose lanes are quoted")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the fitted table, save nothing")] = False,
    home: HomeOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Quote every lane from LOCATIONS to sample ZIPs across the country at two weights, fit each distance
    zone's base and price per kg to the cheapest rates, and save them as the sourcing rate table (a change
    in the change log). Uses OVERTURE_CARRIER_URL and OVERTURE_CARRIER_KEY."""
    import asyncio

    from overture.connectors.easypost import EasyPostConnector
    from overture.connectors.http import ConnectorConfig
    from overture.services.rate_shopping import calibrate

    settings = settings_for(home, database_url)
    if not settings.carrier_url:
        console.print("[red]Set OVERTURE_CARRIER_URL (and OVERTURE_CARRIER_KEY)[/]")
        raise typer.Exit(2)
    container = bootstrap(store_settings(home, database_url))

    async def run() -> str:
        config = ConnectorConfig("carrier", settings.carrier_url or "", timeout_s=30.0)
        async with EasyPostConnector(config, api_key=settings.carrier_key) as carrier:
            found = await calibrate(
                container.uow,
                carrier,
                container.geocoder,
                locations,
                clock=container.clock,
                actor="cli",
                save=not dry_run,
            )
            return found.summary()

    try:
        console.print(asyncio.run(run()), highlight=False, markup=False)
    finally:
        container.close()
