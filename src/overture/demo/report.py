"""What ``overture demo`` found, and how it prints it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from rich import box
from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from overture.demo.operator import OperatorLog

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class ExceptionCounts:
    opened: int
    resolved: int
    open: int


@dataclass(frozen=True, slots=True)
class SimulatorCheck:
    """What the simulated WMS and ERP recorded, and whether each effect happened exactly once."""

    releases: dict[tuple[str, str], int]  # WMS releases per (order, location)
    invoices: dict[str, int]  # ERP invoices per order
    one_release_each: bool  # no (order, location) released twice, and every completed order released
    one_invoice_each: bool  # every completed order invoiced once, and nothing else invoiced


@dataclass(frozen=True, slots=True)
class DemoSummary:
    url: str
    locations: int
    skus: int
    units_received: int
    responses: dict[int, int]  # POST /v1/orders by HTTP status; 0 = no response
    placed: int
    replays: int
    replays_same_order: int
    quarantined: int
    orders_by_status: dict[str, int]
    exceptions: dict[str, ExceptionCounts]  # by exception type
    resolutions: dict[str, int]  # resolved exceptions by action
    units_reserved: int
    mean_routing_km: float | None
    seconds: float  # placing the orders
    orders_per_second: float  # captured
    loop_seconds: float  # from the first order placed until every order settled (or the deadline)
    settled: bool
    unsettled: int
    operator: OperatorLog
    records: SimulatorCheck | None  # None when an outside WMS or ERP was configured
    engine_pid: int | None  # the dev server the demo started (None: OVERTURE_TEMPORAL_ADDRESS)
    sample_order: str | None  # a completed order of this run, for the next steps
    cli_options: str  # what `overture` needs to read the demo's store ("" by default)

    @property
    def docs_url(self) -> str:
        return f"{self.url}/docs"

    def next_steps(self) -> list[str]:
        """Three things to try next: the exception queue, one order's page, a command on the same store."""
        steps = [f"the exception queue: {self.url}/exceptions"]
        if self.sample_order is not None:
            steps.append(f"an order's page: {self.url}/orders/{self.sample_order}")
            steps.append(f"how it was routed: .venv/bin/overture route explain {self.sample_order}{self.cli_options}")
        else:
            steps.append(f"the orders: {self.url}/orders")
            steps.append(f"the backlog: .venv/bin/overture backlog plan{self.cli_options}")
        return steps

    @property
    def end_to_end_orders_per_second(self) -> float:
        return self.placed / self.loop_seconds if self.loop_seconds > 0 else 0.0


_STATUS_LABELS = {
    201: "placed",
    200: "replayed",
    400: "malformed JSON",
    422: "invalid",
    409: "conflict",
    0: "no answer",
}


def _table(title: str, rows: Mapping[K, int], label: Callable[[K], str] = str) -> Table:
    table = Table(
        title=title, title_justify="left", title_style="bold", show_header=False, box=box.SIMPLE, min_width=len(title)
    )
    table.add_column()
    table.add_column(justify="right")
    for key, count in rows.items():
        table.add_row(label(key), f"{count:,}")
    return table


def _exceptions_table(exceptions: Mapping[str, ExceptionCounts]) -> Table:
    table = Table(title="Exceptions by type", title_justify="left", title_style="bold", box=box.SIMPLE)
    for heading in ("type", "opened", "resolved", "open"):
        table.add_column(heading, justify="left" if heading == "type" else "right")
    for kind, n in exceptions.items():
        table.add_row(kind, f"{n.opened:,}", f"{n.resolved:,}", f"{n.open:,}")
    return table


def _once(ok: bool, per: str) -> str:
    return f"[green]exactly one per {per} ✓[/]" if ok else f"[red]NOT exactly one per {per} ✗[/]"


def _records_rows(records: SimulatorCheck | None) -> list[tuple[str, str]]:
    if records is None:
        return [("Outside systems", "configured WMS/ERP: no simulator records to check")]
    releases, invoices = sum(records.releases.values()), sum(records.invoices.values())
    once_released, once_invoiced = (
        _once(records.one_release_each, "order-location"),
        _once(records.one_invoice_each, "completed order"),
    )
    return [
        ("WMS releases", f"{releases:,} recorded for {len(records.releases):,} order-locations: {once_released}"),
        ("ERP invoices", f"{invoices:,} recorded for {len(records.invoices):,} orders: {once_invoiced}"),
    ]


def _operator_row(log: OperatorLog) -> str:
    return (
        f"ERP down {log.erp_outage_s:.1f} s; retried {log.retried:,}, restocked {log.restocked:,}; cancelled "
        f"{log.cancelled_before_release} before release, {log.cancelled_after_release} after release, "
        f"{log.cancelled_from_queue} from the queue ({log.refused} refused and retried); "
        f"{log.returns_settled} of {log.returns_requested} returns settled (refund, store credit, exchange)"
    )


def _figure_rows(summary: DemoSummary, clients: int) -> list[tuple[str, str]]:
    distance = (
        "n/a (no order was routed)"
        if summary.mean_routing_km is None
        else f"{summary.mean_routing_km:,.0f} km on average to the chosen warehouse(s)"
    )
    same = "all" if summary.replays_same_order == summary.replays else f"only {summary.replays_same_order:,}"
    settled = (
        "[green]every order settled[/]"
        if summary.settled
        else f"[red]{summary.unsettled:,} order(s) still moving at the deadline[/]"
    )
    return [
        ("Seeded", f"{summary.locations} warehouses, {summary.skus:,} SKUs, {summary.units_received:,} units"),
        ("Orders placed", f"[green]{summary.placed:,}[/] (201) from {clients} concurrent clients"),
        ("Replays", f"{summary.replays:,} (200), {same} returned the order first placed"),
        ("Quarantined", f"{summary.quarantined:,} (400/422) malformed bodies, kept for inspection"),
        ("Capture", f"{summary.orders_per_second:,.0f} orders/s ({summary.seconds:.1f} s)"),
        ("Routing distance", distance),
        ("Operator", _operator_row(summary.operator)),
        *_records_rows(summary.records),
        ("Units reserved", f"{summary.units_reserved:,} still held for orders not shipped"),
        (
            "End to end",
            f"{settled} in {summary.loop_seconds:.1f} s: {summary.end_to_end_orders_per_second:,.1f} orders/s",
        ),
        ("API docs", summary.docs_url),
    ]


def print_summary(summary: DemoSummary, clients: int, console: Console) -> None:
    figures = Table.grid(padding=(0, 2))
    figures.add_column(style="bold")
    figures.add_column()
    for name, value in _figure_rows(summary, clients):
        figures.add_row(name, value)
    console.print()
    console.print("[bold]Overture demo summary[/]")
    console.print(figures)
    responses = _table("HTTP responses", summary.responses, lambda s: f"{s} {_STATUS_LABELS.get(s, '')}".rstrip())
    statuses = _table("Orders by status", summary.orders_by_status)
    resolutions = _table("Resolutions by action", summary.resolutions or {"none": 0})
    console.print(Columns([statuses, _exceptions_table(summary.exceptions), resolutions, responses]))
    console.print("[bold]Next, try[/]")
    for n, step in enumerate(summary.next_steps(), start=1):
        console.print(f"  {n}. {step}", markup=False, highlight=False, soft_wrap=True)
