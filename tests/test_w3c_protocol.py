"""The W3C SPARQL 1.1 Protocol tests, over real HTTP, against ``cec-kg serve --data protocol-dataset.trig``.

Each ``mf:ProtocolTest`` request is replayed as written in the manifest (method, path with
``/sparql/`` mapped to our endpoint, headers, body in its declared character encoding), and the
response is checked against ``mf:expectedStatus``, ``mf:expectedFormat`` and ``mf:expectedBoolean``.
The update tests expect success; this service is read-only by design, so they are known failures
(``known_failures.W3C_PROTOCOL``, strict: an update that succeeded would fail the run).
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from conftest import SHARED, absent_suite, require_shared
from known_failures import W3C_PROTOCOL

MANIFEST = SHARED / "w3c" / "rdf-tests" / "sparql" / "sparql11" / "protocol" / "manifest.ttl"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
HTS = "http://www.w3.org/2011/http-statusCodes#"
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "application/json", "application/xml")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
             "application/trig", "application/n-quads")


def _u(name: str) -> URIRef:
    prefix, local = name.split(":")
    return URIRef({"mf": MF, "ht": HT, "cnt": CNT}[prefix] + local)


def collect() -> list:
    if not MANIFEST.exists():
        return absent_suite(MANIFEST)
    g = Graph().parse(MANIFEST, format="turtle")
    params = []
    for lst in g.objects(None, _u("mf:entries")):
        for entry in Collection(g, lst):
            if (entry, RDF.type, _u("mf:ProtocolTest")) not in g:
                continue
            name = str(entry).rsplit("#", 1)[-1]
            requests_ = []
            for conn in g.objects(entry, _u("mf:action")):
                for req in Collection(g, g.value(conn, _u("ht:requests"))):
                    headers = {}
                    hl = g.value(req, _u("ht:headers"))
                    if hl is not None:
                        for h in Collection(g, hl):
                            headers[str(g.value(h, _u("ht:fieldName")))] = str(g.value(h, _u("ht:fieldValue")))
                    body_node = g.value(req, _u("ht:body"))
                    body = None
                    if body_node is not None:
                        enc = str(g.value(body_node, _u("cnt:characterEncoding")) or "UTF-8")
                        body = str(g.value(body_node, _u("cnt:chars"))).encode(enc.lower())
                    resp = g.value(req, _u("ht:resp"))
                    statuses = sorted(str(s).rsplit("#", 1)[-1] for s in g.objects(resp, _u("mf:expectedStatus")))
                    boolean = g.value(resp, _u("mf:expectedBoolean"))
                    fmt = g.value(resp, _u("mf:expectedFormat"))
                    requests_.append({
                        "method": str(g.value(req, _u("ht:methodName"))),
                        "path": str(g.value(req, _u("ht:absolutePath"))),
                        "headers": headers, "body": body, "statuses": statuses,
                        "boolean": None if boolean is None else boolean.toPython(),
                        "format": None if fmt is None else str(fmt),
                    })
            marks = [pytest.mark.xfail(reason=W3C_PROTOCOL[name], strict=True)] if name in W3C_PROTOCOL else []
            params.append(pytest.param(requests_, id=name, marks=marks))
    return params


@pytest.fixture(scope="module")
def server(start_server):
    dataset = require_shared("w3c", "protocol-dataset.trig")
    return start_server("--data", str(dataset), "--workers", "1", "--threads", "4")


def _boolean(resp: requests.Response) -> bool:
    ctype = resp.headers["Content-Type"].split(";")[0]
    if "json" in ctype:
        return json.loads(resp.text)["boolean"]
    if "xml" in ctype:
        el = ET.fromstring(resp.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return el.text.strip() == "true"
    return resp.text.strip() == "true"


@pytest.mark.w3c
@pytest.mark.live
@pytest.mark.parametrize("steps", collect())
def test_protocol(server, steps):
    for step in steps:
        path = step["path"].replace("/sparql/", "/sparql", 1)
        resp = requests.request(step["method"], server.url(path), data=step["body"], headers=step["headers"],
                                timeout=30)
        ok = {"StatusCode2xx": resp.status_code // 100 == 2, "StatusCode3xx": resp.status_code // 100 == 3,
              "StatusCode4xx": resp.status_code // 100 == 4, "StatusCode5xx": resp.status_code // 100 == 5}
        assert any(ok[s] for s in step["statuses"]), (
            f"{step['method']} {path}: status {resp.status_code}, expected {step['statuses']}: {resp.text[:300]}")
        if resp.status_code >= 400:
            assert resp.headers["Content-Type"].startswith("application/problem+json"), "errors are problem+json"
            problem = resp.json()
            assert problem["status"] == resp.status_code and problem["detail"], f"problem body incomplete: {problem}"
            continue
        ctype = resp.headers["Content-Type"].split(";")[0]
        if step["format"] in ("boolean", "tabular"):
            assert ctype in RESULT_TYPES, f"{ctype} is not a SPARQL results format"
        elif step["format"] == "RDF":
            assert ctype in RDF_TYPES, f"{ctype} is not an RDF format"
            Graph().parse(data=resp.text, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                                  "application/rdf+xml": "xml", "application/ld+json": "json-ld",
                                                  "application/trig": "trig", "application/n-quads": "nquads"}[ctype])
        if step["boolean"] is not None:
            assert _boolean(resp) is step["boolean"], f"ASK answered {resp.text!r}, expected {step['boolean']}"


def test_manifest_present():
    require_shared("w3c", "rdf-tests", "sparql", "sparql11", "protocol", "manifest.ttl")
    assert len(collect()) >= 30, "the protocol manifest lost its tests: reading broke"
