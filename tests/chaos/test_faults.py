from __future__ import annotations

import random

from overture.chaos.faults import HEAVY, KINDS, schedule


def test_a_short_schedule_meets_every_process_and_infrastructure_fault() -> None:
    plan = schedule(random.Random(1), faults=8, duration_s=120)
    assert {p.kind for p in plan} >= set(HEAVY)
    assert [p.at_s for p in plan] == sorted(p.at_s for p in plan)
    assert all(6 <= p.at_s <= 114 for p in plan)


def test_a_long_schedule_meets_every_kind_and_one_seed_gives_one_schedule() -> None:
    plan = schedule(random.Random(7), faults=30, duration_s=600)
    assert {p.kind for p in plan} == set(KINDS)
    assert plan == schedule(random.Random(7), faults=30, duration_s=600)
