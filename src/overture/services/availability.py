"""Publishing availability to the channels that sell each SKU, coalescing bursts of changes.

How a change reaches a channel:

1. Every write that changes a SKU's availability flags the SKU in the same transaction (the store
   bumps ``availability_dirty.version``), so a committed change is always flagged and a rolled
   back one never is.
2. :meth:`AvailabilityPublisher.publish_once` takes the flagged SKUs with their positions, works
   out each channel's figure (``domain.availability``) and pushes only figures that differ from the
   last one that channel was sent. However many changes a SKU had since the last pass, it costs
   one figure per channel: that is the coalescing.
3. What was delivered is recorded per (channel, SKU); a flag is cleared only for SKUs every channel
   took, and only if no change arrived meanwhile (its version is unchanged). Anything else stays
   flagged and is retried on the next pass, so the last figure a channel holds is always the latest.

A channel that keeps stock per warehouse (ChannelAdvisor's distribution centers) is a
``LocationTarget``: it is sent each SKU's figure per location (``domain.availability``'s
``availability_by_location``, the same rules on each location's stock), and what it holds is recorded
per location under ``<channel>@<location>``; only the locations whose figure changed are sent, and a
SKU it did not take stays flagged, as for any channel.

One publisher per deployment: two running at once could deliver an older figure after a newer one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from overture.domain.availability import ChannelRules, availability_by_channel, availability_by_location
from overture.domain.inventory import InventoryPosition
from overture.services.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AvailabilitySnapshot:
    """Flagged SKUs with the version read, their positions at active locations, and what was last sent."""

    versions: dict[str, int]
    positions: dict[str, list[InventoryPosition]]
    published: dict[str, dict[str, int]]  # channel -> SKU -> last figure sent
    changed_at: dict[str, datetime] = field(default_factory=dict)  # SKU -> its oldest unpublished change


class AvailabilityStore(Protocol):
    def snapshot(self, limit: int, channels: Sequence[str]) -> AvailabilitySnapshot:
        """Up to ``limit`` flagged SKUs, oldest change first, read in one transaction."""
        ...

    def settle(self, sent: Mapping[str, Mapping[str, int]], versions: Mapping[str, int], at: datetime) -> int:
        """Record the figures each channel took, and drop the flags still at the given versions (one
        transaction); returns how many flags went."""
        ...


class ChannelTarget(Protocol):
    """One channel that sells some SKUs and can be told their figures."""

    @property
    def channel(self) -> str: ...

    def sells(self, sku: str) -> bool: ...

    async def push(self, figures: Mapping[str, int]) -> set[str]:
        """Deliver the figures; returns the SKUs delivered (the others are retried). Never raises."""
        ...


@runtime_checkable
class LocationTarget(ChannelTarget, Protocol):
    """A channel told each SKU's figure per location (ours), not one figure for the network."""

    @property
    def locations(self) -> Sequence[str]:
        """Our locations it keeps a figure for (the others are not sent)."""
        ...

    async def push_locations(self, figures: Mapping[str, Mapping[str, int]]) -> set[str]:
        """Deliver SKU -> location -> figure (only the locations that changed); returns the SKUs
        delivered (the others are retried). Never raises."""
        ...


def location_channel(channel: str, location: str) -> str:
    """Where a per-location figure is recorded as published (``channeladvisor@EWR``)."""
    return f"{channel}@{location}"


def published_names(targets: Sequence[ChannelTarget]) -> list[str]:
    """The names the targets' last figures are recorded under: the channel, or one per location."""
    names: list[str] = []
    for target in targets:
        if isinstance(target, LocationTarget):
            names += [location_channel(target.channel, location) for location in target.locations]
        else:
            names.append(target.channel)
    return names


@dataclass
class _Push:
    """One target's share of a pass: the SKUs sent, what to record if taken, and the sending."""

    target: ChannelTarget
    skus: set[str]
    records: dict[str, dict[str, int]]  # published name -> SKU -> figure
    send: Callable[[], Awaitable[set[str]]]


