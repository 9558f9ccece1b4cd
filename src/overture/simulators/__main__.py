"""``python -m overture.simulators wms|erp|amazon|channeladvisor|ebay|walmart|shopify|carrier|payments --port N``:
run one simulator in the foreground."""

from __future__ import annotations

import argparse
import os

import uvicorn
from fastapi import FastAPI

from overture.simulators.amazon import create_amazon_app
from overture.simulators.amazon_seed import seed_orders
from overture.simulators.carrier import create_carrier_app
from overture.simulators.channeladvisor import create_channeladvisor_app
from overture.simulators.ebay import create_ebay_app
from overture.simulators.erp import create_erp_app
from overture.simulators.payments import DEFAULT_WEBHOOK_SECRET, create_payments_app
from overture.simulators.shopify import create_shopify_app
from overture.simulators.walmart import create_walmart_app
from overture.simulators.webhooks import KeyedTransport
from overture.simulators.wms import create_wms_app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m overture.simulators", description=__doc__)
    systems = ["wms", "erp", "amazon", "channeladvisor", "ebay", "walmart", "shopify", "carrier", "payments"]
    parser.add_argument("system", choices=systems)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--ship-delay", type=float, default=0.05, help="wms: seconds from release to shipment")
    parser.add_argument("--overture-url", default=None, help="wms: where shipment webhooks go by default")
    parser.add_argument(
        "--overture-key",
        default=os.environ.get("OVERTURE_WMS_WEBHOOK_KEY"),
        help='wms: the hub API key (a channel key for "wms") sent with shipment webhooks;'
        " default $OVERTURE_WMS_WEBHOOK_KEY, none when unset",
    )
    parser.add_argument("--orders", type=int, default=12, help="amazon: how many orders to seed")
    parser.add_argument("--page-size", type=int, default=100, help="amazon: orders and items per page")
    parser.add_argument("--webhook-url", default=None, help="payments: where signed Stripe Events are POSTed")
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("OVERTURE_STRIPE_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
        help="payments: the signing secret of the Events; default $OVERTURE_STRIPE_WEBHOOK_SECRET",
    )
    parser.add_argument("--log-level", default="info")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    app: FastAPI
    if args.system == "wms":
        transport = KeyedTransport(args.overture_key) if args.overture_key else None
        app = create_wms_app(ship_delay_s=args.ship_delay, overture_url=args.overture_url, webhook_transport=transport)
    elif args.system == "amazon":
        app = create_amazon_app(
            orders=seed_orders(args.orders), page_size=args.page_size, items_page_size=args.page_size
        )
    elif args.system == "channeladvisor":
        app = create_channeladvisor_app()  # Walmart, eBay and Amazon orders; credentials in CaAuthority
    elif args.system == "ebay":
        app = create_ebay_app()  # the Sell Fulfillment API; keyset and refresh token in simulators.ebay.EbayAuthority
    elif args.system == "walmart":
        app = create_walmart_app()  # Walmart Marketplace Orders v3; client id and secret in simulators.walmart.Seller
    elif args.system == "shopify":
        app = create_shopify_app()
    elif args.system == "carrier":
        app = create_carrier_app()  # EasyPost's v2 API; API key simulators.carrier.SIMULATOR_API_KEY
    elif args.system == "payments":
        # Stripe's API; secret key simulators.payments.DEFAULT_API_KEY
        app = create_payments_app(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    else:
        app = create_erp_app()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=1)


if __name__ == "__main__":
    main()
