"""Headers every answer carries: a strict Content-Security-Policy on HTML, nosniff, Referrer-Policy,
frame-ancestors 'none'; an X-Request-Id on every response, in every problem body and in the access log."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
import requests

from conftest import wait_until

pytestmark = pytest.mark.live

HTML_PAGES = ["/", "/page/organization/cec", "/page/party/mexico?lang=fr", "/dataset", "/dumps/", "/shapes",
              "/ontology", "/sparql", "/sparql?example=cq-01-factual-records-concerning-mexico", "/no/such/page", "/id/party/atlantis"]


def get(server, path, **headers):
    return requests.get(server.url(path), headers=headers, timeout=60, allow_redirects=False)


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_has_a_strict_policy(live_server, path):
    r = get(live_server, path, Accept="text/html")
    assert r.headers["Content-Type"].startswith("text/html"), (path, r.status_code, r.headers["Content-Type"])
    csp = directives(r.headers.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == ["'none'"], f"{path}: {csp}"
    assert csp.get("frame-ancestors") == ["'none'"], f"{path}: {csp}"
    assert csp.get("script-src") == ["'self'"], f"{path}: only our own script files may run: {csp}"
    # The query editor's pages allow inline <style> elements (CodeMirror writes its theme into one), and
    # only those: never inline style attributes, never inline script (web/security.py).
    loose = {d for d, ws in csp.items() if any(w in ("'unsafe-inline'", "'unsafe-eval'", "*") for w in ws)}
    assert loose == ({"style-src-elem"} if path.startswith("/sparql") else set()), f"{path}: {csp}"
    if loose:
        assert csp["style-src-elem"] == ["'self'", "'unsafe-inline'"] and "style-src-attr" not in csp, csp
    assert csp.get("base-uri") == ["'none'"] and csp.get("form-action") == ["'self'"], csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff", path
    assert r.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    html = r.text
    # Nothing inline may need the policy loosened: every <style> element is hashed, no style="" attribute,
    # and every <script> is a data block (JSON-LD), never code.
    for css in re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL):
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        assert digest in csp.get("style-src", []), f"{path}: an inline <style> is not hashed in the policy"
    assert not re.search(r"<[^>]+\sstyle\s*=", html), f"{path}: an inline style attribute (blocked by the policy)"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.IGNORECASE), f"{path}: an inline event handler"
    for tag in re.findall(r"<script\b[^>]*>", html, re.IGNORECASE):
        assert 'type="application/ld+json"' in tag or re.search(r'\ssrc="/static/', tag), \
            f"{path}: an inline script (only data blocks, or our own files from /static/, may be here): {tag}"


@pytest.mark.parametrize("path,accept", [("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
                                         ("/data/party/mexico.ttl", "text/turtle"), ("/health", "*/*"),
                                         ("/no/such/thing", "application/json")])
def test_other_answers_allow_nothing(live_server, path, accept):
    r = get(live_server, path, Accept=accept)
    assert r.headers.get("X-Content-Type-Options") == "nosniff" and r.headers.get("Referrer-Policy"), r.headers
    csp = directives(r.headers.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"], (path, csp)


# -- X-Request-Id -------------------------------------------------------------------------------------------
ANSWERS = [("GET", "/sparql?query=ASK%7B%7D&rid=1", {}), ("GET", "/sparql?query=ASK%7B%7D&rid=1", {}),   # replayed
           ("GET", "/", {"Accept": "text/html"}), ("GET", "/no/such/thing", {}), ("PUT", "/dataset", {}),
           ("GET", "/id/party/mexico", {"Accept": "image/png"}), ("GET", "/health", {}), ("GET", "/metrics", {}),
           ("GET", "/static/style.css", {}), ("OPTIONS", "/sparql", {}), ("HEAD", "/dataset", {}),
           ("GET", "/sparql?query=SELECT", {})]


@pytest.mark.parametrize("method,path,headers", ANSWERS)
def test_every_answer_has_a_request_id(live_server, method, path, headers):
    r = requests.request(method, live_server.url(path), headers=headers, timeout=60, allow_redirects=False)
    rid = r.headers.get("X-Request-Id", "")
    assert re.fullmatch(r"[0-9a-f]{32}", rid), f"{method} {path}: X-Request-Id {rid!r}"
    if r.headers.get("Content-Type", "").startswith("application/problem+json"):
        assert r.json()["request_id"] == rid, r.text


def test_a_sane_request_id_is_kept_others_replaced(live_server):
    for given in ("abc-123", "0f9e8d7c6b5a", "trace:4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7"):
        r = get(live_server, "/no/such/thing", **{"X-Request-Id": given})
        assert r.headers["X-Request-Id"] == given and r.json()["request_id"] == given, r.text
    for insane in ("x" * 200, "two words", "<script>alert(1)</script>", "a\tb", "é-accented", '"quoted"'):
        r = requests.get(live_server.url("/no/such/thing"), headers={"X-Request-Id": insane.encode("utf-8")},
                         timeout=30)
        assert r.headers["X-Request-Id"] != insane and re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
        assert r.json()["request_id"] == r.headers["X-Request-Id"]


def test_html_error_page_names_the_request_id(live_server):
    r = get(live_server, "/no/such/page", Accept="text/html", **{"X-Request-Id": "page-error-42"})
    assert r.status_code == 404 and "<code>page-error-42</code>" in r.text, r.text[-800:]


def test_access_log_is_json_lines_with_the_request_id(live_server):
    ids = {"log-home": "/", "log-health": "/health", "log-no/such": "/no/such/thing",
           "log-sparql": "/sparql?query=ASK%7B%7D"}
    for rid, path in ids.items():
        get(live_server, path, **{"X-Request-Id": rid, "User-Agent": "headers-test"})

    def logged():
        records = {}
        for line in live_server.output().splitlines():
            if line.startswith("{") and '"request_id"' in line:
                record = json.loads(line)
                if record["request_id"] in ids:
                    records[record["request_id"]] = record
        return records if len(records) == len(ids) else None

    records = wait_until(logged, 10)
    assert records, "the access log lacks the requests' lines"
    for rid, record in records.items():
        assert record["path"] == ids[rid].split("?")[0] and record["method"] == "GET", record
        assert record["status"] == (404 if "no/such" in rid else 200), record
        assert record["client"] == "127.0.0.1" and record["user_agent"] == "headers-test", record
        assert record["bytes"] > 0 and record["seconds"] >= 0 and record["time"].endswith("+00:00"), record


@pytest.mark.live
def test_access_log_has_every_line_once_when_the_answers_are_in(start_server, tmp_path):
    """Under concurrent load the access log is written in batches (one write per line cost ~18 % of a
    point lookup's throughput), yet no line is lost or repeated, and once every answer has arrived the
    lines are on disk: the last request in flight in a process writes the batch with its own line."""
    from concurrent.futures import ThreadPoolExecutor

    data = tmp_path / "d.ttl"
    data.write_text('<http://example.org/a> <http://example.org/p> "x" .\n', encoding="utf-8")
    log = tmp_path / "access.log"
    server = start_server("--data", str(data), "--access-log", str(log), "--workers", "2",
                          "--fair-query-seconds", "0", "--fair-concurrent-queries", "0", "--threads", "10")  # one client, 6 at once
    ids = [f"burst-{i}" for i in range(400)]

    def ask(rid):
        with requests.Session() as s:
            r = s.get(server.url("/sparql"), params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} # {rid}"},
                      headers={"X-Request-Id": rid, "Accept": "application/sparql-results+json"}, timeout=30)
            return r.status_code, "" if r.status_code == 200 else r.text[:300]

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, ids))
    assert {status for status, _ in answers} == {200}, [a for a in answers if a[0] != 200][:3]
    logged = [json.loads(line)["request_id"] for line in log.read_text().splitlines()]
    burst = [rid for rid in logged if rid.startswith("burst-")]
    assert sorted(burst) == sorted(ids), f"{len(set(ids) - set(burst))} lines missing, " \
                                         f"{len(burst) - len(set(burst))} repeated"
    server.stop()
    assert sorted(rid for rid in (json.loads(line)["request_id"] for line in log.read_text().splitlines())
                  if rid.startswith("burst-")) == sorted(ids), "a stop must not lose or repeat lines"