@dataclass
class PublishReport:
    skus: int = 0  # flagged SKUs taken in this pass
    sent: dict[str, int] = field(default_factory=dict)  # figures delivered per channel
    failed: set[str] = field(default_factory=set)  # SKUs left flagged because a channel did not take them
    cleared: int = 0
    lags_s: dict[str, list[float]] = field(default_factory=dict)  # per channel: change-to-delivery, per SKU taken


class AvailabilityPublisher:
    """Takes flagged SKUs and brings every channel's figure up to date (see the module docstring)."""

    def __init__(
        self,
        store: AvailabilityStore,
        targets: Sequence[ChannelTarget],
        *,
        rules: ChannelRules,
        clock: Clock,
        batch: int = 500,
    ) -> None:
        self.store = store
        self.targets = list(targets)  # replaced as a whole when channels change (e.g. a new partner)
        self.rules = rules
        self.clock = clock
        self.batch = batch

    async def publish_once(self) -> PublishReport:
        targets = list(self.targets)
        snapshot = await asyncio.to_thread(self.store.snapshot, self.batch, published_names(targets))
        report = PublishReport(skus=len(snapshot.versions))
        if not snapshot.versions:
            return report
        pushes = [p for p in (self._push_for(snapshot, t) for t in targets) if p.skus]
        delivered = await asyncio.gather(*(p.send() for p in pushes))
        delivered_at = self.clock()
        sent: dict[str, dict[str, int]] = {}
        for push, took in zip(pushes, delivered, strict=True):
            for name, figures in push.records.items():
                sent[name] = {sku: units for sku, units in figures.items() if sku in took}
            report.sent[push.target.channel] = len(push.skus & took)
            report.failed |= push.skus - took
            changed = [snapshot.changed_at[sku] for sku in sorted(push.skus & took) if sku in snapshot.changed_at]
            report.lags_s[push.target.channel] = [max(0.0, (delivered_at - at).total_seconds()) for at in changed]
        done = {sku: v for sku, v in snapshot.versions.items() if sku not in report.failed}
        report.cleared = await asyncio.to_thread(self.store.settle, sent, done, self.clock())
        return report

    def _push_for(self, snapshot: AvailabilitySnapshot, target: ChannelTarget) -> _Push:
        if isinstance(target, LocationTarget):
            return self._by_location(snapshot, target)
        figures = self._figures(snapshot, target)
        return _Push(target, set(figures), {target.channel: figures}, lambda: target.push(figures))

    def _figures(self, snapshot: AvailabilitySnapshot, target: ChannelTarget) -> dict[str, int]:
        """The channel's figures that differ from what it was last sent."""
        outgoing: dict[str, int] = {}
        last = snapshot.published.get(target.channel, {})
        for sku in snapshot.versions:
            if target.sells(sku):
                units = availability_by_channel(snapshot.positions.get(sku, []), self.rules, [target.channel])
                if last.get(sku) != units[target.channel]:
                    outgoing[sku] = units[target.channel]
        return outgoing

    def _by_location(self, snapshot: AvailabilitySnapshot, target: LocationTarget) -> _Push:
        """Per SKU the locations whose figure differs from what the channel holds there."""
        outgoing: dict[str, dict[str, int]] = {}
        records: dict[str, dict[str, int]] = {}
        for sku in snapshot.versions:
            if not target.sells(sku):
                continue
            at = availability_by_location(snapshot.positions.get(sku, []), self.rules, target.channel, target.locations)
            for location, units in at.items():
                name = location_channel(target.channel, location)
                if snapshot.published.get(name, {}).get(sku) != units:
                    outgoing.setdefault(sku, {})[location] = units
                    records.setdefault(name, {})[sku] = units
        return _Push(target, set(outgoing), records, lambda: target.push_locations(outgoing))

    async def run_until_idle(self, *, max_passes: int = 1000) -> list[PublishReport]:
        """Publish until nothing is flagged (tests, benchmarks); stops early if a pass clears nothing."""
        reports = []
        for _ in range(max_passes):
            report = await self.publish_once()
            reports.append(report)
            if report.skus == 0 or (report.cleared == 0 and report.failed):
                break
        return reports
