"""What both simulators share: an idempotency ledger, a runtime fault plan and the control routes.

Every simulated call goes through :meth:`SimulatorCore.handle`:

1. the call is counted under its operation and ``Idempotency-Key``;
2. the fault plan may answer instead (down, injected status, hang past the client's timeout),
   in which case nothing is recorded, so "exactly one effect per key" stays checkable;
3. a key seen before gets the stored answer again with 200 (409 if the body differs);
4. otherwise the effect runs and its answer is stored and sent with 201;
5. a ``rename_fields`` rule renames (or drops) keys of the answer sent, as a vendor's drifted API would.

Effects are plain synchronous functions: nothing awaits between the ledger lookup and the
record, so two concurrent calls with one key cannot both act (the app runs on one event loop).

Control routes: ``POST /_faults`` (a :class:`FaultSpec`), ``GET /_faults``, ``DELETE /_faults``,
``GET /_stats``, ``POST /_reset``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Effect = Callable[[dict[str, Any]], dict[str, Any]]

# Far longer than any client timeout, yet bounded so a forgotten fault cannot hold a server forever.
HANG_S = 30.0


class Rejected(Exception):
    """Raised by an effect to answer a client error (nothing is recorded)."""

    def __init__(self, message: str, *, status: int = 422, code: str = "rejected") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class FaultSpec(BaseModel):
    """One fault rule; ``operation`` "*" applies to every simulated call. Counts are used up as calls arrive."""

    model_config = ConfigDict(extra="forbid")

    operation: str = "*"
    fail_first: int = Field(0, ge=0)
    status: int = Field(500, ge=400, le=599)
    retry_after: float | None = Field(None, ge=0)
    delay_s: float = Field(0.0, ge=0, le=HANG_S)
    timeout_first: int = Field(0, ge=0)
    hang_s: float = Field(HANG_S, gt=0, le=HANG_S)
    down: bool = False
    duplicate_webhooks: bool = False
    reorder_webhooks: bool = False
    # A vendor's API drifting: these keys of the answers, at any depth, renamed (old -> new); "" drops one.
    rename_fields: dict[str, str] = Field(default_factory=dict)


@dataclass
class _Rule:
    spec: FaultSpec
    failures_left: int
    timeouts_left: int


class FaultPlan:
    """Fault rules by operation, settable at runtime; a new rule for an operation replaces the old one."""

    def __init__(self) -> None:
        self._rules: dict[str, _Rule] = {}

    def set(self, spec: FaultSpec) -> None:
        self._rules[spec.operation] = _Rule(spec, spec.fail_first, spec.timeout_first)

    def clear(self) -> None:
        self._rules.clear()

    def flag(self, name: str) -> bool:
        """Whether any rule turns on a boolean switch such as ``duplicate_webhooks``."""
        return any(bool(getattr(rule.spec, name)) for rule in self._rules.values())

    def drifted(self, operation: str, answer: Any) -> Any:
        """``answer`` as a drifted vendor would send it: the keys the rules for this operation rename."""
        renames: dict[str, str] = {}
        for op, rule in self._rules.items():
            if op in (operation, "*"):
                renames.update(rule.spec.rename_fields)
        return _renamed(answer, renames) if renames else answer

    def snapshot(self) -> dict[str, Any]:
        return {
            op: {**rule.spec.model_dump(), "failures_left": rule.failures_left, "timeouts_left": rule.timeouts_left}
            for op, rule in self._rules.items()
        }

    async def apply(self, operation: str, request: Request, faulted: Callable[[], None]) -> Response | None:
        """An injected answer for this call, or None to let it through (after any delay).

        ``faulted`` is called as soon as the call is chosen to fail: a hung call is counted before it
        hangs, so the stats read after the client gave up already show it."""
        rules = [rule for op, rule in self._rules.items() if op in (operation, "*")]
        if any(rule.spec.down for rule in rules):
            faulted()
            return _fault(503, "down", operation)
        delay = max((rule.spec.delay_s for rule in rules), default=0.0)
        if delay:
            await asyncio.sleep(delay)
        for rule in rules:
            if rule.timeouts_left > 0:
                rule.timeouts_left -= 1
                faulted()
                await _hang(request, rule.spec.hang_s)
                return _fault(504, "timeout", operation)
            if rule.failures_left > 0:
                rule.failures_left -= 1
                faulted()
                return _fault(rule.spec.status, "injected", operation, retry_after=_retry_after(rule.spec))
        return None


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_renamed(item, renames) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        new = renames.get(key, key)
        if new:
            out[new] = _renamed(item, renames)
    return out


def _retry_after(spec: FaultSpec) -> float | None:
    if spec.retry_after is None and spec.status == 429:
        return 1.0
    return spec.retry_after


def _fault(status: int, kind: str, operation: str, *, retry_after: float | None = None) -> Response:
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = str(int(retry_after)) if retry_after == int(retry_after) else str(retry_after)
    body = {"error": f"fault_{kind}", "message": f"simulated fault on {operation}"}
    return JSONResponse(body, status_code=status, headers=headers)


async def _hang(request: Request, seconds: float) -> None:
    """Sleep like a stuck server, but stop early once the client has given up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


