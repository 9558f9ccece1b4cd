"""``overture erp sync-stock``: the ERP of record's stock on hand per warehouse, into our ledger."""

from __future__ import annotations

import typer

from overture.bootstrap import bootstrap
from overture.cli.common import DatabaseOption, HomeOption, console, settings_for, store_settings

app = typer.Typer(help="The ERP of record (Acumatica): stock levels.", no_args_is_help=True)


@app.command("sync-stock")
def sync_stock(home: HomeOption = None, database_url: DatabaseOption = None) -> None:
    """Adjust our on hand to what Acumatica counts in each warehouse mapped to one of our locations
    (OVERTURE_ACUMATICA_WAREHOUSES); every change is an adjustment naming Acumatica, and a count under
    what is reserved is reported, not applied. Exit 1 when anything was left unapplied."""
    import asyncio

    from overture.connectors.acumatica_stock import AcumaticaStock
    from overture.outside import acumatica_access
    from overture.services.erp_stock import apply_levels
    from overture.services.ports.erp import WarehouseLevel

    settings = settings_for(home, database_url)
    try:
        access = acumatica_access(settings)
    except ValueError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    if access is None:
        console.print("[red]Set OVERTURE_ERP_KIND=acumatica and the OVERTURE_ACUMATICA_* settings[/]")
        raise typer.Exit(2)

    async def read() -> list[WarehouseLevel]:
        async with access.connector() as connector:
            return await AcumaticaStock(connector).warehouse_levels()

    levels = asyncio.run(read())
    container = bootstrap(store_settings(home, database_url))
    try:
        result = apply_levels(container.uow, levels, erp="Acumatica", clock=container.clock)
    finally:
        container.close()
    console.print(result.summary(), highlight=False, markup=False)
    for sku, location, erp, reserved in result.below_reserved:
        console.print(f"  {sku} at {location}: Acumatica counts {erp}, {reserved} reserved", highlight=False)
    raise typer.Exit(1 if result.below_reserved else 0)
