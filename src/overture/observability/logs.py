"""Structured logs: one JSON object a line, carrying the order and workflow being worked on.

Where the order is known, code sets it once in a context variable (:func:`bind`): the API for a
request whose path names an order, the worker for every activity (from Temporal's activity info:
the workflow id, which is the order id, the run id and the activity type). :class:`ContextFilter`
copies those variables onto every record, so each line logged below carries them without being
passed the ids, and the trace and span ids whenever a span is current. :func:`configure` is the one
place that sets logging up, for ``serve``, ``api`` and ``worker`` alike, uvicorn's own loggers
included; ``OVERTURE_LOG_FORMAT=text`` gives plain
lines for local debugging.
"""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, Literal

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["json", "text"]
FIELDS = ("order_id", "workflow_id", "workflow_run_id", "activity")
TRACE_FIELDS = ("trace_id", "span_id")  # while a span is current (observability/tracing.py)
_context: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"overture_log_{name}", default=None) for name in FIELDS
}

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [order=%(order_id)s workflow=%(workflow_id)s] %(message)s"
JSON_FIELDS = ("levelname", "name", "message")
_RENAMED = {"levelname": "level", "name": "logger"}


def current() -> dict[str, str]:
    """The context fields set in this task or thread (unset ones left out)."""
    return {name: value for name, var in _context.items() if (value := var.get()) is not None}


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Set context fields for the duration of a block (an activity, a request)."""
    tokens = bind(**fields)
    try:
        yield
    finally:
        unbind(tokens)


def bind(**fields: str | None) -> list[tuple[str, Token[str | None]]]:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log context field(s) {sorted(unknown)}; known: {list(FIELDS)}")
    return [(name, _context[name].set(value)) for name, value in fields.items()]


def unbind(tokens: list[tuple[str, Token[str | None]]]) -> None:
    for name, token in reversed(tokens):
        _context[name].reset(token)


class ContextFilter(logging.Filter):
    """Copies the context fields onto each record (None where unknown), so formatters can use them."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _context.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        span = trace.get_current_span().get_span_context()
        record.trace_id = format(span.trace_id, "032x") if span.is_valid else None
        record.span_id = format(span.span_id, "016x") if span.is_valid else None
        return True


class JsonLineFormatter(JsonFormatter):
    """python-json-logger's formatter, leaving out the context ids it does not know rather than printing nulls."""

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        for name in (*FIELDS, *TRACE_FIELDS):
            if log_data.get(name) is None:
                log_data.pop(name, None)


def logging_config(
    *, fmt: LogFormat = "json", level: str = "INFO", access_log: bool = False, stream: Any = "ext://sys.stderr"
) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` document: one handler (stderr unless ``stream``) for everything, uvicorn
    included."""
    if fmt not in ("json", "text"):
        raise ValueError(f"log format must be 'json' or 'text', got {fmt!r}")
    formatter: dict[str, Any]
    if fmt == "json":
        # timestamp=True: ISO 8601 in UTC with milliseconds, whatever the machine's zone.
        formatter = {"()": JsonLineFormatter, "fmt": list(JSON_FIELDS), "rename_fields": _RENAMED, "timestamp": True}
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"main": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": stream,
                "formatter": "main",
                "filters": ["context"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            # uvicorn's loggers come with handlers of their own: send them through ours instead.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True, "level": "INFO" if access_log else "WARNING"},
            # One INFO line per outside call is noise: the connector metrics count and time every call.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
    }


def configure(*, fmt: LogFormat = "json", level: str = "INFO", access_log: bool = False) -> None:
    """Set up logging for the whole process; call once, before uvicorn starts (give it ``log_config=None``)."""
    logging.config.dictConfig(logging_config(fmt=fmt, level=level, access_log=access_log))
