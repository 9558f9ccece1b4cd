"""Read models for the operations dashboard (ui/): each page in a few indexed queries.

Nothing here reads every order: counts and lists go through an index on a time window (orders
created_at, order_events at / to_status, order_exceptions status+created_at / resolved_at) or a key.
The status count walks the (status, id) index only, which the dashboard benchmark times at 100,000 orders.

One module per page: overview.py, queue.py (exception queue), orders.py (order page and search),
inventory.py and savings.py, order_list.py (the orders list), settings.py (the configuration pages),
partner_view.py (a partner's files in and documents out, with their acknowledgements), returns.py
(the returns queue and return KPIs), sellers.py (the marketplace's sellers, their entries, acceptances);
``SqlDashboard`` is all of them over one engine.
"""

from __future__ import annotations

from overture.store.dashboard.inventory import InventoryReads, backorders_query
from overture.store.dashboard.order_list import OrderListReads
from overture.store.dashboard.orders import OrderPageReads
from overture.store.dashboard.overview import OverviewReads
from overture.store.dashboard.partner_view import PartnerViewReads
from overture.store.dashboard.queue import QueueReads
from overture.store.dashboard.returns import ReturnsReads
from overture.store.dashboard.savings import SavingsReads
from overture.store.dashboard.sellers import SellerReads
from overture.store.dashboard.settings import SettingsReads

__all__ = ["SqlDashboard", "backorders_query"]


class SqlDashboard(
    OverviewReads,
    QueueReads,
    OrderPageReads,
    OrderListReads,
    InventoryReads,
    SavingsReads,
    SettingsReads,
    PartnerViewReads,
    ReturnsReads,
    SellerReads,
):
    """Every page's reads (and the few writes: assignments, saved settings) over one engine."""
