"""What every intake route does around its use case: keep the request as it came (before anything
reads it), and, once an order was placed, wake the outbox dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Collection

from fastapi import Request

from overture.services.ports import Clock, InboundMessage


def inbound(
    request: Request,
    body: bytes,
    channel: str,
    clock: Clock,
    *,
    default_content_type: str = "",
    kept_headers: Collection[str] = (),
) -> InboundMessage:
    """The request as it will be stored raw: its body, content type and the headers worth keeping."""
    headers = request.headers
    return InboundMessage(
        channel=channel,
        body=body,
        received_at=clock(),
        content_type=headers.get("content-type", default_content_type),
        headers={k: v for k, v in headers.items() if k in kept_headers},
    )


def wake_dispatcher(request: Request) -> None:
    """In the one-process hub the outbox dispatcher starts the workflow at once, not at its next poll."""
    wake: Callable[[], None] | None = getattr(request.app.state, "on_order_placed", None)
    if wake is not None:
        wake()
