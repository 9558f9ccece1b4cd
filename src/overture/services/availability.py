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

One publisher per deployment: two running at once could deliver an older figure after a newer one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from overture.domain.availability import ChannelRules, availability_by_channel
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
        channels = [t.channel for t in targets]
        snapshot = await asyncio.to_thread(self.store.snapshot, self.batch, channels)
        report = PublishReport(skus=len(snapshot.versions))
        if not snapshot.versions:
            return report
        outgoing = self._figures(snapshot, targets)
        delivered = await asyncio.gather(*(t.push(outgoing[t.channel]) for t in targets if outgoing[t.channel]))
        pushed = [t for t in targets if outgoing[t.channel]]
        sent: dict[str, dict[str, int]] = {}
        for target, took in zip(pushed, delivered, strict=True):
            sent[target.channel] = {sku: units for sku, units in outgoing[target.channel].items() if sku in took}
            report.sent[target.channel] = len(sent[target.channel])
            report.failed |= set(outgoing[target.channel]) - took
        delivered_at = self.clock()
        for channel, figures in sent.items():
            changed = [snapshot.changed_at[sku] for sku in figures if sku in snapshot.changed_at]
            report.lags_s[channel] = [max(0.0, (delivered_at - at).total_seconds()) for at in changed]
        done = {sku: v for sku, v in snapshot.versions.items() if sku not in report.failed}
        report.cleared = await asyncio.to_thread(self.store.settle, sent, done, self.clock())
        return report

    def _figures(self, snapshot: AvailabilitySnapshot, targets: Sequence[ChannelTarget]) -> dict[str, dict[str, int]]:
        """Per channel, the figures that differ from what that channel was last sent."""
        outgoing: dict[str, dict[str, int]] = {t.channel: {} for t in targets}
        for sku in snapshot.versions:
            selling = [t.channel for t in targets if t.sells(sku)]
            figures = availability_by_channel(snapshot.positions.get(sku, []), self.rules, selling)
            for channel, units in figures.items():
                if snapshot.published.get(channel, {}).get(sku) != units:
                    outgoing[channel][sku] = units
        return outgoing

    async def run_until_idle(self, *, max_passes: int = 1000) -> list[PublishReport]:
        """Publish until nothing is flagged (tests, benchmarks); stops early if a pass clears nothing."""
        reports = []
        for _ in range(max_passes):
            report = await self.publish_once()
            reports.append(report)
            if report.skus == 0 or (report.cleared == 0 and report.failed):
                break
        return reports
