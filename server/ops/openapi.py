"""``/openapi.json``: the service's HTTP interface as OpenAPI 3.1, and ``/openapi``, the same for people.

Every route of the app is described (``tests/test_openapi.py`` checks that against the URL map): its
parameters, the formats it answers in, and the problems (RFC 9457 ``application/problem+json``) it may
answer with, including those of the front layer (414, 431), fair use (429) and a failing store (502,
503). Limits are the running configuration's. The description is built once per origin (the
``servers`` URL is where it was asked for, shaped by a trusted proxy).
"""
from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, current_app, request

from ..protocol.http import document_response, html_view
from ..protocol.negotiation import negotiate
from ..store.results import RDF, RESULTS

bp = Blueprint("openapi", __name__)

MEDIA = "application/vnd.oai.openapi+json"
RDF_TYPES = [m for m in RDF if m != "text/plain"]
DOC_TYPES = ["text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"]
STRING = {"type": "string"}

PROBLEMS = {
    "400": "the request is malformed (the detail says what to change: a syntax error quotes the parser)",
    "403": "refused: SPARQL Update, LOAD and SERVICE are never executed here",
    "404": "nothing is served here (the detail says what is)",
    "405": "this method is not allowed here (the service is read-only; Allow lists what is)",
    "406": "none of the Accept header's media types is available (the detail lists those that are)",
    "413": "the query or request body is too large",
    "414": "the request URL is too long: send the query by POST",
    "415": "the request body's Content-Type or charset is not one this endpoint reads",
    "416": "the requested byte range starts past the end of the file",
    "429": "a fair-use limit per client was reached (the body's `limit` names it; Retry-After says when)",
    "431": "the request's headers are too large",
    "502": "the SPARQL backend answered an error or something that is not SPARQL (the detail quotes it)",
    "503": "the query timed out, the service is busy, or the backend is unreachable (Retry-After)",
}
COMMON = ("404", "405", "414", "431")       # any route may answer these


def _problem(code: str) -> dict:
    return {"$ref": f"#/components/responses/Problem{code}"}


