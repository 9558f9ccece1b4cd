"""Access to the Selling Partner API: Login with Amazon (LWA) access tokens from the seller's refresh
token, and Restricted Data Tokens (RDT) for the operations that return a buyer's personal data.

Wire format::

    POST {lwa}/auth/o2/token   grant_type=refresh_token&refresh_token=Atzr|...&client_id=...&client_secret=...
                               (form) -> {"access_token": "Atza|...", "token_type": "bearer", "expires_in": 3600}
                               errors -> 400/401 {"error": "invalid_grant" | "invalid_client", "error_description"}
    POST /tokens/2021-03-01/restrictedDataToken   {"restrictedResources": [{"method": "GET", "path": "..."}]}
                               -> {"restrictedDataToken": "Atz.sprdt|...", "expiresIn": 3600}

An access token lives an hour: it is kept and reused until a minute before it lapses, fetched by one
caller while the others wait (a fleet of pulls must not stampede the token endpoint), and dropped when
SP-API answers 403 ``Unauthorized`` so the next call fetches a fresh one. A refresh token that LWA
refuses (revoked authorisation, a wrong client secret) is a permanent error naming LWA's code: retrying
will not bring the authorisation back; a person must re-authorise the app in Seller Central.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

import httpx
from pydantic import Field, StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.http import ConnectorConfig, HttpConnector
from overture.services.ports.connector_errors import ConnectorError, PermanentConnectorError

TOKEN_PATH = "/auth/o2/token"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
EARLY_S = 60.0  # renew this long before the token lapses: a call in flight must not carry a dead token

Token = Annotated[str, StringConstraints(min_length=1)]


class _LwaAnswer(Contract):
    access_token: Token
    token_type: str = "bearer"
    expires_in: Annotated[int, Field(gt=0)]


class RdtAnswer(Contract):
    token: Token = Field(alias="restrictedDataToken")
    expires_in: Annotated[int, Field(gt=0, alias="expiresIn")]


@dataclass(frozen=True)
class LwaCredentials:
    """The app's LWA client and the seller's refresh token (Seller Central, when the seller authorised it)."""

    client_id: str
    client_secret: str
    refresh_token: str

    def __post_init__(self) -> None:
        for name in ("client_id", "client_secret", "refresh_token"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: required for Login with Amazon")


class AccessTokens(Protocol):
    async def access_token(self) -> str: ...

    def invalidate(self, token: str) -> None: ...


class StaticToken:
    """A token given by hand (the sandbox's or a test's): never renewed, so a 403 stays a 403."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token

    def invalidate(self, token: str) -> None:
        return None


class LwaTokens(HttpConnector):
    """Access tokens exchanged for the refresh token at LWA, kept until a minute before they lapse."""

    def __init__(
        self,
        config: ConnectorConfig,
        credentials: LwaCredentials,
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
        self.exchanges = 0  # how many times a token was fetched (tests check reuse)

    async def access_token(self) -> str:
        async with self._lock:
            if not self._token or self._clock() >= self._lapses_at:
                await self._exchange()
            return self._token

    def invalidate(self, token: str) -> None:
        """SP-API refused ``token``: fetch another next time (unless another caller already did)."""
        if token == self._token:
            self._token = ""

    async def _exchange(self) -> None:
        c = self._credentials
        form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", c.refresh_token),
            ("client_id", c.client_id),
            ("client_secret", c.client_secret),
        ]
        started = self._clock()
        try:
            answer = await self._read(_LwaAnswer, "POST", TOKEN_PATH, form=form, operation="lwa_token")
        except PermanentConnectorError as error:
            raise _refused(error) from None
        self.exchanges += 1
        self._token = answer.access_token
        self._lapses_at = started + max(answer.expires_in - EARLY_S, answer.expires_in / 2)


def _refused(error: ConnectorError) -> PermanentConnectorError:
    """LWA's refusal with its own code and description (never the secrets sent)."""
    text = error.message
    hint = " (re-authorise the app in Seller Central)" if "invalid_grant" in text else ""
    return PermanentConnectorError(
        f"Login with Amazon refused the refresh token{hint}: {text}",
        connector=error.connector,
        operation=error.operation,
        status=error.status,
    )
