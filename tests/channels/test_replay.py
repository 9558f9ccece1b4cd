"""The send-time window of signed webhooks (channels/replay.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overture.channels.replay import StaleDelivery, check_sent_at

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
HEADER = "x-shopify-triggered-at"


@pytest.mark.parametrize(
    "sent_at",
    [
        "2026-12-07T11:59:59.877041743Z",  # Shopify's form: nanoseconds and Z
        "2026-12-06T12:00:01Z",  # just inside the day
        "2026-12-07T12:04:00+00:00",  # a sender's clock a little ahead
        "2026-12-07T07:00:00-05:00",  # another offset, the same instant
        None,  # older API versions send no header: the delivery id alone guards it
        "  ",
    ],
)
def test_a_delivery_inside_the_window_passes(sent_at: str | None) -> None:
    check_sent_at(sent_at, now=NOW, max_age=DAY, header=HEADER)


@pytest.mark.parametrize(
    ("sent_at", "says"),
    [
        ("2026-12-06T11:59:59Z", "24.0 h old"),
        ("2025-01-01T00:00:00Z", "old, beyond the 24.0 h accepted"),
        ("2026-12-07T12:06:00Z", "360 s ahead of our clock"),
        ("2026-12-07T12:00:00", "names no time zone"),
        ("yesterday", "is not an ISO 8601 time"),
    ],
)
def test_a_delivery_outside_the_window_or_unreadable_is_stale_and_says_why(sent_at: str, says: str) -> None:
    with pytest.raises(StaleDelivery) as raised:
        check_sent_at(sent_at, now=NOW, max_age=DAY, header=HEADER)
    assert says in raised.value.reason and HEADER in raised.value.reason
