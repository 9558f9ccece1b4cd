"""Webhook signatures: base64 HMAC-SHA256 over the raw body, as Shopify and WooCommerce sign them.

The check runs on the bytes exactly as they arrived: re-serialising parsed JSON would change
spacing or key order and break every signature. Comparison is constant-time
(``hmac.compare_digest``) so a caller cannot learn the expected digest byte by byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from pydantic import SecretStr


class InvalidSignature(Exception):
    """The webhook cannot be trusted; ``reason`` says why (it never contains the secret or body)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(secret: str, body: bytes) -> str:
    """The signature a platform sends for ``body``: base64 of HMAC-SHA256 keyed by ``secret``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, *, signature: str | None, secret: str | None) -> None:
    """Raise InvalidSignature unless ``signature`` is the HMAC of ``body`` under ``secret``."""
    if not secret:
        raise InvalidSignature("no webhook secret is configured for this source")
    if not signature:
        raise InvalidSignature("the signature header is missing")
    expected = sign(secret, body).encode("ascii")
    if not hmac.compare_digest(expected, signature.strip().encode()):
        raise InvalidSignature("the signature does not match the body")


def normalise_source(source: str) -> str:
    """Sources compare without case or a trailing slash (WooCommerce sends ``https://shop.example/``)."""
    return source.strip().rstrip("/").casefold()


def secret_for(source: str, secrets: Mapping[str, SecretStr], fallback: SecretStr | None) -> str | None:
    """The secret configured for this shop or site, else the single fallback secret, else None."""
    wanted = normalise_source(source)
    for name, secret in secrets.items():
        if normalise_source(name) == wanted:
            return secret.get_secret_value()
    return fallback.get_secret_value() if fallback is not None else None
