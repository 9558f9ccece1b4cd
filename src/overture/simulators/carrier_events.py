"""The carrier simulator's tracking webhooks: EasyPost Events (``tracker.updated``) for a tracking code,
signed as EasyPost signs them (``X-Hmac-Signature: hmac-sha256-hex=...`` over the raw body, the secret
NFKD-normalised), sent to the webhook URL the simulator was given.

Control route::

    POST /_track  {"tracking_code", "status", "message"?, "carrier"?, "event_id"?}
                  -> {"delivered": status of the hub's answer, "event": the Event sent}

A repeated ``event_id`` sends the same event again (a redelivery); without one each call is a new event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class TrackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking_code: str = Field(min_length=1)
    status: str = Field(min_length=1)
    message: str = ""
    carrier: str = "USPS"
    event_id: str | None = None


def event_for(track: TrackIn) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    detail = {"object": "TrackingDetail", "status": track.status, "message": track.message, "datetime": now}
    tracker = {
        "object": "Tracker",
        "id": "trk_" + hashlib.sha256(track.tracking_code.encode()).hexdigest()[:32],
        "mode": "test",
        "tracking_code": track.tracking_code,
        "status": track.status,
        "status_detail": track.status,
        "carrier": track.carrier,
        "tracking_details": [detail],
        "updated_at": now,
    }
    return {
        "object": "Event",
        "id": track.event_id or "evt_" + uuid.uuid4().hex,
        "mode": "test",
        "description": "tracker.updated",
        "previous_attributes": {},
        "result": tracker,
        "status": "pending",
        "created_at": now,
    }


def signed(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def install_tracking_routes(app: FastAPI, *, webhook_url: str | None, webhook_secret: str | None) -> None:
    @app.post("/_track")
    async def track(body: TrackIn) -> dict[str, Any]:
        event = event_for(body)
        if not webhook_url:
            return {"delivered": None, "event": event}
        raw = json.dumps(event).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "EasyPost WebHook Agent 1.0"}
        if webhook_secret:
            headers["X-Hmac-Signature"] = signed(webhook_secret, raw)
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.post(webhook_url, content=raw, headers=headers)
        return {"delivered": answer.status_code, "event": event, "answer": answer.json() if answer.content else None}
