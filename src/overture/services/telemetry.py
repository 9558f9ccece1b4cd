"""Figures that store code counts (after its transaction commits) without knowing where they go.

Prometheus counters are process-wide, and so is this: ``bootstrap`` installs the Prometheus sink
(observability/metrics.py) when a process wires itself; until then, or in a process that never
does, reports go nowhere. The store reports through ``sink()`` and so never imports observability.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol


class Telemetry(Protocol):
    def step_finished(self, step: str, seconds: float) -> None:
        """An order left ``step`` (a status) after ``seconds`` in it."""
        ...

    def exceptions_raised(self, kinds: Sequence[str]) -> None:
        """Order exceptions of these types were opened (one entry each)."""
        ...


class _Silent:
    def step_finished(self, step: str, seconds: float) -> None:
        pass

    def exceptions_raised(self, kinds: Sequence[str]) -> None:
        pass


_installed: list[Telemetry] = [_Silent()]


def install(telemetry: Telemetry) -> None:
    _installed[0] = telemetry


def sink() -> Telemetry:
    return _installed[0]


# Tracing (observability/tracing.py installs it when OVERTURE_TRACING is on): the current trace as
# W3C headers ({"traceparent": ...}), so a use case can carry it through the outbox to the workflow
# the dispatcher starts later, and name the trace on the order's timeline. Empty when tracing is off.
_trace_carrier: list[Callable[[], dict[str, str]]] = [dict]


def install_trace_carrier(carrier: Callable[[], dict[str, str]]) -> None:
    _trace_carrier[0] = carrier


def trace_carrier() -> dict[str, str]:
    return _trace_carrier[0]()


def tracing() -> bool:
    """Whether a trace carrier is installed (tracing is on in this process)."""
    return _trace_carrier[0] is not dict


def trace_id_of(carrier: dict[str, str]) -> str | None:
    """The trace id a W3C traceparent names ("00-<trace id>-<span id>-<flags>")."""
    parts = carrier.get("traceparent", "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None
