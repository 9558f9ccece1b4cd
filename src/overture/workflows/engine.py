"""The workflow engine as a client sees it: connecting to a Temporal server, and waiting until it answers.

Whether that server is an existing cluster (``OVERTURE_TEMPORAL_ADDRESS``) or the embedded dev
server this process starts is decided in :mod:`overture.workflows.dev_server`, which also runs
that child process.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from overture.observability import tracing
from overture.workflows.engine_host import EngineError

POLL_S = 0.1
ATTEMPT_TIMEOUT_S = 5.0


class EngineUnavailable(EngineError):
    """No Temporal server answered at the address before the deadline."""


async def connect_once(address: str, namespace: str, timeout_s: float) -> Client:
    """Connect and make one cheap call that needs the namespace to exist."""

    async def attempt() -> Client:
        client = await Client.connect(
            address,
            namespace=namespace,
            connect_timeout=timedelta(seconds=timeout_s),
            interceptors=tracing.client_interceptors(),  # workflow and activity spans, when tracing is on
        )
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), timeout=timedelta(seconds=timeout_s)
        )
        return client

    return await asyncio.wait_for(attempt(), timeout_s)


async def connect_client(address: str, namespace: str = "default", *, timeout_s: float = 30) -> Client:
    """A client for ``address``, retrying with short sleeps until the server answers or ``timeout_s`` passes.

    A freshly started server needs a moment before it answers; a cluster may be restarting.
    Uses the default data converter. In temporalio 1.35 a connected client may be reused
    from other event loops.
    """
    deadline = time.monotonic() + timeout_s
    last_error: BaseException | None = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise EngineUnavailable(
                f"No Temporal server answered at {address} (namespace {namespace!r}) within {timeout_s:g}s: "
                f"{type(last_error).__name__}: {last_error}"
            )
        try:
            return await connect_once(address, namespace, min(remaining, ATTEMPT_TIMEOUT_S))
        except Exception as error:
            last_error = error
            await asyncio.sleep(min(POLL_S, max(deadline - time.monotonic(), 0)))