def _problem_response(code: str) -> dict:
    out = {"description": PROBLEMS[code], "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}, "text/html": {"schema": STRING}},
           "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}}
    if code in ("429", "502", "503"):
        out["headers"]["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    return out


def _content(types, schema=None) -> dict:
    return {t: {"schema": schema or STRING} for t in types}


def _ok(description: str, types, headers: dict | None = None, schema=None) -> dict:
    out = {"description": description, "content": _content(types, schema),
           "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}, **(headers or {})}}
    return out


def _op(summary: str, description: str, responses: dict, *, parameters=(), problems=(), tags=(), body=None,
        operation_id: str) -> dict:
    op = {"summary": summary, "description": description, "operationId": operation_id, "tags": list(tags),
          "parameters": list(parameters), "responses": dict(responses)}
    for code in sorted(set(problems) | set(COMMON)):
        op["responses"].setdefault(code, _problem(code))
    if body:
        op["requestBody"] = body
    if not op["parameters"]:
        del op["parameters"]
    return op


def _path(name: str, description: str, example: str | None = None, pattern: str | None = None) -> dict:
    schema = dict(STRING, **({"pattern": pattern} if pattern else {}))
    p = {"name": name, "in": "path", "required": True, "description": description, "schema": schema}
    if example:
        p["example"] = example
    return p


def _query(name: str, description: str, schema=None, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or STRING, **extra}


FORMAT = _query("format", "a format that wins over Accept: a short name (ttl, jsonld, rdf, nt, json, xml, csv, "
                          "tsv, html…) or a media type")
LANG = _query("lang", "the page's language (en, es or fr); wins over Accept-Language",
              {"type": "string", "enum": ["en", "es", "fr"]})
REDIRECT = {"303": {"description": "See Other: the document chosen by content negotiation (Location)",
                    "headers": {"Location": {"schema": STRING, "description": "the document's URL"},
                                "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}}}
CONDITIONAL = {"304": {"description": "Not Modified (If-None-Match / If-Modified-Since matched)"}}


def build(cfg, origin: str) -> dict:
    try:
        package = version("cec-kg")
    except PackageNotFoundError:
        package = "0"
    timeout, max_timeout = float(cfg["QUERY_TIMEOUT"]), float(cfg["MAX_QUERY_TIMEOUT"])
    sparql_params = [
        _query("query", f"the SPARQL 1.1 query (at most {int(cfg['MAX_QUERY_BYTES'])} bytes, brackets nested at "
                        f"most {int(cfg['MAX_NESTING'])} deep); without it, the service description",
               {"type": "string"}, example="SELECT * WHERE { ?s ?p ?o } LIMIT 5"),
        _query("default-graph-uri", "a graph of this store that makes up the default graph (repeatable)",
               {"type": "array", "items": {"type": "string", "format": "iri"}}, style="form", explode=True),
        _query("named-graph-uri", "a graph of this store made available to GRAPH (repeatable)",
               {"type": "array", "items": {"type": "string", "format": "iri"}}, style="form", explode=True),
        _query("timeout", f"seconds the query may run (default {timeout:g}, at most {max_timeout:g})",
               {"type": "number", "exclusiveMinimum": 0}),
        FORMAT, _query("output", "same as format (as some clients send it)"),
    ]
    result_headers = {name: {"$ref": f"#/components/headers/{name}"} for name in
                      ("X-SPARQL-Row-Cap", "X-SPARQL-Byte-Cap", "X-SPARQL-Rows", "X-SPARQL-Truncated", "ETag")}
    sparql_ok = _ok("the query's results (SELECT/ASK: results formats; CONSTRUCT/DESCRIBE: RDF), or without a "
                    "query the service description (RDF, or the query form for a browser)",
                    list(RESULTS) + RDF_TYPES + ["text/html"], result_headers)
    sparql_problems = ("400", "403", "406", "413", "415", "429", "502", "503")
    form_schema = {"type": "object", "properties": {
        "query": {"type": "string"}, "default-graph-uri": {"type": "array", "items": STRING},
        "named-graph-uri": {"type": "array", "items": STRING}, "timeout": {"type": "number"},
        "format": STRING}, "required": ["query"]}
    post_body = {"required": True, "description": "the query, as a form (query=…) or as the body itself",
                 "content": {"application/x-www-form-urlencoded": {"schema": form_schema},
                             "application/sparql-query": {"schema": STRING}}}
    sparql = {
        "get": _op("Query (SPARQL 1.1 Protocol), or the service description",
                   "GET with query=… answers the query; GET without it describes the service (SPARQL Service "
                   "Description: formats, limits, graphs). Answers are negotiated from Accept (or format=), "
                   "cached (ETag, 304), cut at the row and byte caps (announced in X-SPARQL-Row-Cap and "
                   "X-SPARQL-Byte-Cap, flagged in X-SPARQL-Truncated), and never a body broken off mid-way.",
                   {"200": sparql_ok, **CONDITIONAL}, parameters=sparql_params, problems=sparql_problems,
                   tags=["SPARQL"], operation_id="sparqlGet"),
        "post": _op("Query (SPARQL 1.1 Protocol) by POST", "A form (application/x-www-form-urlencoded) or the "
                    "query as the body (application/sparql-query). Updates are refused (403).",
                    {"200": sparql_ok}, parameters=sparql_params[1:], problems=sparql_problems, tags=["SPARQL"],
                    body=post_body, operation_id="sparqlPost"),
    }
    sparql_slash = {m: dict(op, operationId=op["operationId"] + "Slash") for m, op in sparql.items()}

    kind = _path("kind", "the kind of thing (organization, party, body, person, …)", "party", r"^[^/]+$")
    slug = _path("slug", "its name in the IRI; a suffix (.ttl, .jsonld, .rdf, .nt, .html) picks the format",
                 "mexico", r"^[^/]+$")
    doc_ok = _ok("the entity's document: its statements, those pointing at it, labels, and their sources",
                 DOC_TYPES, {"ETag": {"$ref": "#/components/headers/ETag"}})
    rdf_or_html = DOC_TYPES + ["text/html"]
    paths = {
        "/sparql": sparql,
        "/sparql/": sparql_slash,
        "/id/{kind}/{slug}": {"get": _op(
            "Dereference a thing's IRI", "https://w3id.org/cec-kg/id/{kind}/{slug} answered on this origin: 303 "
            "to its page (HTML) or document (RDF) by Accept, format= or the suffix. An unknown IRI is 404 before "
            "any 406.", REDIRECT, parameters=[kind, slug, FORMAT, LANG], problems=("406", "503"),
            tags=["Linked data"], operation_id="dereferenceThing")},
        "/source/{key}": {"get": _op("Dereference a source's IRI", "303 to the source's page or document.",
                                     REDIRECT, parameters=[_path("key", "the source's name", "seed"), FORMAT],
                                     problems=("406", "503"), tags=["Linked data"], operation_id="dereferenceSource")},
        "/graph/{key}": {"get": _op("Dereference a named graph's IRI", "303 to the graph's page or document.",
                                    REDIRECT, parameters=[_path("key", "the graph's name", "entailments"), FORMAT],
                                    problems=("406", "503"), tags=["Linked data"], operation_id="dereferenceGraph")},
        "/{name}": {"get": _op("Dereference a top-level IRI", "e.g. https://w3id.org/cec-kg/team: 303 to its "
                               "document or page; fixed routes (/sparql, /dataset, …) win over this one.", REDIRECT,
                               parameters=[_path("name", "the IRI's last segment", "team", r"^[^/]+$"), FORMAT],
                               problems=("406", "503"), tags=["Linked data"], operation_id="dereferenceTopLevel")},
        "/data/{kind}/{slug}": {"get": _op(
            "An entity's RDF document", "Turtle, JSON-LD, RDF/XML or N-Triples by Accept, format= or suffix; "
            "ETag/Last-Modified (304), signposting Link headers.", {"200": doc_ok, **CONDITIONAL},
            parameters=[kind, slug, FORMAT], problems=("406", "503"), tags=["Linked data"],
            operation_id="entityDocument")},
        "/page/{kind}/{slug}": {"get": _op(
            "An entity's page", "HTML in English, Spanish or French (Accept-Language or lang=), with its sources "
            "and schema.org JSON-LD.", {"200": _ok("the page", ["text/html"]), **CONDITIONAL},
            parameters=[kind, slug, LANG], problems=("503",), tags=["Pages"], operation_id="entityPage")},
        "/": {"get": _op("The home page", "Entry points into the graph and its live counts.",
                         {"200": _ok("the page", ["text/html"]), **CONDITIONAL}, parameters=[LANG], problems=("503",),
                         tags=["Pages"], operation_id="home")},
        "/dataset": {"get": _op("The dataset's description (VoID + DCAT)", "Every count computed from the graph.",
                                {"200": _ok("the description", rdf_or_html), **CONDITIONAL},
                                parameters=[FORMAT, LANG], problems=("406", "503"), tags=["Discovery"],
                                operation_id="dataset")},
        "/dataset.{suffix}": {"get": _op("The dataset's description in one format", "", {
            "200": _ok("the description", rdf_or_html)}, parameters=[_path("suffix", "ttl, jsonld, rdf, nt or html",
                                                                           "ttl")], problems=("503",),
            tags=["Discovery"], operation_id="datasetSuffix")},
        "/.well-known/void": {"get": _op("The dataset's description (VoID's well-known location)", "As /dataset.",
                                         {"200": _ok("the description", rdf_or_html)}, parameters=[FORMAT],
                                         problems=("406", "503"), tags=["Discovery"], operation_id="wellKnownVoid")},
        "/dumps": {"get": _op("Redirect to /dumps/", "", {"308": {"description": "Permanent Redirect to /dumps/"}},
                              tags=["Discovery"], operation_id="dumpsRedirect")},
        "/dumps/": {"get": _op("The dumps", "The whole dataset in Turtle, N-Triples, TriG, N-Quads and JSON-LD "
                               "(each also .gz), with SHA256SUMS.", {"200": _ok("the list", ["text/html",
                                                                                             "text/plain"])},
                               parameters=[FORMAT, LANG], problems=("406", "503"), tags=["Discovery"],
                               operation_id="dumps")},
        "/dumps/{name}": {"get": _op("One dump file", "One byte range (Range) is served as 206.", {
            "200": _ok("the file", ["text/turtle", "application/n-triples", "application/trig",
                                    "application/n-quads", "application/ld+json", "application/gzip", "text/plain"]),
            "206": {"description": "Partial Content: the byte range asked for"}, **CONDITIONAL},
            parameters=[_path("name", "the file's name (see SHA256SUMS)", "cec-kg.ttl")],
            problems=("416", "503"), tags=["Discovery"], operation_id="dump")},
        "/ontology": {"get": _op("The vocabulary", "HTML documentation (per language), Turtle, RDF/XML, JSON-LD, "
                                 "N-Triples.", {"200": _ok("the vocabulary", rdf_or_html), **CONDITIONAL},
                                 parameters=[FORMAT, LANG], problems=("406",), tags=["Vocabulary"],
                                 operation_id="ontology")},
        "/ontology.{suffix}": {"get": _op("The vocabulary in one format", "", {
            "200": _ok("the vocabulary", rdf_or_html)}, parameters=[_path("suffix", "ttl, rdf, owl, jsonld, nt or html",
                                                                          "ttl"), LANG],
            tags=["Vocabulary"], operation_id="ontologySuffix")},
        "/ontology/{name}": {"get": _op("A released version of the vocabulary", "Its owl:versionIRI; immutable.", {
            "200": _ok("the release", rdf_or_html)}, parameters=[_path("name", "the version, e.g. 0.2.0", "0.2.0"),
                                                                 FORMAT, LANG],
            problems=("406",), tags=["Vocabulary"], operation_id="ontologyVersion")},
        "/ontology/context.jsonld": {"get": _op("The JSON-LD @context", "Generated from the vocabulary.", {
            "200": _ok("the context", ["application/ld+json"])}, tags=["Vocabulary"], operation_id="context")},
        "/shapes": {"get": _op("The SHACL shapes", "As a table for people, or RDF.", {
            "200": _ok("the shapes", rdf_or_html), **CONDITIONAL}, parameters=[FORMAT, LANG],
            problems=("406",), tags=["Vocabulary"], operation_id="shapes")},
        "/shapes.{suffix}": {"get": _op("The SHACL shapes in one format", "", {
            "200": _ok("the shapes", rdf_or_html)}, parameters=[_path("suffix", "ttl, rdf, jsonld, nt or html", "ttl"),
                                                                LANG],
            tags=["Vocabulary"], operation_id="shapesSuffix")},
        "/shapes/{version}/{name}": {"get": _op("A released shapes file", "Immutable.", {
            "200": _ok("the shapes file", ["text/turtle"])}, parameters=[
                _path("version", "the version", "0.2.0"), _path("name", "the file, e.g. core.ttl", "core.ttl")],
            tags=["Vocabulary"], operation_id="shapesVersion")},
        "/sitemap.xml": {"get": _op("The sitemap", "Every page, for crawlers.", {
            "200": _ok("the sitemap", ["application/xml"])}, problems=("503",), tags=["Discovery"],
            operation_id="sitemap")},
        "/robots.txt": {"get": _op("robots.txt", "Every page is welcome; /sparql is not for crawlers.", {
            "200": _ok("the rules", ["text/plain"])}, tags=["Discovery"], operation_id="robots")},
        "/health": {"get": _op("Health", "ok; degraded (200: the remote backend fails, the rest answers); "
                               "unavailable (503: restart the service).", {
                                   "200": _ok("ok or degraded", ["application/json"],
                                              schema={"$ref": "#/components/schemas/Health"}),
                                   "503": _ok("unavailable", ["application/json"],
                                              schema={"$ref": "#/components/schemas/Health"})},
                               tags=["Operations"], operation_id="health")},
        "/metrics": {"get": _op("Metrics (Prometheus text)", "Requests, latency, caches, query workers; per "
                                "serving process.", {"200": _ok("the metrics", ["text/plain"])},
                                tags=["Operations"], operation_id="metrics")},
        "/static/{filename}": {"get": _op("The pages' static files", "", {
            "200": _ok("the file", ["text/css"]), **CONDITIONAL},
            parameters=[_path("filename", "the file", "style.css")], tags=["Pages"], operation_id="static")},
        "/search": {"get": _op("Search names, titles and abbreviations", "Every label, name, title and "
                               "abbreviation in en/es/fr, case- and accent-insensitive, ranked exact, prefix, word, "
                               "close spelling; HTML or JSON. 503 with Retry-After while the index of a new on-disk "
                               "store is being built (search_index: building) or if it could not be (failed).", {
            "200": _ok("the hits, with type facets", ["text/html", "application/json"])},
            parameters=[_query("q", "what to look for"), _query("type", "only things of this class (a CURIE or IRI; "
                                                                "repeatable)"),
                        _query("page", "page of hits, from 1", {"type": "integer", "minimum": 1}),
                        _query("limit", "hits per page (at most 100)", {"type": "integer", "minimum": 1}),
                        FORMAT, LANG],
            problems=("400", "406", "503"), tags=["Pages"], operation_id="search")},
        "/publications": {"get": _op("The publications library", "Factual records and Article 13 reports, "
                                     "filtered and sorted, with a timeline per year; HTML or JSON.", {
            "200": _ok("the publications", ["text/html", "application/json"])},
            parameters=[_query("type", "factual-record or article-13-report"),
                        _query("from", "first year", {"type": "integer"}), _query("to", "last year", {"type": "integer"}),
                        _query("party", "a Party's slug, e.g. mexico (repeatable)"), _query("sort", "year or title"),
                        FORMAT, LANG],
            problems=("400", "406"), tags=["Pages"], operation_id="publications")},
        "/queries": {"get": _op("The saved queries", "Every competency question with its question in en/es/fr, "
                                "its parameters and result variables: JSON, RDF (sh:SPARQLExecutable) or HTML.", {
            "200": _ok("the saved queries", ["application/json", "text/html", *DOC_TYPES])},
            parameters=[FORMAT, LANG], problems=("406",), tags=["SPARQL"], operation_id="savedQueries")},
        "/queries/": {"get": _op("The saved queries (same as /queries)", "", {
            "200": _ok("the saved queries", ["application/json", "text/html", *DOC_TYPES])},
            parameters=[FORMAT, LANG], problems=("406",), tags=["SPARQL"], operation_id="savedQueriesSlash")},
        "/queries/{name}": {"get": _op("Run a saved query", "Negotiated like /sparql; its parameters come as URL "
                                       "arguments and are bound as RDF terms (never pasted into the text); a bad or "
                                       "unknown parameter is a 400 naming it.", {
            "200": _ok("the answer", ["application/sparql-results+json", "application/sparql-results+xml",
                                      "text/csv", "text/tab-separated-values", "text/html", *DOC_TYPES])},
            parameters=[_path("name", "the saved query, e.g. cq-01-factual-records-concerning-mexico",
                              "cq-01-factual-records-concerning-mexico"), FORMAT,
                        _query("timeout", "seconds", {"type": "number"})],
            problems=("400", "404", "406", "429", "503"), tags=["SPARQL"], operation_id="savedQuery")},
        "/openapi.json": {"get": _op("This description (OpenAPI 3.1)", "", {
            "200": _ok("the description", ["application/json", MEDIA])}, tags=["Operations"],
            operation_id="openapi")},
        "/openapi": {"get": _op("This description, for people", "HTML; or JSON by Accept.", {
            "200": _ok("the description", ["text/html", "application/json"])}, problems=("406",),
            tags=["Operations"], operation_id="openapiPage")},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "The CEC Knowledge Graph", "version": package,
                 "summary": "A SPARQL 1.1 endpoint, dereferenceable IRIs and pages for the Commission for "
                            "Environmental Cooperation's knowledge graph.",
                 "description": (
                     "Read-only. Every error is an RFC 9457 problem (application/problem+json, or an HTML page for "
                     "a browser) that says how to fix the request, with the request's X-Request-Id. Limits: a "
                     f"query runs at most {timeout:g} s by default (timeout= up to {max_timeout:g} s); results are "
                     f"cut at {int(cfg['MAX_RESULT_ROWS'])} rows and {int(cfg.get('MAX_RESULT_BYTES') or 0)} bytes; "
                     f"each client may use {float(cfg.get('FAIR_QUERY_SECONDS') or 0):g} s of query time per "
                     f"minute and run {int(cfg.get('FAIR_CONCURRENT_QUERIES') or 0)} queries at once (429 "
                     "beyond, with Retry-After; 0 means no limit)."),
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "servers": [{"url": origin}],
        "tags": [{"name": n} for n in ("SPARQL", "Linked data", "Pages", "Discovery", "Vocabulary", "Operations")],
        "paths": paths,
        "components": {
            "schemas": {
                "Problem": {"type": "object", "description": "RFC 9457 problem details",
                            "required": ["type", "title", "status", "detail"], "properties": {
                                "type": {"type": "string"}, "title": {"type": "string"},
                                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                                "detail": {"type": "string", "description": "what happened and how to fix it"},
                                "request_id": {"type": "string", "description": "the X-Request-Id of the request"},
                                "limit": {"type": "string", "description": "the limit reached (429, some 503)"}},
                            "additionalProperties": True},
                "Health": {"type": "object", "required": ["status", "backend"], "properties": {
                    "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"]},
                    "backend": {"type": "string", "enum": ["embedded", "remote"]},
                    "triples": {"type": ["integer", "null"]}, "content_hash": {"type": "string"},
                    "error": {"type": "string"}, "pid": {"type": "integer"},
                    "search_index": {"type": "object", "required": ["status"], "properties": {
                        "status": {"type": "string", "enum": ["ready", "building", "failed", "not built"]},
                        "seconds": {"type": ["number", "null"]}, "entries": {"type": "integer"},
                        "error": {"type": "string"}}}}, "additionalProperties": True},
            },
            "responses": {f"Problem{code}": _problem_response(code) for code in PROBLEMS},
            "headers": {
                "X-Request-Id": {"description": "the request's id (the client's own when sane): quote it when "
                                                "reporting a problem", "schema": STRING},
                "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "string"}},
                "X-SPARQL-Row-Cap": {"description": "rows or triples returned at most", "schema": STRING},
                "X-SPARQL-Byte-Cap": {"description": "bytes of a result document at most", "schema": STRING},
                "X-SPARQL-Rows": {"description": "rows or triples in this answer", "schema": STRING},
                "X-SPARQL-Truncated": {"description": "present when the answer was cut: which cap, how to page",
                                       "schema": STRING},
                "ETag": {"description": "validator for If-None-Match", "schema": STRING},
            },
        },
    }


def description() -> dict:
    origin = request.host_url.rstrip("/")
    memo = current_app.extensions.setdefault("cec_kg.openapi", {})
    if origin not in memo:
        memo[origin] = build(current_app.config, origin)
    return memo[origin]


def resolved(spec: dict) -> dict:
    """The description with each operation's shared responses written out (for the page)."""
    shared = spec["components"]["responses"]

    def answer(r):
        return shared[r["$ref"].rsplit("/", 1)[1]] if "$ref" in r else r
    paths = {path: {m: dict(op, responses={code: answer(r) for code, r in op["responses"].items()})
                    for m, op in item.items()} for path, item in spec["paths"].items()}
    return dict(spec, paths=paths)


def _json_response():
    body = json.dumps(description(), indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8")
    return document_response(body, "application/json", vary="Accept", cors=True)


@bp.get("/openapi.json")
def openapi_json():
    return _json_response()


@bp.get("/openapi")
def openapi_page():
    view = html_view("openapi")
    mt = negotiate(request, (["text/html"] if view else []) + ["application/json"],
                   override=request.args.get("format"))
    if mt == "text/html":
        return view(resolved(description()))
    return _json_response()
