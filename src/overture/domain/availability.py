"""Availability to promise per channel: what each sales channel is told it may sell of a SKU.

Per location, what can be sold is ``on_hand - reserved - safety_stock`` (never below 0). A channel
then sees the sum over the locations it may sell from, less:

- the exclusive pools of *other* channels: a share of the whole network's stock ring-fenced for
  one channel (typically a marketplace), which only that channel sees;
- its own buffer: a percentage of what it sees and/or a fixed number of units, held back so a
  channel that learns of sales late does not oversell.

The figure is never below 0. Withheld quantities are rounded up, so rounding never advertises a
unit that is not there. Rules are plain data (``ChannelRule``), grouped in ``ChannelRules``; a
channel without a rule sees everything, with no buffer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from overture.domain.inventory import InventoryPosition
from overture.domain.money.allocation import largest_remainder


class InvalidChannelRule(ValueError):
    """A channel rule that cannot be applied (negative buffer, percentages over 100)."""


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """How one channel's figure is derived from the network's stock."""

    channel: str
    buffer_percent: int = 0  # of what the channel sees, withheld (rounded up)
    buffer_units: int = 0  # withheld on top of the percentage
    excluded_locations: frozenset[str] = field(default_factory=frozenset)
    exclusive_percent: int = 0  # of the network's stock, seen by this channel only (rounded up)

    def __post_init__(self) -> None:
        if not self.channel:
            raise InvalidChannelRule("a channel rule needs a channel")
        for name in ("buffer_percent", "exclusive_percent"):
            if not 0 <= getattr(self, name) <= 100:
                raise InvalidChannelRule(f"{self.channel}: {name} must be between 0 and 100")
        if self.buffer_units < 0:
            raise InvalidChannelRule(f"{self.channel}: buffer_units must not be negative")

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ChannelRule:
        """A rule from its settings form: ``{"channel": "amazon", "exclusive_percent": 10, ...}``."""
        excluded = data.get("excluded_locations", ())
        if not isinstance(excluded, list | tuple):
            raise InvalidChannelRule("excluded_locations must be a list of location ids")
        return cls(
            channel=str(data.get("channel", "")),
            buffer_percent=_int(data, "buffer_percent"),
            buffer_units=_int(data, "buffer_units"),
            excluded_locations=frozenset(str(location) for location in excluded),
            exclusive_percent=_int(data, "exclusive_percent"),
        )


def _int(data: Mapping[str, object], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidChannelRule(f"{key} must be an integer")
    return value


@dataclass(frozen=True, slots=True)
class ChannelRules:
    """Every channel's rule; exclusive shares together may not exceed the whole network."""

    rules: tuple[ChannelRule, ...] = ()

    def __post_init__(self) -> None:
        channels = [rule.channel for rule in self.rules]
        if len(channels) != len(set(channels)):
            raise InvalidChannelRule("one rule per channel")
        if sum(rule.exclusive_percent for rule in self.rules) > 100:
            raise InvalidChannelRule("exclusive pools add up to more than 100%")

    def rule_for(self, channel: str) -> ChannelRule:
        return next((rule for rule in self.rules if rule.channel == channel), ChannelRule(channel))

    @classmethod
    def from_json(cls, data: Iterable[Mapping[str, object]]) -> ChannelRules:
        return cls(tuple(ChannelRule.from_json(item) for item in data))


def _withheld(quantity: int, percent: int) -> int:
    """``percent`` of ``quantity``, rounded up: withholding too little could oversell."""
    return -(-quantity * percent // 100)


def exclusive_pools(positions: Sequence[InventoryPosition], rules: ChannelRules) -> dict[str, int]:
    """Units ring-fenced per channel that has an exclusive share, out of the whole network's stock."""
    network = sum(p.available for p in positions)
    return {r.channel: _withheld(network, r.exclusive_percent) for r in rules.rules if r.exclusive_percent}


def channel_available(positions: Sequence[InventoryPosition], rule: ChannelRule, pools: Mapping[str, int]) -> int:
    """One channel's figure for one SKU, from that SKU's positions at the active locations."""
    seen = sum(p.available for p in positions if p.location_id not in rule.excluded_locations)
    others = sum(units for channel, units in pools.items() if channel != rule.channel)
    visible = max(0, seen - others)
    return max(0, visible - _withheld(visible, rule.buffer_percent) - rule.buffer_units)


def availability_by_channel(
    positions: Sequence[InventoryPosition], rules: ChannelRules, channels: Iterable[str]
) -> dict[str, int]:
    """Each channel's figure for one SKU (``positions`` all belong to that SKU)."""
    pools = exclusive_pools(positions, rules)
    return {channel: channel_available(positions, rules.rule_for(channel), pools) for channel in channels}


def availability_by_location(
    positions: Sequence[InventoryPosition], rules: ChannelRules, channel: str, locations: Sequence[str]
) -> dict[str, int]:
    """One channel's figure for one SKU at each of ``locations`` (a channel that keeps stock per warehouse,
    such as ChannelAdvisor's distribution centers): the same rule applied to that location's stock alone.
    A location the channel may not sell from shows 0; other channels' exclusive shares and the channel's
    buffer come out of each location's own stock (a fixed ``buffer_units`` is held back at every
    location). The figures never add up to more than the channel's one figure for the network: when they
    would (another channel's share ring-fenced where this one does not sell), they are brought down to it
    in proportion, by largest remainder."""
    rule = rules.rule_for(channel)
    found: dict[str, int] = {}
    for location in locations:
        here = [p for p in positions if p.location_id == location]
        found[location] = channel_available(here, rule, exclusive_pools(here, rules))
    network = channel_available(positions, rule, exclusive_pools(positions, rules))
    if sum(found.values()) > network:
        found = dict(zip(found, largest_remainder(network, list(found.values())), strict=True))
    return found
