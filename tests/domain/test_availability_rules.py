"""Channel allocation rules: on hand - reserved - safety stock, exclusions, buffers, exclusive pools."""

from __future__ import annotations

import pytest

from overture.domain.availability import (
    ChannelRule,
    ChannelRules,
    InvalidChannelRule,
    availability_by_channel,
    exclusive_pools,
)
from overture.domain.inventory import InventoryPosition

# 100 - 20 - 10 = 70 at EWR, 50 - 0 - 0 = 50 at LAX, 5 - 5 - 3 -> 0 (not -3) at ORD: 120 in all.
POSITIONS = [
    InventoryPosition("SKU-1", "EWR", on_hand=100, reserved=20, safety_stock=10),
    InventoryPosition("SKU-1", "LAX", on_hand=50),
    InventoryPosition("SKU-1", "ORD", on_hand=5, reserved=5, safety_stock=3),
]


def figures(*rules: ChannelRule, channels: tuple[str, ...] = ("web",)) -> dict[str, int]:
    return availability_by_channel(POSITIONS, ChannelRules(rules), channels)


def test_without_rules_a_channel_sees_on_hand_less_reserved_less_safety_stock_over_every_location() -> None:
    assert figures() == {"web": 120}


def test_a_location_short_of_its_safety_stock_counts_as_zero_not_negative() -> None:
    # ORD alone is 5 - 5 - 3 = -3: it must not take 3 units off what the other locations hold.
    assert availability_by_channel(POSITIONS[2:], ChannelRules(), ["web"]) == {"web": 0}
    assert availability_by_channel(POSITIONS[1:], ChannelRules(), ["web"]) == {"web": 50}


def test_excluded_locations_are_not_counted_for_that_channel_only() -> None:
    rules = (ChannelRule("web", excluded_locations=frozenset({"LAX"})),)
    assert figures(*rules, channels=("web", "b2b")) == {"web": 70, "b2b": 120}


def test_a_percentage_buffer_is_withheld_rounded_up() -> None:
    # 15% of 120 is 18; 7% of 120 is 8.4, withheld as 9 so rounding never advertises a missing unit.
    assert figures(ChannelRule("web", buffer_percent=15)) == {"web": 102}
    assert figures(ChannelRule("web", buffer_percent=7)) == {"web": 111}


def test_a_fixed_buffer_is_withheld_on_top_of_the_percentage() -> None:
    assert figures(ChannelRule("web", buffer_percent=10, buffer_units=5)) == {"web": 120 - 12 - 5}


def test_an_exclusive_pool_is_seen_by_its_channel_and_removed_from_the_others() -> None:
    rules = (ChannelRule("amazon", exclusive_percent=25),)
    assert exclusive_pools(POSITIONS, ChannelRules(rules)) == {"amazon": 30}
    assert figures(*rules, channels=("amazon", "web", "partner:ACME")) == {
        "amazon": 120,
        "web": 90,
        "partner:ACME": 90,
    }


def test_exclusions_buffers_and_pools_combine_and_never_go_below_zero() -> None:
    rules = (
        ChannelRule("amazon", exclusive_percent=50),
        ChannelRule("web", excluded_locations=frozenset({"EWR"}), buffer_units=3),
        ChannelRule("outlet", buffer_units=500),
    )
    # web: 50 at LAX, less amazon's 60, floored at 0, then its buffer: still 0.
    assert figures(*rules, channels=("amazon", "web", "outlet")) == {"amazon": 120, "web": 0, "outlet": 0}


def test_no_stock_gives_zero_for_every_channel() -> None:
    rules = ChannelRules((ChannelRule("amazon", exclusive_percent=10, buffer_units=2),))
    assert availability_by_channel([], rules, ["amazon", "web"]) == {"amazon": 0, "web": 0}


def test_rules_read_from_their_settings_form() -> None:
    rules = ChannelRules.from_json(
        [{"channel": "web", "buffer_percent": 10, "excluded_locations": ["LAX"]}, {"channel": "amazon"}]
    )
    assert rules.rule_for("web") == ChannelRule("web", buffer_percent=10, excluded_locations=frozenset({"LAX"}))
    assert rules.rule_for("unknown") == ChannelRule("unknown")


@pytest.mark.parametrize(
    "make",
    [
        lambda: ChannelRule("web", buffer_percent=101),
        lambda: ChannelRule("web", exclusive_percent=-1),
        lambda: ChannelRule("web", buffer_units=-1),
        lambda: ChannelRule(""),
        lambda: ChannelRules((ChannelRule("a", exclusive_percent=60), ChannelRule("b", exclusive_percent=41))),
        lambda: ChannelRules((ChannelRule("a"), ChannelRule("a"))),
        lambda: ChannelRule.from_json({"channel": "web", "buffer_units": "5"}),
        lambda: ChannelRule.from_json({"channel": "web", "excluded_locations": "LAX"}),
    ],
)
def test_rules_that_cannot_be_applied_are_refused(make: object) -> None:
    with pytest.raises(InvalidChannelRule):
        make()  # type: ignore[operator]
