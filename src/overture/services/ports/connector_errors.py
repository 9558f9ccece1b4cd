"""Errors every outbound port raises (the adapters in connectors/ raise them), split by what the
caller should do next.

::

    ConnectorError                 a call to an outside system failed (connector, operation, status)
     +-- RetryableConnectorError   5xx, 408, timeouts, connection errors: try again later (retry_after)
     |    +-- ThrottledError       429 Too Many Requests: wait retry_after seconds, then try again
     +-- PermanentConnectorError   other 4xx, malformed answers: retrying will not help
          +-- ApiDriftError        a 2xx answer missing, renaming or retyping a field we rely on

Every error carries the connector's name, the operation and, when the other side answered, its
HTTP status, passed as keyword arguments so messages stay readable and fields stay explicit.
"""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """A call to an outside system failed."""

    def __init__(self, message: str, *, connector: str, operation: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.connector = connector
        self.operation = operation
        self.status = status

    def __str__(self) -> str:
        answered = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.connector} {self.operation}{answered}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only context would otherwise be lost when the error is pickled (process pools).
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[ConnectorError], message: str, state: dict[str, Any]) -> ConnectorError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RetryableConnectorError(ConnectorError):
    """The call may succeed later: the other side is unwell, slow or unreachable."""

    def __init__(
        self,
        message: str,
        *,
        connector: str,
        operation: str,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, connector=connector, operation=operation, status=status)
        self.retry_after = retry_after


class ThrottledError(RetryableConnectorError):
    """The other side asked us to slow down (429); ``retry_after`` comes from its Retry-After header."""


class PermanentConnectorError(ConnectorError):
    """The other side refused the request or answered something we cannot read; do not retry."""


class ApiDriftError(PermanentConnectorError):
    """The other side answered (2xx) in a shape we do not rely on: a field we read is renamed, missing or of
    another type. Not retried: the vendor changed its API (or a version is not the one pinned in settings),
    and a person must look. ``problems`` name each field (dotted path) and what is wrong with it; ``raw`` is
    the answer as received, kept for the exception queue so nobody has to reproduce the call."""

    def __init__(
        self,
        message: str,
        *,
        connector: str,
        operation: str,
        status: int | None = None,
        problems: tuple[str, ...] = (),
        raw: str = "",
    ) -> None:
        super().__init__(message, connector=connector, operation=operation, status=status)
        self.problems = problems
        self.raw = raw
