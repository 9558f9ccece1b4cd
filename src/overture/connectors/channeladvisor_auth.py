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

import base64
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.oauth_tokens import TokenCache
from overture.services.ports.connector_errors import ApiDriftError, PermanentConnectorError

TOKEN_PATH = "/oauth2/token"
OPERATION = "oauth2_token"


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


class CaTokens(TokenCache[CaCredentials]):
    """Access tokens exchanged for the refresh token, kept until a minute before they lapse."""

    async def _fetch(self) -> tuple[str, float]:
        form = [("grant_type", "refresh_token"), ("refresh_token", self._credentials.refresh_token)]
        headers = {"Authorization": self._credentials.basic()}
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
        return answer.access_token, answer.expires_in
