"""Access to ChannelAdvisor's REST API: OAuth 2.0 access tokens from the account's refresh token.

Wire format (developer.channeladvisor.com, Authorization: the refresh token flow)::

    POST {api}/oauth2/token
        Authorization: Basic base64(application id:shared secret)
        Content-Type: application/x-www-form-urlencoded
        grant_type=refresh_token&refresh_token=...
    -> 200 {"access_token": "...", "token_type": "bearer", "expires_in": 3600}
    -> 400 {"error": "invalid_grant"}   (a revoked or unknown refresh token, a wrong id:secret pair)

An access token lives an hour: it is kept until a minute before it lapses, fetched by one caller while
the others wait, and dropped when the API answers 401 so the next call fetches a fresh one (once: a
second 401 is a refusal, not a lapsed token). The refresh token comes from the developer console
(Developer Console Token) or the authorization code flow; it lapses after months without use and when
the account revokes the application. A refusal is a permanent error naming ChannelAdvisor's code.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import httpx
from pydantic import Field, StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError

TOKEN_PATH = "/oauth2/token"
OPERATION = "oauth2_token"
EARLY_S = 60.0  # renew this long before the token lapses: a call in flight must not carry a dead token


class _TokenAnswer(Contract):
    access_token: Annotated[str, StringConstraints(min_length=1)]
    token_type: str = "bearer"
    expires_in: Annotated[int, Field(gt=0)]


@dataclass(frozen=True)
class CaCredentials:
    """The REST application (developer console) and the account's refresh token."""

    application_id: str
    shared_secret: str
    refresh_token: str

    def __post_init__(self) -> None:
        for name in ("application_id", "shared_secret", "refresh_token"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: required for ChannelAdvisor's token endpoint")

    def basic(self) -> str:
        pair = f"{self.application_id}:{self.shared_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


class CaTokens(HttpConnector):
    """Access tokens exchanged for the refresh token, kept until a minute before they lapse."""

    def __init__(
        self,
        config: ConnectorConfig,
        credentials: CaCredentials,
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
                await self._exchange()
            return self._token

    def invalidate(self, token: str) -> None:
        """The API refused ``token``: fetch another next time (unless another caller already did)."""
        if token == self._token:
            self._token = ""

    async def _exchange(self) -> None:
        form = [("grant_type", "refresh_token"), ("refresh_token", self._credentials.refresh_token)]
        headers = {"Authorization": self._credentials.basic()}
        started = self._clock()
        try:
            answer = await self._read(_TokenAnswer, "POST", TOKEN_PATH, form=form, headers=headers, operation=OPERATION)
        except ApiDriftError:
            raise
        except PermanentConnectorError as error:
            raise PermanentConnectorError(
                f"ChannelAdvisor refused the refresh token (re-authorise the application for the account, or check "
                f"the application id and shared secret): {error.message}",
                connector=error.connector,
                operation=error.operation,
                status=error.status,
            ) from None
        self.exchanges += 1
        self._token = answer.access_token
        self._lapses_at = started + max(answer.expires_in - EARLY_S, answer.expires_in / 2)
