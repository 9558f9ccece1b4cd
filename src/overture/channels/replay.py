"""Replay protection for signed webhooks, beside the dedupe by delivery id (services/storefronts.py).

A signature proves who sent a body, not when: a body captured once verifies forever. The delivery id
stops a replay while its key is kept; the platform's send time stops one of any age. Shopify sends
``X-Shopify-Triggered-At`` (when the event fired, kept unchanged on its retries: 8 over 4 hours since
September 2024, "use it to determine if the payload is stale", shopify.dev/changelog). A delivery
older than the window, or dated too far ahead for clock drift, is refused; one without the header
(older API versions) is judged by its id alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

CLOCK_DRIFT = timedelta(minutes=5)


class StaleDelivery(Exception):
    """A signed delivery sent outside the accepted window; ``reason`` says which way and by how much."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_sent_at(sent_at: str | None, *, now: datetime, max_age: timedelta, header: str) -> None:
    """Raise StaleDelivery when ``sent_at`` (ISO 8601, as the header carries it) is outside the window."""
    if sent_at is None or not sent_at.strip():
        return
    try:
        moment = datetime.fromisoformat(sent_at.strip())
    except ValueError:
        raise StaleDelivery(f"{header} is not an ISO 8601 time: {sent_at[:64]!r}") from None
    if moment.tzinfo is None:
        raise StaleDelivery(f"{header} names no time zone: {sent_at[:64]!r}")
    age = now - moment
    if age > max_age:
        raise StaleDelivery(f"{header} is {_hours(age)} old, beyond the {_hours(max_age)} accepted")
    if -age > CLOCK_DRIFT:
        raise StaleDelivery(f"{header} is {_hours(-age)} ahead of our clock")


def _hours(span: timedelta) -> str:
    seconds = span.total_seconds()
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds:.0f} s"
