"""Run a use case in a fresh unit of work, retrying when a concurrent writer got in the way."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from overture.services.errors import ConflictError, StockChanged, TransientStoreError
from overture.services.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
MAX_ATTEMPTS = 8
RETRYABLE = (TransientStoreError, ConflictError, StockChanged)


def in_transaction(uow_factory: UnitOfWorkFactory, work: Callable[[UnitOfWork], T]) -> T:
    """Call ``work(uow)`` and commit; on a retryable store error, start over with fresh reads."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow_factory() as uow:
                result = work(uow)
                uow.commit()
                return result
        except RETRYABLE:
            if attempt == MAX_ATTEMPTS:
                raise
            # Jittered backoff keeps colliding writers from colliding again in lockstep.
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def read_only(uow_factory: UnitOfWorkFactory, work: Callable[[UnitOfWork], T]) -> T:
    """Call ``work(uow)`` in a read-only unit of work: a snapshot that waits for no writer."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with uow_factory(readonly=True) as uow:
                return work(uow)
        except TransientStoreError:
            if attempt == MAX_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
