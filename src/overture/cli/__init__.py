"""Command line: ``overture serve``, ``overture db upgrade``, ``overture demo``, ...

``app`` is the console script (pyproject.toml: ``overture.cli:app``). One module per command group:
hub.py (serve, api, worker, dispatcher, demo, db), audit.py, keys.py, edi.py, amazon.py, channeladvisor.py, imports.py,
routing.py, backlog.py, load.py.
Commands import what they run inside their own body, so ``overture --help`` stays fast.
"""

from __future__ import annotations

import typer

from overture.cli import (
    amazon,
    audit,
    backlog,
    carrier,
    channeladvisor,
    ebay,
    edi,
    erp,
    hub,
    imports,
    keys,
    load,
    routing,
    taxonomy,
    walmart,
)

__all__ = ["app"]

app = typer.Typer(help="Overture: the order orchestration hub.", no_args_is_help=True)
for _command in (hub.serve, hub.api, hub.worker, hub.dispatcher, hub.demo):
    app.command()(_command)
# In the order ``overture --help`` has always listed them.
app.add_typer(hub.db_app, name="db")
app.command()(audit.audit)
app.add_typer(edi.app, name="edi")
app.add_typer(keys.app, name="keys")
app.add_typer(amazon.app, name="amazon")
app.add_typer(channeladvisor.app, name="channeladvisor")
app.add_typer(ebay.app, name="ebay")
app.add_typer(erp.app, name="erp")
app.add_typer(carrier.app, name="carrier")
app.add_typer(walmart.app, name="walmart")
app.add_typer(imports.app, name="import")
app.add_typer(routing.app, name="route")
app.add_typer(backlog.app, name="backlog")
app.add_typer(taxonomy.app, name="taxonomy")
app.command()(load.load)
