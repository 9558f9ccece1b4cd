"""The report's arithmetic on known inputs: nearest-rank percentiles, rates, errors, seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overture.load.chart import render
from overture.load.report import nearest_rank, per_second, summarise
from overture.load.runner import LoadOptions, RunResult, Sample
from overture.load.tracker import Settled, settled_from


def test_nearest_rank_on_known_values() -> None:
    values = [float(n) for n in range(1, 101)]  # 1..100
    assert nearest_rank(values, 50) == 50
    assert nearest_rank(values, 95) == 95
    assert nearest_rank(values, 99) == 99
    assert nearest_rank(values, 100) == 100
    assert nearest_rank([3.0, 1.0, 2.0], 50) == 2.0  # rank ceil(1.5) = 2 of the sorted values
    assert nearest_rank([5.0], 99) == 5.0
    assert nearest_rank([], 50) is None
    with pytest.raises(ValueError):
        nearest_rank(values, 0)


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _result() -> RunResult:
    samples = [Sample("capture", n * 0.5, 0.01 * (n + 1), 201, "", f"o{n}") for n in range(8)]  # due over 4 s
    samples += [
        Sample("capture", 3.9, 0.5, 422, "invalid_payload"),
        Sample("capture", 1.2, 2.0, 0, "ReadTimeout"),
        Sample("cancel", 2.0, 0.05, 200, "", "o1"),
        Sample("cancel", 2.5, 0.05, 409, "too_late", "o2"),
    ]
    settled = [
        Settled("o0", "completed", T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=3)),
        Settled("o1", "cancelled", T0, None, None),
        Settled("o3", "completed", T0 + timedelta(seconds=1), T0 + timedelta(seconds=5), T0 + timedelta(seconds=9)),
    ]
    return RunResult(
        options=LoadOptions(rate=2.5, duration_s=4),
        offered=10,
        send_window_s=4.0,
        samples=samples,
        placed={f"o{n}": n * 0.5 for n in range(8)},
        settled=settled,
        unsettled=5,
        exceptions={"address_unverified": 2},
    )


def test_summary_figures() -> None:
    report = summarise(_result())
    assert (report.offered, report.placed) == (10, 8)
    assert report.offered_rate == pytest.approx(2.5)
    assert report.achieved_rate == pytest.approx(2.0)
    # capture latencies: 0.01..0.08, 0.5, 2.0 -> p50 is the 5th smallest, p95 and p99 the 10th
    assert report.capture_s == {50: pytest.approx(0.05), 95: 2.0, 99: 2.0}
    assert report.to_shipped_s == {50: 2.0, 95: 4.0, 99: 4.0}
    assert report.to_completed_s == {50: 3.0, 95: 8.0, 99: 8.0}
    assert report.completed == 2
    assert report.completed_rate == pytest.approx(2 / 9)  # first created T0, last completed T0 + 9 s
    assert report.by_kind == {"cancel": {200: 1, 409: 1}, "capture": {0: 1, 201: 8, 422: 1}}
    assert report.errors == {"capture 422 invalid_payload": 1, "capture 0 ReadTimeout": 1, "cancel 409 too_late": 1}
    assert report.unsettled == 5 and report.exceptions == {"address_unverified": 2}


def test_per_second_buckets_by_due_time() -> None:
    seconds = per_second(_result().samples, 4.0)
    assert [s.at for s in seconds] == [0, 1, 2, 3]
    assert [s.offered for s in seconds] == [2, 3, 2, 3]  # captures only; 1.2 and 3.9 fall in seconds 1 and 3
    assert [s.placed for s in seconds] == [2, 2, 2, 2]
    assert seconds[1].p95_s == 2.0


def test_the_html_is_self_contained_with_both_charts() -> None:
    page = render(summarise(_result()))
    assert page.count("<svg") == 2 and "<polyline" in page
    assert "<script" not in page and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_settled_times_come_from_the_timeline() -> None:
    detail = {
        "id": "o9",
        "status": "completed",
        "created_at": "2026-01-01T00:00:00+00:00",
        "timeline": [
            {"type": "status", "status": "routed", "at": "2026-01-01T00:00:00.100000+00:00"},
            {"type": "decision", "at": "2026-01-01T00:00:00.200000+00:00"},
            {"type": "status", "status": "shipped", "at": "2026-01-01T00:00:01.500000+00:00"},
            {"type": "status", "status": "completed", "at": "2026-01-01T00:00:02+00:00"},
        ],
    }
    done = settled_from(detail)
    assert done is not None and (done.to_shipped_s, done.to_completed_s) == (1.5, 2.0)
    assert settled_from({**detail, "status": "released"}) is None
