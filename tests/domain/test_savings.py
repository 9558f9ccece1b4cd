"""The manual-work calculator and the maturity assessment (domain/savings.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from overture.domain.savings import (
    InvalidSetting,
    Maturity,
    MaturitySignals,
    SavingsInputs,
    WorkCounts,
    assess_maturity,
    manual_work_cost,
    parse_inputs,
    percentile,
    touchless_rate,
)


def test_cost_is_minutes_times_touched_orders_times_hourly_cost() -> None:
    # 300 touched orders in 30 days = 10 a day; 12 min each = 2 h a day; at 45 an hour = 90 a day.
    cost = manual_work_cost(SavingsInputs(Decimal(12), Decimal(45)), WorkCounts(30, 3000, 300, 420))
    assert (cost.touched_per_day, cost.hours_per_day, cost.cost_per_day) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("90.00"),
    )
    assert (cost.cost_per_month, cost.cost_per_year) == (Decimal("2700.00"), Decimal("32850.00"))
    # All 3000 by hand: 100 a day x 12 min x 45 = 900 a day; saved = (900 - 90) x 365.
    assert cost.all_manual_cost_per_year == Decimal("328500.00")
    assert cost.saved_per_year == Decimal("295650.00")


def test_cost_rounds_to_cents() -> None:
    cost = manual_work_cost(SavingsInputs(Decimal(7), Decimal("33.33")), WorkCounts(7, 10, 1, 1))
    # 1/7 order a day x 7 min = 1/60 h; x 33.33 = 0.5555 -> 0.56.
    assert cost.cost_per_day == Decimal("0.56")


@pytest.mark.parametrize(
    ("minutes", "cost", "field"),
    [
        ("0", "45", "minutes_per_manual_order"),
        ("601", "45", "minutes_per_manual_order"),
        ("abc", "45", "minutes_per_manual_order"),
        ("10", "-1", "loaded_hourly_cost"),
        ("10", "NaN", "loaded_hourly_cost"),
        ("10", "", "loaded_hourly_cost"),
    ],
)
def test_bad_inputs_name_their_field(minutes: str, cost: str, field: str) -> None:
    with pytest.raises(InvalidSetting) as raised:
        parse_inputs(minutes, cost, "")
    assert raised.value.field == field


def test_channels_are_split_trimmed_and_deduplicated() -> None:
    inputs = parse_inputs("10", "40", "web, edi\namazon,,web ")
    assert inputs.known_channels == ("web", "edi", "amazon")
    assert SavingsInputs.from_document(inputs.to_document()) == inputs


def test_counts_are_checked() -> None:
    with pytest.raises(InvalidSetting, match="touched_orders"):
        WorkCounts(30, 10, 11, 0)
    with pytest.raises(InvalidSetting, match="days"):
        WorkCounts(0, 10, 1, 0)


def test_touchless_rate() -> None:
    assert touchless_rate(0, 0) is None
    assert touchless_rate(8, 2) == 0.75


@pytest.mark.parametrize(
    ("signals", "level"),
    [
        (MaturitySignals(4, 1, 0.99, 1.0), Maturity.DISCONNECTED),  # 25 % connected
        (MaturitySignals(4, 2, None, None), Maturity.INTEGRATED),  # half connected, nothing completed yet
        (MaturitySignals(5, 4, 0.59, 1.0), Maturity.INTEGRATED),  # 80 % but touchless just short
        (MaturitySignals(5, 4, 0.6, 10.0), Maturity.COORDINATED),
        (MaturitySignals(4, 4, 0.9, 4.5), Maturity.COORDINATED),  # resolution too slow for orchestrated
        (MaturitySignals(4, 4, 0.85, 4.0), Maturity.ORCHESTRATED),
        (MaturitySignals(0, 0, 1.0, 0.1), Maturity.DISCONNECTED),  # no channel known
    ],
)
def test_maturity_levels(signals: MaturitySignals, level: Maturity) -> None:
    assert assess_maturity(signals).level is level


def test_maturity_gives_a_reason_per_signal_and_the_next_step() -> None:
    reasons = assess_maturity(MaturitySignals(5, 4, 0.5, 2.25)).reasons
    assert reasons == (
        "4 of 5 known channels sent orders in the last 30 days (80%)",
        "touchless rate 50% of completed orders",
        "median exception resolution time 2.2 h",
        "to reach coordinated: 80% of channels connected and a touchless rate of 60%",
    )


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 1.0)) == (50.0, 95.0, 100.0)
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
