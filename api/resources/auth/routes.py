"""Sign-in, refresh, sign-out."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor, token_config
from api.resources.auth.schemas import LoginIn, MeOut, RefreshIn, TokensOut
from dispatch import sessions

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication")


def _tokens(pair: sessions.TokenPair) -> dict:
    user = pair.user
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token,
            "token_type": "Bearer", "expires_in": pair.expires_in,
            "user": {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                     "org_id": user.org_id, "technician_id": pair.technician_id}}


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginIn)
@blp.response(200, TokensOut)
@blp.doc(security=[])
def login(body):
    """Exchange e-mail and password for an access and a refresh token."""
    return _tokens(sessions.login(uow.session(), token_config(), body["email"], body["password"],
                                  body["device_id"], body["device_name"]))


@blp.route("/refresh", methods=["POST"])
@blp.arguments(RefreshIn)
@blp.response(200, TokensOut)
@blp.doc(security=[])
def refresh(body):
    """Rotate the refresh token and get a new access token."""
    return _tokens(sessions.refresh(uow.session(), token_config(), body["refresh_token"]))


@blp.route("/logout", methods=["POST"])
@blp.response(204)
def logout():
    """End this session: its refresh and access tokens stop working at once."""
    sessions.logout(uow.session(), current_actor())


@blp.route("/me", methods=["GET"])
@blp.response(200, MeOut)
def me():
    """Who the token belongs to."""
    return current_actor()
