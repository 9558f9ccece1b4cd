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

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, StringConstraints

from overture.connectors.contracts import Contract
from overture.connectors.oauth_tokens import TokenCache
from overture.services.ports.connector_errors import ConnectorError, PermanentConnectorError

TOKEN_PATH = "/auth/o2/token"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"

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


class LwaTokens(TokenCache[LwaCredentials]):
    """Access tokens exchanged for the refresh token at LWA, kept until a minute before they lapse."""

    async def _fetch(self) -> tuple[str, float]:
        c = self._credentials
        form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", c.refresh_token),
            ("client_id", c.client_id),
            ("client_secret", c.client_secret),
        ]
        try:
            answer = await self._read(_LwaAnswer, "POST", TOKEN_PATH, form=form, operation="lwa_token")
        except PermanentConnectorError as error:
            raise _refused(error) from None
        return answer.access_token, answer.expires_in


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
