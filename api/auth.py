"""Bearer token → the current Actor (user, organisation, role, technician, device)."""

from __future__ import annotations

from flask import current_app, g, request

from api import uow
from dispatch.actors import Actor
from dispatch.errors import Unauthenticated
from dispatch.sessions import TokenConfig, authenticate


def token_config() -> TokenConfig:
    s = current_app.config["FIELDWORK_SETTINGS"]
    return TokenConfig(secret=s.jwt_secret, access_ttl=s.access_token_ttl,
                       refresh_ttl=s.refresh_token_ttl)


def current_actor() -> Actor:
    if "actor" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send 'Authorization: Bearer <access_token>' from "
                                  "POST /api/v1/auth/login", code="missing_token")
        g.actor = authenticate(uow.session(), token_config(), token.strip())
    return g.actor
