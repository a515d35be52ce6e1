"""GitHub Apps in the fake: an app's JWT checked as GitHub does, installation tokens issued.

A request to an ``/app/...`` route (and ``GET /repos/{owner}/{repo}/installation``) carries
``Authorization: Bearer <JWT>``: RS256, signed with the app's private key, ``iss`` the app's
id (or client id), ``iat`` in the past and ``exp`` at most 10 minutes after it, as GitHub's
"Generating a JSON Web Token" page requires. The installation tokens it hands out are ordinary
tokens of the app's bot (``<slug>[bot]``) with the installation's permissions.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

MAX_JWT_SECONDS = 600


@dataclass
class App:
    app_id: str
    slug: str
    public_key_pem: str
    # repository full name -> installation id; an installation covers the repositories listed
    installations: dict[str, int] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)  # {"contents": "write", ...}
    issued: list[str] = field(default_factory=list)  # the installation tokens handed out

    @property
    def bot(self) -> str:
        return f"{self.slug}[bot]"

    def token_permissions(self) -> frozenset[str]:
        """The fake's spelling (``pull_requests:write``), from GitHub's (``pull_requests``)."""
        return frozenset(f"{name}:{level}" for name, level in self.permissions.items())


def verify_jwt(apps: dict[str, App], header: str) -> App:
    """The app whose key signed the Bearer JWT in ``header``; a 401 ApiError otherwise."""
    import jwt

    # Imported here: routing imports the state, which holds the apps.
    from tests.fakes.github.routing import ApiError

    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or value.count(".") != 2:
        raise ApiError(401, "A JSON web token could not be decoded")
    try:
        claims: dict[str, Any] = jwt.decode(value, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise ApiError(401, "A JSON web token could not be decoded") from None
    app = apps.get(str(claims.get("iss")))
    if app is None:
        raise ApiError(401, "Integration not found")
    try:
        jwt.decode(
            value,
            app.public_key_pem,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "'Expiration time' claim ('exp') must be in the future") from None
    except jwt.PyJWTError:
        raise ApiError(401, "A JSON web token could not be decoded") from None
    iat, exp = int(claims["iat"]), int(claims["exp"])
    if exp - iat > MAX_JWT_SECONDS + 60 or iat > time.time() + 30:
        raise ApiError(401, "'Expiration time' claim ('exp') is too far in the future")
    return app


def new_token() -> str:
    return "ghs_" + secrets.token_hex(18)


def expiry(now: datetime) -> datetime:
    return now + timedelta(hours=1)
