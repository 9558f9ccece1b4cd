"""EasyPost's tracking webhooks: an Event (``tracker.created`` / ``tracker.updated``) whose ``result`` is a
Tracker, read into what the hub keeps of it (https://docs.easypost.com/docs/events,
https://docs.easypost.com/docs/trackers).

Signature: EasyPost signs the raw body with the webhook's secret, HMAC-SHA256 in hex, sent as
``X-Hmac-Signature: hmac-sha256-hex=<digest>``; the secret is NFKD-normalised first, as EasyPost's own
clients do (``validate_webhook``). The check runs on the bytes as received, in constant time.

Tracker statuses (docs/trackers): ``pre_transit``, ``in_transit``, ``out_for_delivery``, ``delivered``,
``available_for_pickup``, ``return_to_sender``, ``failure``, ``cancelled``, ``error``, ``unknown``.
``PROBLEMS`` are the ones a person must act on.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from overture.channels.signatures import InvalidSignature
from overture.channels.validation import parse_json

CHANNEL = "easypost"
SIGNATURE_HEADER = "x-hmac-signature"
PREFIX = "hmac-sha256-hex="
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})
STATUSES = frozenset(
    {
        "pre_transit",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "available_for_pickup",
        "return_to_sender",
        "failure",
        "cancelled",
        "error",
        "unknown",
    }
)
PROBLEMS = frozenset({"return_to_sender", "failure", "error", "cancelled"})

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def signature_for(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(body: bytes, *, signature: str | None, secret: str | None) -> None:
    """Raise InvalidSignature unless ``signature`` is EasyPost's for ``body`` under ``secret``."""
    if not secret:
        raise InvalidSignature("no carrier webhook secret is configured")
    if not signature:
        raise InvalidSignature("the X-Hmac-Signature header is missing")
    if not hmac.compare_digest(signature_for(secret, body).encode(), signature.strip().lower().encode()):
        raise InvalidSignature("the signature does not match the body")


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DetailIn(_In):
    status: Text = ""
    message: Text = ""
    datetime: Text = ""


class TrackerIn(_In):
    tracking_code: Code
    status: Code
    carrier: Text = ""
    status_detail: Text = ""
    tracking_details: list[DetailIn] = Field(default_factory=list)


class EventIn(_In):
    id: Code
    description: Code
    result: TrackerIn


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    event_id: str
    description: str
    tracking_code: str
    status: str
    carrier: str
    message: str  # the newest detail's message, else the status detail

    @property
    def problem(self) -> bool:
        return self.status in PROBLEMS


def translate(body: bytes) -> TrackingEvent:
    """Raw Event JSON -> TrackingEvent, or PayloadError naming each bad field."""
    event = parse_json(EventIn, body)
    tracker = event.result
    latest = tracker.tracking_details[-1] if tracker.tracking_details else None
    message = (latest.message if latest else "") or tracker.status_detail.replace("_", " ")
    status = tracker.status if tracker.status in STATUSES else "unknown"
    return TrackingEvent(event.id, event.description, tracker.tracking_code, status, tracker.carrier, message)
