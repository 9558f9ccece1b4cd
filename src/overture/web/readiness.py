"""``/readyz``: may this process be sent traffic? ``/healthz`` says it is alive; this says it can work.

Ready means: the store answers, its schema is at the migrations' head (a process started against a
store an older or newer release migrated would misread it), and, when this process talks to the
workflow engine, the engine answers. Each check has a bound, so a hung dependency makes the answer a
503 within seconds, never a hung probe. The body names every check and what it found.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from overture.bootstrap import Container
from overture.web.responses import Json

CHECK_TIMEOUT_S = 3.0


def _store(container: Container) -> dict[str, Any]:
    with container.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    current, heads = container.schema_revisions()
    if current != heads:
        return {"ok": False, "reason": f"the schema is at {sorted(current)}, the migrations' head is {sorted(heads)}"}
    return {"ok": True, "revision": ",".join(sorted(heads))}


async def _engine(request: Request) -> dict[str, Any]:
    client = getattr(request.app.state, "temporal_client", None)
    if client is None:
        return {"ok": True, "reason": "this process does not talk to the workflow engine"}
    healthy = await client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_S))
    return {"ok": bool(healthy)} if healthy else {"ok": False, "reason": "the engine says it is not serving"}


async def _bounded(check: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = await asyncio.wait_for(check, CHECK_TIMEOUT_S)
    except TimeoutError:
        return {"ok": False, "reason": f"no answer within {CHECK_TIMEOUT_S:.0f} s"}
    except Exception as error:  # any failure of a dependency is "not ready", said by name
        return {"ok": False, "reason": f"{type(error).__name__}: {error}"[:300]}
    return result


def install_readiness(app: FastAPI, container: Container) -> None:
    @app.get("/readyz", tags=["ops"], responses={503: {"description": "Not ready: the failing checks are named"}})
    async def ready(request: Request) -> Json:
        checks = {
            "store": await _bounded(run_in_threadpool(_store, container)),
            "engine": await _bounded(_engine(request)),
        }
        ok = all(check["ok"] for check in checks.values())
        return Json({"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503)
