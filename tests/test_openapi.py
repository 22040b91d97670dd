"""``/openapi.json``: a valid OpenAPI 3.1 description of every route, a page for people, and a schemathesis
run over it against a live server (bounded, loopback) that finds no 5xx."""
from __future__ import annotations

import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error

from cec_kg.ops.app import create_app

DATA = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p "one" . ex:b ex:p "two" . }
"""


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("openapi-data")
    (d / "data.trig").write_text(DATA, encoding="utf-8")
    return start_server("--data", str(d), "--workers", "1", "--threads", "4", "--timeout", "3")


@pytest.fixture(scope="module")
def spec(server) -> dict:
    r = requests.get(server.url("/openapi.json"), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json()


@pytest.mark.live
def test_it_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)      # raises on any error, with the path to it


def _template_regex(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


@pytest.mark.live
def test_every_route_is_described(spec, tmp_path):
    data = tmp_path / "d.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    app = create_app({"DATA": [str(data)]})
    templates = [_template_regex(p) for p in spec["paths"]]
    missing = []
    for rule in app.url_map.iter_rules():
        samples = {re.sub(r"<(?:[^:>]+:)?[^>]+>", fill, rule.rule) for fill in ("a", "a/b")}
        if not any(t.match(s) for t in templates for s in samples):
            missing.append(rule.rule)
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not any(t.match(s) and method.lower() in spec["paths"][p]
                       for p, t in zip(spec["paths"], templates) for s in samples):
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes the OpenAPI description leaves out: {missing}"


@pytest.mark.live
def test_every_operation_names_its_problems(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"404", "405", "414", "431"} <= codes, f"{method} {path}: {sorted(codes)}"
            assert any(c.startswith("2") or c.startswith("3") for c in codes), f"{method} {path}"
            for code in codes - {"200", "206", "303", "304", "308"}:
                if code.startswith("4") or code in ("502",):
                    ref = op["responses"][code]["$ref"]
                    assert "application/problem+json" in spec["components"]["responses"][ref.rsplit("/", 1)[1]]["content"]
    sparql = spec["paths"]["/sparql"]["get"]
    assert {"400", "403", "406", "429", "503"} <= set(sparql["responses"]), sparql["responses"].keys()
    assert {p["name"] for p in sparql["parameters"]} >= {"query", "default-graph-uri", "named-graph-uri", "timeout"}


@pytest.mark.live
def test_page_for_people(server):
    r = requests.get(server.url("/openapi"), headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "GET /sparql" in r.text and "POST /sparql" in r.text and "/openapi.json" in r.text
    assert "nothing is served here" in r.text, "shared problems are written out on the page"
    assert requests.get(server.url("/openapi"), headers={"Accept": "application/json"},
                        timeout=30).json()["openapi"].startswith("3.1")


# -- schemathesis: every operation, generated requests, no 5xx ----------------------------------------------
# Driven through its Python API (its pytest plugin's from_fixture reads a pytest internal that pytest 9
# removed): each operation's strategy, a bounded number of examples, derandomised so a run is repeatable.
@pytest.mark.live
def test_no_operation_answers_5xx(server):
    api = schemathesis.openapi.from_url(server.url("/openapi.json"))
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 30, len(operations)
    calls = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            response = case.call(timeout=30)
            calls.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        run()
    assert len(calls) >= 3 * len(operations), f"only {len(calls)} requests were made"
    print(f"schemathesis: {len(calls)} requests over {len(operations)} operations, statuses "
          f"{sorted(set(calls))}")
