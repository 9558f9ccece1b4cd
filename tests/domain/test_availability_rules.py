"""Channel allocation rules: on hand - reserved - safety stock, exclusions, buffers, exclusive pools."""

from __future__ import annotations

import pytest

from overture.domain.availability import (
    ChannelRule,
    ChannelRules,
    InvalidChannelRule,
    availability_by_channel,
    availability_by_location,
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


def test_per_location_each_location_is_its_own_network_but_never_more_than_the_network_figure() -> None:
    rules = ChannelRules(
        (
            ChannelRule("ca", buffer_percent=10, buffer_units=1, excluded_locations=frozenset({"LAX"})),
            ChannelRule("amazon", exclusive_percent=20),
        )
    )
    # Alone, EWR's 70 less Amazon's 14 = 56, less 6 (10% rounded up) and 1 = 49; LAX is excluded, ORD holds
    # 0, DFW has no stock. The network figure: 70 (LAX not seen) less Amazon's 24 of 120 = 46, less 5 and
    # 1 = 40, and no more is shown over the locations together.
    found = availability_by_location(POSITIONS, rules, "ca", ["EWR", "LAX", "ORD", "DFW"])
    assert found == {"EWR": 40, "LAX": 0, "ORD": 0, "DFW": 0}
    assert availability_by_channel(POSITIONS, rules, ["ca"]) == {"ca": 40}
    # Without Amazon's share, each location's figure stands as it is (70 - 7 - 1 at EWR, 0 at LAX).
    alone = ChannelRules((ChannelRule("ca", buffer_percent=10, buffer_units=1, excluded_locations=frozenset({"LAX"})),))
    assert availability_by_location(POSITIONS, alone, "ca", ["EWR", "LAX"]) == {"EWR": 62, "LAX": 0}


def test_per_location_figures_are_shared_down_in_proportion() -> None:
    positions = [
        InventoryPosition("SKU-2", "EWR", on_hand=10),
        InventoryPosition("SKU-2", "ATL", on_hand=20),
        InventoryPosition("SKU-2", "LAX", on_hand=20),
    ]
    rules = ChannelRules(
        (ChannelRule("ca", excluded_locations=frozenset({"LAX"})), ChannelRule("amazon", exclusive_percent=25))
    )
    # Alone: EWR 10 - 3 = 7, ATL 20 - 5 = 15, 22 in all. The network: 30 seen less Amazon's 13 of 50 = 17,
    # shared 7:15 by largest remainder (5.41 and 11.59: the spare unit to ATL).
    assert availability_by_location(positions, rules, "ca", ["EWR", "ATL", "LAX"]) == {"EWR": 5, "ATL": 12, "LAX": 0}
