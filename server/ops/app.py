"""The Flask app factory: ``create_app(config)`` reads like a table of contents.

Configuration: the defaults (``ops.config``), then ``CEC_*`` environment variables, then the mapping.
"""
from __future__ import annotations

from flask import Flask

from .. import store, web
from ..linkeddata import discovery, resource, vocabulary
from ..protocol import endpoint, saved
from . import config as default_config
from . import health, openapi
from .fairuse import FairUse
from .front import Front, InFlight


def create_app(config: dict | None = None) -> Flask:
    app = Flask("cec_kg", static_folder=None)     # templates and static assets: the web layer's
    app.config.from_object(default_config)
    app.config.from_prefixed_env("CEC")
    if config:
        app.config.update(config)
    store.init_app(app)
    # Made here, before granian forks its workers: the per-client counts live in shared memory.
    app.extensions[endpoint.ADMISSION] = FairUse(app.config)
    register_blueprints(app)
    web.init_app(app)
    # Outermost: request ids, headers and the access log cover every answer, replayed ones too.
    app.wsgi_app = Front(app.wsgi_app, access_log=app.config.get("ACCESS_LOG"),
                         forwarded_allow_ips=app.config.get("FORWARDED_ALLOW_IPS"),
                         client_header=app.config.get("CLIENT_HEADER"),
                         max_url_bytes=int(app.config["MAX_URL_BYTES"]),
                         max_header_bytes=int(app.config["MAX_HEADER_BYTES"]),
                         inflight=app.extensions.setdefault("cec_kg.inflight", InFlight()))
    return app


def register_blueprints(app: Flask) -> None:
    """The machine-facing routes, in the order they win (fixed routes before resource's ``/<name>``)."""
    for module in (endpoint, saved, health, openapi, resource, vocabulary, discovery):
        app.register_blueprint(module.bp)
