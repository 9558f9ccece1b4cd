"""The demo's store: the default store under ``--home`` (so every ``overture`` command reads the demo's
orders afterwards), emptied at the start of each run, but only if an earlier demo made it."""

from __future__ import annotations

from rich.console import Console

from overture.bootstrap import Container, bootstrap
from overture.config import Settings, default_store_url
from overture.demo.loop import DemoError

DEMO_MARK = "overture.db.demo"  # beside the store a demo made: the next demo may empty it


class DemoRefused(DemoError):
    """The demo will not start: what it would write holds data it did not make."""


def demo_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            # The default store under --home, which every `overture` command reads unless told otherwise, so
            # `overture route explain` works on the demo's orders; never OVERTURE_DATABASE_URL, which the
            # demo would wipe.
            "database_url": default_store_url(settings.home),
            # A failing call gives up after about a second instead of minutes, so the outage shows while you watch.
            "step_max_attempts": 3,
            "step_initial_interval_s": 0.2,
            "step_max_interval_s": 1.0,
            # Its own queue: a worker of `overture serve` on the same cluster must not take demo orders.
            "task_queue": f"{settings.task_queue}-demo",
            # Shipments whose webhook was lost (a burst when the WMS ships again) arrive within seconds.
            "wms_poll_interval_s": 2.0,
        }
    )


def fresh_container(settings: Settings, console: Console) -> Container:
    """The demo's store, emptied: each run starts from the same sample data. Only a store an earlier demo
    made is emptied (it leaves a mark beside it); any other is refused, so `make demo` never wipes data."""
    settings.home.mkdir(parents=True, exist_ok=True)
    path = (settings.home / "overture.db").resolve()
    mark = path.with_name(DEMO_MARK)
    if path.exists() and not mark.exists():
        raise DemoRefused(
            f"{path} holds a store the demo did not make, and the demo empties the store it writes: move that "
            "file away, or give the demo another folder (overture demo --home /tmp/overture-demo)"
        )
    for stale in (path, path.with_name("overture.db-wal"), path.with_name("overture.db-shm")):
        stale.unlink(missing_ok=True)
    mark.write_text("made by `overture demo`, which empties this store on its next run\n")
    console.print(f"Demo store (emptied, then filled): {settings.resolved_database_url()}")
    return bootstrap(settings)
