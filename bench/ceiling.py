"""Ceilings of the HTTP layer: what a Python front allows before (and with) any SPARQL work of ours.

Served by granian exactly as ``cec-kg serve`` serves our app (WSGI, 2 workers), they show how many
requests/s the Python HTTP stack allows:

- ``ceiling-wsgi``: a bare WSGI callable answering every request with the same small SPARQL JSON body;
- ``ceiling-flask``: the same from a one-route Flask app;
- ``ceiling-engine``: a bare WSGI callable that evaluates each query with pyoxigraph, our engine, and
  serialises its answer natively, with nothing else: no guard, no timeout, no row cap, no cache, no
  search index, no content negotiation beyond the two media types the bench asks for. It is the most
  any Python front over pyoxigraph can give (within noise): our service's cost is the distance to it,
  and a target above it cannot be met by trimming our layers. It serves the same data as ours, from a
  store of its own on disk (loaded with pyoxigraph's ``bulk_load``, opened read-only) or in memory.

The first two answer every query the same way, so their answers are not checked; ``ceiling-engine``'s
are. ``python -m bench --servers ceiling-wsgi,ceiling-flask,ceiling-engine,oxigraph`` measures them.
"""
import os
from urllib.parse import parse_qs

from flask import Flask, Response

BODY = b'{"head":{"vars":["label"]},"results":{"bindings":[{"label":{"type":"literal","value":"x"}}]}}'
HEADERS = [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(BODY)))]
STORE_ENV, DATA_ENV = "CEILING_STORE", "CEILING_DATA"


def wsgi_app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


flask_app = Flask(__name__)


@flask_app.get("/sparql")
def sparql() -> Response:
    return Response(BODY, content_type="application/sparql-results+json")


def engine_app():
    """The ``ceiling-engine`` WSGI callable (granian ``--factory``), over ``$CEILING_STORE`` (a pyoxigraph
    store, opened read-only) or ``$CEILING_DATA`` (an N-Quads file, loaded into memory)."""
    import pyoxigraph as ox

    if os.environ.get(STORE_ENV):
        store = ox.Store.read_only(os.environ[STORE_ENV])
    else:
        store = ox.Store()
        store.bulk_load(path=os.environ[DATA_ENV], format=ox.RdfFormat.N_QUADS)
    results, graph = ox.QueryResultsFormat.JSON, ox.RdfFormat.N_TRIPLES

    def app(environ, start_response):
        # As ours and Oxigraph server are run: the default graph is the union of the named graphs.
        query = parse_qs(environ.get("QUERY_STRING", "")).get("query", [""])[0]
        try:
            answer = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as e:
            body, status, media_type = str(e).encode(), "400 Bad Request", "text/plain"
        else:
            status = "200 OK"
            if isinstance(answer, ox.QueryTriples):
                body, media_type = answer.serialize(format=graph), "application/n-triples"
            else:
                body, media_type = answer.serialize(format=results), "application/sparql-results+json"
        start_response(status, [("Content-Type", media_type), ("Content-Length", str(len(body)))])
        return [body]

    return app
