"""Licences stated once and right: the code's in LICENSE (an OSI licence), the data's in data/LICENSE,
which the README, the package metadata, VoID/DCAT, the entity documents and the pages all follow; a
user's own ``--data`` carries no licence of ours unless they pass ``--license``."""
from __future__ import annotations

import re
import tomllib

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from cec_kg.graph import paths
from cec_kg.graph.licence import cec_data_license

DATA_LICENSE = paths.ROOT / "data" / "LICENSE"
DATASET = URIRef("https://w3id.org/cec-kg/dataset")
PYPROJECT = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def header(name: str) -> str:
    match = re.search(rf"^{name}:\s*(\S+)\s*$", DATA_LICENSE.read_text(encoding="utf-8"), re.M)
    assert match, f"data/LICENSE lacks its '{name}:' line"
    return match.group(1)


def test_code_licence_is_apache_and_declared():
    text = (paths.ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text, "LICENSE should hold the Apache-2.0 text"
    assert PYPROJECT["license"] == "Apache-2.0", PYPROJECT["license"]
    assert set(PYPROJECT["license-files"]) == {"LICENSE", "data/LICENSE"}, PYPROJECT["license-files"]


def test_data_licence_is_read_from_data_license():
    assert header("SPDX-License-Identifier") == "CC-BY-SA-4.0"
    assert cec_data_license() == header("License-IRI") == "https://creativecommons.org/licenses/by-sa/4.0/"


def test_readme_points_to_the_one_place():
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "data/LICENSE" in readme and "CC BY-SA 4.0" in readme and "Apache-2.0" in readme, \
        "the README should name both licences and point to data/LICENSE"


@pytest.mark.live
def test_served_cec_graph_states_the_data_licence(live_server):
    iri = cec_data_license()
    void = Graph().parse(data=requests.get(live_server.url("/dataset.ttl"), timeout=30).text, format="turtle")
    assert set(void.objects(DATASET, DCTERMS.license)) == {URIRef(iri)}, "VoID/DCAT licence differs from data/LICENSE"
    doc = Graph().parse(data=requests.get(live_server.url("/data/party/mexico.ttl"), timeout=30).text, format="turtle")
    assert URIRef(iri) in set(doc.objects(None, DCTERMS.license)), "the entity document states no licence"
    page = requests.get(live_server.url("/page/party/mexico"), timeout=30)
    assert f'<link rel="license" href="{iri}">' in page.text, "the page does not link its licence"
    assert f'<{iri}>; rel="license"' in page.headers["Link"], page.headers["Link"]


@pytest.mark.live
@pytest.mark.parametrize("licence", [None, "https://opendatacommons.org/licenses/odbl/1-0/"])
def test_users_own_data_carries_only_its_own_licence(tmp_path, start_server, licence):
    mine = tmp_path / "mine.ttl"
    mine.write_text('<http://example.org/a> <http://example.org/p> "x" .\n', encoding="utf-8")
    server = start_server("--data", str(mine), *(["--license", licence] if licence else []))
    void = Graph().parse(data=requests.get(server.url("/dataset.ttl"), timeout=30).text, format="turtle")
    assert set(map(str, void.objects(DATASET, DCTERMS.license))) == ({licence} if licence else set())
    home = requests.get(server.url("/"), timeout=30)
    assert cec_data_license() not in home.text and cec_data_license() not in home.headers.get("Link", ""), \
        "a user's data is labelled with the CEC graph's licence"
    if licence:
        assert 'rel="license"' in home.text and licence in home.text, "the licence passed is not on the page"
