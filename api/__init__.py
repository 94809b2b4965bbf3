"""HTTP API. `create_app(settings=None)` wires configuration, database, queue, errors, logging
and the resource blueprints; it holds no business rules."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from api import console, docs, errors, observability, uow
from dispatch import db, queue
from dispatch.settings import Settings


class FieldworkApi(Api):
    """flask-smorest with our one error shape for HTTP errors too."""

    ERROR_SCHEMA = errors.ErrorSchema

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def _openapi_config(app: Flask) -> None:
    app.config.update(
        API_TITLE="Fieldwork API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=docs.STATIC_URL,
        API_SPEC_OPTIONS={
            "info": {"description": "Work orders for field service: offline sync, map "
                                    "dispatch, photo evidence. Errors share one shape: "
                                    "status, code, message, field, request_id."},
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearerAuth": []}],
        },
    )


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    observability.configure_logging(settings.log_level)
    db.configure(settings.database_url,
                 idle_in_transaction_s=settings.db_idle_in_transaction_s)
    queue.configure(settings.redis_url, settings.queue_name)

    app = Flask("fieldwork")
    app.config["FIELDWORK_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    app.json.sort_keys = False
    _openapi_config(app)

    observability.install(app)
    uow.install(app)
    errors.register(app)
    app.register_blueprint(docs.blueprint())
    app.register_blueprint(console.blueprint())  # the dispatcher's map page (F12)

    api = FieldworkApi(app)
    from api.resources import register_all
    register_all(app, api)
    return app
