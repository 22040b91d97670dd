"""Escaping, tested where input is really echoed: problem bodies and HTML error pages that quote the
request (its path, format=, example=, an unknown IRI), and hostile labels in the data (markup,
``</script>``, a ``javascript:`` IRI) rendered into an entity page and its schema.org JSON-LD block.

Each case first proves that the input reached the output (its escaped form is there), then that its raw
form is not: a test that never reaches the echo cannot pass.
"""
from __future__ import annotations

import json
import re

import pytest
from markupsafe import escape

from conftest import raw_get

pytestmark = pytest.mark.live

LABEL = "</script><script>alert('label')</script>"
ALT = "<img src=x onerror=alert(1)>"
DESCRIPTION = '"quotes" & <b>bold</b> </SCRIPT >'
OTHER = "<svg onload=alert(2)>"
HOSTILE = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/cec-kg/source/hostile> {{
<https://w3id.org/cec-kg/id/party/evil> a schema:GovernmentOrganization ;
  rdfs:label {json.dumps(LABEL)}@en ;
  skos:altLabel {json.dumps(ALT)}@en ;
  dcterms:description {json.dumps(DESCRIPTION)}@en ;
  schema:url <javascript:alert(1)> ;
  schema:sameAs <https://w3id.org/cec-kg/id/party/other> .
<https://w3id.org/cec-kg/id/party/other> rdfs:label {json.dumps(OTHER)}@en .
}}
"""
PAYLOAD = "<script>alert(1)</script>"
ENCODED = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-data")
    (d / "hostile.trig").write_text(HOSTILE, encoding="utf-8")
    return start_server("--data", str(d), "--workers", "1", "--threads", "4")


def test_hostile_labels_are_escaped_in_the_page(server):
    status, headers, body = raw_get(server.port, b"/page/party/evil", {"Accept": "text/html"})
    html = body.decode("utf-8")
    assert status == 200 and headers["content-type"].startswith("text/html"), (status, html[:300])
    for text in (LABEL, ALT, DESCRIPTION, OTHER):
        assert str(escape(text)) in html, f"{text!r} is not rendered (escaped) on the page"
        assert text not in html, f"{text!r} is rendered raw"
    assert "<script>alert" not in html and "<img" not in html and "<svg" not in html
    assert 'href="javascript:' not in html.lower(), "a javascript: IRI became a link"
    assert "javascript:alert(1)" in html, "the javascript: IRI is still shown, as text"


def test_hostile_labels_stay_inside_the_json_ld_block(server):
    _, _, body = raw_get(server.port, b"/page/party/evil", {"Accept": "text/html"})
    html = body.decode("utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    # Besides the one data block, only our own script files (src="/static/…") may open a <script>.
    others = [tag for tag in re.findall(r"<script\b[^>]*>", html) if 'type="application/ld+json"' not in tag]
    assert len(blocks) == 1 and all(re.search(r'\ssrc="/static/', tag) for tag in others), \
        f"a label closed the JSON-LD block and opened another: {others}"
    data = json.loads(blocks[0])            # the whole block up to its real end is JSON
    assert data["name"] == LABEL and data["description"] == DESCRIPTION, data
    assert "</" not in blocks[0], "</ inside a script block could end it"


@pytest.mark.parametrize("target,status,accept", [
    (f"/no/such/{ENCODED}".encode(), 404, "text/html"),                           # the path
    (f"/id/{ENCODED}".encode(), 404, "text/html"),                                # an IRI we do not know
    (f"/sparql?query=ASK%7B%7D&format={ENCODED}".encode(), 406, "text/html"),     # format=
    (f"/sparql?example={ENCODED}".encode(), 404, "text/html"),                    # the query form's example=
    (f"/dataset.{ENCODED}".encode(), 404, "text/html"),                           # a suffix
], ids=["path", "iri", "format", "example", "suffix"])
def test_echoed_input_is_escaped_in_html_error_pages(server, target, status, accept):
    code, headers, body = raw_get(server.port, target, {"Accept": accept})
    html = body.decode("utf-8")
    assert code == status and headers["content-type"].startswith("text/html"), (code, headers, html[:300])
    detail = re.search(r'<p class="problem-detail">(.*?)</p>', html, re.DOTALL).group(1)
    assert str(escape(PAYLOAD)) in detail, f"the input is not echoed, so escaping is not tested: {detail}"
    assert PAYLOAD not in html


@pytest.mark.parametrize("target,status", [
    (f"/no/such/{ENCODED}".encode(), 404), (f"/id/{ENCODED}".encode(), 404),
    (f"/sparql?query=ASK%7B%7D&format={ENCODED}".encode(), 406),
])
def test_echoed_input_in_problem_bodies_is_json(server, target, status):
    code, headers, body = raw_get(server.port, target, {"Accept": "application/json"})
    assert code == status and headers["content-type"] == "application/problem+json", (code, headers)
    assert headers["x-content-type-options"] == "nosniff", "a browser must never sniff it as HTML"
    problem = json.loads(body)
    assert PAYLOAD in problem["detail"], problem        # JSON carries it as text; nothing renders it
