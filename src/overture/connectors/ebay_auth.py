"""Access to eBay's REST APIs: OAuth 2.0 User access tokens from the seller's refresh token.

Wire format (developer.ebay.com, "Using a refresh token to update a User access token")::

    POST {api}/identity/v1/oauth2/token
        Authorization: Basic base64(client id:client secret)
        Content-Type: application/x-www-form-urlencoded
        grant_type=refresh_token&refresh_token=...&scope=https://api.ebay.com/oauth/api_scope/sell.fulfillment
    -> 200 {"access_token": "v^1.1#...", "expires_in": 7200, "token_type": "User Access Token"}
    -> 400 {"error": "invalid_grant", "error_description": "the provided authorization refresh token is invalid
            or was issued to another client"}   (401 invalid_client for a wrong id:secret pair)

A User access token lives two hours: it is kept until a minute before it lapses, fetched by one caller
while the others wait, and dropped when the API answers 401 so the next call fetches a fresh one (once: a
second 401 is a refusal, not a lapsed token). The refresh token comes from the consent flow (the seller
grants the application the ``sell.fulfillment`` scope through its RuName); it lives 18 months. A
refusal is a permanent error with eBay's code and description: a person must run the consent flow again.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.oauth_tokens import TokenCache
from overture.services.ports.connector_errors import ApiDriftError, ConnectorError, PermanentConnectorError

TOKEN_PATH = "/identity/v1/oauth2/token"
OPERATION = "oauth2_token"
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"


class _TokenAnswer(Contract):
    access_token: Annotated[str, StringConstraints(min_length=1)]
    token_type: str = "User Access Token"
    expires_in: Annotated[int, Field(gt=0)]


@dataclass(frozen=True)
class EbayCredentials:
    """The application's keyset (App ID = client id, Cert ID = client secret) and the seller's refresh token."""

    client_id: str
    client_secret: str
    refresh_token: str
    scope: str = SCOPE

    def __post_init__(self) -> None:
        for name in ("client_id", "client_secret", "refresh_token"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: required for eBay's token endpoint")

    def basic(self) -> str:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


class EbayTokens(TokenCache[EbayCredentials]):
    """User access tokens exchanged for the refresh token, kept until a minute before they lapse."""

    async def _fetch(self) -> tuple[str, float]:
        c = self._credentials
        form = [("grant_type", "refresh_token"), ("refresh_token", c.refresh_token), ("scope", c.scope)]
        headers = {"Authorization": c.basic()}
        try:
            answer = await self._read(_TokenAnswer, "POST", TOKEN_PATH, form=form, headers=headers, operation=OPERATION)
        except ApiDriftError:
            raise
        except PermanentConnectorError as error:
            raise _refused(error) from None
        return answer.access_token, answer.expires_in


def _refused(error: ConnectorError) -> PermanentConnectorError:
    """eBay's refusal with its own code and description (never the secrets sent)."""
    return PermanentConnectorError(
        f"eBay refused the refresh token (run the consent flow again for the seller, or check the application's "
        f"client id and secret): {error.message}",
        connector=error.connector,
        operation=error.operation,
        status=error.status,
    )
