"""The benchmark's synthetic PRTR-shaped data (bench/prtr.py): deterministic, PRTR-shaped, and labelled
synthetic, under its own namespace only, so it can never pass for CEC data or mix into the CEC graph."""
from __future__ import annotations

import sys
from collections import Counter

import pyoxigraph as ox
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench import mixes, prtr  # noqa: E402  (bench/ is not part of the package)

CEC_NAMESPACES = ("https://w3id.org/cec-kg/",)


def test_same_size_same_bytes(tmp_path):
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    assert prtr.generate(a, 3000) == prtr.generate(b, 3000)
    assert a.read_bytes() == b.read_bytes(), "the generator must be deterministic"
    bigger = tmp_path / "c.nt"
    prtr.generate(bigger, 6000)
    assert bigger.read_bytes().startswith(a.read_bytes()[:-200]), "a larger size extends the same facilities"


def test_shape_and_labels(tmp_path):
    path = tmp_path / "p.nt"
    count = prtr.generate(path, 5000)
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == count and 5000 <= count < 5200, count
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Synthetic PRTR-shaped benchmark data") and "NOT CEC data" in text.splitlines()[1]
    subjects = {t.subject.value for t in triples}
    assert all(s.startswith(prtr.BASE) for s in subjects), "every subject lives in the synthetic namespace"
    assert not [t for t in triples for term in (t.subject, t.predicate, t.object)
                if isinstance(term, ox.NamedNode) and term.value.startswith(CEC_NAMESPACES)], \
        "synthetic data must not use (or claim to be) CEC identifiers or vocabulary"
    types = Counter(t.object.value for t in triples if t.predicate.value == prtr.RDF_TYPE)
    facilities, releases = types[prtr.V + "Facility"], types[prtr.V + "Release"]
    assert facilities > 30 and releases > 5 * facilities, types
    assert {t.object.value.rsplit("/", 1)[1] for t in triples
            if t.predicate.value == prtr.SCHEMA + "addressCountry"} == {"ca", "mx", "us"}
    names = [t.object for t in triples if t.predicate.value == prtr.SKOS_PREF
             and t.subject.value.startswith(prtr.ID + "facility/")]
    assert {n.language for n in names} == {"en", "es", "fr"}
    assert all(n.value.lower().startswith(("synthetic", "instalación sintética", "installation synthétique"))
               for n in names), "every facility's name says it is synthetic, in each language"
    per_release = Counter(t.subject.value for t in triples if t.subject.value.startswith(prtr.ID + "release/"))
    assert set(per_release.values()) == {6}, "a release: type, facility, year, pollutant, medium, amount"


def test_the_cec_graph_is_also_run_in_memory(tmp_path):
    """Issue 11's figures for the CEC graph match Oxigraph in memory: the default bench runs it so too,
    after the on-disk runs, under its own name (its verdicts are its own)."""
    from bench.datasets import Dataset
    from bench.run import parse_args, storage_passes

    data = [Dataset("cec", tmp_path / "cec.nq", 10), Dataset("prtr-1m", tmp_path / "p.nt", 10, True)]
    args = parse_args([])
    got = [(ds.name, storage) for ds, storage in storage_passes(data, args.storage, args.memory_too, args.backends)]
    assert got == [("cec", "disk"), ("prtr-1m", "disk"), ("cec-memory", "memory")]
    assert storage_passes(data, "memory", args.memory_too) == [(data[0], "memory"), (data[1], "memory")]
    assert [s for _, s in storage_passes(data, "disk", args.memory_too, backends=True)] == ["disk", "disk"]
    assert [s for _, s in storage_passes(data, "disk", "")] == ["disk", "disk"]


@pytest.fixture(scope="module")
def prtr_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("prtr") / "p.nt"
    prtr.generate(path, 5000)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.mark.parametrize("mix", mixes.MIXES)
def test_every_template_of_every_mix_runs_on_prtr_shaped_data(prtr_store, mix):
    """Each mix's templates are filled from the data and the engine answers each; most find something
    (a mix of empty answers would measure nothing)."""
    requests = mixes.build(mix, mixes.discover(prtr_store))
    by_template: dict[str, list[int]] = {}
    for r in requests:
        answer = prtr_store.query(r.query)
        size = len(list(answer)) if isinstance(answer, (ox.QuerySolutions, ox.QueryTriples)) else 1
        by_template.setdefault(r.template, []).append(size)
    assert sorted(by_template) == sorted(p.stem for p in mixes.templates(mix)), by_template.keys()
    for template, sizes in by_template.items():
        assert len(sizes) == mixes.PER_TEMPLATE[mix] and sum(1 for n in sizes if n) >= len(sizes) // 2, \
            (template, sizes)
