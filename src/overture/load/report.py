"""The figures of a load run: throughput offered and achieved, capture latency percentiles, end-to-end
times to shipped and completed, errors by status and code, exceptions by type, and per second series.

Percentiles are nearest-rank on the recorded latencies (the p-th is the smallest value with at
least p% of the values at or below it): every figure printed is a latency some request really had.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from overture.load.runner import RunResult, Sample

PERCENTILES = (50, 95, 99)


def nearest_rank(values: Sequence[float], percentile: float) -> float | None:
    """The ``percentile``-th value by nearest rank (None for no values)."""
    if not values:
        return None
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {percentile}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percentile / 100 * len(ordered))) - 1]


def percentiles(values: Sequence[float]) -> dict[int, float | None]:
    return {p: nearest_rank(values, p) for p in PERCENTILES}


@dataclass(frozen=True, slots=True)
class Second:
    """One second of the run (by when requests were due): how many, how many answered well, latencies."""

    at: int
    offered: int
    placed: int
    p50_s: float | None
    p95_s: float | None


@dataclass(frozen=True, slots=True)
class LoadReport:
    offered: int
    offered_rate: float  # orders a second scheduled
    placed: int  # answered 201
    achieved_rate: float  # placed a second over the send window
    capture_s: dict[int, float | None]  # capture latency percentiles (all answers, errors included)
    to_shipped_s: dict[int, float | None]
    to_completed_s: dict[int, float | None]
    completed: int
    completed_rate: float | None  # completed a second, from the first capture to the last completion
    unsettled: int
    by_kind: dict[str, dict[int, int]]  # request kind -> HTTP status -> count
    errors: dict[str, int]  # "kind status code" -> count
    exceptions: dict[str, int]
    seconds: list[Second]


def _by_kind(samples: Sequence[Sample]) -> dict[str, dict[int, int]]:
    counts: dict[str, Counter[int]] = {}
    for s in samples:
        counts.setdefault(s.kind, Counter())[s.status] += 1
    return {kind: dict(sorted(c.items())) for kind, c in sorted(counts.items())}


def _errors(samples: Sequence[Sample]) -> dict[str, int]:
    counted = Counter(f"{s.kind} {s.status} {s.code}" for s in samples if s.code)
    return dict(counted.most_common())


def per_second(samples: Sequence[Sample], window_s: float) -> list[Second]:
    """The captures bucketed by the second they were due in, over the whole send window."""
    buckets: dict[int, list[Sample]] = {n: [] for n in range(max(1, math.ceil(window_s)))}
    for s in samples:
        if s.kind == "capture":
            buckets.setdefault(int(s.due_s), []).append(s)
    rows = []
    for at, group in sorted(buckets.items()):
        latencies = [s.latency_s for s in group]
        placed = sum(1 for s in group if s.status == 201)
        rows.append(Second(at, len(group), placed, nearest_rank(latencies, 50), nearest_rank(latencies, 95)))
    return rows


def _completed_rate(result: RunResult) -> float | None:
    done = [s for s in result.settled if s.completed_at is not None]
    if not done:
        return None
    span = (max(s.completed_at for s in done if s.completed_at) - min(s.created_at for s in done)).total_seconds()
    return len(done) / span if span > 0 else None


def summarise(result: RunResult) -> LoadReport:
    captures = [s for s in result.samples if s.kind == "capture"]
    window = result.send_window_s
    shipped = [t for s in result.settled if (t := s.to_shipped_s) is not None]
    completed = [t for s in result.settled if (t := s.to_completed_s) is not None]
    placed = sum(1 for s in captures if s.status == 201)
    return LoadReport(
        offered=result.offered,
        offered_rate=result.offered / window,
        placed=placed,
        achieved_rate=placed / window,
        capture_s=percentiles([s.latency_s for s in captures]),
        to_shipped_s=percentiles(shipped),
        to_completed_s=percentiles(completed),
        completed=len(completed),
        completed_rate=_completed_rate(result),
        unsettled=result.unsettled,
        by_kind=_by_kind(result.samples),
        errors=_errors(result.samples),
        exceptions=result.exceptions,
        seconds=per_second(result.samples, window),
    )


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.0f} ms"


def lines(report: LoadReport) -> list[str]:
    """The report as plain lines (the CLI prints them; --json gives the same figures)."""
    cap, ship, done = report.capture_s, report.to_shipped_s, report.to_completed_s
    completed = "n/a" if report.completed_rate is None else f"{report.completed_rate:,.1f}/s"
    out = [
        f"offered   {report.offered:,} orders, {report.offered_rate:,.1f}/s",
        f"placed    {report.placed:,} (201), {report.achieved_rate:,.1f}/s achieved",
        f"capture   p50 {ms(cap[50])}  p95 {ms(cap[95])}  p99 {ms(cap[99])}  (from when each was due)",
        f"shipped   p50 {ms(ship[50])}  p95 {ms(ship[95])}  p99 {ms(ship[99])}  (hub timeline: created -> shipped)",
        f"completed {report.completed:,} orders, {completed}; p50 {ms(done[50])}  p95 {ms(done[95])}",
        f"unsettled {report.unsettled:,} still on their way when the run ended",
    ]
    for kind, statuses in report.by_kind.items():
        out.append(f"{kind:<9} " + ", ".join(f"{status or 'no answer'}: {n:,}" for status, n in statuses.items()))
    out += [f"error     {key}: {n:,}" for key, n in report.errors.items()]
    out += [f"exception {kind}: {n:,}" for kind, n in report.exceptions.items()] or ["exception none"]
    return out
