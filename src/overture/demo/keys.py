"""The API keys ``overture demo`` makes on its own localhost store, so that the demo runs with access
control as shipped: an admin key it prints (to sign in to the dashboard, or for curl), the operator
key its operator works the queue with (the actor recorded on every decision), and the channel key the
built-in WMS simulator sends its shipment webhooks with. With auth off there are no keys at all.

Each is made with ``replace_key``, so a rerun on the same store revokes the previous run's keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from overture.bootstrap import Container
from overture.domain.access import Role
from overture.runtime import simulator_key
from overture.services.access import replace_key

ADMIN_NAME = "demo-admin"


@dataclass(frozen=True, slots=True)
class DemoKeys:
    admin: str | None
    operator: str | None
    wms: str | None

    @staticmethod
    def headers(key: str | None) -> dict[str, str]:
        """The request headers that present ``key`` (none when auth is off)."""
        return {"Authorization": f"Bearer {key}"} if key else {}


def make_demo_keys(container: Container, *, operator_name: str) -> DemoKeys:
    """Fresh keys for this demo run; all None when the settings turn auth off."""
    if container.settings.auth == "off":
        return DemoKeys(None, None, None)
    uow, clock = container.uow, container.clock
    admin = replace_key(uow, clock, name=ADMIN_NAME, role=Role.ADMIN)
    operator = replace_key(uow, clock, name=operator_name, role=Role.OPERATOR)
    return DemoKeys(admin.token, operator.token, simulator_key(container))
