"""The CEC Knowledge Graph service: a Flask app factory over one store.

``create_app(config)``: defaults, then ``CEC_*`` environment variables, then the given mapping.
"""
from __future__ import annotations

from flask import Flask, current_app

from . import config as default_config
from .store import Store


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_object(default_config)
    app.config.from_prefixed_env("CEC")
    if config:
        app.config.update(config)
    init_store(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def init_store(app: Flask) -> None:
    """Open the store once, at start-up; views reach it with ``get_store()``."""
    from .loading import open_store

    app.extensions["cec_kg.store"] = open_store(app.config)


def get_store() -> Store:
    return current_app.extensions["cec_kg.store"]


def register_blueprints(app: Flask) -> None:
    from . import discovery, health, pages, resource, sparql, vocabulary

    for module in (sparql, health, resource, pages, vocabulary, discovery):
        app.register_blueprint(module.bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)
