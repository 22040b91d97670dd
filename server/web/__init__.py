"""The web pages for people: entity pages, the home page, and HTML views of the documents below.

Owns the templates and static assets (shipped as package data), the translations and value
formatting (``i18n``), the pages (``pages``: rendering; ``entity``, ``home``, ``library``, ``search``;
pictures: ``orgchart``, ``charts``, ``maps``), the HTML views the lower layers call (``documents``,
``results``),
how every error is answered, as problem+json or an HTML page (``errors``), and the Content-Security-
Policy of every page (``security``).

May import: ``cec_kg.linkeddata``, ``cec_kg.protocol``, ``cec_kg.store``, ``cec_kg.graph``, ``cec_kg.problems``.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the HTML views of the lower layers' documents and the error handlers."""
    from . import documents, entity, errors, home, i18n, library, pages, search, security

    i18n.warm()

    app.register_blueprint(pages.bp)
    app.register_blueprint(entity.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(library.bp)
    app.register_blueprint(search.bp)
    documents.register(app)
    errors.register(app)
    security.register(app)
