"""The installed package works anywhere: the wheel (and the sdist) carry the vocabulary, data, shapes,
queries, templates and static files, and ``cec-kg`` serves them from an unrelated folder.

The wheel is built from this checkout and installed with its dependencies into a fresh virtualenv;
every command then runs from a temporary folder with ``HOME`` there too, so nothing of the checkout
(nor its ``build/``) can be reached. This is the slowest module (about a minute: pip installs the
dependencies from the package index, or its cache).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from cec_kg.graph import paths
from conftest import LiveServer

pytestmark = pytest.mark.live

DATASET = URIRef("https://w3id.org/cec-kg/dataset")
# What the installed package must carry, as paths inside cec_kg/ (one of each kind of file).
SHIPPED = [
    "bundled/ontology/cec.ttl", "bundled/ontology/context.jsonld", "bundled/ontology/releases/0.1.0.ttl",
    "bundled/data/LICENSE", "bundled/data/provenance.ttl", "bundled/data/seed/organization.ttl",
    "bundled/data/sources/identifiers.trig", "bundled/shapes/core.ttl", "bundled/shapes/recommended.ttl",
    "bundled/queries/cq-01-factual-records-concerning-mexico.rq", "bundled/queries/server/ld-describe.rq",
    "web/templates/base.html", "web/static/style.css", "web/static/search.js", "web/static/vendor/sparql-editor.js",
    "web/static/vendor/sparql-editor.LICENSES.txt", "web/static/vendor/world-atlas/land-110m.json",
    "bundled/queries/server/library.rq",
]
ROUTES = ["/", "/sparql", "/page/party/mexico", "/ontology", "/shapes", "/dataset", "/dumps/", "/sitemap.xml",
          "/.well-known/void", "/static/style.css", "/static/vendor/sparql-editor.js", "/queries",
          "/search?q=jpac", "/publications"]
USER_DATA = """@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:river rdfs:label "A river"@en ; ex:flowsInto ex:sea .
"""


def run(cmd: list[str], cwd: Path, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist built from this checkout, and the wheel built from that sdist (as a package index's
    users get it; building from the checkout could pick up a stale build/lib)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(paths.ROOT)], cwd=out, env=os.environ.copy())
    return out


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> tuple[Path, Path, dict]:
    """(the cec-kg command of a fresh virtualenv holding only the wheel and its dependencies, an
    unrelated folder to run it from, the environment to run it with)."""
    venv = tmp_path_factory.mktemp("venv")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CEC_", "VIRTUAL_ENV", "PYTHON"))}
    env |= {"HOME": str(elsewhere), "XDG_CACHE_HOME": str(elsewhere / ".cache"), "PIP_CACHE_DIR": _pip_cache()}
    run([sys.executable, "-m", "venv", str(venv)], cwd=elsewhere, env=env)
    wheel = next(dist.glob("*.whl"))
    run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], cwd=elsewhere, env=env)
    return venv / "bin" / "cec-kg", elsewhere, env


def _pip_cache() -> str:
    """The user's pip cache (so the dependencies are not downloaded again), though HOME moves."""
    return os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


def test_wheel_and_sdist_carry_the_graphs_files(dist):
    wheel = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    missing = [p for p in SHIPPED if f"cec_kg/{p}" not in wheel]
    assert not missing, f"the wheel lacks {missing}"
    assert not [n for n in wheel if n.startswith("cec_kg/bundled/") and n.endswith(".py")], \
        "the wheel ships a script from the data folders (data/sources/build.py needs ../shared)"
    licences = [n for n in wheel if ".dist-info/licenses/" in n]
    assert any(n.endswith("licenses/LICENSE") for n in licences) and any(n.endswith("data/LICENSE") for n in licences), licences
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for top in ("ontology/cec.ttl", "data/LICENSE", "data/seed/organization.ttl", "shapes/core.ttl",
                "queries/server/ld-describe.rq", "server/web/templates/base.html", "LICENSE"):
        assert top in names, f"the sdist lacks {top} (a wheel built from it would too)"


def test_version_names_the_installed_files(installed):
    cec_kg, elsewhere, env = installed
    out = run([str(cec_kg), "--version"], cwd=elsewhere, env=env).stdout
    assert "installed package" in out and "site-packages" in out, out
    assert out.splitlines()[1].startswith("vocabulary 0."), out


def test_validate_from_anywhere(installed):
    cec_kg, elsewhere, env = installed
    out = run([str(cec_kg), "validate"], cwd=elsewhere, env=env).stdout
    assert "Result: CONFORMS" in out, out


def _served(server: LiveServer) -> dict[str, int]:
    return {path: requests.get(server.url(path), headers={"Accept": "text/html"}, allow_redirects=False,
                               timeout=60).status_code for path in ROUTES}


def _licence(server: LiveServer) -> set[str]:
    g = Graph().parse(data=requests.get(server.url("/dataset.ttl"), timeout=60).text, format="turtle")
    return {str(o) for o in g.objects(DATASET, DCTERMS.license)}


def test_serve_the_cec_graph_from_anywhere(installed):
    cec_kg, elsewhere, env = installed
    server = LiveServer(command=[str(cec_kg)], cwd=elsewhere, env=env, ready_timeout=300)
    try:
        codes = _served(server)
        assert all(code == 200 for code in codes.values()), codes
        r = requests.get(server.url("/id/party/mexico"), allow_redirects=False, timeout=30)
        assert r.status_code == 303 and r.headers["Location"].startswith("/data/party/mexico"), (r.status_code, r.headers)
        q = "ASK { <https://w3id.org/cec-kg/id/organization/cec> ?p ?o }"
        assert requests.get(server.url("/sparql"), params={"query": q}, timeout=30).json()["boolean"] is True
        assert _licence(server) == {"https://creativecommons.org/licenses/by-sa/4.0/"}, \
            "the CEC graph's licence (data/LICENSE) should be in its VoID"
    finally:
        server.stop()


@pytest.mark.parametrize("licence", [None, "https://creativecommons.org/publicdomain/zero/1.0/"])
def test_serve_users_own_data_from_anywhere(installed, licence):
    cec_kg, elsewhere, env = installed
    mine = elsewhere / "mine.ttl"
    mine.write_text(USER_DATA, encoding="utf-8")
    extra = ["--license", licence] if licence else []
    server = LiveServer("--data", "mine.ttl", *extra, command=[str(cec_kg)], cwd=elsewhere, env=env, ready_timeout=300)
    try:
        codes = _served(server)
        assert codes.pop("/page/party/mexico") == 404, "the CEC graph's pages are not in the user's data"
        assert all(code == 200 for code in codes.values()), codes
        q = 'ASK { <http://example.org/river> ?p "A river"@en }'
        assert requests.get(server.url("/sparql"), params={"query": q}, timeout=30).json()["boolean"] is True
        assert _licence(server) == ({licence} if licence else set()), \
            "a user's own data carries no licence of ours, only the one they pass"
    finally:
        server.stop()
