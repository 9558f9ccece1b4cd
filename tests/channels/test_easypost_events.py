"""EasyPost tracking webhooks read and verified (channels/easypost_events.py) on EasyPost's own recorded
Event and signature (tests/connectors/fixtures/easypost/PROVENANCE.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from overture.channels import easypost_events
from overture.channels.signatures import InvalidSignature
from overture.services.errors import PayloadError

FIXTURE = Path(__file__).parents[1] / "connectors" / "fixtures" / "easypost" / "event_tracker_updated.json"
RECORDED_SIGNATURE = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"
SECRET = "s\u00e9cret"  # EasyPost's fixture secret: NFKD-normalised before it keys the HMAC


def body() -> bytes:
    return json.dumps(json.loads(FIXTURE.read_bytes()), separators=(",", ":")).encode()


def test_easyposts_recorded_signature_verifies_and_any_change_does_not() -> None:
    easypost_events.verify(body(), signature=RECORDED_SIGNATURE, secret=SECRET)
    with pytest.raises(InvalidSignature, match="does not match"):
        easypost_events.verify(body().replace(b"FedEx", b"FedEy"), signature=RECORDED_SIGNATURE, secret=SECRET)
    with pytest.raises(InvalidSignature, match="missing"):
        easypost_events.verify(body(), signature=None, secret=SECRET)
    with pytest.raises(InvalidSignature, match="no carrier webhook secret"):
        easypost_events.verify(body(), signature=RECORDED_SIGNATURE, secret=None)


def test_the_recorded_event_reads_as_its_trackers_newest_scan() -> None:
    event = easypost_events.translate(body())
    assert (event.event_id, event.description, event.tracking_code, event.carrier) == (
        "evt_1",
        "tracker.updated",
        "1",
        "FedEx",
    )
    assert event.status == "in_transit" and not event.problem
    details = json.loads(FIXTURE.read_bytes())["result"]["tracking_details"]
    assert event.message == details[-1]["message"]


def test_a_body_that_is_not_an_event_names_its_fields() -> None:
    with pytest.raises(PayloadError) as raised:
        easypost_events.translate(b'{"id": "evt_2", "result": {"status": "delivered"}}')
    assert {e.field for e in raised.value.errors} == {"description", "result.tracking_code"}
