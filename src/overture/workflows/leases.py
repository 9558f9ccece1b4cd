"""Run a job only while this process holds its lease (services/ports/leases.py).

Any number of dispatchers may run; each tries for the lease every third of its time to live. The
holder runs the job with a stop event of its own, renews, and stops the job when it loses the lease
(another process took an expired one) or cannot reach the store to renew (then it cannot know it
still holds it). A clean stop releases the lease so another process takes over at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from overture.services.ports import Clock
from overture.services.ports.leases import Leases

log = logging.getLogger(__name__)
Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def holder_name() -> str:
    """This process, told apart from a restart of it with the same pid on the same machine."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def run_while_leased(
    leases: Leases,
    name: str,
    job: Job,
    *,
    holder: str,
    clock: Clock,
    stop: asyncio.Event,
    ttl_s: float = 15.0,
) -> None:
    """Until ``stop``: run ``job`` whenever this process holds lease ``name``, and only then."""
    every = ttl_s / 3
    while not stop.is_set():
        if await _take(leases, name, holder, clock, ttl_s):
            log.info("lease %s taken by %s", name, holder)
            await _hold(leases, name, job, holder=holder, clock=clock, stop=stop, ttl_s=ttl_s)
        await _sleep(stop, every)


async def _hold(
    leases: Leases, name: str, job: Job, *, holder: str, clock: Clock, stop: asyncio.Event, ttl_s: float
) -> None:
    job_stop = asyncio.Event()
    running = asyncio.create_task(job(job_stop))
    try:
        while not stop.is_set() and not running.done():
            await _sleep(stop, ttl_s / 3, also=running)
            if stop.is_set() or running.done():
                break
            if not await _take(leases, name, holder, clock, ttl_s):
                log.warning("lease %s lost by %s: the job stops here", name, holder)
                break
    finally:
        job_stop.set()
        try:
            await running
        except Exception:  # the next turn of the loop takes the lease again and starts the job afresh
            log.exception("job %s failed", name)
        if stop.is_set():
            with contextlib.suppress(Exception):
                await asyncio.to_thread(leases.release, name, holder)


async def _take(leases: Leases, name: str, holder: str, clock: Clock, ttl_s: float) -> bool:
    now = clock()
    try:
        return await asyncio.to_thread(leases.take, name, holder, now=now, until=now + timedelta(seconds=ttl_s))
    except Exception:  # the store is away: not knowing is not holding
        log.warning("lease %s: the store did not answer", name, exc_info=True)
        return False


async def _sleep(stop: asyncio.Event, seconds: float, *, also: asyncio.Task[None] | None = None) -> None:
    """Wait ``seconds``, or less when ``stop`` is set or the task ``also`` ends."""
    stopping = asyncio.create_task(stop.wait())
    waits: set[asyncio.Task[Any]] = {stopping} if also is None else {stopping, also}
    await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
