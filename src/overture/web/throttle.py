"""Rate limits per API key and per address, and a lockout of addresses that keep presenting wrong keys.

Before this, 3,000 wrong keys in a row met no 429, no lockout and no log line. Now:

- every request presenting a credential (an API key, or the dashboard's session cookie) draws from
  that credential's bucket (``rate_limit_per_key`` a second, twice that in a burst); one presenting
  none draws from its address's (``rate_limit_per_ip``). An empty bucket is a 429 ``rate_limited``
  with ``Retry-After``;
- each 401 refusing a request's credential (auth's, with ``WWW-Authenticate``; not a webhook's bad
  signature) is a strike against its address, logged with
  the key's fingerprint (never the key). ``bad_keys_before_lockout`` strikes within a minute lock
  the address out (429 ``locked_out`` with ``Retry-After``, for every request presenting a
  credential) for ``lockout_s``, doubling with each lockout after, to 15 minutes; a request that
  authenticates (answered anything but 401, a 403 included) clears the address's record.

The state is per API process (a deployment of N processes allows N times the rate): the point is
to stop a runaway client and a key-guessing one, not to meter. Addresses are the peer's address as
the server sees it; behind a proxy, configure the server to take the forwarded address
(uvicorn's ``--proxy-headers`` with ``--forwarded-allow-ips``). Off when auth is off.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from overture.web.errors import error_body
from overture.web.responses import Json
from overture.web.sessions import SESSION_COOKIE

log = logging.getLogger(__name__)
_WINDOW_S = 60.0
_MAX_LOCKOUT_S = 900.0
_TRACKED = 50_000  # buckets and addresses kept; the least recently seen go first


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets by name: ``rate`` a second, ``2 * rate`` at most in hand."""

    def __init__(self, rate: float) -> None:
        self.rate, self.capacity = rate, 2.0 * rate
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, name: str, now: float) -> float:
        """0 when one request may go now, else the seconds until one may."""
        bucket = self._buckets.pop(name, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + max(0.0, now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[name] = bucket
        if len(self._buckets) > _TRACKED:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


@dataclass(slots=True)
class _Address:
    strikes: deque[float] = field(default_factory=deque)
    lockouts: int = 0
    locked_until: float = 0.0


class Lockouts:
    """Wrong keys counted by address; too many in a minute lock the address out, longer each time."""

    def __init__(self, strikes: int, first_lockout_s: float) -> None:
        self.strikes, self.first_lockout_s = strikes, first_lockout_s
        self._addresses: OrderedDict[str, _Address] = OrderedDict()

    def locked_for(self, address: str, now: float) -> float:
        found = self._addresses.get(address)
        return max(0.0, found.locked_until - now) if found is not None else 0.0

    def strike(self, address: str, now: float) -> tuple[int, float]:
        """Count one wrong key; returns the strikes in the window and the lockout it started (0: none)."""
        found = self._addresses.pop(address, None) or _Address()
        self._addresses[address] = found
        if len(self._addresses) > _TRACKED:
            self._addresses.popitem(last=False)
        found.strikes.append(now)
        while found.strikes and found.strikes[0] <= now - _WINDOW_S:
            found.strikes.popleft()
        if len(found.strikes) < self.strikes:
            return len(found.strikes), 0.0
        seconds = min(_MAX_LOCKOUT_S, self.first_lockout_s * 2**found.lockouts)
        found.lockouts += 1
        found.locked_until = now + seconds
        count = len(found.strikes)
        found.strikes.clear()
        return count, seconds

    def clear(self, address: str) -> None:
        self._addresses.pop(address, None)


def fingerprint(credential: str) -> str:
    """What a log line may say of a key: enough to tell two apart, nothing to use."""
    return hashlib.sha256(credential.encode()).hexdigest()[:12]


class Throttle:
    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, per_ip: RateLimiter, lockouts: Lockouts, now: Callable[[], float]
    ) -> None:
        self.app, self.limiter, self.per_ip, self.lockouts, self.now = app, limiter, per_ip, lockouts, now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        address = scope["client"][0] if scope.get("client") else "unknown"
        credential = _credential(scope)
        now = self.now()
        locked = self.lockouts.locked_for(address, now) if credential else 0.0
        if locked:
            await _refusal("locked_out", "too many wrong keys from this address", locked)(scope, receive, send)
            return
        wait = self.limiter.take(fingerprint(credential), now) if credential else self.per_ip.take(address, now)
        if wait:
            await _refusal("rate_limited", "too many requests", wait)(scope, receive, send)
            return
        status, refused_key = 0, False

        async def watched(message: Message) -> None:
            nonlocal status, refused_key
            if message["type"] == "http.response.start":
                status = message["status"]
                # Only auth's own 401 names the scheme; a webhook's bad signature is no wrong key.
                refused_key = any(name.lower() == b"www-authenticate" for name, _ in message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, watched)
        if credential and status == 401 and refused_key:
            self._struck(address, credential)
        elif credential and status not in (0, 429):  # it authenticated (a 403 too: known, not allowed)
            self.lockouts.clear(address)

    def _struck(self, address: str, credential: str) -> None:
        count, lockout = self.lockouts.strike(address, self.now())
        log.warning("refused credential %s from %s (%d in the last minute)", fingerprint(credential), address, count)
        if lockout:
            log.warning("%s locked out for %.0f s after %d refused credentials", address, lockout, count)


def _credential(scope: Scope) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        elif name == b"x-api-key" and value:
            return value.decode("latin-1")
        elif name == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                cookie, _, session = pair.strip().partition("=")
                if cookie == SESSION_COOKIE and session:
                    return session
    return None


def _refusal(code: str, why: str, seconds: float) -> Json:
    retry = max(1, math.ceil(seconds))
    message = f"{why}; try again in {retry} s"
    return Json(error_body(code, message, retry_after_s=retry), status_code=429, headers={"Retry-After": str(retry)})


def install_throttle(
    app: FastAPI, *, per_key: float, per_ip: float, strikes: int, lockout_s: float, now: Callable[[], float]
) -> None:
    """Install after the body limits, so that it runs before them (a refused flood is not read), and
    before the metrics, which count its refusals."""
    app.add_middleware(
        Throttle,
        limiter=RateLimiter(per_key),
        per_ip=RateLimiter(per_ip),
        lockouts=Lockouts(strikes, lockout_s),
        now=now,
    )
