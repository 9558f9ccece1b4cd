"""The dashboard's pages and actions. Every one goes through ``current_actor`` (ui/session.py).

Pages are whole HTML documents; requests made by htmx (``HX-Request``) get just the fragment
they replace. One module per page, each with its own guarded router (common.py): overview.py,
exceptions.py (the queue and its actions), order_list.py (the orders list and its export; before
orders.py, whose /orders/{order_id} would take /orders/export.csv), orders.py (order page, raw documents, search),
order_edits.py (changing an order's lines from its page),
returns.py (the returns queue and its KPIs), sellers.py (the marketplace's sellers and acceptances),
inventory.py, backlog.py, savings.py, rules.py and the other configuration pages (settings_*.py), and
partner_view.py (a partner's files in and documents out with their acknowledgements), seller_portal.py
(a seller's own /seller, for its seller key); ``router`` is all of them, in that order.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from overture.ui.routes import (
    backlog,
    exceptions,
    inventory,
    order_edits,
    order_list,
    orders,
    overview,
    partner_view,
    returns,
    rules,
    savings,
    seller_portal,
    sellers,
    settings_changes,
    settings_connectors,
    settings_keys,
    settings_locations,
    settings_partners,
)
from overture.ui.routes.common import HTMX_FILE, STATIC, templates

__all__ = ["HTMX_FILE", "STATIC", "install", "router", "templates"]

router = APIRouter()
_SETTINGS = (settings_locations, settings_partners, settings_connectors, settings_keys, settings_changes)
_PAGES = (overview, exceptions, order_list, orders, order_edits, returns, sellers, inventory, backlog, savings, rules)
for _page in (*_PAGES, *_SETTINGS, partner_view, seller_portal):
    router.include_router(_page.router)


def install(app: FastAPI) -> None:
    """Mount the dashboard on ``app``: pages at ``/``, files at ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="ui-static")
