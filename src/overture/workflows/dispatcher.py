"""The outbox dispatcher: starts one OrderWorkflow per captured order, with workflow id = order id,
and one ReturnWorkflow per requested return (``return.requested``, workflow id ``return-<id>``).

Capture commits an ``order.placed`` outbox row with the order. This loop reads pending rows,
starts the workflows (a start for an id that already runs or ran is a no-op), and only then
marks the rows dispatched. A crash between start and mark just starts again: nothing is
lost and nothing is doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from overture.observability import logs, tracing
from overture.services import telemetry
from overture.services.ports import Clock, UnitOfWorkFactory
from overture.services.retry import in_transaction, read_only
from overture.workflows.order.starter import OrderWorkflows

log = logging.getLogger(__name__)
TOPIC = "order.placed"
RETURN_TOPIC = "return.requested"


class ReturnStarter(Protocol):
    async def start(self, return_id: str) -> bool: ...


class OutboxDispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        workflows: OrderWorkflows,
        *,
        clock: Clock,
        batch_size: int = 200,
        idle_poll_s: float = 0.2,
        max_concurrent_starts: int = 50,
        returns: ReturnStarter | None = None,
    ) -> None:
        self._returns = returns
        self._uow_factory = uow_factory
        self._workflows = workflows
        self._clock = clock
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._starts = asyncio.Semaphore(max_concurrent_starts)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.started = 0

    def wake(self) -> None:
        """Called after a capture commits (from any thread), so the order starts before the next poll."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                dispatched = await self.dispatch_once()
            except Exception:
                log.exception("outbox dispatch failed; retrying")
                dispatched = 0
            if dispatched < self._batch_size:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_poll_s)

    async def dispatch_once(self) -> int:
        # A read: on SQLite, a poll (five a second when idle) no longer queues for the write lock
        # that captures and the workflow's store steps wait on.
        rows = await asyncio.to_thread(
            read_only, self._uow_factory, lambda uow: uow.outbox.pending(TOPIC, self._batch_size)
        )
        returns = await self._pending_returns()
        if not rows and not returns:
            return 0
        traces = await self._traces([row_id for row_id, _ in rows])
        await asyncio.gather(*(self._start(order_id, traces.get(row_id)) for row_id, order_id in rows))
        if self._returns is not None:
            await asyncio.gather(*(self._returns.start(return_id) for _, return_id in returns))
        ids = [row_id for row_id, _ in [*rows, *returns]]
        at = self._clock()
        await asyncio.to_thread(in_transaction, self._uow_factory, lambda uow: uow.outbox.mark_dispatched(ids, at))
        return len(rows) + len(returns)

    async def _pending_returns(self) -> list[tuple[int, str]]:
        if self._returns is None:
            return []
        return await asyncio.to_thread(
            read_only, self._uow_factory, lambda uow: uow.outbox.pending(RETURN_TOPIC, self._batch_size)
        )

    async def _traces(self, ids: list[int]) -> dict[int, dict[str, str]]:
        if not ids or not telemetry.tracing():
            return {}
        return await asyncio.to_thread(read_only, self._uow_factory, lambda uow: uow.outbox.traces(ids))

    async def _start(self, order_id: str, trace: dict[str, str] | None = None) -> None:
        # gather runs each start in a task of its own, so the ids bound here stay with this order.
        logs.bind(order_id=order_id, workflow_id=order_id)
        with tracing.joined(trace):  # the workflow starts in the trace of the request that captured it
            async with self._starts:
                if await self._workflows.start(order_id):
                    self.started += 1