@dataclass
class _Counts:
    calls: int = 0
    faulted: int = 0
    recorded: int = 0
    keys: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Stored:
    fingerprint: str
    answer: dict[str, Any]


class IdempotencyLedger:
    """Counts calls per operation and key, and keeps each key's first answer."""

    def __init__(self) -> None:
        self._counts: dict[str, _Counts] = {}
        self._answers: dict[tuple[str, str], _Stored] = {}

    def count_call(self, operation: str, key: str | None) -> None:
        counts = self._counts.setdefault(operation, _Counts())
        counts.calls += 1
        if key is not None:
            counts.keys[key] = counts.keys.get(key, 0) + 1

    def count_fault(self, operation: str) -> None:
        self._counts.setdefault(operation, _Counts()).faulted += 1

    def lookup(self, operation: str, key: str) -> _Stored | None:
        return self._answers.get((operation, key))

    def remember(self, operation: str, key: str | None, fingerprint: str, answer: dict[str, Any]) -> None:
        self._counts.setdefault(operation, _Counts()).recorded += 1
        if key is not None:
            self._answers[(operation, key)] = _Stored(fingerprint, answer)

    def stats(self) -> dict[str, Any]:
        return {
            op: {"calls": c.calls, "faulted": c.faulted, "recorded": c.recorded, "keys": dict(c.keys)}
            for op, c in self._counts.items()
        }

    def reset(self) -> None:
        self._counts.clear()
        self._answers.clear()


class TaskKeeper:
    """Background tasks of an app, referenced until done so they are not garbage-collected mid-flight."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_nowait(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class SimulatorCore:
    """Ledger and fault plan of one simulated system."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ledger = IdempotencyLedger()
        self.faults = FaultPlan()

    async def guard(self, request: Request, operation: str) -> Response | None:
        """Count the call and give the fault plan its chance to answer instead."""
        await request.body()  # read first: is_disconnected() would otherwise swallow the body
        self.ledger.count_call(operation, request.headers.get("Idempotency-Key"))
        return await self.faults.apply(operation, request, lambda: self.ledger.count_fault(operation))

    async def handle(self, request: Request, operation: str, effect: Effect) -> Response:
        """Run ``effect`` on the JSON body once per Idempotency-Key (see the module docstring)."""
        faulted = await self.guard(request, operation)
        if faulted is not None:
            return faulted
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "malformed_json", "the body is not JSON")
        if not isinstance(body, dict):
            return _error(422, "wrong_type", "the body must be a JSON object")
        key = request.headers.get("Idempotency-Key")
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        stored = self.ledger.lookup(operation, key) if key is not None else None
        if stored is not None:
            if stored.fingerprint != fingerprint:
                return _error(409, "idempotency_conflict", f"key {key!r} was used with a different body")
            return JSONResponse(self.faults.drifted(operation, stored.answer), status_code=200)
        try:
            answer = effect(body)
        except Rejected as error:
            return _error(error.status, error.code, str(error))
        except ValidationError as error:
            return JSONResponse(
                {"error": "validation_failed", "details": json.loads(error.json(include_url=False))}, status_code=422
            )
        self.ledger.remember(operation, key, fingerprint, answer)
        return JSONResponse(self.faults.drifted(operation, answer), status_code=201)

    def reset(self) -> None:
        self.ledger.reset()
        self.faults.clear()


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def install_control_routes(
    app: FastAPI,
    core: SimulatorCore,
    *,
    on_reset: Callable[[], None] | None = None,
    extra_stats: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Add the fault, stats and reset routes (not subject to faults, not counted)."""

    @app.post("/_faults")
    async def set_faults(spec: FaultSpec) -> dict[str, Any]:
        core.faults.set(spec)
        return core.faults.snapshot()

    @app.get("/_faults")
    async def get_faults() -> dict[str, Any]:
        return core.faults.snapshot()

    @app.delete("/_faults")
    async def clear_faults() -> dict[str, Any]:
        core.faults.clear()
        return {}

    @app.get("/_stats")
    async def stats() -> dict[str, Any]:
        return {**core.ledger.stats(), **(extra_stats() if extra_stats else {})}

    @app.post("/_reset")
    async def reset() -> dict[str, str]:
        core.reset()
        if on_reset is not None:
            on_reset()
        return {"status": "reset"}
