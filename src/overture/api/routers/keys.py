"""API keys: make (the secret is in the response, once), list (never secrets), revoke. Admin only."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.concurrency import run_in_threadpool

from overture.domain.access import ApiKey, Role
from overture.services.access import create_key, list_keys, revoke_key
from overture.web.auth import ChangedBy
from overture.web.deps import ContainerDep
from overture.web.responses import Json

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)] | None = None
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None


def key_view(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role.value,
        "channel": key.channel,
        "prefix": f"ovt_{key.id}_{key.prefix}",
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@router.post("", status_code=201)
async def make_key(body: KeyIn, container: ContainerDep, actor: ChangedBy) -> Json:
    """Make a key. ``key`` in the response is its only appearance: the store keeps a hash."""
    made = await run_in_threadpool(
        partial(create_key, role=body.role, name=body.name, channel=body.channel, actor=actor),
        container.uow,
        container.clock,
    )
    return Json({**key_view(made.key), "key": made.token}, status_code=201)


@router.get("")
async def get_keys(container: ContainerDep, include_revoked: bool = True) -> Json:
    keys = await run_in_threadpool(list_keys, container.uow, include_revoked=include_revoked)
    return Json({"items": [key_view(k) for k in keys]})


@router.delete("/{key_id}")
async def delete_key(key_id: str, container: ContainerDep, actor: ChangedBy) -> Json:
    """Revoke a key: at once, its requests and its dashboard sessions get 401."""
    key = await run_in_threadpool(revoke_key, container.uow, container.clock, key_id, actor=actor)
    return Json(key_view(key))
