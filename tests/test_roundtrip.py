"""The built dataset round-trips through every RDF syntax we serve: Turtle, N-Triples and RDF/XML per
named graph; TriG, N-Quads and JSON-LD for the whole dataset. Isomorphic, graph by graph."""
from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic, to_isomorphic, graph_diff

from cec_kg.graph import build

GRAPH_FORMATS = ["turtle", "nt", "xml", "json-ld"]
DATASET_FORMATS = ["trig", "nquads", "json-ld"]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    ds = Dataset()
    ds.parse(build.built_nquads(), format="nquads")
    return ds


def named_graphs(ds: Dataset) -> dict[URIRef, Graph]:
    out = {}
    for g in ds.graphs():
        if isinstance(g.identifier, URIRef) and len(g) and str(g.identifier) != "urn:x-rdflib:default":
            copy = Graph(identifier=g.identifier)
            for t in g:
                copy.add(t)
            out[g.identifier] = copy
    return out


def difference(a: Graph, b: Graph) -> str:
    _both, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    return f"lost {sorted(only_a)[:3]} gained {sorted(only_b)[:3]}"


def test_dataset_is_not_trivial(dataset):
    graphs = named_graphs(dataset)
    assert len(graphs) > 10 and sum(map(len, graphs.values())) > 1000, \
        f"the built dataset looks empty: {len(graphs)} graphs"


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_each_named_graph_round_trips(dataset, fmt):
    failures = []
    for name, g in named_graphs(dataset).items():
        text = g.serialize(format=fmt)
        back = Graph().parse(data=text, format=fmt)
        if not isomorphic(g, back):
            failures.append(f"{name}: {difference(g, back)}")
    assert not failures, f"{fmt} round trip changed {len(failures)} graphs:\n" + "\n".join(failures[:5])


@pytest.mark.parametrize("fmt", DATASET_FORMATS)
def test_dataset_round_trips(dataset, fmt):
    text = dataset.serialize(format=fmt)
    back = Dataset()
    back.parse(data=text, format=fmt)
    before, after = named_graphs(dataset), named_graphs(back)
    assert set(before) == set(after), \
        f"{fmt}: graph names changed: lost {sorted(set(before) - set(after))[:3]}, gained {sorted(set(after) - set(before))[:3]}"
    changed = [f"{n}: {difference(before[n], after[n])}" for n in before if not isomorphic(before[n], after[n])]
    assert not changed, f"{fmt} round trip changed {len(changed)} graphs:\n" + "\n".join(changed[:5])
