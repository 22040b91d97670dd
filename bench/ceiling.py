"""Ceilings of the HTTP layer: apps that answer every request with the same small SPARQL JSON body.

Served by granian exactly as ``cec-kg serve`` serves our app (WSGI, 2 workers), they show how many
requests/s the Python HTTP stack allows before any SPARQL work: ``ceiling-wsgi`` is a bare WSGI
callable, ``ceiling-flask`` a one-route Flask app. Their answers are not checked (they are not SPARQL
servers); ``python -m bench --servers ceiling-wsgi,ceiling-flask,oxigraph`` measures them.
"""
from flask import Flask, Response

BODY = b'{"head":{"vars":["label"]},"results":{"bindings":[{"label":{"type":"literal","value":"x"}}]}}'
HEADERS = [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(BODY)))]


def wsgi_app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


flask_app = Flask(__name__)


@flask_app.get("/sparql")
def sparql() -> Response:
    return Response(BODY, content_type="application/sparql-results+json")
