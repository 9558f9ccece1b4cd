"""All settings in one place, read from ``OVERTURE_*`` environment variables."""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from overture.config_secrets import SecretFiles
from overture.domain.returns import ReturnPolicy
from overture.domain.totals import DEFAULT_TOLERANCE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OVERTURE_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # A secret may come from a file (config_secrets.py); one set in the environment wins over it.
        return init_settings, env_settings, SecretFiles(settings_cls)

    home: Path = Field(default=Path(".overture"), description="Where the embedded tier keeps its files")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite under home when unset")
    host: str = "127.0.0.1"
    port: int = 8000
    reuse_port: bool = Field(
        default=False,
        description="Listen with SO_REUSEPORT, so several `overture api` processes share the port "
        "(set by `overture api --workers N` for its copies)",
    )
    temporal_address: str | None = Field(default=None, description="An existing Temporal; unset starts a dev server")
    task_queue: str = "overture-orders"
    wms_url: str | None = Field(default=None, description="WMS/3PL base URL; unset starts the built-in simulator")
    erp_url: str | None = Field(default=None, description="ERP base URL; unset starts the built-in simulator")
    notify_url: str | None = Field(default=None, description="Customer-notice webhook base URL (default: the ERP)")
    erp_kind: Literal["generic", "acumatica"] = Field(
        default="generic",
        description="generic: the webhook-style JSON ERP at erp_url; acumatica: Acumatica's contract-based REST API",
    )
    acumatica_url: str | None = Field(
        default=None, description="Acumatica instance URL, e.g. https://x.acumatica.com/Tenant; unset: the simulator"
    )
    acumatica_username: str = Field(default="", description="The Acumatica API user that signs in")
    acumatica_password: SecretStr | None = Field(default=None, description="That user's password")
    acumatica_tenant: str = Field(default="", description="The tenant (company) signed in to; empty: the only one")
    acumatica_branch: str = Field(default="", description="The branch signed in to; empty: the user's default")
    acumatica_client_id: str | None = Field(
        default=None, description="OAuth 2.0 client id (<guid>@<tenant>); set: sign in by token, not by cookie"
    )
    acumatica_client_secret: SecretStr | None = Field(default=None, description="That OAuth client's secret")
    acumatica_endpoint_version: str = Field(
        default="24.200.001", description="The Default endpoint's version, pinned: /entity/Default/<version>/"
    )
    acumatica_order_type: str = Field(default="SO", description="The order type of the sales orders we create")
    acumatica_return_order_type: str = Field(default="RC", description="The order type of return receipts")
    acumatica_customer_id: str | None = Field(
        default=None, description="Book every order to this customer; unset: each customer upserted by reference"
    )
    acumatica_warehouses: dict[str, str] = Field(
        default_factory=dict, description='Our location id -> Acumatica WarehouseID, as JSON: {"loc_east": "WHOLESALE"}'
    )
    acumatica_item_class: str | None = Field(
        default=None, description="The item class of the stock items push-items creates; unset: Acumatica's default"
    )
    acumatica_base_currency: str = Field(
        default="USD", min_length=3, max_length=3, description="The tenant's base currency, which DefaultPrice is in"
    )
    public_url: str | None = Field(default=None, description="How outside systems reach this hub (webhooks)")
    step_max_attempts: int = 6
    step_initial_interval_s: float = 1.0
    step_max_interval_s: float = 30.0
    step_recheck_interval_s: float = Field(
        default=300.0, description="How often a waiting order re-reads its shipments, in case a signal was lost"
    )
    worker_concurrency: int = 200
    worker_dispatch: bool = Field(
        default=True,
        description="Also run the dispatcher role (outbox dispatcher, poller, channel senders) in this worker; "
        "false when `overture dispatcher` processes do it. Any number may: the once-only jobs run under a lease",
    )
    lease_ttl_s: float = Field(
        default=15.0,
        gt=0,
        description="How long a dispatcher holds the once-only jobs (poller, channel senders) without renewing; "
        "after a crash another dispatcher takes them over within this",
    )
    shutdown_grace_s: float = Field(
        default=30.0, ge=0, description="On SIGTERM: how long requests and activities in flight may finish"
    )
    x12_sender_qualifier: str = Field(default="ZZ", description="Our ISA qualifier on the X12 network")
    x12_sender_id: str = Field(default="OVERTURE", description="Our ISA id on the X12 network")
    edi_outbox_dir: Path | None = Field(
        default=None,
        description="Where documents we originate for partners without AS2 (940s to 3PLs) are written, "
        "one folder per partner (<dir>/<partner_id>/); unset: kept for the API only",
    )
    edi_inventory_advice_interval_s: float = Field(
        default=0.0, description="Send each X12 partner an 846 of its items this often (0: only on request)"
    )
    availability_publish_interval_s: float = Field(
        default=0.0, description="Publish changed availability to channels this often (0: not at all)"
    )
    availability_channel_rules: list[dict[str, Any]] = Field(
        default_factory=list,
        description='Channel allocation rules, as JSON: [{"channel": "shopify", "buffer_percent": 10, '
        '"buffer_units": 0, "excluded_locations": ["LAX"], "exclusive_percent": 0}, ...]',
    )
    shopify_admin_url: str | None = Field(
        default=None,
        description="Shopify store whose inventory levels are kept up to date, e.g. https://x.myshopify.com",
    )
    shopify_access_token: SecretStr | None = Field(default=None, description="Admin API access token of that store")
    shopify_location_id: int = Field(default=0, description="The Shopify location whose levels Overture sets")
    shopify_inventory_items: dict[str, int] = Field(
        default_factory=dict, description='Our SKU -> Shopify inventory_item_id, as JSON: {"SKU-1": 808950810}'
    )
    shopify_locations: dict[str, str] = Field(
        default_factory=dict,
        description="Shopify POS: the Shopify location id of each till -> our store location, as JSON: "
        '{"655441491": "STORE-1"}; a POS order from a location not listed is kept in quarantine',
    )
    shopify_api_version: str = Field(
        default="2025-01", description="The Admin API version pinned for GraphQL calls (fulfilments)"
    )
    shopify_notify_customer: bool = Field(
        default=True, description="Ask Shopify to send the customer its shipping confirmation with each fulfilment"
    )
    shopify_fulfilment_interval_s: float = Field(
        default=2.0, description="Send owed Shopify fulfilments (shipments with tracking) this often"
    )
    gs1_company_prefix: str = Field(
        default="0614141", description="GS1 company prefix for the SSCC-18s of ship notices (default: GS1's example)"
    )
    workflow_sandbox: bool = Field(
        default=False,
        description="Run workflow code in Temporal's sandbox: slower; the test suite always runs it there",
    )
    wms_poll_interval_s: float = Field(default=10.0, description="Poll the WMS for shipments (0: webhooks only)")
    total_tolerance: Decimal = Field(
        default=DEFAULT_TOLERANCE,
        ge=0,
        description="How far an order's total (lines + charges) may be from the total its channel declared, in "
        "the currency's units, before the order is held with a total_mismatch exception",
    )
    return_window_days: int = Field(default=30, ge=0, description="Days after shipment a return may be asked for")
    return_auto_approve_minor: int = Field(
        default=25_000,
        ge=0,
        description="A return giving back up to this much (in the order's minor units) is approved at once; "
        "above it, a person reviews it",
    )
    loop_webhook_secret: SecretStr | None = Field(
        default=None, description="The signing secret of Loop Returns' webhooks (X-Loop-Signature)"
    )
    payments_url: str | None = Field(default=None, description="The payment provider (Stripe's API shape)")
    payments_key: str = Field(default="sk_test_overture_simulator", description="The payment provider's secret key")
    stripe_webhook_secret: str = Field(
        default="whsec_overture_simulator", description="The signing secret of the payment provider's webhooks"
    )
    carrier_url: str | None = Field(default=None, description="The carrier for return labels (EasyPost's shape)")
    carrier_key: str = Field(default="EZTK_simulator", description="The carrier's API key")
    carrier_webhook_secret: SecretStr | None = Field(
        default=None, description="The carrier's tracking webhook secret (EasyPost: the webhook's webhook_secret)"
    )
    labels_on_release: bool = Field(
        default=False,
        description="Buy each warehouse release's label from the carrier (cheapest rate) and send it with the release",
    )
    tax_engine: Literal["table", "avatax"] = Field(
        default="table",
        description="Who prices tax for orders that come without it: the built-in rate table or AvaTax",
    )
    tax_rates: dict[str, Decimal] = Field(
        default_factory=dict,
        description='The built-in table (and the fallback when AvaTax cannot answer), as JSON: {"US-CA": "0.0725", '
        '"DE": "0.19"}; a region overrides its country; empty: no tax added',
    )
    avatax_url: str | None = Field(
        default=None,
        description="AvaTax, e.g. https://sandbox-rest.avatax.com; unset with tax_engine=avatax: simulator",
    )
    avatax_account_id: str = Field(default="2000000000", description="The AvaTax account id (Basic auth user)")
    avatax_license_key: SecretStr = Field(
        default=SecretStr("simulator-licence"), description="The AvaTax licence key (Basic auth password)"
    )
    avatax_company_code: str = Field(default="DEFAULT", description="The AvaTax company the transactions belong to")
    supplier_invoice_quantity_tolerance: int = Field(
        default=0, ge=0, description="Units a supplier's invoice line may differ from what it shipped"
    )
    supplier_invoice_price_tolerance: Decimal = Field(
        default=Decimal(0), ge=0, description="How far a supplier's unit price may be from our PO's, per unit"
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object a line with order/workflow ids; text: plain, for debugging"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = Field(default=False, description="Log every API request (uvicorn's access log) at INFO")
    tracing: Literal["off", "otlp", "console"] = Field(
        default="off", description="OpenTelemetry traces: off, otlp (to otlp_endpoint) or console (printed)"
    )
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces (else OTEL_*)"
    )
    service_name: str = Field(default="overture", description="The service.name on every span")
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="overture worker: serve its Prometheus metrics on this port (0: none)"
    )
    amazon_sp_api_url: str | None = Field(
        default=None, description="Selling Partner API endpoint, e.g. https://sellingpartnerapi-na.amazon.com"
    )
    amazon_lwa_url: str = Field(
        default="https://api.amazon.com", description="Login with Amazon, where access tokens come from (EU: .co.uk)"
    )
    amazon_lwa_client_id: str | None = Field(default=None, description="The SP-API app's LWA client id")
    amazon_lwa_client_secret: SecretStr | None = Field(default=None, description="The SP-API app's LWA client secret")
    amazon_refresh_token: SecretStr | None = Field(
        default=None, description="The seller's refresh token (Atzr|...), from authorising the app in Seller Central"
    )
    walmart_api_url: str = Field(
        default="https://marketplace.walmartapis.com", description="Walmart Marketplace's API (US)"
    )
    walmart_client_id: str | None = Field(default=None, description="The seller's Walmart API client id")
    walmart_client_secret: SecretStr | None = Field(default=None, description="Its client secret")
    amazon_marketplace_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["ATVPDKIKX0DER"], description="Comma-separated marketplace ids (default: US)"
    )
    channeladvisor_api_url: str = Field(
        default="https://api.channeladvisor.com", description="ChannelAdvisor's REST API (token endpoint and /v1)"
    )
    channeladvisor_application_id: str | None = Field(
        default=None, description="The REST application's id (ChannelAdvisor developer console)"
    )
    channeladvisor_shared_secret: SecretStr | None = Field(default=None, description="That application's shared secret")
    channeladvisor_refresh_token: SecretStr | None = Field(
        default=None, description="The account's refresh token for the application (developer console token)"
    )
    channeladvisor_profile_id: int | None = Field(
        default=None, description="Pull only this profile's orders (when the token covers several profiles)"
    )
    channeladvisor_distribution_centers: dict[str, int] = Field(
        default_factory=dict,
        description='ChannelAdvisor DistributionCenterID by our location id, as JSON: {"EWR": 0, "LAX": 12}',
    )
    ebay_api_url: str = Field(
        default="https://api.ebay.com", description="eBay's REST APIs (token endpoint and Sell Fulfillment API)"
    )
    ebay_client_id: str | None = Field(default=None, description="The application's App ID (eBay developer keyset)")
    ebay_client_secret: SecretStr | None = Field(default=None, description="That keyset's Cert ID (client secret)")
    ebay_refresh_token: SecretStr | None = Field(
        default=None, description="The seller's refresh token with the sell.fulfillment scope (consent flow)"
    )
    shopify_webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description='Webhook secrets by shop domain, as JSON: {"shop.myshopify.com": "..."}'
    )
    shopify_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret for shops not listed above (a public app signs every shop's webhooks alike)"
    )
    webhook_max_age_s: float = Field(
        default=24 * 3600.0,
        gt=0,
        description="A signed storefront webhook sent longer ago than this (Shopify's X-Shopify-Triggered-At) is "
        "kept in quarantine, not acted on: a replay, or a retry so late its state is stale",
    )
    woocommerce_webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="Webhook secrets by site URL (X-WC-Webhook-Source), as JSON"
    )
    woocommerce_webhook_secret: SecretStr | None = Field(
        default=None, description="Secret for WooCommerce sites not listed above"
    )

    auth: Literal["required", "off"] = Field(
        default="required",
        description='API keys and dashboard sign-in; "off" only for local experiments, and refused unless the API '
        "binds to a loopback address",
    )
    session_max_age_s: int = Field(default=8 * 3600, ge=60, description="How long a dashboard sign-in lasts")
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="The largest request body taken")
    max_bulk_body_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="The largest body of a bulk intake (EDI, CSV, POS batch, import)"
    )
    max_json_depth: int = Field(default=32, ge=4, description="How deep a JSON body may nest")
    rate_limit_per_key: float = Field(
        default=2000.0, gt=0, description="Requests a second one API key may make (twice that in a burst)"
    )
    rate_limit_per_ip: float = Field(
        default=1000.0, gt=0, description="Requests a second one address may make without a key (twice that in a burst)"
    )
    bad_keys_before_lockout: int = Field(
        default=10, ge=1, description="Wrong keys from one address within a minute before it is locked out"
    )
    lockout_s: int = Field(default=60, ge=1, description="The first lockout; each next one doubles, to 15 minutes")

    @model_validator(mode="after")
    def _auth_off_only_on_loopback(self) -> Self:
        if self.auth == "off" and not is_loopback(self.host):
            raise ValueError(f"auth: 'off' is refused when the API binds to {self.host!r}, not a loopback address")
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("tax_rates")
    @classmethod
    def _rates_are_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for key, rate in value.items():
            if not Decimal(0) <= rate < Decimal(1):
                raise ValueError(f"tax_rates[{key!r}]: {rate} is not a rate between 0 and 1 (7.25% is 0.0725)")
        return value

    @field_validator("amazon_marketplace_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def resolved_database_url(self) -> str:
        return self.database_url or default_store_url(self.home)

    def hub_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def return_policy(self) -> ReturnPolicy:
        return ReturnPolicy(window_days=self.return_window_days, auto_approve_minor=self.return_auto_approve_minor)


def default_store_url(home: Path) -> str:
    """The SQLite store under ``home`` that every command uses when no database URL is set, the demo's too."""
    return f"sqlite:///{(home / 'overture.db').resolve()}"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1): only this machine can connect."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
