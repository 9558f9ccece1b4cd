"""OpenTelemetry tracing, from the API request through the order's workflow to each outside call.

Off by default (``OVERTURE_TRACING=off``). On (``otlp``, or ``console`` to print spans), a process
traces:

- each API request (the FastAPI instrumentation: one server span per request);
- each outside HTTP call, the connectors' included (the httpx instrumentation: client spans, and
  the ``traceparent`` header sent, so a vendor that traces continues the trace);
- the workflows and activities: Temporal's ``TracingInterceptor`` on the client (the worker takes
  it from there), which carries the context in the workflow's headers;
- the gap between them: a capture writes the current trace into the outbox row
  (``services/telemetry.trace_carrier``), and the dispatcher starts the workflow inside it
  (:func:`joined`), so one trace runs from ``POST /v1/orders`` to the invoice.

Every log line carries ``trace_id`` and ``span_id`` while a span is current (logs.ContextFilter asks
:func:`current_ids`), and the order's timeline names its trace (a "trace <id>" note at capture).
OTLP goes over HTTP to ``OVERTURE_OTLP_ENDPOINT`` (or the SDK's own ``OTEL_EXPORTER_OTLP_*``
variables when unset); the service name is ``OVERTURE_SERVICE_NAME``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from overture.services import telemetry

_state: dict[str, Any] = {"provider": None, "on": False, "exporters": []}


def configure(exporter: SpanExporter | str, *, service_name: str, endpoint: str | None = None) -> TracerProvider:
    """Trace this process: ``exporter`` is "otlp", "console" or an exporter of one's own (tests).
    OpenTelemetry's provider is global and set once: a later call adds its exporter to it (once)."""
    provider: TracerProvider | None = _state["provider"]
    if provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        trace.set_tracer_provider(provider)
        _state["provider"] = provider
    if not any(exporter is added for added in _state["exporters"]):  # the same one twice would export twice
        _state["exporters"].append(exporter)
        provider.add_span_processor(BatchSpanProcessor(_exporter(exporter, endpoint)))
    if not _state["on"]:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().instrument()
        telemetry.install_trace_carrier(carrier)
        _state["on"] = True
    return provider


def disable() -> None:
    """Stop tracing what starts from now on (spans already sent stay sent): for tests, which share a process."""
    if _state["on"]:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().uninstrument()
        telemetry.install_trace_carrier(dict)
        _state["on"] = False


def _exporter(exporter: SpanExporter | str, endpoint: str | None) -> SpanExporter:
    if exporter == "console":
        return ConsoleSpanExporter()
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
    if isinstance(exporter, str):
        raise ValueError(f"tracing exporter {exporter!r} is not one of otlp, console")
    return exporter


def flush() -> bool:
    """Export the spans still buffered (True when all went, or when there is nothing to export)."""
    provider: TracerProvider | None = _state["provider"]
    return provider.force_flush() if provider is not None else True


def enabled() -> bool:
    return bool(_state["on"])


def instrument_app(app: Any) -> None:
    """Server spans for an API app (a no-op while tracing is off)."""
    if enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def instrument_client(client: Any) -> None:
    """Client spans (and ``traceparent`` sent) for one httpx client whatever its transport, while tracing is on."""
    if enabled():
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(client)


def client_interceptors() -> list[Any]:
    """Temporal client interceptors: the tracing one while tracing is on (workers built on the client use it too)."""
    if not enabled():
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def carrier() -> dict[str, str]:
    """The current trace as W3C headers ({} outside any span)."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


@contextmanager
def joined(headers: dict[str, str] | None) -> Iterator[None]:
    """Run the block inside the trace ``headers`` name (as written by :func:`carrier`); as is without."""
    if not headers:
        yield
        return
    token = context.attach(propagate.extract(headers))
    try:
        yield
    finally:
        context.detach(token)


def current_ids() -> tuple[str, str] | None:
    """The current trace and span ids as hex, or None outside a recording span."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
