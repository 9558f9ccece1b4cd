"""Signing in as a browser does: fetch the form (its pre-session token and cookie), then post it."""

from __future__ import annotations

import re
from typing import Any

import httpx

TOKEN_FIELD = re.compile(r'name="signin_token" value="([^"]+)"')


def form_token(client: httpx.Client) -> str:
    """The pre-session token of a fresh sign-in form; its cookie stays in ``client``."""
    found = TOKEN_FIELD.search(client.get("/signin").text)
    assert found, "no signin_token on the sign-in form"
    return found.group(1)


def sign_in(client: httpx.Client, key: str, next_path: str = "/", **options: Any) -> httpx.Response:
    """POST /signin with the form's token, as the sign-in page does (``options`` go to ``post``)."""
    data = {"key": key, "next": next_path, "signin_token": form_token(client)}
    return client.post("/signin", data=data, **options)
