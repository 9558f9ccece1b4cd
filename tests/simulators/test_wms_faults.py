"""The WMS simulator over real HTTP with the real connector: idempotency and injected faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from overture.services.ports.connector_errors import PermanentConnectorError, RetryableConnectorError, ThrottledError
from overture.services.ports.wms import ReleaseLine, WmsRelease
from tests.simulators.conftest import Control, wms_connector


def a_release(order_id: str = "ord_1", location_id: str = "loc_1", callback_url: str | None = None) -> WmsRelease:
    return WmsRelease(order_id, location_id, [ReleaseLine(1, "SKU-1", 2)], {"postal_code": "10001"}, callback_url)


def test_same_key_twice_records_one_release_with_the_same_id(wms: Control) -> None:
    wms.post("/_config", {"auto_ship": False}).raise_for_status()

    async def scenario() -> tuple[str, str]:
        async with wms_connector(wms.url) as connector:
            first = await connector.release(a_release(), idempotency_key="ord_1:release:loc_1:0")
            second = await connector.release(a_release(), idempotency_key="ord_1:release:loc_1:0")
            return first, second

    first, second = asyncio.run(scenario())
    assert first == second
    assert first.startswith("WR-")
    assert len(wms.records()["releases"]) == 1
    stats = wms.stats()["release"]
    assert stats["calls"] == 2
    assert stats["recorded"] == 1
    assert stats["keys"] == {"ord_1:release:loc_1:0": 2}


def test_first_answer_is_201_and_a_repeat_is_200(wms: Control) -> None:
    body = a_release().to_json()
    first = wms.post("/v1/releases", body, **{"Idempotency-Key": "k"})
    again = wms.post("/v1/releases", body, **{"Idempotency-Key": "k"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


def test_same_key_with_another_body_is_a_permanent_conflict(wms: Control) -> None:
    async def scenario() -> None:
        async with wms_connector(wms.url) as connector:
            await connector.release(a_release("ord_1"), idempotency_key="k")
            with pytest.raises(PermanentConnectorError) as caught:
                await connector.release(a_release("ord_2"), idempotency_key="k")
            assert caught.value.status == 409

    asyncio.run(scenario())
    assert len(wms.records()["releases"]) == 1


def test_invalid_release_is_permanent(wms: Control) -> None:
    async def scenario() -> None:
        async with wms_connector(wms.url) as connector:
            with pytest.raises(PermanentConnectorError) as caught:
                await connector.release(WmsRelease("ord_1", "loc_1", [], {}), idempotency_key="k")
            assert caught.value.status == 422

    asyncio.run(scenario())
    assert wms.records()["releases"] == []


def test_fail_first_three_then_success_records_exactly_one_release(wms: Control) -> None:
    wms.faults(operation="release", fail_first=3, status=500)

    async def scenario() -> list[str]:
        outcomes = []
        async with wms_connector(wms.url) as connector:
            for _ in range(4):
                try:
                    outcomes.append(await connector.release(a_release(), idempotency_key="ord_1:release:loc_1:0"))
                except RetryableConnectorError as error:
                    assert error.status == 500
                    outcomes.append("failed")
        return outcomes

    assert asyncio.run(scenario())[:3] == ["failed"] * 3
    assert len(wms.records()["releases"]) == 1
    stats = wms.stats()["release"]
    assert (stats["calls"], stats["faulted"], stats["recorded"]) == (4, 3, 1)


def test_faults_for_one_operation_leave_others_alone(wms: Control) -> None:
    wms.faults(operation="cancel", fail_first=5, status=500)

    async def scenario() -> None:
        async with wms_connector(wms.url) as connector:
            await connector.release(a_release(), idempotency_key="k")

    asyncio.run(scenario())


def test_429_carries_retry_after(wms: Control) -> None:
    wms.faults(operation="*", fail_first=1, status=429, retry_after=2)

    async def scenario() -> ThrottledError:
        async with wms_connector(wms.url) as connector:
            with pytest.raises(ThrottledError) as caught:
                await connector.release(a_release(), idempotency_key="k")
            await connector.release(a_release(), idempotency_key="k")
            assert connector.stats.throttled == 1
            return caught.value

    error = asyncio.run(scenario())
    assert error.retry_after == 2.0
    assert error.status == 429


def test_timeout_first_makes_the_client_time_out_without_a_side_effect(wms: Control) -> None:
    wms.faults(operation="release", timeout_first=1)

    async def scenario() -> str:
        async with wms_connector(wms.url, timeout_s=0.3) as connector:
            started = time.monotonic()
            with pytest.raises(RetryableConnectorError, match="timed out"):
                await connector.release(a_release(), idempotency_key="k")
            assert time.monotonic() - started < 2
            return await connector.release(a_release(), idempotency_key="k")

    assert asyncio.run(scenario()).startswith("WR-")
    assert len(wms.records()["releases"]) == 1
    assert wms.stats()["release"]["faulted"] == 1


def test_delay_slows_every_call(wms: Control) -> None:
    wms.faults(operation="*", delay_s=0.2)

    async def scenario() -> float:
        async with wms_connector(wms.url) as connector:
            started = time.monotonic()
            await connector.shipments(after_sequence=0)
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.2


def test_down_answers_503_to_everything_until_cleared(wms: Control) -> None:
    wms.faults(operation="*", down=True)

    async def scenario(expect_down: bool) -> None:
        async with wms_connector(wms.url) as connector:
            if expect_down:
                for call in (
                    connector.release(a_release(), idempotency_key="k"),
                    connector.cancel_release("ord_1", "loc_1", idempotency_key="c"),
                    connector.shipments(after_sequence=0),
                ):
                    with pytest.raises(RetryableConnectorError) as caught:
                        await call
                    assert caught.value.status == 503
            else:
                await connector.release(a_release(), idempotency_key="k")

    asyncio.run(scenario(expect_down=True))
    assert wms.records()["releases"] == []
    wms.faults(operation="*", down=False)
    asyncio.run(scenario(expect_down=False))
    assert len(wms.records()["releases"]) == 1


def test_bad_fault_spec_is_refused(wms: Control) -> None:
    assert wms.post("/_faults", {"operation": "release", "fail_frist": 3}).status_code == 422
    assert wms.post("/_faults", {"status": 200, "fail_first": 1}).status_code == 422


def test_reset_clears_everything(wms: Control) -> None:
    wms.faults(operation="release", fail_first=1)
    wms.post("/v1/releases", a_release().to_json(), **{"Idempotency-Key": "k"})
    wms.post("/v1/releases", a_release().to_json(), **{"Idempotency-Key": "k"})
    wms.post("/_reset").raise_for_status()
    assert wms.stats() == {"shipment_webhook": {"calls": 0, "delivered": 0, "failed": 0, "keys": {}}}
    assert wms.records() == {"releases": [], "notices": []}
    assert wms.get("/_faults") == {}
    assert wms.post("/v1/releases", a_release().to_json(), **{"Idempotency-Key": "k"}).status_code == 201
