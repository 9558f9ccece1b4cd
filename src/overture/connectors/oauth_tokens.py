"""OAuth access tokens kept and renewed in one place, for every connector that exchanges a credential for
a short-lived token (Login with Amazon, ChannelAdvisor, eBay, Walmart).

A token is kept until shortly before it lapses (``EARLY_S``, or half its lifetime when that is shorter),
fetched by one caller while the others wait (a fleet of pulls must not stampede the token endpoint), and
dropped by :meth:`TokenCache.invalidate` when the vendor refuses it, so the next call fetches a fresh one.
A subclass says only how its vendor's token call is made: :meth:`TokenCache._fetch`.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import httpx

from overture.connectors.http import ConnectorConfig, HttpConnector

EARLY_S = 60.0  # renew this long before the token lapses: a call in flight must not carry a dead token

C = TypeVar("C")


class AccessTokens(Protocol):
    async def access_token(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


class StaticToken:
    """A token given by hand (a sandbox's or a test's): never renewed, so a refusal stays a refusal."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        return None


class TokenCache(HttpConnector, ABC, Generic[C]):
    """An access token fetched with ``credentials`` and kept until shortly before it lapses."""

    def __init__(
        self,
        config: ConnectorConfig,
        credentials: C,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config, transport=transport)
        self._credentials = credentials
        self._clock = clock
        self._token = ""
        self._lapses_at = 0.0
        self._lock = asyncio.Lock()
        self.exchanges = 0  # how many tokens were fetched (tests check reuse)

    async def access_token(self) -> str:
        async with self._lock:
            if not self._token or self._clock() >= self._lapses_at:
                # Counted from before the call, so a slow answer errs towards renewing early.
                started = self._clock()
                token, lifetime_s = await self._fetch()
                self.exchanges += 1
                self._token = token
                self._lapses_at = started + max(lifetime_s - EARLY_S, lifetime_s / 2)
            return self._token

    def invalidate(self, token: str) -> None:
        """The vendor refused ``token``: fetch another next time (unless another caller already did)."""
        if token == self._token:
            self._token = ""

    @abstractmethod
    async def _fetch(self) -> tuple[str, float]:
        """One call to the vendor's token endpoint: the access token and its lifetime in seconds."""
