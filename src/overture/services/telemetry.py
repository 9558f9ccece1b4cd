"""Figures that store code counts (after its transaction commits) without knowing where they go.

Prometheus counters are process-wide, and so is this: ``bootstrap`` installs the Prometheus sink
(observability/metrics.py) when a process wires itself; until then, or in a process that never
does, reports go nowhere. The store reports through ``sink()`` and so never imports observability.
"""

from __future__ import annotations

from collections.abc import Sequence
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
